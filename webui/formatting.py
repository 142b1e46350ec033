"""Small text helpers for the Vietnamese pages (also registered as Jinja filters)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from urllib.parse import urlsplit


def vi_number(value: int) -> str:
    """``1234567`` -> ``1.234.567`` (Vietnamese groups thousands with dots)."""
    return f"{value:,}".replace(",", ".")


def vi_seconds(milliseconds: float) -> str:
    """``123.4`` ms -> ``0,12 giây`` (decimal comma); ``dưới 0,01 giây`` when faster."""
    if milliseconds < 10:
        return "dưới 0,01 giây"
    return f"{milliseconds / 1000:.2f}".replace(".", ",") + " giây"


def vi_date(iso: str | None) -> str:
    """``2020-08-31T21:06:00`` -> ``21:06, 31/08/2020``; ``2020-08-31`` -> ``31/08/2020``;
    anything unreadable is shown as given."""
    if not iso:
        return ""
    try:
        if "T" in iso:
            moment = datetime.fromisoformat(iso)
            return f"{moment:%H:%M}, {moment:%d/%m/%Y}"
        return f"{date.fromisoformat(iso):%d/%m/%Y}"
    except ValueError:
        return iso


def has_diacritics(text: str) -> bool:
    """Whether ``text`` has any Vietnamese accent, tone mark or đ."""
    decomposed = unicodedata.normalize("NFD", text)
    return any(unicodedata.combining(ch) or ch in "đĐ" for ch in decomposed)


def safe_link(url: str | None) -> str | None:
    """``url`` when it is a plain http(s) link, else None (no ``javascript:`` links)."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None
