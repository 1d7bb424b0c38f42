"""The applicant's pages: their entries, from draft to result."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from flask_wtf.csrf import validate_csrf
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms.validators import ValidationError

from contest import entries
from contest.entries import entry_timeline, get_attachment_for, get_entry_for
from contest.extensions import csrf, db
from contest.forms import ActionForm
from contest.i18n import _
from contest.models import Attachment, Category, Entry, EntryStatus, Locality
from contest.storage import (
    ALLOWED_TYPES,
    InvalidUpload,
    ObjectNotFound,
    StorageUnavailable,
    content_disposition,
    get_store,
)
from contest.web.entries.forms import (
    ConflictForm,
    CreateEntryForm,
    EditEntryForm,
    LinkForm,
    MemberForm,
    WithdrawForm,
    applicant_type_choices,
    with_id_prefix,
)
from contest.web.entries.uploads import MalformedUpload, MultipartReader

bp = Blueprint("entries", __name__)


@bp.app_template_global()
def attachment_name(attachment: Attachment) -> str:
    """The file's name as the signed-in person may see it (neutral for a judge under blind judging)."""
    return entries.filename_for(current_user, attachment)

INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/webp"}
# After a refused upload, read at most this much of the rest of the body so the connection stays usable.
DRAIN_LIMIT = 8 * 1024 * 1024


def _user():
    return current_user._get_current_object()  # type: ignore[attr-defined]


def storage_down_message() -> str:
    return _("Kho lưu trữ tạm thời không truy cập được, vui lòng thử lại sau")


def _problem(message: str, status: int, entry: Entry | None = None, problems: list[str] | None = None):
    db.session.rollback()
    return render_template("entries/problem.html", message=message, problems=problems or [], entry=entry), status


def _commit() -> None:
    """Commit the request's work; a concurrent change becomes a 409 instead of a 500."""
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise entries.EntryError(_("Dữ liệu đã được thay đổi ở nơi khác. Vui lòng tải lại trang và thử lại."),
                             409) from exc


# The actions of the entry's edit page: a refusal shows that page again, with the reason on top.
EDIT_PAGE_ACTIONS = frozenset({
    "entries.edit_entry", "entries.add_member", "entries.move_member", "entries.remove_member",
    "entries.add_conflict", "entries.remove_conflict", "entries.upload_file", "entries.replace_file",
    "entries.remove_file", "entries.add_link",
})


def _refused(message: str, status: int, problems: list[str] | None = None):
    """A refused action: the page it came from with the reason, or the problem page when there is none."""
    db.session.rollback()
    entry_id = (request.view_args or {}).get("entry_id")
    entry = db.session.get(Entry, entry_id) if entry_id else None
    if entry is not None and entries.can_edit_entry(current_user, entry):
        if request.endpoint in EDIT_PAGE_ACTIONS:
            return _render_edit(entry, status, refusal=message, refusal_problems=problems)
        if request.endpoint == "entries.submit":
            flash(message, "error")
            return _render_show(entry, problems=problems or [], status=status)
    return _problem(message, status, problems=problems)


@bp.errorhandler(entries.EntryError)
def _entry_error(error: entries.EntryError):
    return _refused(error.message, error.status, error.problems)


@bp.errorhandler(StaleDataError)
def _stale(error: StaleDataError):
    # Two requests changed the same entry at once (a double click, two tabs): the first one won.
    return _refused(_("Dữ liệu đã được thay đổi ở nơi khác. Vui lòng tải lại trang và thử lại."), 409)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(error: RequestEntityTooLarge):
    # A body above MAX_CONTENT_LENGTH, when one is set: the form again, not a bare error page.
    return _refused(_("Tệp hoặc dữ liệu gửi lên vượt quá dung lượng cho phép."), 413)


# --------------------------------------------------------------------------------------------------
# Lists and creation


@bp.route("/")
@login_required
def my_entries() -> str:
    mine = db.session.scalars(
        select(Entry)
        .where((Entry.owner_id == current_user.id) | Entry.members.any(user_id=current_user.id))
        .order_by(Entry.created_at.desc())
    ).all()
    return render_template("entries/my_entries.html", entries=mine, open_editions=entries.open_editions())


