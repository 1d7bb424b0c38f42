"""gunicorn settings for production (read automatically from the working directory, or with -c).

Everything here can be overridden on the command line or with GUNICORN_CMD_ARGS.
"""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", "4"))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
timeout = 120
# Uploads stream through the worker; a slow client must not hold it for ever.
graceful_timeout = 30
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"


def post_worker_init(worker):  # noqa: ANN001, ARG001 - gunicorn's hook signature
    # The app and its libraries are loaded by now: move those long-lived objects out of the
    # garbage collector's sight, so a full collection no longer pauses a request for ~80 ms.
    gc.freeze()
