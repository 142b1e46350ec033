"""Publication dates and years in Vietnamese pages."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime

# "31/08/2020 21:06" or "31/08/2020" (day first, as Vietnamese pages write it).
DATE_LINE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s*[-,]?\s*(\d{1,2})[:h](\d{2}))?\s*$")

# Years the article talks about: "năm 2020", "năm học 2021 - 2022", "12/2022", "4/5/2023".
_SCHOOL_YEAR = re.compile(r"năm học\s+(\d{4})\s*[-–]\s*(\d{4})", re.IGNORECASE)
_YEAR_MENTION = re.compile(r"(?:\bnăm\s+|\d{1,2}/)((?:19|20)\d{2})\b", re.IGNORECASE)


def parse_date_line(line: str) -> datetime | date | None:
    """The date of a page's dateline, or None when the line is not one."""
    match = DATE_LINE.match(line)
    if not match:
        return None
    day, month, year, hour, minute = match.groups()
    try:
        if hour is not None:
            return datetime(int(year), int(month), int(day), int(hour), int(minute))
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_iso_date(value: str) -> datetime | date | None:
    """An ISO 8601 date or date-time from a JSONL record; None when unreadable."""
    value = value.strip()
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
        return datetime.fromisoformat(value).replace(tzinfo=None)
    except ValueError:
        return None


def infer_year(text: str) -> int | None:
    """The year an undated article is about, from its own text.

    Rule: count the years the text mentions ("năm 2020", "12/2022", "31/8/2020"); a
    school year "năm học 2021 - 2022" counts as its end year, 2022, because school-year
    reports are written as it closes. The most mentioned year wins; on a tie, the
    latest. None when the text names no year.
    """
    counts: Counter[int] = Counter()
    for match in _SCHOOL_YEAR.finditer(text):
        counts[int(match.group(2))] += 1
    without_school_years = _SCHOOL_YEAR.sub(" ", text)
    for match in _YEAR_MENTION.finditer(without_school_years):
        counts[int(match.group(1))] += 1
    if not counts:
        return None
    return max(counts, key=lambda year: (counts[year], year))
