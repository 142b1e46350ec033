"""Turn a scraped newspaper page (.txt) into an :class:`Article`.

The pages carry more than the article: debris before the headline, runs of related
headlines glued under the lead, image file names, markdown leftovers, and whole
sidebars ("Có thể bạn quan tâm", "Tin khác", ...) after the byline. Each rule below
removes one kind of debris; they are pure functions of the text.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from search.ingest.article import Article
from search.ingest.dates import infer_year, parse_date_line
from search.ingest.places import places_of
from search.text import normalize

# A line that starts the page's furniture: everything from it on is not the article.
SIDEBAR_MARKERS = frozenset(
    {
        "có thể bạn quan tâm",
        "nên xem",
        "tin khác",
        "xem thêm",
        "phiên bản di động",
        "tin liên quan",
        "bài liên quan",
        "tin cùng chuyên mục",
    }
)
SENTENCE_END = tuple(".!?…:;\"”)»'")

_IMAGE_MARKUP = re.compile(r"^!\[[^\]]*\]\([^)]*\)\s*\|?\s*$")
_IMAGE_FILE_NAME = re.compile(r"^\d+(?:[ _-]\d+){2,}(?:[ _-][a-z]{1,2})?$")
_EMPTY_SOURCE = re.compile(r"^nguồn\s*:?\s*$", re.IGNORECASE)
_MASTHEAD_TAG = re.compile(r"^\((?:LĐTĐ|LĐ)\)\s*")
_SHORT_DEBRIS = re.compile(r"^(?:-->|<!--|[^\w\s]+|\w)$")
# Related-headline blocks are at least this long; shorter unpunctuated lines are subheads.
_RELATED_BLOCK_MIN_CHARS = 60


def _is_sidebar_marker(line: str) -> bool:
    return line.rstrip(" :").casefold() in SIDEBAR_MARKERS


def _ends_sentence(line: str) -> bool:
    return line.endswith(SENTENCE_END)


def _drop_sidebar(lines: list[str]) -> list[str]:
    for i, line in enumerate(lines):
        if _is_sidebar_marker(line):
            return lines[:i]
    return lines


def _clean_line(line: str) -> str | None:
    """The line without markup debris, or None when nothing of the article is left."""
    if _IMAGE_MARKUP.match(line) or _IMAGE_FILE_NAME.match(line) or _EMPTY_SOURCE.match(line):
        return None
    if line.endswith("|"):
        text = line.rstrip("| ").strip()
        # "Caption sentence. |" is a photo caption; "Headline Headline |" is a related run.
        return text if text and _ends_sentence(text) else None
    return line


def _take_header(lines: list[str]) -> tuple[str, datetime | date | None, int]:
    """Headline, dateline and the index of the first line after the headline."""
    found_date: datetime | date | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        when = parse_date_line(line) if line else None
        if when:
            found_date = found_date or when
        elif line and not _SHORT_DEBRIS.match(line):
            break
        i += 1
    if i >= len(lines):
        return "", found_date, i
    title = lines[i]
    i += 1
    # A headline split over two lines: "Liên đoàn Lao động quận Tây Hồ:" + "Phát huy ...".
    if title.endswith(":"):
        j = i
        while j < len(lines) and not lines[j]:
            j += 1
        if j < len(lines) and len(lines[j]) <= 150 and not _ends_sentence(lines[j]):
            title = f"{title} {lines[j]}"
            i = j + 1
    return title, found_date, i


def _blocks(lines: list[str]) -> list[list[str]]:
    """Runs of non-empty lines separated by blank lines."""
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line:
            blocks[-1].append(line)
        elif blocks[-1]:
            blocks.append([])
    return [b for b in blocks if b]


def _drop_related_headlines(blocks: list[list[str]]) -> list[list[str]]:
    """Remove the run of related headlines the site glues under the lead.

    Either they follow the lead line in its own block, or, when the lead stands
    alone, they are the next block: unpunctuated headline-length lines.
    """
    if not blocks:
        return blocks
    lead, *rest = blocks
    if len(lead) > 1:
        kept = [lead[0]] + [line for line in lead[1:] if _ends_sentence(line)]
        return [kept, *rest]
    if rest:
        following = rest[0]
        if (
            not any(_ends_sentence(line) for line in following)
            and sum(len(line) for line in following) >= _RELATED_BLOCK_MIN_CHARS
        ):
            return [lead, *rest[1:]]
    return blocks


def _looks_like_byline(line: str) -> bool:
    """ "Minh Khuê", "H.D", "N. Hoa": a short run of capitalised words."""
    words = line.split()
    return (
        0 < len(words) <= 4
        and len(line) <= 30
        and not line.endswith((":", ";", ",", "!", "?", "…", "”", '"'))
        and all(word[0].isupper() for word in words)
    )


def parse_scraped_page(text: str, article_id: str) -> Article | None:
    """The article in a scraped page, or None when no headline and body can be found."""
    text = normalize(text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = _drop_sidebar([line.strip() for line in text.split("\n")])
    title, found_date, start = _take_header(lines)
    if not title:
        return None
    body_lines: list[str] = []
    for raw in lines[start:]:
        line = _clean_line(raw) if raw else ""
        if line is None or line == title:
            continue
        body_lines.append(line)
    blocks = _drop_related_headlines(_blocks(body_lines))
    paragraphs = [line for block in blocks for line in block]
    if paragraphs:
        paragraphs[0] = _MASTHEAD_TAG.sub("", paragraphs[0])
    author = None
    if len(paragraphs) > 1 and _looks_like_byline(paragraphs[-1]):
        author = paragraphs.pop()
    body = "\n\n".join(paragraphs)
    if not body:
        return None
    year = found_date.year if found_date else infer_year(f"{title}\n{body}")
    return Article(
        id=article_id,
        title=title,
        body=body,
        date=found_date,
        author=author,
        districts=places_of(title, body),
        year=year,
    )
