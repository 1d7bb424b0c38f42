"""The public ballot (bình chọn): entries, a shareable page per entry, email → code → vote.

Most voters arrive on a phone from a link in a chat app, so every page is phone-first and the
entry page carries Open Graph tags for the link preview.  The browser solves a self-hosted
proof-of-work challenge (static/js/pow.js) before a code request or a vote is accepted.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from contest import votes
from contest.extensions import db, limiter
from contest.forms import ActionForm
from contest.i18n import _
from contest.models import (
    Attachment,
    Category,
    EditionStatus,
    Round,
    Voter,
    VotingPeriod,
    utcnow,
)
from contest.search import fold
from contest.web import render_error, safe_redirect_target
from contest.web.public.forms_vote import VoteCodeForm, VoteEmailForm
from contest.web.public.images import public_image
from contest.web.public.routes import bp

DEVICE_COOKIE = "binh_chon_tb"


# ---------------------------------------------------------------- limits keyed by device and network


def _device_key() -> str:
    """The browser's ballot cookie; a client that sends none (a script) is counted by its address instead.
    Never the address alone for a browser: a whole school or carrier-grade NAT shares one."""
    device = request.cookies.get(DEVICE_COOKIE)
    if device:
        return "device:" + hashlib.sha256(device.encode()).hexdigest()
    return "address:" + (request.remote_addr or "unknown")


def _network() -> str:
    return votes.network_of(request.remote_addr) or "unknown"


def _limit(name: str):
    """A limit from the app's config (e.g. "60 per minute"); evaluated per request so tests can change it."""
    return lambda: current_app.config[name]


def _public_period(period_id: int) -> VotingPeriod:
    """The period if the public may see it (its edition is public), else 404."""
    # One query for the period, its round and edition: this runs on every vote.
    period = db.session.scalar(
        select(VotingPeriod).where(VotingPeriod.id == period_id)
        .options(joinedload(VotingPeriod.round).joinedload(Round.edition))
    )
    if period is None or period.round.edition.status not in (EditionStatus.OPEN, EditionStatus.CLOSED):
        abort(404)
    return period


def _current_voter() -> Voter | None:
    voter_id = session.get("voter_id")
    if not voter_id:
        return None
    voter = db.session.get(Voter, voter_id)
    if voter is None or voter.verified_at is None:
        session.pop("voter_id", None)
        return None
    return voter


def _vote_target(period_id: int, entry_id: int) -> votes.VoteTarget:
    """The public period (else 404), the entry's place on its ballot and the voter, in one statement."""
    target = votes.vote_target(period_id, entry_id, session.get("voter_id"))
    if target is None or target.edition_status not in (EditionStatus.OPEN, EditionStatus.CLOSED):
        abort(404)
    return target


def _verified(voter: Voter | None) -> Voter | None:
    """The session's voter if the row still exists and is verified (else the session forgets them)."""
    if voter is None or voter.verified_at is None:
        session.pop("voter_id", None)
        return None
    return voter


def _device() -> str | None:
    return request.cookies.get(DEVICE_COOKIE)


def _with_device_cookie(response: Any) -> Any:
    if not request.cookies.get(DEVICE_COOKIE):
        response = current_app.make_response(response)
        response.set_cookie(
            DEVICE_COOKIE, secrets.token_urlsafe(24), max_age=365 * 24 * 3600, httponly=True,
            samesite="Lax", secure=bool(current_app.config["SESSION_COOKIE_SECURE"]),
        )
    return response


def _page_context(period: VotingPeriod) -> dict[str, Any]:
    now = utcnow()
    return {
        "period": period,
        "edition": period.round.edition,
        "voter": _current_voter(),
        "now": now,
        "is_open": period.is_open(now),
        "show_counts": votes.counts_visible(period, now),
    }


# ---------------------------------------------------------------- pages


@bp.route("/binh-chon")
def vote_index() -> Any:
    periods = [
        p for p in db.session.scalars(select(VotingPeriod).order_by(VotingPeriod.opens_at.desc()))
        if p.round.edition.status in (EditionStatus.OPEN, EditionStatus.CLOSED)
    ]
    if len(periods) == 1:
        return redirect(url_for("public.vote_ballot", period_id=periods[0].id))
    return render_template("public/vote/index.html", periods=periods, now=utcnow())


