"""Every endpoint of the app, called by every kind of person, against ONE declared table of outcomes.

The world (tests/security/world.py) has an owner's entry with a file, a judge assigned to it in an OPEN round
with a draft sheet and a private note, a judge conflicted with it, an unassigned judge, a committee member, a
published and an unpublished result set and an open vote.  Each role walks the whole URL map: GET where
allowed, then POST with an empty form (CSRF off).  The answer's class (ok = 2xx or a redirect elsewhere than
the login page, login, 403, 404, 409, …) must be the table's.  An endpoint missing from the table fails.

For a POST the table's ``ok`` means "let in": the empty form may well be refused (400/409/422) — what matters
is that no one who should be kept out gets past the gate (login, 403 or 404), and that a refused request
changes nothing (no audit event is written).  On top of the statuses, bodies are searched: the owner's entry
title, its file, the judge's private note and the unpublished result must not reach anyone not entitled.
Every role walks twice, with the edition's blind judging off and on: while it is on, the authors' names, their
organization and a file name carrying a name reach no judge, on any page or download.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from contest.extensions import db
from contest.models import AuditEvent
from tests.security.urls import build_url, classify, rules
from tests.security.world import (
    COAUTHOR_NAME,
    OWNER_FILE_NAME,
    OWNER_NAME,
    OWNER_ORGANIZATION,
    ROLES,
    SECRET_NOTE,
    SECRET_TITLE,
    build_world,
)

# Role order in every row: anonymous, owner, applicant_other, judge_assigned, judge_unassigned,
# judge_conflicted, organizer, committee.
ORGANIZER = ("login", "403", "403", "403", "403", "403", "ok", "403")
LOGGED_IN = ("login", "ok", "ok", "ok", "ok", "ok", "ok", "ok")
EVERYONE = ("ok",) * 8
JUDGE = ("login", "403", "403", "ok", "ok", "ok", "403", "403")
OWN_ASSIGNMENT = ("login", "403", "403", "ok", "404", "404", "403", "403")
OWNER_EDITS = ("login", "ok", "404", "404", "404", "404", "403", "404")
OWNER_ONLY = ("login", "ok", "404", "404", "404", "404", "404", "404")
READ_ENTRY = ("login", "ok", "404", "ok", "404", "404", "ok", "404")
READ_FILE = ("404", "ok", "404", "ok", "404", "404", "ok", "404")
NOBODY_404 = ("404",) * 8
# The world has published results, which end the call for entries: a new entry is refused to everyone signed in.
CALL_CLOSED = ("login",) + ("409",) * 7
BAD_TOKEN = ("400",) * 8

# endpoint -> expectation for every method, or {method: expectation}
EXPECTED: dict[str, tuple[str, ...] | dict[str, tuple[str, ...]]] = {
    # organizers' pages
    **{endpoint: ORGANIZER for endpoint in (
        "admin.add_judge_conflict", "admin.adjust_round_assignment", "admin.approval_send", "admin.approvals_home",
        "admin.assignments_index", "admin.audit_export", "admin.audit_log", "admin.committee_member_remove",
        "admin.committee_members", "admin.conflicts_index", "admin.dashboard", "admin.deactivate_judge_page",
        "admin.edition_attachments", "admin.edition_awards", "admin.edition_categories", "admin.edition_checklist",
        "admin.edition_clone", "admin.edition_general", "admin.edition_new", "admin.edition_open",
        "admin.edition_overview", "admin.edition_preset", "admin.edition_report", "admin.edition_report_chart",
        "admin.edition_report_pdf", "admin.edition_report_xlsx", "admin.edition_round",
        "admin.edition_round_delete", "admin.edition_round_move", "admin.edition_rounds",
        "admin.edition_rules_document", "admin.edition_validate", "admin.editions", "admin.entries_bulk",
        "admin.entries_detail", "admin.entries_export", "admin.entries_list", "admin.entries_reopen",
        "admin.entries_screen", "admin.fill_round_holes", "admin.import_judges_page", "admin.invite_judge_page",
        "admin.judge_detail", "admin.judges_index", "admin.localities", "admin.publish_round_assignment",
        "admin.reactivate_judge_page", "admin.resend_judge_invitation", "admin.result_correct",
        "admin.result_export", "admin.result_finalize", "admin.result_freeze", "admin.result_non_winners",
        "admin.result_override", "admin.result_publish", "admin.result_set", "admin.result_unpublish",
        "admin.results_compute", "admin.results_index", "admin.results_reliability", "admin.results_why",
        "admin.results_workspace", "admin.round_advance", "admin.round_assignments", "admin.round_close",
        "admin.round_export", "admin.round_open", "admin.round_progress", "admin.round_remind",
        "admin.rounds_index", "admin.run_round_assignment", "admin.sheet_detail", "admin.vote_close_now",
        "admin.edition_confirm_value", "admin.round_chairs", "admin.vote_freeze", "admin.vote_open",
        "admin.vote_period", "admin.vote_review", "admin.vote_void",
        "admin.votes_home",
        "admin.withdraw_judge_conflict", "entries.privacy_requests", "entries.privacy_execute_deletion",
        "entries.privacy_reject_deletion", "admin.complaints_queue", "admin.certificate_settings",
        "admin.award_decision_draft", "admin.award_decision_record",
        "admin.organizations_index", "admin.organization_add", "admin.near_matches", "admin.near_match_decide",
    )},
    # a complaint that does not exist: organizers get a 404, everyone else is kept out first
    **{endpoint: ("login", "403", "403", "403", "403", "403", "404", "403") for endpoint in (
        "admin.complaint_detail", "admin.complaint_review", "admin.complaint_decide", "admin.complaint_file",
    )},
    # an organization or a judge's affiliation that does not exist: the same
    **{endpoint: ("login", "403", "403", "403", "403", "403", "404", "403") for endpoint in (
        "admin.organization_confirm", "admin.organization_rename", "admin.organization_merge",
        "admin.confirm_judge_organization", "admin.reject_judge_organization",
    )},
    # previews of a round without submitted sheets: organizers are let in and told why there is nothing
    # (the reliability preview sends them back to the round's results with the reason)
    "admin.results_reliability_preview": ("login", "403", "403", "403", "403", "403", "ok", "403"),
    "admin.results_why_preview": ("login", "403", "403", "403", "403", "403", "409", "403"),
    # the committee: its home for members; a list not sent for approval is not shown to them
    "admin.committee_home": ("login", "403", "403", "403", "403", "403", "ok", "ok"),
    "admin.committee_result_set": ("login", "403", "403", "403", "403", "403", "ok", "404"),
    "admin.award_decide": ("login", "403", "403", "403", "403", "403", "403", "ok"),
    # accounts
    "auth.login": EVERYONE, "auth.register": EVERYONE, "auth.forgot_password": EVERYONE,
    "auth.reset_password": BAD_TOKEN, "auth.verify_email": BAD_TOKEN,
    "auth.change_password": LOGGED_IN, "auth.resend_verification": LOGGED_IN, "auth.logout": EVERYONE,
    # applicants
    # A panel's chair reviews flagged entries; no judge of this world chairs a panel.
    "judge.chair_reviews": JUDGE, "judge.chair_decide": ("login",) + ("403",) * 7,
    "entries.my_entries": LOGGED_IN, "entries.new_entry": CALL_CLOSED,
    "entries.privacy": LOGGED_IN, "entries.privacy_download": LOGGED_IN,
    "entries.privacy_request_deletion": LOGGED_IN,
    "entries.privacy_cancel_deletion": OWNER_ONLY,
    "entries.show_entry": READ_ENTRY,
    "entries.download": READ_FILE,
    **{endpoint: OWNER_EDITS for endpoint in (
        "entries.edit_entry", "entries.add_member", "entries.move_member", "entries.remove_member",
        "entries.add_conflict", "entries.remove_conflict", "entries.upload_file", "entries.replace_file",
        "entries.remove_file", "entries.add_link", "entries.submit",
    )},
    # a draft cannot be withdrawn (409); the form is the owner's only
    "entries.withdraw": {"GET": ("login", "409", "404", "404", "404", "404", "403", "404"), "POST": OWNER_EDITS},
    # judges
    "judge.dashboard": JUDGE, "judge.profile": JUDGE, "judge.declare_own_conflict": JUDGE,
    "judge.score_entry": OWN_ASSIGNMENT, "judge.post_sheet": OWN_ASSIGNMENT, "judge.autosave": OWN_ASSIGNMENT,
    "judge.recuse": OWN_ASSIGNMENT,
    "judge.accept_invitation": BAD_TOKEN,
    # the public
    "public.index": EVERYONE, "public.results_page": EVERYONE, "public.rules": EVERYONE,
    "public.rules_current": EVERYONE, "public.set_language": EVERYONE,
    "public.rules_document": NOBODY_404,  # the edition has no rules document
    "public.vote_index": EVERYONE, "public.vote_ballot": EVERYONE, "public.vote_entry": EVERYONE,
    "public.vote_email": EVERYONE, "public.vote_code": EVERYONE, "public.vote_challenge": EVERYONE,
    "public.vote_cast": EVERYONE, "public.vote_forget": EVERYONE,
    "public.vote_image": NOBODY_404,  # the attachment is a PDF, not a public image
    "public.my_result": OWNER_ONLY,
    "public.file_complaint": OWNER_ONLY,
    "public.verify_certificate": NOBODY_404,  # no certificate has the literal code
    "public.open_results": EVERYONE, "public.showcase_page": EVERYONE, "public.showcase_booklet": EVERYONE,
    "public.showcase_image": NOBODY_404,  # the attachment is a PDF and no entry is in a showcase
}

# Who may see what, whatever the page: body texts that must not reach the others.
SECRETS = {
    SECRET_TITLE: {"owner", "judge_assigned", "organizer"},
    SECRET_NOTE: {"judge_assigned", "organizer"},
    "%PDF-1.4": {"owner", "judge_assigned", "organizer"},
}
# Who made the entry: its authors, their organization and a file name that carries a name. The assigned judge
# reads them only while blind judging is off; the conflicted judge's own profile holds the same organization.
MAKERS = {"owner", "organizer"}
AUTHOR_SECRETS = {
    OWNER_NAME: MAKERS, COAUTHOR_NAME: MAKERS, OWNER_FILE_NAME: MAKERS,
    OWNER_ORGANIZATION: MAKERS | {"judge_conflicted"},
}
MODES = ("open", "blind")
DENIED = {"login", "403", "404"}


def _secrets(mode: str) -> dict[str, set[str]]:
    secrets = dict(SECRETS)
    for secret, allowed in AUTHOR_SECRETS.items():
        secrets[secret] = allowed | ({"judge_assigned"} if mode == "open" else set())
    return secrets


def _expected(endpoint: str, method: str, role: str) -> str:
    spec = EXPECTED[endpoint]
    row = spec[method] if isinstance(spec, dict) else spec
    return row[ROLES.index(role)]


def _matches(expected: str, actual: str, method: str) -> bool:
    if expected == actual:
        return True
    # Let in, but the empty form is refused: a validation or state answer, never a gate.
    return method == "POST" and expected == "ok" and actual in {"400", "404", "409", "413", "415", "422"}


def _audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def test_every_endpoint_is_in_the_table(app):
    endpoints = {rule.endpoint for rule in rules(app)}
    missing = sorted(endpoints - set(EXPECTED))
    assert not missing, f"endpoints without a declared outcome: {missing}"
    stale = sorted(set(EXPECTED) - endpoints)
    assert not stale, f"table rows for endpoints that no longer exist: {stale}"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("role", ROLES)
def test_access_matrix(app, client, auth, role, mode):
    world = build_world(blind=mode == "blind")
    secrets = _secrets(mode)
    if role != "anonymous":
        auth.as_(world.users[role])
    calls = []
    for rule in rules(app):
        if rule.endpoint not in EXPECTED:
            continue
        url = build_url(rule, world)
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        calls += [(0 if m == "GET" else 1, rule.endpoint == "auth.logout", rule.endpoint, m, url) for m in methods]
    failures, leaks = [], []
    for _post, _last, endpoint, method, url in sorted(calls):
        expected = _expected(endpoint, method, role)
        before = _audit_count() if expected in DENIED else None
        response = client.open(url, method=method, data={} if method == "POST" else None)
        actual = classify(response)
        if not _matches(expected, actual, method):
            failures.append(f"{method} {url} [{endpoint}]: expected {expected}, got {actual} ({response.status_code})")
        if before is not None and _audit_count() != before:
            failures.append(f"{method} {url} [{endpoint}]: refused, yet an audit event was written")
        if response.direct_passthrough:
            body = b"".join(response.response)
        else:
            body = response.get_data()
        body += response.headers.get("Content-Disposition", "").encode()  # a download's file name
        for secret, allowed in secrets.items():
            if role not in allowed and secret.encode() in body:
                leaks.append(f"{method} {url} [{endpoint}] shows {secret!r} to {role}")
    assert not failures, "\n".join(failures)
    assert not leaks, "\n".join(leaks)


def test_get_only_endpoints_refuse_post(app, client):
    world = build_world()
    posting_paths = {rule.rule for rule in rules(app) if "POST" in rule.methods}
    checked = 0
    for rule in rules(app):
        if "POST" not in rule.methods and rule.rule not in posting_paths:
            assert client.post(build_url(rule, world)).status_code == 405, rule.endpoint
            checked += 1
    assert checked > 30
