"""Read articles from sources (folders of .txt pages, .jsonl / .jsonl.gz exports).

Everything is streamed: one file or one line at a time, so memory stays flat however
large the source. Broken input is reported as a :class:`Problem` and skipped.
:func:`read_sources` also tells how many bytes of the sources it has read, for a
progress bar.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Generator, Iterable, Iterator, Mapping
from contextlib import nullcontext
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from search.ingest.article import Article, Problem, Unchanged
from search.ingest.dates import infer_year, parse_iso_date
from search.ingest.fingerprints import (
    BLANK,
    MAX_ARTICLE_BYTES,
    Fingerprinted,
    fingerprint,
    fingerprinted,
    fingerprinted_in_workers,
    in_workers,
)
from search.ingest.places import gazetteer, places_of
from search.ingest.scraped import parse_scraped_page
from search.text import normalize


@dataclass(frozen=True)
class Unparsed:
    """A JSONL record whose article is made later, by whoever calls :meth:`parse`: an
    indexer's workers, so that the main process only reads lines (normalising the text
    and finding its places and year cost more than reading it)."""

    id: str
    record: dict[str, Any]
    where: str
    line: int
    digest: str

    @staticmethod
    def prepare() -> None:
        """Load what parsing needs (the gazetteer, about 0.5 s) before the first record:
        a worker does it as it starts, while the main process reads."""
        gazetteer()

    def parse(self) -> Article | Problem:
        result = article_from_record(self.record)
        if isinstance(result, str):
            return Problem(self.where, self.line, result)
        return replace(result, fingerprint=self.digest)


Item = Article | Problem | Unchanged | Unparsed
Located = tuple[Item, str, int | None]


class KnownInput:
    """The fingerprints of the input an index holds (``--update``): by article id, and
    the other way round, so that an unchanged JSONL line is known by its bytes alone,
    before it is decoded (most lines of an update's sources are unchanged)."""

    def __init__(self, by_id: Mapping[str, str]) -> None:
        self.by_id = by_id
        self.by_digest = dict(zip(by_id.values(), by_id, strict=True))


Known = KnownInput | None


@dataclass
class Position:
    """Bytes of the sources read so far; a reader moves it on before yielding an item."""

    bytes: int = 0


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _too_large(size: int) -> str:
    return f"too large ({size / 2**20:.1f} MiB; an article may have at most {MAX_ARTICLE_BYTES // 2**20} MiB)"


def _read_bytes(path: Path) -> bytes | Problem:
    try:
        size = path.stat().st_size
        if size > MAX_ARTICLE_BYTES:
            return Problem(str(path), None, _too_large(size))
        return path.read_bytes()
    except OSError as error:
        return Problem(str(path), None, f"cannot read: {error.strerror or error}")


def _decode_text_file(path: Path, data: bytes) -> str | Problem:
    if not data.strip():
        return Problem(str(path), None, "empty file")
    if b"\x00" in data[:8192]:
        return Problem(str(path), None, "binary or UTF-16 file, not UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return Problem(str(path), line, f"not UTF-8 (byte {error.start})")


def read_text_page(path: Path, known: Known = None) -> Item:
    """One scraped page; its id is the file name without extension."""
    data = _read_bytes(path)
    if isinstance(data, Problem):
        return data
    digest = fingerprint(data)
    if known is not None and known.by_id.get(path.stem) == digest:
        return Unchanged(path.stem)
    text = _decode_text_file(path, data)
    if isinstance(text, Problem):
        return text
    article = parse_scraped_page(text, path.stem)
    if article is None:
        return Problem(str(path), None, "no headline and body found")
    return replace(article, fingerprint=digest)


def _string(record: dict[str, Any], key: str) -> str | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and key in ("id", "_id"):
        return str(value)
    return value if isinstance(value, str) else None


def article_from_record(record: Any) -> Article | str:
    """An article from one JSONL object, or the reason it cannot be one.

    Required: "id" (or BEIR's "_id"), "title", "text". Optional: "date" (ISO 8601),
    "url", "district" (a name or a list of names; found in the text when absent).
    """
    if not isinstance(record, dict):
        return "not a JSON object"
    article_id = _string(record, "id") or _string(record, "_id")
    if not article_id or not article_id.strip():
        return 'missing "id"'
    title = _string(record, "title")
    text = _string(record, "text")
    if title is None or text is None:
        return 'missing "title" or "text" (must be strings)'
    title, text = normalize(title.strip()), normalize(text.strip())
    if not title and not text:
        return "empty title and text"
    raw_date = _string(record, "date")
    when = parse_iso_date(raw_date) if raw_date else None
    raw_district = record.get("district")
    if isinstance(raw_district, str) and raw_district.strip():
        districts: tuple[str, ...] = (normalize(raw_district.strip()),)
    elif isinstance(raw_district, list):
        districts = tuple(normalize(d.strip()) for d in raw_district if isinstance(d, str) and d.strip())
    else:
        districts = places_of(title, text)
    return Article(
        id=article_id.strip(),
        title=title,
        body=text,
        date=when,
        districts=districts,
        year=when.year if when else infer_year(f"{title}\n{text}"),
        url=_string(record, "url"),
    )


def _record_id(record: Any) -> str | None:
    if not isinstance(record, dict):
        return None
    value = _string(record, "id") or _string(record, "_id")
    return value.strip() if value else None


def _parsed(
    lines: Iterable[Fingerprinted], where: str, known: Known, defer: bool = False
) -> Iterator[Located]:
    for number, raw, digest in lines:
        if digest == BLANK:
            continue
        if digest is None:
            yield Problem(where, number, _too_large(len(raw))), where, number
            continue
        same = known.by_digest.get(digest) if known is not None else None
        if same is not None:  # the very line the index holds (its bytes name its id)
            yield Unchanged(same), where, number
            continue
        try:
            record = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            yield Problem(where, number, "not UTF-8"), where, number
            continue
        except json.JSONDecodeError as error:
            yield Problem(where, number, f"bad JSON ({error.msg})"), where, number
            continue
        doc_id = _record_id(record)
        if defer and doc_id:
            yield Unparsed(doc_id, record, where, number, digest), where, number
            continue
        result = article_from_record(record)
        if isinstance(result, str):
            yield Problem(where, number, result), where, number
        else:
            yield replace(result, fingerprint=digest), where, number


def read_jsonl(
    path: Path, known: Known = None, position: Position | None = None, defer: bool = False
) -> Iterator[Located]:
    """Articles of a .jsonl or .jsonl.gz file with their line numbers, one at a time
    (with ``defer``, records as :class:`Unparsed`). ``position`` follows the offset in
    the file: for .gz, the compressed bytes read."""
    where = str(path)
    start = position.bytes if position is not None else 0
    try:
        with open(path, "rb") as file:
            tracked = position if position is not None and file.seekable() else None
            gzipped = path.name.endswith(".gz")
            with gzip.GzipFile(fileobj=file, mode="rb") if gzipped else nullcontext(file) as stream:
                lines = (
                    fingerprinted_in_workers(str(path), file, known.by_digest)
                    if known is not None and in_workers(file, gzipped)
                    else fingerprinted(stream)
                )
                for located in _parsed(lines, where, known, defer):
                    if tracked is not None:
                        tracked.bytes = start + file.tell()
                    yield located
            if tracked is not None:
                tracked.bytes = start + file.tell()
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        yield Problem(where, None, f"cannot read: {error}"), where, None


def _is_jsonl(path: Path) -> bool:
    return path.name.endswith((".jsonl", ".jsonl.gz"))


def _text_page(path: Path, known: Known, position: Position | None) -> Item:
    item = read_text_page(path, known)
    if position is not None:
        position.bytes += _file_size(path)
    return item


def read_source(
    source: Path, known: Known = None, position: Position | None = None, defer: bool = False
) -> Iterator[Located]:
    """All articles of one source with where they came from: a folder of .txt pages,
    one .txt page, or a JSONL file (its records :class:`Unparsed` with ``defer``).
    ``position`` is moved on by the bytes read."""
    if source.is_dir():
        for path in sorted(source.iterdir()):
            if path.suffix == ".txt" and path.is_file():
                yield _text_page(path, known, position), str(path), None
    elif _is_jsonl(source):
        yield from read_jsonl(source, known, position, defer)
    elif source.suffix == ".txt" and source.is_file():
        yield _text_page(source, known, position), str(source), None
    elif not source.exists():
        yield Problem(str(source), None, "no such file or folder"), str(source), None
    else:
        reason = "not a folder, .txt, .jsonl or .jsonl.gz file"
        yield Problem(str(source), None, reason), str(source), None


def source_size(source: Path) -> int | None:
    """The bytes :func:`read_source` reads from ``source`` (a folder: its .txt pages), or
    None when that cannot be known: a missing source, a pipe, not a source at all."""
    try:
        if source.is_dir():
            return sum(_file_size(p) for p in source.iterdir() if p.suffix == ".txt" and p.is_file())
    except OSError:
        return None
    if (_is_jsonl(source) or source.suffix == ".txt") and source.is_file():
        return _file_size(source)
    return None


class SourceReader(Iterator[Item]):
    """The items of :func:`read_sources`, and how far reading has come: ``position.bytes``
    of the sources that :meth:`total` could size, out of that total."""

    def __init__(
        self, sources: Iterable[Path], known: Mapping[str, str] | None = None, defer: bool = False
    ) -> None:
        self.sources = list(sources)
        self.position = Position()
        self._sizes: list[int | None] | None = None
        self._items = self._read(KnownInput(known) if known is not None else None, defer)

    def total(self) -> int | None:
        """Bytes of the sources that can be sized, None if none can. Ask before reading:
        only the sources started after the first call are followed."""
        if self._sizes is None:
            self._sizes = [source_size(source) for source in self.sources]
        sized = [size for size in self._sizes if size is not None]
        return sum(sized) if sized else None

    def __next__(self) -> Item:
        return next(self._items)

    def close(self) -> None:
        """Stop reading and close the open file, as a generator's ``close`` does."""
        self._items.close()

    def _read(self, known: Known, defer: bool) -> Generator[Item, None, None]:
        seen: set[str] = set()
        for number, source in enumerate(self.sources):
            sized = self._sizes is not None and self._sizes[number] is not None
            for item, where, line in read_source(source, known, self.position if sized else None, defer):
                if isinstance(item, (Article, Unchanged, Unparsed)):
                    if item.id in seen:
                        yield Problem(where, line, f"duplicate id {item.id!r} skipped")
                        continue
                    seen.add(item.id)
                yield item


def read_sources(
    sources: Iterable[Path], known: Mapping[str, str] | None = None, defer: bool = False
) -> SourceReader:
    """Articles of all sources in order; a repeated id is reported and skipped. With
    ``known`` (id -> fingerprint of the indexed input), input that has not changed is
    not parsed again but yielded as :class:`Unchanged`. With ``defer``, JSONL records
    come as :class:`Unparsed`, for the caller to parse where it likes. The reader also
    tells how many bytes it has read (:class:`SourceReader`)."""
    return SourceReader(sources, known, defer)