@bp.route("/binh-chon/<int:period_id>")
def vote_ballot(period_id: int) -> Any:
    period = _public_period(period_id)
    ctx = _page_context(period)
    query = (request.args.get("q") or "").strip()[:100]
    try:
        category_id = int(request.args.get("linh-vuc") or 0) or None
    except ValueError:
        category_id = None
    ballot = votes.public_ballot(period)
    lines = [votes.public_view(b) for b in ballot]
    if category_id:
        lines = [line for line in lines if line["category_id"] == category_id and "category" in line["fields"]]
    if query:
        needle = fold(query)
        lines = [
            line for line in lines
            if needle in fold(" ".join(str(line.get(k) or "") for k in ("reference_code", "title", "summary")))
        ]
    categories = db.session.scalars(
        select(Category).where(Category.edition_id == period.round.edition_id).order_by(Category.position)
    ).all()
    counts = votes.live_counts(period) if ctx["show_counts"] else {}
    voted = votes.has_voted(period, ctx["voter"], ctx["now"])
    response = render_template(
        "public/vote/ballot.html", lines=lines, query=query, category_id=category_id,
        categories=categories, counts=counts, voted=voted, form=ActionForm(), total=len(ballot), **ctx,
    )
    return _with_device_cookie(response)


def _ballot_line(period: VotingPeriod, entry_id: int) -> dict[str, Any]:
    line = votes.ballot_entry(period, entry_id)
    if line is None:
        abort(404)
    return votes.public_view(line)


@bp.route("/binh-chon/<int:period_id>/bai/<int:entry_id>")
def vote_entry(period_id: int, entry_id: int) -> Any:
    period = _public_period(period_id)
    return _with_device_cookie(_render_entry(period, _ballot_line(period, entry_id)))


def _render_entry(period: VotingPeriod, line: dict[str, Any], error: str | None = None, status: int = 200) -> Any:
    ctx = _page_context(period)
    counts = votes.live_counts(period) if ctx["show_counts"] else {}
    share_url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(
        "public.vote_entry", period_id=period.id, entry_id=line["id"])
    image_url = None
    if line["images"]:
        image_url = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(
            "public.vote_image", period_id=period.id, attachment_id=line["images"][0].id)
    voted = line["id"] in votes.has_voted(period, ctx["voter"], ctx["now"])
    return render_template(
        "public/vote/entry.html", line=line, counts=counts, share_url=share_url, image_url=image_url,
        voted=voted, form=ActionForm(), error=error, **ctx,
    ), status


@bp.route("/binh-chon/<int:period_id>/anh/<int:attachment_id>")
def vote_image(period_id: int, attachment_id: int) -> Any:

    period = _public_period(period_id)
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or not votes.public_image_allowed(period, attachment):
        abort(404)
    return public_image(attachment)


# ---------------------------------------------------------------- proof-of-work challenge


@bp.route("/binh-chon/<int:period_id>/thu-thach", methods=["POST"])
@limiter.limit(_limit("VOTE_LIMIT_CHALLENGE_DEVICE"), key_func=_device_key)
@limiter.limit(_limit("VOTE_LIMIT_CHALLENGE_NETWORK"), key_func=_network, scope="vote-challenge-network")
def vote_challenge(period_id: int) -> Any:
    purpose = request.form.get("purpose")
    try:
        entry_id = int(request.form.get("entry") or 0) if purpose == "vote" else 0
    except ValueError:
        entry_id = 0
    # One statement: the period (is it public?), the entry on its ballot and the session's voter.
    target = _vote_target(period_id, entry_id)
    if not ActionForm().validate_on_submit():
        return jsonify(error=_("Phiên làm việc đã hết hạn. Vui lòng tải lại trang.")), 400
    if purpose == "code":
        email = request.form.get("email") or ""
        challenge = votes.issue_challenge("code", votes.code_binding(email))
        db.session.commit()  # the spent ids that expired are gone
        return jsonify(challenge)
    if purpose == "vote":
        voter = _verified(target.voter)
        if voter is None:
            return jsonify(error=_("Vui lòng xác minh email trước khi bình chọn.")), 403
        if target.off_ballot:
            error = votes.off_ballot_error()
            return jsonify(error=error.message, code=error.code), error.status
        if not target.on_ballot:
            return jsonify(error=_("Bài dự thi này không có trong danh sách bình chọn.")), 404
        challenge = votes.issue_challenge("vote", votes.vote_binding(period_id, entry_id, voter.id))
        db.session.commit()  # the spent ids that expired are gone
        return jsonify(challenge)
    return jsonify(error=_("Yêu cầu không hợp lệ.")), 400


