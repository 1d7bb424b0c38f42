"""Discovering the app's forms: GET every page a role may open and read its POST <form>s."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit


@dataclass
class Field:
    name: str
    kind: str  # text, textarea, select, checkbox, radio, hidden, file, number, date, email, …
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    page: str
    action: str
    multipart: bool
    fields: dict[str, Field] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            if a.get("method", "get").lower() == "post":
                action = urlsplit(urljoin(self.page, a.get("action") or self.page))
                self.current = Form(self.page, action.path + (f"?{action.query}" if action.query else ""),
                                    "multipart" in a.get("enctype", ""))
            return
        if self.current is None or "name" not in a:
            if tag == "option" and self.select is not None:
                self.select.options.append(a.get("value", ""))
            return
        name = a["name"]
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            existing = self.current.fields.get(name)
            if kind in ("radio", "checkbox") and existing is not None:
                existing.options.append(a.get("value", "y"))
                return
            self.current.fields[name] = Field(name, kind, a.get("value", ""),
                                              [a.get("value", "y")] if kind in ("radio", "checkbox") else [])
        elif tag == "textarea":
            self.current.fields[name] = Field(name, "textarea")
        elif tag == "select":
            self.select = self.current.fields[name] = Field(name, "select")
        elif tag == "button" and self.current is not None:
            return

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.current is not None:
            self.forms.append(self.current)
            self.current = None
        elif tag == "select":
            self.select = None


def forms_in(page: str, html: str) -> list[Form]:
    parser = _FormParser(page)
    parser.feed(html)
    return parser.forms
