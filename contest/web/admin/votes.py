"""Organizers' pages for the public vote: open a period, its ballot, the review queue, the tally."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response

from contest import votes
from contest.access import roles_required
from contest.extensions import db
from contest.forms import ActionForm
from contest.i18n import _, local_to_utc, to_local
from contest.models import (
    Edition,
    Entry,
    Role,
    Round,
    User,
    Vote,
    Voter,
    VotingPeriod,
    utcnow,
)
from contest.web import commit_or_flash
from contest.web.admin.forms_votes import (
    OpenVotingPeriodForm,
    UpdateVotingPeriodForm,
    VoidVotesForm,
)
from contest.web.admin.routes import bp


def _load_round(round_id: int) -> Round:
    round_ = db.session.get(Round, round_id)
    if round_ is None:
        abort(404)
    return round_


def _load_period(period_id: int) -> VotingPeriod:
    period = db.session.get(VotingPeriod, period_id)
    if period is None:
        abort(404)
    return period


@bp.route("/binh-chon")
@roles_required(Role.ORGANIZER)
def votes_home() -> str:
    editions = db.session.scalars(select(Edition).order_by(Edition.year.desc())).all()
    periods = {p.round_id: p for p in db.session.scalars(select(VotingPeriod))}
    return render_template("admin/votes/index.html", editions=editions, periods=periods, now=utcnow())


def _fields_from_form(prefix: str) -> list[str]:
    return [f for f in votes.PUBLIC_FIELDS if request.form.get(f"{prefix}{f}")]


@bp.route("/binh-chon/vong/<int:round_id>/mo", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def vote_open(round_id: int) -> Any:
    round_ = _load_round(round_id)
    existing = votes.period_for_round(round_)
    if existing is not None:
        return redirect(url_for("admin.vote_period", period_id=existing.id))
    form = OpenVotingPeriodForm()
    candidates = _candidates(round_)
    default_ids = {e.id for e in votes.default_ballot_entries(round_)}
    status = 200
    error = None
    warnings = votes.late_opening_warnings(round_)
    valid = form.validate_on_submit()
    if valid and warnings and not form.confirm_late.data:
        form.confirm_late.errors = [_("Vui lòng xác nhận rằng bạn đã đọc các cảnh báo trên.")]
        status = 409
    elif valid:
        try:
            entry_ids = [int(v) for v in request.form.getlist("entry_ids")]
        except ValueError:
            entry_ids = []
        try:
            period = votes.open_voting_period(
                round_, local_to_utc(form.opens_at.data), local_to_utc(form.closes_at.data),
                frequency=form.frequency.data, max_entries_per_voter=form.max_entries_per_voter.data,
                show_counts_live=form.show_counts_live.data, entry_ids=entry_ids,
                public_fields=_fields_from_form("field_"), actor=current_user,
            )
        except votes.VoteError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
        else:
            db.session.commit()
            flash(_("Đã mở đợt bình chọn với %(n)d bài dự thi.", n=len(period.ballot)), "success")
            return redirect(url_for("admin.vote_period", period_id=period.id))
    elif request.method == "POST":
        status = 422
    chosen_fields = set(_fields_from_form("field_")) if request.method == "POST" else set(votes.DEFAULT_PUBLIC_FIELDS)
    chosen_ids = ({int(v) for v in request.form.getlist("entry_ids") if v.isdigit()}
                  if request.method == "POST" else default_ids)
    return render_template(
        "admin/votes/open.html", round=round_, form=form, candidates=candidates, chosen_ids=chosen_ids,
        chosen_fields=chosen_fields, field_labels=field_labels(), error=error, warnings=warnings,
        has_vote=round_.edition.has_public_vote,
    ), status


def _candidates(round_: Round, period: VotingPeriod | None = None) -> list[Entry]:
    """Entries that may go on the ballot, and every entry already on the period's ballot (even one screened
    out since), so that the page shows each line with its votes and why it was taken off."""
    on_period = [b.entry_id for b in period.ballot] if period is not None else []
    return list(db.session.scalars(
        select(Entry).where(Entry.edition_id == round_.edition_id,
                            or_(Entry.status.notin_(["draft", "withdrawn", "ineligible"]), Entry.id.in_(on_period)))
        .order_by(Entry.reference_code)
    ))


def field_labels() -> dict[str, str]:
    return {
        "title": _("Tên bài dự thi"),
        "category": _("Lĩnh vực"),
        "summary": _("Tóm tắt"),
        "description": _("Mô tả chi tiết"),
        "images": _("Hình ảnh công khai"),
    }


@bp.route("/binh-chon/<int:period_id>", methods=["GET", "POST"])
@roles_required(Role.ORGANIZER)
def vote_period(period_id: int) -> Any:
    period = _load_period(period_id)
    form = UpdateVotingPeriodForm()
    status = 200
    error = None
    if request.method == "GET":
        form.opens_at.data = to_local(period.opens_at).replace(tzinfo=None)
        form.closes_at.data = to_local(period.closes_at).replace(tzinfo=None)
        form.show_counts_live.data = period.show_counts_live
    elif form.validate_on_submit():
        try:
            entry_ids = [int(v) for v in request.form.getlist("entry_ids")]
        except ValueError:
            entry_ids = []
        fields = {eid: _fields_from_form(f"field_{eid}_") for eid in entry_ids}
        try:
            votes.update_voting_period(period, closes_at=local_to_utc(form.closes_at.data),
                                       show_counts_live=form.show_counts_live.data, entry_ids=entry_ids,
                                       public_fields=fields, removal_reason=form.removal_reason.data,
                                       actor=current_user)
        except votes.VoteError as exc:
            db.session.rollback()
            error, status = exc.message, exc.status
        else:
            db.session.commit()
            flash(_("Đã lưu đợt bình chọn."), "success")
            return redirect(url_for("admin.vote_period", period_id=period.id))
    else:
        status = 422
    db.session.refresh(period)
    counts = votes.live_counts(period)
    on_ballot = {b.entry_id: b for b in period.ballot}
    stats = db.session.execute(
        select(func.count(Vote.id), func.count(func.distinct(Vote.voter_key)))
        .where(Vote.period_id == period.id, Vote.voided_at.is_(None))
    ).one()
    voided = db.session.scalar(select(func.count(Vote.id)).where(
        Vote.period_id == period.id, Vote.voided_at.is_not(None))) or 0
    return render_template(
        "admin/votes/period.html", period=period, form=form, counts=counts, on_ballot=on_ballot,
        candidates=_candidates(period.round, period), field_labels=field_labels(), stats=stats, voided=voided,
        voided_counts=votes.voided_counts(period), excluded=votes.excluded_entry_ids(period),
        error=error, now=utcnow(), action_form=ActionForm(),
        public_url=url_for("public.vote_ballot", period_id=period.id),
        verified=period.frozen_at is not None and votes.verify_frozen_tally(period),
        points=votes.vote_points_for_round(period.round),
    ), status


@bp.route("/binh-chon/<int:period_id>/ra-soat")
@roles_required(Role.ORGANIZER)
def vote_review(period_id: int) -> str:
    return _render_review(_load_period(period_id), VoidVotesForm())


def _render_review(period: VotingPeriod, form: VoidVotesForm, error: str | None = None) -> str:
    findings = votes.suspicious_patterns(period)
    ids = {vid for f in findings for vid in f.vote_ids}
    details = {v.id: v for v in db.session.scalars(select(Vote).where(Vote.id.in_(ids)))} if ids else {}
    voided = db.session.scalars(
        select(Vote).where(Vote.period_id == period.id, Vote.voided_at.is_not(None))
        .order_by(Vote.voided_at.desc()).limit(500)
    ).all()
    voiders = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({v.voided_by_id for v in voided if v.voided_by_id})))}
    return render_template("admin/votes/review.html", period=period, findings=findings, details=details,
                           voided=voided, voiders=voiders, form=form, error=error)


@bp.route("/binh-chon/<int:period_id>/huy-phieu", methods=["POST"])
@roles_required(Role.ORGANIZER)
def vote_void(period_id: int) -> Any:
    period = _load_period(period_id)
    form = VoidVotesForm()
    if not form.validate_on_submit():
        return _render_review(period, form), 422
    try:
        ids = [int(v) for v in request.form.getlist("vote_ids")]
    except ValueError:
        abort(400)
    chosen = list(db.session.scalars(select(Vote).where(Vote.id.in_(ids), Vote.period_id == period.id)))
    try:
        n = votes.void_votes(chosen, form.reason.data or "", current_user)
    except votes.VoteError as exc:
        db.session.rollback()
        return _render_review(period, form, exc.message), exc.status
    db.session.commit()
    flash(_("Đã hủy %(n)d phiếu.", n=n), "success")
    return redirect(url_for("admin.vote_review", period_id=period.id))


@bp.route("/binh-chon/<int:period_id>/dong-ngay", methods=["POST"])
@roles_required(Role.ORGANIZER)
def vote_close_now(period_id: int) -> Response:
    period = _load_period(period_id)
    if ActionForm().validate_on_submit():
        commit_or_flash(lambda: votes.close_voting_now(period, actor=current_user), votes.VoteError,
                        lambda: _("Đã đóng cổng bình chọn; có thể chốt kết quả bình chọn."))
    return redirect(url_for("admin.vote_period", period_id=period.id))


@bp.route("/binh-chon/<int:period_id>/chot", methods=["POST"])
@roles_required(Role.ORGANIZER)
def vote_freeze(period_id: int) -> Response:
    period = _load_period(period_id)
    if ActionForm().validate_on_submit():
        commit_or_flash(lambda: votes.freeze_tally(period, actor=current_user), votes.VoteError,
                        lambda: _("Đã chốt kết quả bình chọn. Mã băm: %(h)s", h=period.tally_hash))
    return redirect(url_for("admin.vote_period", period_id=period.id))


def voter_email(voter_id: int) -> str:
    voter = db.session.get(Voter, voter_id)
    return voter.email if voter else ""
