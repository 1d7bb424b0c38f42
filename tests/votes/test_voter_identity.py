"""Which mailbox an address reaches: one rule per provider, and nothing merged that reaches two mailboxes."""

from __future__ import annotations

import unicodedata

import pytest

from contest.voter_identity import PROVIDERS, canonical_identity


@pytest.mark.parametrize("spelling", [
    "nguyen.van.a@gmail.com",
    "nguyenvana@gmail.com",
    "nguyenvana+1@gmail.com",
    "NguyenVanA@googlemail.com",
    "n.g.u.y.e.n.v.a.n.a+binh-chon@GMAIL.COM",
    "  nguyenvana@gmail.com.  ",
])
def test_gmail_spellings_of_one_mailbox_are_one_identity(spelling: str) -> None:
    assert canonical_identity(spelling) == "nguyenvana@gmail.com"


@pytest.mark.parametrize("domain", ["outlook.com", "hotmail.com", "live.com", "msn.com"])
def test_outlook_family_drops_the_plus_tag_but_keeps_dots(domain: str) -> None:
    assert canonical_identity(f"Tran.Thi.B+vote@{domain}") == f"tran.thi.b@{domain}"
    assert canonical_identity(f"tran.thi.b@{domain}") != canonical_identity(f"tranthib@{domain}")


@pytest.mark.parametrize("domain", ["icloud.com", "me.com", "mac.com"])
def test_icloud_drops_the_plus_tag(domain: str) -> None:
    assert canonical_identity(f"le.c+2025@{domain}") == f"le.c@{domain}"


@pytest.mark.parametrize("domain", ["proton.me", "protonmail.com", "protonmail.ch", "pm.me"])
def test_proton_drops_the_plus_tag(domain: str) -> None:
    assert canonical_identity(f"pham.d+x@{domain}") == f"pham.d@{domain}"


@pytest.mark.parametrize("domain", ["fastmail.com", "fastmail.fm"])
def test_fastmail_drops_the_plus_tag(domain: str) -> None:
    assert canonical_identity(f"hoang+binhchon@{domain}") == f"hoang@{domain}"


@pytest.mark.parametrize("domain", ["yahoo.com", "yahoo.com.vn", "ymail.com"])
def test_yahoo_drops_the_minus_tag_not_the_plus(domain: str) -> None:
    assert canonical_identity(f"vu.e-binhchon@{domain}") == f"vu.e@{domain}"
    assert canonical_identity(f"vu.e+x@{domain}") == f"vu.e+x@{domain}"


def test_other_domains_keep_dots_and_tags_because_they_may_be_other_mailboxes() -> None:
    assert canonical_identity("a.b+c@thainguyen.gov.vn") == "a.b+c@thainguyen.gov.vn"
    assert canonical_identity("a-b@company.vn") == "a-b@company.vn"
    assert canonical_identity("ab@thainguyen.gov.vn") != canonical_identity("a.b@thainguyen.gov.vn")


def test_domain_is_idna_encoded_lower_cased_and_without_trailing_dot() -> None:
    ascii_domain = "thái-nguyên.vn".encode("idna").decode("ascii")  # Python's own codec as the reference
    assert ascii_domain.startswith("xn--")
    assert canonical_identity("lan@Thái-Nguyên.VN.") == f"lan@{ascii_domain}"
    assert canonical_identity(f"lan@{ascii_domain.upper()}") == f"lan@{ascii_domain}"
    decomposed = unicodedata.normalize("NFD", "thái-nguyên.vn")  # as some phones type it
    assert decomposed != "thái-nguyên.vn"
    assert canonical_identity(f"lan@{decomposed}") == f"lan@{ascii_domain}"


def test_local_part_is_case_folded() -> None:
    assert canonical_identity("STRAßE@example.vn") == "strasse@example.vn"
    assert canonical_identity("Đức@example.vn") == canonical_identity("đức@example.vn")


def test_a_bare_tag_is_not_a_tag_on_an_empty_name() -> None:
    assert canonical_identity("+tag@gmail.com") == "+tag@gmail.com"
    assert canonical_identity("-x@yahoo.com") == "-x@yahoo.com"
    assert canonical_identity("...@gmail.com") == "...@gmail.com"


def test_every_provider_domain_is_listed_once() -> None:
    domains = [d for p in PROVIDERS for d in p.domains]
    assert len(domains) == len(set(domains))
    assert all(d == d.lower() for d in domains)