# ---------------------------------------------------------------- email → code


def _next_target(period: VotingPeriod) -> str:
    target = request.values.get("next")
    return safe_redirect_target(target, url_for("public.vote_ballot", period_id=period.id))


@bp.route("/binh-chon/<int:period_id>/xac-minh", methods=["GET", "POST"])
@limiter.limit(_limit("VOTE_LIMIT_CODE_DEVICE"), key_func=_device_key, methods=["POST"])
@limiter.limit(_limit("VOTE_LIMIT_CODE_NETWORK"), key_func=_network, methods=["POST"],
               scope="vote-code-network")
def vote_email(period_id: int) -> Any:
    period = _public_period(period_id)
    form = VoteEmailForm()
    status = 200
    if form.validate_on_submit():
        email = form.email.data or ""
        try:
            votes.verify_challenge(request.form.get("pow_challenge"), request.form.get("pow_nonce"),
                                   "code", votes.code_binding(email))
            votes.request_voter_code(email, ip=request.remote_addr, device=_device())
        except votes.VoteError as exc:
            db.session.commit()  # a voter row made before a refusal is harmless; keep counters
            form.email.errors.append(exc.message)
            status = exc.status
        else:
            db.session.commit()
            session["voter_email"] = votes.normalize_email(email)
            flash(_("Chúng tôi đã gửi mã xác minh tới %(email)s.", email=votes.normalize_email(email)), "success")
            return redirect(url_for("public.vote_code", period_id=period.id, next=_next_target(period)))
    elif request.method == "POST":
        status = 422
    ctx = _page_context(period)
    return _with_device_cookie((render_template(
        "public/vote/email.html", form=form, next=_next_target(period), **ctx), status))


@bp.route("/binh-chon/<int:period_id>/xac-minh/ma", methods=["GET", "POST"])
@limiter.limit(_limit("VOTE_LIMIT_VERIFY_DEVICE"), key_func=_device_key, methods=["POST"])
@limiter.limit(_limit("VOTE_LIMIT_VERIFY_NETWORK"), key_func=_network, methods=["POST"],
               scope="vote-verify-network")
def vote_code(period_id: int) -> Any:
    period = _public_period(period_id)
    email = session.get("voter_email")
    if not email:
        flash(_("Vui lòng nhập email để nhận mã xác minh."), "info")
        return redirect(url_for("public.vote_email", period_id=period.id, next=_next_target(period)))
    form = VoteCodeForm()
    status = 200
    if form.validate_on_submit():
        try:
            voter = votes.verify_voter_code(email, form.code.data or "")
        except votes.VoteError as exc:
            db.session.commit()  # failed attempts are counted even when the code is wrong
            form.code.errors.append(exc.message)
            status = exc.status
        else:
            db.session.commit()
            session["voter_id"] = voter.id
            flash(_("Email đã được xác minh. Bạn có thể bình chọn."), "success")
            return redirect(_next_target(period))
    elif request.method == "POST":
        status = 422
    ctx = _page_context(period)
    return render_template("public/vote/code.html", form=form, email=email, next=_next_target(period),
                           **ctx), status


@bp.route("/binh-chon/<int:period_id>/thoat", methods=["POST"])
def vote_forget(period_id: int) -> Response:
    period = _public_period(period_id)
    if ActionForm().validate_on_submit():
        session.pop("voter_id", None)
        session.pop("voter_email", None)
        flash(_("Bạn đã thoát khỏi phiên bình chọn trên thiết bị này."), "info")
    return redirect(url_for("public.vote_ballot", period_id=period.id))


