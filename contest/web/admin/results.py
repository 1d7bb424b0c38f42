"""The organizers' results workspace: rankings, explanations, judge reliability, award lists.

Pages read a *payload* (the engine's output plus the vote parts): for a round's live view it
is computed on the fly from the current sheets (:func:`contest.results.run_inputs`), for a
saved result set it is the stored one, so what the council sees while deciding is exactly
what gets frozen.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response

from contest import charts, exports, results
from contest.access import roles_required
from contest.extensions import db
from contest.i18n import _, _l, local_to_utc, localized
from contest.labels import CHAIR_DECISION
from contest.labels import RESULT_FLAG as FLAG_LABELS
from contest.models import (
    Award,
    AwardLevel,
    Category,
    Edition,
    Entry,
    ResultSet,
    ResultStatus,
    Role,
    Round,
    User,
    utcnow,
)
from contest.numbers import format_score
from contest.web.admin.forms_results import (
    METHOD_LABELS,
    ComputeForm,
    NonWinnersForm,
    OverrideForm,
    PublishForm,
    ReasonForm,
)
from contest.web.admin.routes import bp

JUDGE_REASONS = {
    "residual_spread": _l("Chấm dao động mạnh so với hội đồng"),
    "down_weighted": _l("Bị giảm trọng số"),
    "disagrees_with_panel": _l("Ngược chiều với hội đồng"),
}
WARNING_LABELS = {
    "disconnected_panel": _l("Các nhóm giám khảo không chấm chéo nhau: điểm giữa các nhóm chỉ so sánh được "
                             "nếu mỗi nhóm chấm công bằng như nhau."),
    "unscored_entries": _l("Có bài chỉ có phiếu chấm trống, không được xếp hạng."),
    "vote_not_frozen": _l("Cuộc thi có bình chọn nhưng kết quả bình chọn chưa được chốt: tổng điểm hiện chỉ gồm "
                          "Điểm của Hội đồng giám khảo."),
}
_PREVIEWS: dict[str, dict[str, Any]] = {}


def warning_label(text: str) -> str:
    code = text.split(":", 1)[0]
    return str(WARNING_LABELS.get(code, text))


def flag_label(code: str) -> str:
    return str(FLAG_LABELS.get(code, code))


# ------------------------------------------------------------------------------- loaders


def round_or_404(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return round_


def result_set_or_404(rs_id: int) -> ResultSet:
    rs = db.session.get(ResultSet, rs_id)
    if rs is None:
        abort(404)
    return rs


def _snapshot_redirect(rs: ResultSet) -> Response | None:
    """A round's closing snapshot has no award list: its standings live on the round's page."""
    if not results.is_round_snapshot(rs):
        return None
    flash(_("Bảng #%(id)d là kết quả lưu lúc đóng vòng; thứ hạng của nó nằm trên trang của vòng.", id=rs.id), "info")
    if rs.round_id is None:
        return redirect(url_for("admin.results_index"))
    return redirect(url_for("admin.round_progress", round_id=rs.round_id))


def award_or_404(rs: ResultSet, award_id: int) -> Award:
    award = db.session.get(Award, award_id)
    if award is None or award.result_set_id != rs.id:
        abort(404)
    return award


def _category_arg(round_: Round, category_id: int | None) -> Category | None:
    if not category_id:
        return None
    category = db.session.get(Category, category_id)
    if category is None or category.edition_id != round_.edition_id:
        abort(404)
    return category


def _method_arg() -> str:
    method = request.args.get("method", results.DEFAULT_METHOD)
    if method not in results.METHOD_CHOICES:
        abort(400)
    return method


def _preview(round_: Round, category: Category | None, method: str) -> dict[str, Any]:
    """The live payload; the bootstrap is costly, so identical inputs reuse the last answer."""
    inputs = results.build_inputs(round_, category, method)
    key = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()
    if key not in _PREVIEWS:
        if len(_PREVIEWS) > 64:
            _PREVIEWS.clear()
        _PREVIEWS[key] = results.payload_of(results.run_inputs(inputs))
    return _PREVIEWS[key]


def _entries(ids: list[str]) -> dict[str, Entry]:
    rows = db.session.scalars(
        select(Entry).where(Entry.id.in_([int(i) for i in ids])).options(selectinload(Entry.members))
    )
    return {str(e.id): e for e in rows}


def _judges(ids: list[str]) -> dict[str, User]:
    rows = db.session.scalars(select(User).where(User.id.in_([int(i) for i in ids])))
    return {str(u.id): u for u in rows}


def _levels(edition_id: int) -> dict[str, AwardLevel]:
    rows = db.session.scalars(select(AwardLevel).where(AwardLevel.edition_id == edition_id))
    return {str(lv.id): lv for lv in rows}


def _fail(error: results.ResultError, target: str) -> Response:
    db.session.rollback()
    flash(error.message, "error")
    return redirect(target)


# ------------------------------------------------------------------------------- pages


@bp.route("/ket-qua")
@roles_required(Role.ORGANIZER)
def results_index() -> str:
    editions = db.session.scalars(select(Edition).order_by(Edition.year.desc())).all()
    sets = db.session.scalars(select(ResultSet).order_by(ResultSet.id.desc())).all()
    return render_template("admin/results/index.html", editions=editions, sets=sets)


@bp.route("/ket-qua/vong/<int:round_id>")
@roles_required(Role.ORGANIZER)
def results_workspace(round_id: int) -> str | tuple[str, int]:
    round_ = round_or_404(round_id)
    category = _category_arg(round_, request.args.get("category", 0, type=int))
    method = _method_arg()
    form = ComputeForm(method=method, category_id=category.id if category else 0)
    form.category_id.choices = [(0, _("Tất cả lĩnh vực"))] + [
        (c.id, localized(c, "name")) for c in round_.edition.categories
    ]
    payload, problem = None, None
    try:
        payload = _preview(round_, category, method)
    except results.ResultError as error:
        problem = error.message
    sets = db.session.scalars(
        select(ResultSet).where(ResultSet.round_id == round_.id).order_by(ResultSet.id.desc())
    ).all()
    context = _table_context(payload, round_.edition_id) if payload else {}
    category_id = category.id if category else None
    context["why_url"] = lambda entry_id: url_for(
        "admin.results_why_preview", round_id=round_.id, entry_id=entry_id, method=method, category=category_id)
    return render_template(
        "admin/results/workspace.html", round=round_, category=category, method=method, form=form,
        payload=payload, problem=problem, sets=sets, methods=METHOD_LABELS, warning_label=warning_label, **context,
    )


def _table_context(payload: dict[str, Any], edition_id: int) -> dict[str, Any]:
    ids = [r["entry_id"] for r in payload["rows"]]
    return {"entries": _entries(ids), "levels": _levels(edition_id), "flag_label": flag_label}


@bp.route("/ket-qua/vong/<int:round_id>/tinh", methods=["POST"])
@roles_required(Role.ORGANIZER)
def results_compute(round_id: int) -> Response:
    round_ = round_or_404(round_id)
    form = ComputeForm()
    form.category_id.choices = [(0, "")] + [(c.id, c.code) for c in round_.edition.categories]
    if not form.validate_on_submit():
        abort(400)
    category = _category_arg(round_, form.category_id.data)
    back = url_for("admin.results_workspace", round_id=round_.id, method=form.method.data,
                   category=category.id if category else None)
    try:
        rs = results.compute_result_set(round_, category, form.method.data, actor=current_user)
    except results.ResultError as error:
        return _fail(error, back)
    db.session.commit()
    flash(_("Đã tính và lưu bảng kết quả."), "success")
    return redirect(url_for("admin.result_set", rs_id=rs.id))


@bp.route("/ket-qua/vong/<int:round_id>/bai/<int:entry_id>")
@roles_required(Role.ORGANIZER)
def results_why_preview(round_id: int, entry_id: int) -> str:
    round_ = round_or_404(round_id)
    category = _category_arg(round_, request.args.get("category", 0, type=int))
    method = _method_arg()
    try:
        payload = _preview(round_, category, method)
    except results.ResultError as error:
        abort(409, error.message)
    back = url_for("admin.results_workspace", round_id=round_.id, method=method,
                   category=category.id if category else None)
    return _why(payload, entry_id, round_.edition_id, back)


@bp.route("/ket-qua/bo/<int:rs_id>/bai/<int:entry_id>")
@roles_required(Role.ORGANIZER)
def results_why(rs_id: int, entry_id: int) -> str | Response:
    rs = result_set_or_404(rs_id)
    if (elsewhere := _snapshot_redirect(rs)) is not None:
        return elsewhere
    return _why(rs.payload, entry_id, rs.edition_id, url_for("admin.result_set", rs_id=rs.id))


def _why(payload: dict[str, Any], entry_id: int, edition_id: int, back: str) -> str:
    key = str(entry_id)
    row = next((r for r in payload["rows"] if r["entry_id"] == key), None)
    if row is None:
        abort(404)
    entry = db.session.get(Entry, entry_id)
    judges_stats = {j["judge_id"]: j for j in payload["evaluation"]["judges"]}
    sheets = [s for s in payload["sheets"] if s["entry_id"] == key]
    criteria = [c["key"] for c in payload["inputs"]["rubric"]["criteria"]]
    points: dict[str, dict[str, Any]] = {}
    for e, j, c, v in payload["inputs"]["scores"]:
        if e == key:
            points.setdefault(j, {})[c] = v
    names = _judges([s["judge_id"] for s in sheets])
    round_ = db.session.get(Round, payload["inputs"]["round_id"])
    criterion_names = {c.key: localized(c, "name") for c in round_.criteria} if round_ else {}
    return render_template(
        "admin/results/why.html", row=row, entry=entry, sheets=sheets, judges=judges_stats, names=names,
        points=points, criteria=criteria, criterion_names=criterion_names, payload=payload,
        levels=_levels(edition_id), flag_label=flag_label, back=back,
        decision_label=lambda code: str(CHAIR_DECISION.get(code, code)),
        steps=results.paper_steps(payload, key),
    )


@bp.route("/ket-qua/vong/<int:round_id>/giam-khao")
@roles_required(Role.ORGANIZER)
def results_reliability_preview(round_id: int) -> str | Response:
    round_ = round_or_404(round_id)
    category = _category_arg(round_, request.args.get("category", 0, type=int))
    method = _method_arg()
    back = url_for("admin.results_workspace", round_id=round_.id, method=method,
                   category=category.id if category else None)
    try:
        payload = _preview(round_, category, method)
    except results.ResultError as error:
        # Nothing to judge the judges by yet (no submitted sheet): say so where the organizer came from.
        flash(_("Chưa đánh giá được độ tin cậy của giám khảo: %(why)s", why=error.message), "info")
        return redirect(back)
    return _reliability(payload, back)


@bp.route("/ket-qua/bo/<int:rs_id>/giam-khao")
@roles_required(Role.ORGANIZER)
def results_reliability(rs_id: int) -> str | Response:
    rs = result_set_or_404(rs_id)
    if (elsewhere := _snapshot_redirect(rs)) is not None:
        return elsewhere
    return _reliability(rs.payload, url_for("admin.result_set", rs_id=rs.id))


def _reliability(payload: dict[str, Any], back: str) -> str:
    judges = payload["evaluation"]["judges"]
    ids = [j["judge_id"] for j in judges]
    names = _judges(ids)
    short = {j: f"GK{i + 1}" for i, j in enumerate(ids)}
    before: dict[str, list[float]] = {}
    after: dict[str, list[float]] = {}
    for s in payload["sheets"]:
        before.setdefault(s["judge_id"], []).append(s["total"])
        after.setdefault(s["judge_id"], []).append(s["adjusted"])
    labels = dict(short, _x=_("Điểm"), _before=_("Trước hiệu chỉnh"), _after=_("Sau hiệu chỉnh"))
    figures = {
        "distributions": charts.data_uri(
            charts.distributions_svg(ids, before, after, payload["scale"], labels)),
        "bias": charts.data_uri(charts.bias_svg(
            ids, [j["bias"] for j in judges], [j["bias_se"] for j in judges], dict(short, _x=_("Độ lệch (điểm)")))),
        "agreement": charts.data_uri(charts.agreement_svg(
            ids, [j["panel_correlation"] for j in judges], dict(short, _x=_("Tương quan với hội đồng")))),
    }
    return render_template(
        "admin/results/reliability.html", judges=judges, names=names, short=short, figures=figures,
        agreement=payload["evaluation"]["agreement"], reasons=JUDGE_REASONS, payload=payload, back=back,
    )


@bp.route("/ket-qua/bo/<int:rs_id>")
@roles_required(Role.ORGANIZER)
def result_set(rs_id: int) -> str | Response:
    rs = result_set_or_404(rs_id)
    if (elsewhere := _snapshot_redirect(rs)) is not None:
        return elsewhere
    return _result_set_page(rs)


def _result_set_page(rs: ResultSet, *, failed: tuple[int, OverrideForm] | None = None,
                     status: int = 200) -> tuple[str, int]:
    """The result set's page; ``failed`` is an award's override form sent back with its errors."""
    levels = sorted(rs.edition.award_levels, key=lambda lv: lv.position)
    override_forms = {}
    for award in rs.awards:
        if failed is not None and failed[0] == award.id:
            override_forms[award.id] = failed[1]
            continue
        form = OverrideForm(prefix=f"a{award.id}", level_id=award.level.id if award.level else 0)
        form.level_id.choices = [(lv.id, localized(lv, "name")) for lv in levels] + [(0, _("Không có giải"))]
        override_forms[award.id] = form
    from contest.approvals import publication_blockers, summarize

    blockers = publication_blockers(rs) if rs.status in (ResultStatus.COMPUTED, ResultStatus.FROZEN) else []
    approvals = {a.id: summarize(a) for a in rs.awards if a.level is not None}
    report = results.recompute_check(rs) if request.args.get("kiem-tra") else None
    return render_template(
        "admin/results/result_set.html", rs=rs, payload=rs.payload, override_forms=override_forms,
        publish_form=PublishForm(), reason_form=ReasonForm(), correction_form=ReasonForm(prefix="c"),
        non_winners_form=NonWinnersForm(list_non_winners=rs.list_non_winners), blockers=blockers,
        approvals=approvals, report=report, now=utcnow(), flag_label=flag_label,
        rows={r["entry_id"]: r for r in rs.payload["rows"]},
        export_names=exports.available(rs), draft=results.is_draft(rs), methods=METHOD_LABELS,
        warning_label=warning_label,
        why_url=lambda entry_id: url_for("admin.results_why", rs_id=rs.id, entry_id=entry_id),
        levels=_levels(rs.edition_id), entries=_entries([str(a.entry_id) for a in rs.awards]),
        below_minimum=results.below_minimum,
    ), status


@bp.route("/ket-qua/bo/<int:rs_id>/giai/<int:award_id>", methods=["POST"])
@roles_required(Role.ORGANIZER)
def result_override(rs_id: int, award_id: int) -> Response | tuple[str, int]:
    rs = result_set_or_404(rs_id)
    award = award_or_404(rs, award_id)
    form = OverrideForm(prefix=f"a{award.id}")
    levels = sorted(rs.edition.award_levels, key=lambda lv: lv.position)
    form.level_id.choices = [(lv.id, localized(lv, "name")) for lv in levels] + [(0, _("Không có giải"))]
    back = url_for("admin.result_set", rs_id=rs.id) + f"#award-{award.id}"
    if not form.validate_on_submit():
        if form.reason.errors:
            # The page comes back with the reason's error beside the award (a redirect with 422 is not followed).
            flash(_("Vui lòng ghi rõ lý do điều chỉnh mức giải."), "error")
            return _result_set_page(rs, failed=(award.id, form), status=422)
        abort(400)
    level = db.session.get(AwardLevel, form.level_id.data) if form.level_id.data else None
    if level is not None and results.below_minimum(award, level) and not form.below_minimum.data:
        flash(_("Tổng điểm %(score)s của bài %(code)s thấp hơn điểm tối thiểu %(minimum)s của %(level)s. "
                "Nếu Hội đồng vẫn quyết định trao mức này, hãy đánh dấu “Vẫn trao…” rồi lưu lại.",
                score=format_score(award.total_score), code=award.entry.reference_code,
                minimum=format_score(level.min_score), level=localized(level, "name")), "error")
        return _result_set_page(rs, failed=(award.id, form), status=422)
    try:
        results.override_award_level(award, level, form.reason.data, current_user)
    except results.ResultError as error:
        db.session.rollback()
        flash(error.message, "error")
        return _result_set_page(result_set_or_404(rs_id), status=error.status)
    db.session.commit()
    flash(_("Đã điều chỉnh mức giải và ghi lại lý do."), "success")
    if level is not None and results.below_minimum(award, level):
        flash(_("Lưu ý: %(level)s của bài %(code)s được trao dưới điểm tối thiểu của mức, theo quyết định của "
                "Hội đồng.", level=localized(level, "name"), code=award.entry.reference_code), "warning")
    return redirect(back)


def _action(rs_id: int, operation: Any, message: str) -> Response:
    rs = result_set_or_404(rs_id)
    back = url_for("admin.result_set", rs_id=rs.id)
    try:
        operation(rs)
    except results.ResultError as error:
        return _fail(error, back)
    db.session.commit()
    flash(message, "success")
    return redirect(back)


def _valid_action_form(form: Any) -> None:
    if not form.validate_on_submit():
        abort(400)


@bp.route("/ket-qua/bo/<int:rs_id>/chot", methods=["POST"])
@roles_required(Role.ORGANIZER)
def result_freeze(rs_id: int) -> Response:
    from contest.forms import ActionForm

    _valid_action_form(ActionForm())
    return _action(rs_id, lambda rs: results.freeze_result_set(rs, current_user), _("Đã chốt kết quả."))


@bp.route("/ket-qua/bo/<int:rs_id>/cong-bo", methods=["POST"])
@roles_required(Role.ORGANIZER)
def result_publish(rs_id: int) -> Response:
    form = PublishForm()
    if not form.validate_on_submit():
        flash(_("Hạn khiếu nại không hợp lệ (định dạng ngày giờ)."), "error")
        return redirect(url_for("admin.result_set", rs_id=rs_id))
    ends = local_to_utc(form.complaint_ends_at.data) if form.complaint_ends_at.data else None
    return _action(rs_id, lambda rs: results.publish_results(rs, ends, actor=current_user),
                   _("Đã công bố kết quả và gửi thư thông báo cho người dự thi."))


@bp.route("/ket-qua/bo/<int:rs_id>/huy-cong-bo", methods=["POST"])
@roles_required(Role.ORGANIZER)
def result_unpublish(rs_id: int) -> Response:
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Vui lòng ghi rõ lý do hủy công bố."), "error")
        return redirect(url_for("admin.result_set", rs_id=rs_id))
    return _action(rs_id, lambda rs: results.unpublish_results(rs, form.reason.data, current_user),
                   _("Đã hủy công bố kết quả."))


@bp.route("/ket-qua/bo/<int:rs_id>/hoan-tat", methods=["POST"])
@roles_required(Role.ORGANIZER)
def result_finalize(rs_id: int) -> Response:
    from contest.forms import ActionForm

    _valid_action_form(ActionForm())
    return _action(rs_id, lambda rs: results.finalize_results(rs, current_user), _("Kết quả đã hoàn tất."))


@bp.route("/ket-qua/bo/<int:rs_id>/dinh-chinh", methods=["POST"])
@roles_required(Role.ORGANIZER)
def result_correct(rs_id: int) -> Response:
    rs = result_set_or_404(rs_id)
    form = ReasonForm(prefix="c")
    if not form.validate_on_submit():
        flash(_("Vui lòng ghi rõ lý do đính chính."), "error")
        return redirect(url_for("admin.result_set", rs_id=rs.id))
    try:
        new = results.create_correction(rs, form.reason.data, current_user, recompute=form.recompute.data)
    except results.ResultError as error:
        return _fail(error, url_for("admin.result_set", rs_id=rs.id))
    db.session.commit()
    flash(_("Đã tạo bản đính chính; kết quả cũ được đánh dấu là đã thay thế."), "success")
    return redirect(url_for("admin.result_set", rs_id=new.id))


@bp.route("/ket-qua/bo/<int:rs_id>/khong-giai", methods=["POST"])
@roles_required(Role.ORGANIZER)
def result_non_winners(rs_id: int) -> Response:
    form = NonWinnersForm()
    _valid_action_form(form)
    return _action(rs_id, lambda rs: results.set_list_non_winners(rs, bool(form.list_non_winners.data), current_user),
                   _("Đã lưu cách công bố."))


@bp.route("/ket-qua/bo/<int:rs_id>/xuat/<name>")
@roles_required(Role.ORGANIZER)
def result_export(rs_id: int, name: str) -> Response:
    rs = result_set_or_404(rs_id)
    if name not in exports.EXPORTS:
        abort(404)
    try:
        return exports.response(rs, name)
    except exports.NothingToExport as refusal:
        flash(refusal.message, "error")
        return redirect(url_for("admin.result_set", rs_id=rs.id))
