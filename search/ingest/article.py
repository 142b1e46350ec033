"""The one record that flows from ingest to the index."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

_EPOCH = datetime(1, 1, 1)


def _seconds(when: datetime) -> int:
    return int((when - _EPOCH).total_seconds())


@dataclass(frozen=True)
class Article:
    """A cleaned article, ready to index. Text is normalised (NFC, tone marks)."""

    id: str
    title: str
    body: str
    date: datetime | date | None = None
    author: str | None = None
    districts: tuple[str, ...] = field(default_factory=tuple)
    year: int | None = None
    url: str | None = None
    fingerprint: str = ""  # of the raw input (file bytes or JSONL line): unchanged input, same value

    @property
    def date_iso(self) -> str | None:
        """``2020-08-31T21:06:00`` or ``2020-08-31``; None when unknown."""
        return self.date.isoformat() if self.date else None

    @property
    def sort_key(self) -> int:
        """Where the article goes in a newest-first list, on both backends: by its
        publication date; an inferred year after every dated article of that year
        (and before the year before); undated and yearless articles last."""
        if self.date is not None:
            when = self.date
            if not isinstance(when, datetime):
                when = datetime(when.year, when.month, when.day)
            return _seconds(when) * 2 + 1
        if self.year is not None:
            return _seconds(datetime(self.year, 1, 1)) * 2
        return 0


@dataclass(frozen=True)
class Unchanged:
    """An article whose input has the fingerprint the index already has (``--update``)."""

    id: str


@dataclass(frozen=True)
class Problem:
    """A piece of input that was skipped, and why (shown to the operator)."""

    source: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: {self.reason}"