# ---------------------------------------------------------------- casting a vote


@bp.route("/binh-chon/<int:period_id>/bai/<int:entry_id>/bo-phieu", methods=["POST"])
@limiter.limit(_limit("VOTE_LIMIT_VOTE_DEVICE"), key_func=_device_key)
@limiter.limit(_limit("VOTE_LIMIT_VOTE_NETWORK"), key_func=_network, scope="vote-network")
def vote_cast(period_id: int, entry_id: int) -> Any:
    """Cast a vote.  vote.js posts with ``Accept: application/json`` and gets JSON back (the page stays
    where it is); a plain form post is redirected to ``next`` or the entry page with a flash message.

    A counted vote costs two statements: one SELECT (:func:`votes.vote_target`) and one INSERT.
    """
    target = _vote_target(period_id, entry_id)
    period = target.period
    if target.off_ballot:
        return _refused(period, entry_id, votes.off_ballot_error())
    if not target.on_ballot:
        return _refused(period, entry_id, votes.VoteError(
            _("Bài dự thi này không có trong danh sách bình chọn."), 404, "not_on_ballot"))
    if not ActionForm().validate_on_submit():
        return _refused(period, entry_id, votes.VoteError(
            _("Phiên làm việc đã hết hạn hoặc biểu mẫu không hợp lệ. Vui lòng tải lại trang và thử lại."), 400))
    voter = _verified(target.voter)
    entry_url = url_for("public.vote_entry", period_id=period_id, entry_id=entry_id)
    if voter is None:
        message = _("Vui lòng xác minh email trước khi bình chọn.")
        login = url_for("public.vote_email", period_id=period_id, next=entry_url)
        if _wants_json():
            return jsonify(error=message, code="unverified", redirect=login), 403
        flash(message, "info")
        return redirect(login)
    try:
        challenge_id = votes.verify_challenge(request.form.get("pow_challenge"), request.form.get("pow_nonce"),
                                              "vote", votes.vote_binding(period_id, entry_id, voter.id), spend=False)
        # The ballot was checked above, in the same statement that read the period.
        votes.cast_vote(period, voter, entry_id, ip=request.remote_addr, device=_device(), on_ballot=True)
        # Spent only once the vote counted: a second click with the same form answers "already voted".
        votes.spend_challenge(challenge_id)
    except votes.VoteError as exc:
        answer = _refused(period, entry_id, exc)
        db.session.rollback()  # nothing of a refused vote is kept (a row lock of the entry limit is let go)
        return answer
    count = votes.entry_count(period, entry_id) if votes.counts_visible(period) else None
    db.session.commit()
    message = _("Cảm ơn bạn! Phiếu bình chọn cho “%(title)s” đã được ghi nhận.", title=target.title)
    if _wants_json():
        return jsonify(_vote_answer(message, entry_id, count))
    flash(message, "success")
    back = request.form.get("next")
    return redirect(safe_redirect_target(back, entry_url))


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _vote_answer(message: str, entry_id: int, count: int | None, code: str = "counted") -> dict[str, Any]:
    answer: dict[str, Any] = {"message": message, "code": code, "entry": entry_id, "voted": True}
    if count is not None:
        answer["count"] = count
        answer["count_text"] = _("%(n)d phiếu", n=count)
    return answer


def _refused(period: VotingPeriod, entry_id: int, error: votes.VoteError) -> Any:
    """A refused vote: JSON for vote.js, else the entry page with the message (or the error page)."""
    if _wants_json():
        if error.code == "duplicate":
            # Already counted: the page shows the entry as voted, with the message.
            count = votes.entry_count(period, entry_id) if votes.counts_visible(period) else None
            return jsonify(error=error.message, **_vote_answer(error.message, entry_id, count, error.code)), 409
        return jsonify(error=error.message, code=error.code), error.status
    line = votes.ballot_entry(period, entry_id)
    if line is None:
        return render_error(error.status, error.message)
    return _render_entry(period, votes.public_view(line), error=error.message, status=error.status)