def _category_choices() -> list[tuple[int, str]]:
    choices = []
    for edition in entries.open_editions():
        for category in edition.categories:
            choices.append((category.id, f"{edition.year} – {category.name}"))
    return choices


@bp.route("/moi", methods=["GET", "POST"])
@login_required
def new_entry() -> str | Response:
    editions = entries.open_editions()
    if not editions:
        return _problem(_("Hiện chưa có cuộc thi nào đang nhận đăng ký bài dự thi."), 409)
    form = CreateEntryForm()
    form.category.choices = _category_choices()
    allowed = sorted({t for e in editions for t in (e.allowed_applicant_types or [])})
    form.applicant_type.choices = applicant_type_choices(allowed)
    if request.method == "GET":
        profile = current_user.applicant_profile
        if profile is not None:
            form.organization.data = profile.organization
            if profile.applicant_type in allowed:
                form.applicant_type.data = profile.applicant_type
    if form.validate_on_submit():
        category = db.session.get(Category, form.category.data)
        entry = entries.create_entry(
            _user(), category.edition, category,
            title=form.title.data, applicant_type=form.applicant_type.data, organization=form.organization.data,
        )
        _commit()
        flash(_("Đã tạo bài dự thi %(code)s (bản nháp). Hãy bổ sung thông tin và hồ sơ rồi nộp bài.",
                code=entry.reference_code), "success")
        return redirect(url_for("entries.edit_entry", entry_id=entry.id))
    status = 422 if form.is_submitted() else 200
    return render_template("entries/new.html", form=form, editions=editions), status


# --------------------------------------------------------------------------------------------------
# One entry


@bp.route("/<int:entry_id>")
@login_required
def show_entry(entry_id: int) -> str:
    entry = get_entry_for(current_user, entry_id)
    return _render_show(entry)


def _render_show(entry: Entry, problems: list[str] | None = None, status: int = 200):
    blind = entries.authors_hidden_from(current_user, entry)
    return render_template(
        "entries/show.html",
        entry=entry,
        blind=blind,
        timeline=[] if blind else entry_timeline(entry),
        is_owner=entry.owner_id == current_user.id,
        edit_problem=entries.edit_problem(entry),
        withdraw_problem=entries.withdraw_problem(entry),
        submit_problems=problems if problems is not None else (
            entries.submission_problems(entry) if entry.status == EntryStatus.DRAFT else []),
        action_form=ActionForm(),
        total_bytes=entries.entry_bytes(entry),
    ), status


def _offer_choices(form: EditEntryForm, entry: Entry) -> EditEntryForm:
    form.category.choices = [(c.id, c.name) for c in entry.edition.categories]
    form.applicant_type.choices = applicant_type_choices(entry.edition.allowed_applicant_types)
    localities = db.session.scalars(select(Locality).where(Locality.active).order_by(Locality.name)).all()
    form.locality.choices = [(0, _("— Chưa chọn —"))] + [(loc.id, entries.locality_label(loc)) for loc in localities]
    return form


def _edit_forms(entry: Entry, form: EditEntryForm | None = None, *, member_form: MemberForm | None = None,
                conflict_form: ConflictForm | None = None, link_form: LinkForm | None = None,
                link_kind_id: int | None = None) -> dict[str, object]:
    """The edit page's forms; each small form gets its own id prefix so that no id repeats on the page."""
    if form is None:
        form = EditEntryForm(obj=entry, formdata=None)
        form.category.data = entry.category_id
        form.locality.data = entry.locality_id or 0
        form.version.data = str(entry.version)
    _offer_choices(form, entry)
    link_forms = {
        kind.id: with_id_prefix(link_form if link_form is not None and kind.id == link_kind_id
                                else LinkForm(formdata=None), f"link-{kind.code}")
        for kind in entry.edition.attachment_kinds if kind.allows_link
    }
    return {
        "entry": entry,
        "form": form,
        "member_form": with_id_prefix(member_form or MemberForm(formdata=None), "member"),
        "conflict_form": with_id_prefix(conflict_form or ConflictForm(formdata=None), "conflict"),
        "link_forms": link_forms,
        "action_form": ActionForm(),
        "total_bytes": entries.entry_bytes(entry),
        "edit_problem": entries.edit_problem(entry),
        "type_names": {mime: ext.upper() for mime, ext in ALLOWED_TYPES.items()},
    }


