"""Publication dates and years in Vietnamese pages."""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, datetime

# "31/08/2020 21:06" or "31/08/2020" (day first, as Vietnamese pages write it).
DATE_LINE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s*[-,]?\s*(\d{1,2})[:h](\d{2}))?\s*$")

# Years the article talks about. Each pattern below consumes its text before the next runs.
_YEAR = r"(?:19|20)\d{2}"
# How many years before the latest counted mention a year may lie and still count.
HISTORY_YEARS = 3
# Document numbers: "15/2020/NĐ-CP", "Quyết định 115/2020/QĐ-UBND", "số 115/2020".
_DOCUMENT_NUMBER = re.compile(rf"\b\d+/{_YEAR}/\S*|\bsố\s+\d+/{_YEAR}\b", re.IGNORECASE)
# "năm học 2021 - 2022": the school year, reported as it closes.
_SCHOOL_YEAR = re.compile(rf"\bnăm học\s+(?:mới\s+)?({_YEAR})\s*[-–—/]\s*({_YEAR})\b", re.IGNORECASE)
# "giai đoạn 2021-2025", "nhiệm kỳ 2020 - 2025", "(1945 - 2020)", "mùa giải 2016/2017".
_RANGE = re.compile(rf"(?<![\d/])({_YEAR})\s*[-–—/]\s*({_YEAR})(?![\d/])")
# Planning targets: "đến năm 2030", "tới 2025", "tầm nhìn 2045", "mục tiêu năm 2025". Chosen on
# the corpora: after these words a bare year is mostly a future one. Not "kế hoạch" ("kế hoạch
# năm 2017" is that year's plan) nor "sau năm" (as often past); dates ("đến 31/12/2020") count.
_TARGET = re.compile(
    rf"\b(?:đến|tới|trước|tầm nhìn(?:\s+(?:đến|tới))?|mục tiêu|chiến lược|định hướng|dự kiến)"
    rf"\s+(?:năm\s+)?{_YEAR}\b",
    re.IGNORECASE,
)
# "31/8/2020", "12/2022", "tháng 9-2018", "1-1-2019" (day and month must be possible:
# "115/2020" is a number).
_DATE = re.compile(
    rf"(?<![\d/-])(?:(0?[1-9]|[12]\d|3[01])(?P<sep>[/-]))?(0?[1-9]|1[0-2])(?(sep)(?P=sep)|[/-])({_YEAR})\b"
)
_YEAR_MENTION = re.compile(rf"\bnăm\s+({_YEAR})\b", re.IGNORECASE)
# Every pattern above lies within a few words of a year: the text the rule reads is
# only what stands around the years, whole words, WINDOW_BEFORE / WINDOW_AFTER
# characters on either side (the patterns' case-insensitive scans of whole articles
# were the slowest step of reading one).
_ANY_YEAR = re.compile(_YEAR)
WINDOW_BEFORE = 100
WINDOW_AFTER = 40


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


def _around_years(text: str) -> str:
    """The parts of ``text`` around its years, cut at spaces, one per line ("" when it
    names no year)."""
    spans: list[list[int]] = []
    for match in _ANY_YEAR.finditer(text):
        start = max(0, match.start() - WINDOW_BEFORE)
        end = min(len(text), match.end() + WINDOW_AFTER)
        if spans and start <= spans[-1][1]:
            spans[-1][1] = end
        else:
            spans.append([start, end])
    parts = []
    for start, end in spans:
        while start > 0 and not text[start - 1].isspace():  # whole words only
            start -= 1
        while end < len(text) and not text[end].isspace():
            end += 1
        parts.append(text[start:end])
    return "\n".join(parts)


def infer_year(text: str, *, not_after: date | None = None) -> int | None:
    """The year an undated article is about, from its own text.

    Rule: count "năm 2020", "12/2022" and "31/8/2020"; a school year "năm học 2021 - 2022"
    counts as its end year (its start if the end is after `not_after`), any other range
    "2021-2025" once as its start. Planning targets ("đến năm 2030", "tầm nhìn 2045"),
    document numbers ("15/2020/NĐ-CP", "số 11/2020", "115/2020"), mentions after `not_after`
    (default: today) and years more than HISTORY_YEARS before the latest counted one do not
    count.
    The most mentioned year wins; on a tie, the latest. None when nothing counts.
    """
    bound = not_after or date.today()
    counts: Counter[int] = Counter()

    def count(year: int, month: int = 1, day: int = 1) -> None:
        if (year, month, day) <= (bound.year, bound.month, bound.day):
            counts[year] += 1

    def school_year(match: re.Match[str]) -> str:
        start, end = int(match[1]), int(match[2])
        count(end if end <= bound.year else start)
        return " "

    def period(match: re.Match[str]) -> str:
        start, end = int(match[1]), int(match[2])
        if start >= end:
            return match[0]
        count(start)
        return " "

    text = _DOCUMENT_NUMBER.sub(" ", _around_years(text))
    text = _SCHOOL_YEAR.sub(school_year, text)
    text = _TARGET.sub(" ", _RANGE.sub(period, text))
    for match in _DATE.finditer(text):
        day, _separator, month, year = match.groups()
        count(int(year), int(month), int(day or 1))
    for match in _YEAR_MENTION.finditer(text):
        count(int(match[1]))
    if not counts:
        return None
    recent = {year: n for year, n in counts.items() if year >= max(counts) - HISTORY_YEARS}
    return max(recent, key=lambda year: (recent[year], year))
