"""Filling every rule of the URL map with the world's objects, and classifying answers."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import Rule

from tests.security.world import World

# Which object an argument names, when it depends on the endpoint. The applicant's editing pages get the
# owner's DRAFT (editable); reading pages get the owner's submitted entry (which the assigned judge scores).
ENDPOINT_ARGS: dict[str, dict[str, str]] = {
    "entries.edit_entry": {"entry_id": "draft_id"},
    "entries.add_member": {"entry_id": "draft_id"},
    "entries.move_member": {"entry_id": "draft_id", "member_id": "draft_member_id"},
    "entries.remove_member": {"entry_id": "draft_id", "member_id": "draft_member_id"},
    "entries.add_conflict": {"entry_id": "draft_id"},
    "entries.remove_conflict": {"entry_id": "draft_id"},
    "entries.upload_file": {"entry_id": "draft_id"},
    "entries.replace_file": {"entry_id": "draft_id", "attachment_id": "draft_attachment_id"},
    "entries.remove_file": {"entry_id": "draft_id", "attachment_id": "draft_attachment_id"},
    "entries.add_link": {"entry_id": "draft_id"},
    "entries.submit": {"entry_id": "draft_id"},
    "entries.withdraw": {"entry_id": "draft_id"},
    "admin.result_override": {"rs_id": "computed_rs_id", "award_id": "computed_award_id"},
    "admin.award_decide": {"award_id": "published_award_id"},
    "admin.results_why": {"rs_id": "computed_rs_id"},
    "admin.edition_round": {"round_id": "round_id"},
    "public.vote_entry": {"entry_id": "ballot_entry_id"},
    "public.vote_cast": {"entry_id": "ballot_entry_id"},
}

GENERIC_ARGS = {
    "entry_id": "entry_id", "attachment_id": "attachment_id", "member_id": "member_id", "kind_id": "kind_id",
    "declaration_id": "declaration_id", "assignment_id": "assignment_id", "sheet_id": "sheet_id",
    "rs_id": "published_rs_id", "result_set_id": "computed_rs_id", "award_id": "published_award_id",
    "period_id": "period_id", "round_id": "round_id", "edition_id": "edition_id", "user_id": "judge_id",
    "conflict_id": "conflict_id", "membership_id": "membership_id", "request_id": "request_id", "slug": "slug",
}
LITERAL_ARGS = {"token": "khong-hop-le", "lang": "en", "direction": "len", "fmt": "csv", "key": "tat-ca",
                "name": "xep-hang.csv", "filename": "css/site.css", "complaint_id": 999999,
                "code": "AAAA-BBBB-CCCC", "organization_id": 999999, "affiliation_id": 999999}


def rules(app: Flask) -> list[Rule]:
    return sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static"), key=lambda r: r.rule)


def build_url(rule: Rule, world: World) -> str:
    values: dict[str, Any] = {}
    overrides = ENDPOINT_ARGS.get(rule.endpoint, {})
    for name in rule.arguments:
        if name in LITERAL_ARGS:
            values[name] = LITERAL_ARGS[name]
        else:
            values[name] = world.ids[overrides.get(name, GENERIC_ARGS[name])]
    if rule.endpoint == "admin.edition_report_chart":
        values["key"] = "linh-vuc"
    # Build from this rule, not the endpoint (public.results_page has two rules).
    url = rule.build(values, append_unknown=False)
    assert url is not None, rule.rule
    return url[1] if isinstance(url, tuple) else url


def classify(response: Any) -> str:
    """The class of an answer: ok, login, 400, 403, 404, 405, 409, 422, 4xx, 5xx."""
    status = response.status_code
    if 300 <= status < 400:
        location = response.headers.get("Location", "")
        return "login" if "/tai-khoan/dang-nhap" in location else "ok"
    if status < 300:
        return "ok"
    if status >= 500:
        return "5xx"
    return str(status)