def _render_edit(entry: Entry, status: int = 200, *, refusal: str | None = None,
                 refusal_problems: list[str] | None = None, **forms):
    return render_template("entries/edit.html", refusal=refusal, refusal_problems=refusal_problems or [],
                           **_edit_forms(entry, **forms)), status


@bp.route("/<int:entry_id>/sua", methods=["GET", "POST"])
@login_required
def edit_entry(entry_id: int) -> str | Response:
    entry = get_entry_for(current_user, entry_id, edit=True)
    if request.method == "GET":
        return _render_edit(entry)
    problem = entries.edit_problem(entry)
    if problem:
        return _refused(problem, 409)
    form = _offer_choices(EditEntryForm(), entry)
    if not form.validate():
        return _render_edit(entry, 422, form=form)
    if form.version.data != str(entry.version):
        flash(_("Bài dự thi vừa được thay đổi ở nơi khác. Vui lòng xem lại rồi lưu lần nữa."), "error")
        return _render_edit(entry, 409)
    entries.update_entry(
        entry,
        actor=_user(),
        title=form.title.data,
        summary=form.summary.data,
        description=form.description.data,
        applicant_type=form.applicant_type.data,
        organization=form.organization.data,
        category=db.session.get(Category, form.category.data),
        locality=db.session.get(Locality, form.locality.data) if form.locality.data else None,
        public_consent=form.public_consent.data,
    )
    _commit()
    flash(_("Đã lưu thông tin bài dự thi."), "success")
    return redirect(url_for("entries.edit_entry", entry_id=entry.id))


@bp.route("/<int:entry_id>/tac-gia", methods=["POST"])
@login_required
def add_member(entry_id: int) -> Response:
    entry = get_entry_for(current_user, entry_id, edit=True)
    form = MemberForm()
    if not form.validate():
        db.session.rollback()
        return _render_edit(entry, 422, member_form=form)
    entries.add_member(entry, actor=_user(), full_name=form.full_name.data, role=form.role.data,
                   organization=form.organization.data, email=form.email.data, phone=form.phone.data)
    _commit()
    flash(_("Đã thêm tác giả."), "success")
    return redirect(url_for("entries.edit_entry", entry_id=entry.id, _anchor="members"))


@bp.route("/<int:entry_id>/tac-gia/<int:member_id>/<any(len,xuong):direction>", methods=["POST"])
@login_required
def move_member(entry_id: int, member_id: int, direction: str) -> Response:
    entry = get_entry_for(current_user, entry_id, edit=True)
    entries.move_member(entry, member_id, -1 if direction == "len" else 1, actor=_user())
    _commit()
    return redirect(url_for("entries.edit_entry", entry_id=entry.id, _anchor="members"))


@bp.route("/<int:entry_id>/tac-gia/<int:member_id>/xoa", methods=["POST"])
@login_required
def remove_member(entry_id: int, member_id: int) -> Response:
    entry = get_entry_for(current_user, entry_id, edit=True)
    entries.remove_member(entry, member_id, actor=_user())
    _commit()
    flash(_("Đã bỏ tác giả khỏi danh sách."), "success")
    return redirect(url_for("entries.edit_entry", entry_id=entry.id, _anchor="members"))


@bp.route("/<int:entry_id>/xung-dot", methods=["POST"])
@login_required
def add_conflict(entry_id: int) -> Response:
    entry = get_entry_for(current_user, entry_id, edit=True)
    form = ConflictForm()
    if not form.validate():
        db.session.rollback()
        return _render_edit(entry, 422, conflict_form=form)
    entries.add_conflict_declaration(entry, actor=_user(), organization=form.organization.data,
                                 person_name=form.person_name.data, reason=form.reason.data)
    _commit()
    flash(_("Đã ghi nhận: tổ chức / người này sẽ không chấm bài của bạn."), "success")
    return redirect(url_for("entries.edit_entry", entry_id=entry.id, _anchor="conflicts"))


@bp.route("/<int:entry_id>/xung-dot/<int:declaration_id>/xoa", methods=["POST"])
@login_required
def remove_conflict(entry_id: int, declaration_id: int) -> Response:
    entry = get_entry_for(current_user, entry_id, edit=True)
    entries.remove_conflict_declaration(entry, declaration_id, actor=_user())
    _commit()
    return redirect(url_for("entries.edit_entry", entry_id=entry.id, _anchor="conflicts"))


