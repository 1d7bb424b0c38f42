"""Which mailbox an e-mail address reaches: the canonical voter identity of the public vote.

Many providers deliver several spellings of an address to one mailbox.  One person who proves
``nguyen.van.a@gmail.com``, ``nguyenvana+1@gmail.com`` and ``NguyenVanA@googlemail.com`` still
holds one mailbox, so a vote is unique per canonical identity, not per spelling.  The address as
typed is kept for sending mail; only the identity is compared.

The rules, per provider (:data:`PROVIDERS`, the one table to change):

* every address: the domain lower-cased, its trailing dot dropped and IDNA-encoded (``ví-dụ.vn``
  and ``xn--v-d-7la5f.vn`` are one domain); the local part case-folded;
* Gmail (``gmail.com``, ``googlemail.com``): one domain, dots ignored, ``+tag`` dropped;
* Outlook, Hotmail, Live, MSN; iCloud (``icloud.com``, ``me.com``, ``mac.com``); Proton
  (``proton.me``, ``protonmail.com``, ``protonmail.ch``, ``pm.me``); Fastmail: ``+tag`` dropped;
* Yahoo: ``-tag`` dropped (Yahoo's disposable addresses are ``name-keyword@``).

Pure: no Flask, no database, so the migration that keys stored votes uses the same rule.
"""

from __future__ import annotations

from dataclasses import dataclass

import idna


@dataclass(frozen=True)
class Provider:
    """How one provider spells a mailbox: its domains, the canonical domain, what the local part ignores."""

    name: str
    domains: tuple[str, ...]
    canonical_domain: str | None = None  # None: each domain stays itself
    ignores_dots: bool = False
    tag_separator: str | None = None  # "+": name+tag reaches name; "-" for Yahoo


PROVIDERS: tuple[Provider, ...] = (
    Provider("Gmail", ("gmail.com", "googlemail.com"), canonical_domain="gmail.com", ignores_dots=True,
             tag_separator="+"),
    Provider("Outlook", ("outlook.com", "hotmail.com", "live.com", "msn.com", "outlook.com.vn", "hotmail.com.vn"),
             tag_separator="+"),
    Provider("iCloud", ("icloud.com", "me.com", "mac.com"), tag_separator="+"),
    Provider("Proton", ("proton.me", "protonmail.com", "protonmail.ch", "pm.me"), tag_separator="+"),
    Provider("Fastmail", ("fastmail.com", "fastmail.fm"), tag_separator="+"),
    Provider("Yahoo", ("yahoo.com", "yahoo.com.vn", "ymail.com", "rocketmail.com"), tag_separator="-"),
)

_BY_DOMAIN: dict[str, Provider] = {domain: p for p in PROVIDERS for domain in p.domains}


def canonical_domain(domain: str) -> str:
    """The domain lower-cased, without its trailing dot, IDNA-encoded (ASCII); unchanged if it cannot be encoded."""
    domain = domain.strip().rstrip(".").lower()
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        return domain


def canonical_identity(email: str) -> str:
    """The mailbox ``email`` reaches, as ``local@domain``: what a vote is unique per.

    An address without ``@`` comes back stripped and case-folded (it is refused elsewhere).
    """
    address = (email or "").strip()
    local, at, domain = address.rpartition("@")
    if not at:
        return address.casefold()
    local = local.casefold()
    domain = canonical_domain(domain)
    provider = _BY_DOMAIN.get(domain)
    if provider is not None:
        if provider.tag_separator and provider.tag_separator in local:
            stripped = local.split(provider.tag_separator, 1)[0]
            local = stripped or local  # "+tag@" alone is not a tag on an empty name
        if provider.ignores_dots:
            local = local.replace(".", "") or local
        domain = provider.canonical_domain or domain
    return f"{local}@{domain}"
