"""Images the public may see (the ballot's, the showcase's), served from object storage."""

from __future__ import annotations

from flask import abort, current_app
from werkzeug.wrappers import Response

from contest.models import Attachment


def public_image(attachment: Attachment) -> Response:
    """An image the public may see (the ballot's, the showcase's), read from storage and cached for an hour."""
    from contest.storage import ObjectNotFound, StorageUnavailable, get_store

    try:
        with get_store().open(attachment.storage_key) as reader:
            data = reader.read()
    except ObjectNotFound:
        current_app.logger.error("Public image %s has no object %s", attachment.id, attachment.storage_key)
        abort(404)
    except StorageUnavailable:
        abort(503)
    response = current_app.response_class(data, mimetype=attachment.content_type)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