# --------------------------------------------------------------------------------------------------
# Files


def _upload_status(error: InvalidUpload) -> int:
    return {"too_large": 413, "entry_too_large": 413, "bad_type": 415}.get(error.code, 422)


def _receive_upload(entry: Entry, kind_id: int | None = None, attachment_id: int | None = None):
    """Stream the request body's file part into storage (see contest.web.entries.uploads)."""
    if request.mimetype != "multipart/form-data":
        return _refused(_("Yêu cầu tải tệp không hợp lệ."), 400)
    reader = MultipartReader(request.stream, request.mimetype_params.get("boundary", ""))

    def refuse(message: str, status: int):
        reader.drain(DRAIN_LIMIT)
        return _refused(message, status)

    kind = None
    try:
        part = reader.next_file()
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            try:
                validate_csrf(reader.fields.get("csrf_token"))
            except ValidationError:
                return refuse(_("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. "
                                "Vui lòng tải lại trang và thử lại."), 400)
        if attachment_id is not None:
            replacing = entries.attachment_of(entry, attachment_id)
            kind = replacing.kind
        else:
            replacing = None
            kind = entries.kind_of(entry, kind_id)
        if part is None or not part.filename:
            return refuse(entries.upload_message(InvalidUpload("no_file"), kind), 422)
        result = entries.store_attachment(entry, kind, actor=_user(), filename=part.filename,
                                      chunks=reader.file_chunks(), replacing=replacing)
    except InvalidUpload as error:
        return refuse(entries.upload_message(error, kind), _upload_status(error))
    except StorageUnavailable:
        current_app.logger.warning("Upload refused: object store unavailable")
        return refuse(storage_down_message(), 503)
    except entries.EntryError as error:
        return refuse(error.message, error.status)
    except MalformedUpload:
        return _refused(_("Tệp gửi lên bị gián đoạn hoặc không hợp lệ. Vui lòng thử lại."), 400)
    _commit_upload(result)
    flash(_("Đã tải lên tệp %(name)s.", name=result.attachment.display_filename), "success")
    return redirect(url_for("entries.edit_entry", entry_id=entry.id, _anchor="files"))


def _commit_upload(result: entries.StoredUpload) -> None:
    """Commit the new row; if that fails the new object goes, if it succeeds the replaced one goes."""
    try:
        db.session.commit()
    except BaseException as exc:
        db.session.rollback()
        entries.discard_objects([result.new_key])
        if isinstance(exc, (StaleDataError, IntegrityError)):
            raise entries.EntryError(_("Dữ liệu đã được thay đổi ở nơi khác. Vui lòng tải lại trang và thử lại."),
                                 409) from exc
        if isinstance(exc, SQLAlchemyError):
            raise entries.EntryError(_("Chưa lưu được tệp do lỗi cơ sở dữ liệu. Vui lòng thử lại sau."), 503) from exc
        raise
    entries.discard_objects([result.replaced_key])


@bp.route("/<int:entry_id>/tep/loai/<int:kind_id>", methods=["POST"])
@csrf.exempt  # the token is checked from the streamed body in _receive_upload
@login_required
def upload_file(entry_id: int, kind_id: int):
    entry = get_entry_for(current_user, entry_id, edit=True)
    return _receive_upload(entry, kind_id=kind_id)


@bp.route("/<int:entry_id>/tep/<int:attachment_id>/thay-the", methods=["POST"])
@csrf.exempt  # the token is checked from the streamed body in _receive_upload
@login_required
def replace_file(entry_id: int, attachment_id: int):
    entry = get_entry_for(current_user, entry_id, edit=True)
    return _receive_upload(entry, attachment_id=attachment_id)


@bp.route("/<int:entry_id>/tep/<int:attachment_id>/xoa", methods=["POST"])
@login_required
def remove_file(entry_id: int, attachment_id: int) -> Response:
    entry = get_entry_for(current_user, entry_id, edit=True)
    key = entries.remove_attachment(entry, attachment_id, actor=_user())
    _commit()
    entries.discard_objects([key])
    flash(_("Đã xóa tệp."), "success")
    return redirect(url_for("entries.edit_entry", entry_id=entry.id, _anchor="files"))


