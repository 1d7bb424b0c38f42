"""The organizing committee: its members, sending award lists, and members' decisions on each award."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from contest import approvals
from contest.access import roles_required
from contest.extensions import db
from contest.forms import ActionForm
from contest.i18n import _
from contest.models import (
    Award,
    CommitteeMembership,
    Edition,
    ResultSet,
    ResultStatus,
    Role,
    User,
)
from contest.results import is_draft, is_round_snapshot
from contest.web.admin.forms_approvals import AddMemberForm, DecisionForm
from contest.web.admin.routes import bp


def _load_edition(edition_id: int) -> Edition:
    edition = db.session.get(Edition, edition_id)
    if edition is None:
        abort(404)
    return edition


def _is_member(edition_id: int) -> bool:
    return current_user.id in approvals.member_ids(edition_id)


def _load_result_set(result_set_id: int) -> ResultSet:
    """404 unless the result set exists and this person may see it (organizer, or member once sent)."""
    rs = db.session.get(ResultSet, result_set_id)
    if rs is None:
        abort(404)
    if current_user.has_role(Role.ORGANIZER):
        return rs
    if not _is_member(rs.edition_id) or approvals.sent_at(rs) is None:
        abort(404)
    return rs


def _load_award(award_id: int) -> Award:
    award = db.session.get(Award, award_id)
    if award is None:
        abort(404)
    _load_result_set(award.result_set_id)
    return award


# ---------------------------------------------------------------- organizers: committee and sending


@bp.route("/phe-duyet")
@roles_required(Role.ORGANIZER)
def approvals_home() -> str:
    editions = db.session.scalars(select(Edition).order_by(Edition.year.desc())).all()
    result_sets = db.session.scalars(
        select(ResultSet).where(ResultSet.status.in_([ResultStatus.COMPUTED.value, ResultStatus.FROZEN.value,
                                                      ResultStatus.PUBLISHED.value]))
        .order_by(ResultSet.computed_at.desc())
    ).all()
    # A round's closing snapshot carries a ranking, never awards: nothing in it is for the committee.
    rows = [(rs, approvals.sent_at(rs), approvals.readiness(rs)) for rs in result_sets
            if not is_round_snapshot(rs)]
    members = {e.id: len(approvals.member_ids(e)) for e in editions}
    return render_template("admin/approvals/index.html", editions=editions, rows=rows, members=members,
                           form=ActionForm())


@bp.route("/phe-duyet/ban-to-chuc/<int:edition_id>", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def committee_members(edition_id: int) -> Any:
    edition = _load_edition(edition_id)
    form = AddMemberForm()
    status = 200
    if form.validate_on_submit():
        email = (form.email.data or "").lower()
        user = db.session.scalar(select(User).where(User.email == email))
        if user is None:
            form.email.errors.append(_("Không có tài khoản nào với email này. Người đó cần đăng ký tài khoản trước."))
            status = 422
        else:
            try:
                approvals.add_committee_member(edition, user, form.title.data, actor=current_user)
            except approvals.ApprovalError as exc:
                db.session.rollback()
                form.email.errors.append(exc.message)
                status = exc.status
            else:
                db.session.commit()
                flash(_("Đã thêm %(name)s vào Ban tổ chức.", name=user.full_name), "success")
                return redirect(url_for("admin.committee_members", edition_id=edition.id))
    elif request.method == "POST":
        status = 422
    members = approvals.committee(edition)
    need = approvals.required_approvals(len(members)) if members else None
    return render_template("admin/approvals/members.html", edition=edition, members=members, form=form,
                           need=need), status


@bp.route("/phe-duyet/ban-to-chuc/thanh-vien/<int:membership_id>/xoa", methods=["POST"])
@roles_required(Role.ORGANIZER)
def committee_member_remove(membership_id: int) -> Response:
    membership = db.session.get(CommitteeMembership, membership_id)
    if membership is None:
        abort(404)
    edition_id = membership.edition_id
    if ActionForm().validate_on_submit():
        name = membership.user.full_name
        approvals.remove_committee_member(membership, actor=current_user)
        db.session.commit()
        flash(_("Đã xóa %(name)s khỏi Ban tổ chức.", name=name), "success")
    return redirect(url_for("admin.committee_members", edition_id=edition_id))


@bp.route("/phe-duyet/ket-qua/<int:result_set_id>/gui", methods=["POST"])
@roles_required(Role.ORGANIZER)
def approval_send(result_set_id: int) -> Any:
    rs = _load_result_set(result_set_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        n = approvals.send_for_approval(rs, actor=current_user)
    except approvals.ApprovalError as exc:
        db.session.rollback()
        flash(exc.message, "error")
    else:
        db.session.commit()
        flash(_("Đã gửi danh sách giải tới %(n)d thành viên Ban tổ chức.", n=n), "success")
    return redirect(url_for("admin.committee_result_set", result_set_id=rs.id))


# ---------------------------------------------------------------- members: the list and decisions


@bp.route("/hoi-dong/ket-qua/<int:result_set_id>")
@roles_required(Role.COMMITTEE, Role.ORGANIZER)
def committee_result_set(result_set_id: int) -> str:
    rs = _load_result_set(result_set_id)
    return _render_result_set(rs)


def _render_result_set(rs: ResultSet, failed: dict[int, DecisionForm] | None = None,
                       error: str | None = None) -> str:
    members = approvals.member_ids(rs.edition_id)
    is_member = current_user.id in members
    awards = approvals.proposed_awards(rs)
    sheets = approvals.submitted_sheets_by_entry(rs, [a.entry_id for a in awards])
    rows = []
    for award in awards:
        mine = next((a for a in approvals.current_decisions(award, members) if a.member_id == current_user.id),
                    None)
        form = (failed or {}).get(award.id) or DecisionForm(prefix=f"a{award.id}")
        if mine is not None and not (failed and award.id in failed):
            form.decision.data = mine.decision
            form.comment.data = mine.comment
        rows.append({
            "award": award,
            "summary": approvals.summarize(award, members),
            "mine": mine,
            "form": form,
            "sheets": sheets[award.entry_id],
            "decisions": approvals.current_decisions(award, members),
        })
    return render_template(
        "admin/approvals/result_set.html", rs=rs, rows=rows, is_member=is_member,
        open=approvals.is_open_for_decisions(rs), sent_at=approvals.sent_at(rs),
        blockers=approvals.publication_blockers(rs), members=len(members), error=error, draft=is_draft(rs),
        send_form=ActionForm(),
    )


def _award_label(award: Award) -> str:
    return f"{award.level.name} – {award.entry.reference_code}" if award.level else award.entry.reference_code


@bp.route("/hoi-dong/giai/<int:award_id>/quyet-dinh", methods=["POST"])
@roles_required(Role.COMMITTEE, Role.ORGANIZER)
def award_decide(award_id: int) -> Any:
    award = _load_award(award_id)
    rs = award.result_set
    if not _is_member(rs.edition_id):
        abort(403)
    form = DecisionForm(prefix=f"a{award.id}")
    if not form.validate_on_submit():
        # The whole page comes back, its message on top naming the award, the comment already typed kept.
        message = (_("Chưa gửi được quyết định về %(award)s: vui lòng chọn “Phê duyệt” hoặc “Không phê duyệt”.",
                     award=_award_label(award)) if form.decision.errors else None)
        return _render_result_set(rs, failed={award.id: form}, error=message), 422
    try:
        approvals.decide_award(award, current_user, form.decision.data, form.comment.data)
    except approvals.ApprovalError as exc:
        db.session.rollback()
        return _render_result_set(rs, error=exc.message), exc.status
    db.session.commit()
    flash(_("Đã ghi nhận quyết định của ông/bà về %(award)s.", award=_award_label(award)), "success")
    return redirect(url_for("admin.committee_result_set", result_set_id=rs.id) + f"#giai-{award.id}")
