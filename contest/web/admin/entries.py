"""Organizers' entry pages: list, search, filter, open, screen eligibility, bulk actions, reopen, export."""

from __future__ import annotations

import io
from datetime import datetime

from flask import (
    Response,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.datastructures import MultiDict

from contest import entries, personal_data
from contest.access import roles_required
from contest.editions import edition_with_activity
from contest.entries import EntryError, entry_bytes, entry_timeline
from contest.exports import to_csv, to_xlsx
from contest.extensions import db
from contest.i18n import LOCAL_TZ, _
from contest.labels import ENTRY_STATUS
from contest.models import Edition, EligibilityResult, Entry, Role
from contest.web.admin.forms_entries import BulkForm, ReopenForm, ScreenForm
from contest.web.admin.routes import bp

PER_PAGE = 25


def _actor():
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if value.isdigit() else None


def _current_filter() -> tuple[entries.EntryFilter, list[Edition], Edition | None]:
    editions = db.session.scalars(select(Edition).order_by(Edition.year.desc(), Edition.id.desc())).all()
    edition_id = _int_arg("edition")
    edition = next((e for e in editions if e.id == edition_id), None) or edition_with_activity()
    status = request.args.get("status") or None
    if status not in ENTRY_STATUS:
        status = None
    category_id = _int_arg("category")
    if edition is not None and category_id not in {c.id for c in edition.categories}:
        category_id = None
    entry_filter = entries.EntryFilter(edition_id=edition.id if edition else None, q=request.args.get("q", "")[:200],
                                   category_id=category_id, status=status)
    return entry_filter, editions, edition


def _filter_args(entry_filter: entries.EntryFilter) -> dict[str, object]:
    return {k: v for k, v in {"edition": entry_filter.edition_id, "q": entry_filter.q,
                              "category": entry_filter.category_id, "status": entry_filter.status}.items() if v}


def _problem(error: EntryError, back: str):
    db.session.rollback()
    flash(error.message, "error")
    return render_template("admin/entries/problem.html", message=error.message, back=back), error.status


def _stale_error() -> EntryError:
    return EntryError(_("Dữ liệu đã được thay đổi ở nơi khác. Vui lòng tải lại trang và thử lại."), 409)


def _commit(back: str) -> None:
    try:
        db.session.commit()
    except (StaleDataError, IntegrityError) as exc:
        db.session.rollback()
        raise _stale_error() from exc


@bp.route("/bai-du-thi")
@roles_required(Role.ORGANIZER)
def entries_list() -> str:
    entry_filter, editions, edition = _current_filter()
    page = db.paginate(entry_filter.query(), page=_int_arg("page") or 1, per_page=PER_PAGE, error_out=False)
    return render_template(
        "admin/entries/list.html",
        page=page,
        entry_filter=entry_filter,
        filter_args=_filter_args(entry_filter),
        editions=editions,
        edition=edition,
        statuses=ENTRY_STATUS,
        bulk_form=BulkForm(formdata=None),
    )


@bp.route("/bai-du-thi/xuat.<any(csv,xlsx):fmt>")
@roles_required(Role.ORGANIZER)
def entries_export(fmt: str) -> Response:
    entry_filter, _editions, edition = _current_filter()
    found = db.session.scalars(entry_filter.query()).all()
    personal_data.exported("entries", len(found))
    headers, rows = entries.export_rows(found)
    stamp = datetime.now(LOCAL_TZ).strftime("%Y%m%d-%H%M")
    name = f"bai-du-thi-{edition.year if edition else 'tat-ca'}-{stamp}.{fmt}"
    if fmt == "csv":
        return send_file(io.BytesIO(to_csv(headers, rows)), mimetype="text/csv",
                         as_attachment=True, download_name=name)
    return send_file(io.BytesIO(to_xlsx(_("Bài dự thi"), headers, rows)), as_attachment=True, download_name=name,
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _entry_or_404(entry_id: int) -> Entry:
    entry = db.session.get(Entry, entry_id)
    if entry is None:
        from flask import abort

        abort(404)
    return entry


def _render_detail(entry: Entry, screen_form: ScreenForm | None = None, reopen_form: ReopenForm | None = None,
                   status: int = 200, checked: dict[int, bool] | None = None):
    results = {r.check_id: r for r in db.session.scalars(
        select(EligibilityResult).where(EligibilityResult.entry_id == entry.id))}
    if checked is None:
        checked = {cid: r.passed for cid, r in results.items()}
    if screen_form is None:
        screen_form = ScreenForm(formdata=None)
        screen_form.decision.data = "ineligible" if entry.status == "ineligible" else "eligible"
        screen_form.reason.data = entry.ineligible_reason
    return render_template(
        "admin/entries/detail.html",
        entry=entry,
        results=results,
        checked=checked,
        screen_form=screen_form,
        reopen_form=reopen_form or ReopenForm(formdata=None),
        timeline=entry_timeline(entry),
        total_bytes=entry_bytes(entry),
    ), status


@bp.route("/bai-du-thi/<int:entry_id>")
@roles_required(Role.ORGANIZER)
def entries_detail(entry_id: int):
    return _render_detail(personal_data.viewed(_entry_or_404(entry_id)))


@bp.route("/bai-du-thi/<int:entry_id>/tham-dinh", methods=["POST"])
@roles_required(Role.ORGANIZER)
def entries_screen(entry_id: int):
    entry = _entry_or_404(entry_id)
    form = ScreenForm()
    passed = {c.id: request.form.get(f"check-{c.id}") == "y" for c in entry.edition.eligibility_checks}
    if not form.validate():
        return _render_detail(entry, screen_form=form, status=422, checked=passed)
    back = url_for("admin.entries_detail", entry_id=entry.id)
    try:
        entries.screen_entry(entry, actor=_actor(), passed=passed, eligible=form.decision.data == "eligible",
                             reason=form.reason.data)
        entries.notify_screening([entry])
        _commit(back)
    except (StaleDataError, IntegrityError):
        return _problem(_stale_error(), back)
    except EntryError as error:
        db.session.rollback()
        form.reason.errors = [error.message]
        return _render_detail(_entry_or_404(entry_id), screen_form=form, status=error.status, checked=passed)
    flash(_("Đã lưu kết quả thẩm định bài %(code)s.", code=entry.reference_code), "success")
    return redirect(back)


@bp.route("/bai-du-thi/<int:entry_id>/mo-lai", methods=["POST"])
@roles_required(Role.ORGANIZER)
def entries_reopen(entry_id: int):
    entry = _entry_or_404(entry_id)
    form = ReopenForm()
    if not form.validate():
        return _render_detail(entry, reopen_form=form, status=422)
    back = url_for("admin.entries_detail", entry_id=entry.id)
    try:
        entries.reopen_entry(entry, actor=_actor(), reason=form.reason.data)
        entries.notify_reopened(entry, form.reason.data)
        _commit(back)
    except (StaleDataError, IntegrityError):
        return _problem(_stale_error(), back)
    except EntryError as error:
        return _problem(error, back)
    flash(_("Đã mở lại bài %(code)s cho người dự thi sửa.", code=entry.reference_code), "success")
    return redirect(back)


@bp.route("/bai-du-thi/hang-loat", methods=["POST"])
@roles_required(Role.ORGANIZER)
def entries_bulk():
    form = BulkForm(formdata=MultiDict(request.form))
    back = request.form.get("back") or ""
    if not back.startswith("/quan-tri/bai-du-thi"):
        back = url_for("admin.entries_list")
    if not form.validate():
        message = next(iter(form.errors.values()))[0]
        return _problem(EntryError(str(message), 422), back)
    chosen = db.session.scalars(select(Entry).where(Entry.id.in_(form.ids.data)).order_by(Entry.reference_code)).all()
    try:
        outcome = entries.bulk_screen(chosen, actor=_actor(), eligible=form.action.data == "eligible",
                                      reason=form.reason.data)
        entries.notify_screening(outcome.done)
        _commit(back)
    except (StaleDataError, IntegrityError):
        return _problem(_stale_error(), back)
    except EntryError as error:
        return _problem(error, back)
    flash(_("Đã cập nhật %(n)d bài.", n=len(outcome.done)), "success")
    if outcome.skipped:
        flash(_("Bỏ qua %(n)d bài không ở trạng thái đã nộp: %(codes)s.", n=len(outcome.skipped),
                codes=", ".join(e.reference_code for e in outcome.skipped)), "warning")
    return redirect(back)