@bp.route("/<int:entry_id>/lien-ket/<int:kind_id>", methods=["POST"])
@login_required
def add_link(entry_id: int, kind_id: int):
    entry = get_entry_for(current_user, entry_id, edit=True)
    kind = entries.kind_of(entry, kind_id)
    form = LinkForm()
    if not form.validate():
        db.session.rollback()
        return _render_edit(entry, 422, link_form=form, link_kind_id=kind.id)
    result = entries.add_link(entry, kind, actor=_user(), url=form.url.data)
    _commit()
    entries.discard_objects([result.replaced_key])
    flash(_("Đã thêm liên kết video."), "success")
    return redirect(url_for("entries.edit_entry", entry_id=entry.id, _anchor="files"))


@bp.route("/tep/<int:attachment_id>")
def download(attachment_id: int):
    """Anyone who may not read the file gets 404, logged in or not."""
    attachment = get_attachment_for(current_user, attachment_id)
    if attachment.link_url:
        return redirect(attachment.link_url)
    if not attachment.storage_key:
        abort(404)
    content_type = attachment.content_type or "application/octet-stream"
    inline = content_type in INLINE_TYPES
    store = get_store()
    try:
        url = store.presigned_get_url(attachment.storage_key, filename=entries.filename_for(current_user, attachment),
                                      content_type=content_type, expires=timedelta(minutes=5), inline=inline)
        if url:
            response = redirect(url)
            response.headers["Cache-Control"] = "no-store"
            return response
        reader = store.open(attachment.storage_key)
    except ObjectNotFound:
        current_app.logger.error("Attachment %s has no object %s", attachment.id, attachment.storage_key)
        abort(404)
    except StorageUnavailable:
        return _problem(storage_down_message(), 503)
    response = Response(reader, mimetype=content_type, direct_passthrough=True)
    if reader.size is not None:
        response.content_length = reader.size
    response.headers["Content-Disposition"] = content_disposition(entries.filename_for(current_user, attachment),
                                                                  inline=inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


# --------------------------------------------------------------------------------------------------
# Submitting and withdrawing


@bp.route("/<int:entry_id>/nop", methods=["POST"])
@login_required
def submit(entry_id: int):
    from contest import showcase

    entry = get_entry_for(current_user, entry_id, edit=True)
    try:
        newly = entries.submit_entry(entry, actor=_user())
        if newly:  # the showcase choice is made once, with the submission
            showcase.record_consent(entry, request.form.get("showcase_consent") == "y", actor=_user())
    except entries.EntryError as error:
        db.session.rollback()
        if error.problems:
            flash(error.message, "error")
            return _render_show(entry, problems=error.problems, status=error.status)
        raise
    if newly:
        entries.send_submission_receipt(entry)
    _commit()
    if newly:
        flash(_("Đã nộp bài dự thi %(code)s. Thư xác nhận đã được gửi tới email của bạn.",
                code=entry.reference_code), "success")
    else:
        flash(_("Bài dự thi này đã được nộp trước đó."), "info")
    return redirect(url_for("entries.show_entry", entry_id=entry.id))


@bp.route("/<int:entry_id>/rut", methods=["GET", "POST"])
@login_required
def withdraw(entry_id: int):
    entry = get_entry_for(current_user, entry_id, edit=True)
    form = WithdrawForm()
    if entry.status == EntryStatus.WITHDRAWN:
        flash(_("Bài dự thi đã được rút."), "info")
        return redirect(url_for("entries.show_entry", entry_id=entry.id))
    problem = entries.withdraw_problem(entry)
    if problem:
        return _problem(problem, 409, entry)
    if request.method == "POST":
        if not form.validate() or not form.confirm.data:
            if not form.confirm.errors:
                form.confirm.errors = [_("Vui lòng đánh dấu để xác nhận rút bài.")]
            return render_template("entries/withdraw.html", entry=entry, form=form), 422
        entries.withdraw_entry(entry, actor=_user(), reason=form.reason.data)
        _commit()
        flash(_("Đã rút bài dự thi %(code)s.", code=entry.reference_code), "success")
        return redirect(url_for("entries.show_entry", entry_id=entry.id))
    return render_template("entries/withdraw.html", entry=entry, form=form)


from contest.web.entries import privacy
