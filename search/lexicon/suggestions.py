"""Suggestions as you type: completions of what a reader has typed so far, learned from
the corpus at index time.

Candidates: place names (the districts and provinces of the articles), abbreviations
and their expansions ("LĐLĐ", "Liên đoàn Lao động"), the multi-syllable words the
corpus uses most (pyvi's compounds, as the text writes them) and the headlines. Each
is weighted by how often the corpus uses it. What was typed matches the start of a
candidate accents and case ignored ("chuong m" -> "Chương Mỹ"), the last word as a
prefix; typed with accents, the candidates that have them rank first.
"""

from __future__ import annotations

import bisect
import heapq
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from html import escape
from operator import attrgetter, methodcaller
from pathlib import Path
from typing import NamedTuple

from search.analysis.analyzers import COMPOUND_JOINER
from search.text import fold, has_diacritics, normalize

PHRASE, PLACE, ABBREVIATION, HEADLINE = "phrase", "place", "abbreviation", "headline"
MIN_PHRASE_COUNT = 3  # a compound written fewer times is not suggested
MAX_PHRASES = 200_000  # the most used compounds kept (memory and file size stay bounded)
SCANNED = 3_000  # candidates looked at for one prefix, at most (short prefixes: see _SHORT)
SHORT_PREFIX = 2  # folded characters; the best candidates of these prefixes are precomputed
SHORT_KEPT = 50  # ... this many of them
PRUNE_AT = 2_000_000  # distinct written compounds counted before the once-seen are dropped
FILE_NAME = "suggestions.tsv"  # kind, weight, text, key (the key: see KEYED)
# The first line of FILE_NAME when it holds each entry's key (what a server compares
# typed text with), computed once at index time: folding 277,000 texts at 185k articles
# took each server process 3 s at every start and swap. A file without it (written
# before) has three fields a line, and its keys are computed as it is read.
KEYED = "#\tkind\tweight\ttext\tkey\n"
# Which writing of the same words shows: a place's or an abbreviation's own casing
# ("Chương Mỹ", "Liên đoàn Lao động") over how a sentence happened to write them.
_PRIORITY = {PLACE: 2, ABBREVIATION: 2, PHRASE: 1, HEADLINE: 0}
DOCUMENTS_FILE = "suggestion-documents.tsv"  # id, headline, districts (for --update)
_PLACES_JOIN = chr(31)  # between a document's districts in DOCUMENTS_FILE


def _key(text: str) -> str:
    """What typed text and candidates are compared on: folded, lowercased, one space."""
    return " ".join(fold(normalize(text).lower()).split())


@dataclass(frozen=True)
class Suggestion:
    text: str
    html: str  # the text escaped, with the part that was typed in <mark>
    kind: str
    weight: int

    def to_json(self) -> dict[str, object]:
        return {"text": self.text, "html": self.html, "kind": self.kind}


class _Entry(NamedTuple):  # a tuple: 277,000 of them are made whenever a generation loads
    key: str
    text: str
    kind: str
    weight: int


Keyed = tuple[str, int, str, str]  # kind, weight, text, key
_BY_KEY, _BY_WEIGHT = attrgetter("key"), attrgetter("weight")
_AFTER_EVERY_CHARACTER = chr(0x10FFFF)  # a prefix followed by it sorts after all keys that start with it


def keyed(entries: Iterable[tuple[str, int, str]]) -> Iterator[Keyed]:
    """Each (kind, weight, text) with its key."""
    for kind, weight, text in entries:
        yield kind, weight, text, _key(text)


class Suggestions:
    """The candidates of one index generation, sorted for prefix lookups."""

    def __init__(self, entries: Iterable[Keyed]) -> None:
        best: dict[tuple[str, str], _Entry] = {}  # one entry per wording
        for kind, weight, text, key in entries:
            if not key:
                continue
            entry = _Entry(key, text, kind, weight)
            wording = key, text.lower()
            found = best.get(wording)
            if found is not None:  # a place's or abbreviation's writing wins, then the most used
                better = max(found, entry, key=lambda e: (_PRIORITY[e.kind], e.weight))
                entry = _Entry(key, better.text, better.kind, max(found.weight, weight))
            best[wording] = entry
        self._entries = sorted(best.values(), key=_BY_KEY)
        self._keys = [entry.key for entry in self._entries]
        # The best entries of each short prefix: a prefix's entries are a run of the
        # sorted ones (a key shorter than the prefix is not among them).
        self._short: dict[str, list[_Entry]] = {}
        for n in range(1, SHORT_PREFIX + 1):
            for prefix in sorted({key[:n] for key in self._keys if len(key) >= n}):
                start = bisect.bisect_left(self._keys, prefix)
                end = bisect.bisect_left(self._keys, prefix + _AFTER_EVERY_CHARACTER, start)
                self._short[prefix] = heapq.nlargest(SHORT_KEPT, self._entries[start:end], key=_BY_WEIGHT)

    def __len__(self) -> int:
        return len(self._entries)

    def complete(self, typed: str, limit: int) -> list[Suggestion]:
        """The best ``limit`` completions of ``typed``."""
        prefix = _key(typed) + (" " if typed[-1:].isspace() and typed.strip() else "")
        if not prefix.strip():
            return []
        if len(prefix) <= SHORT_PREFIX:
            found = list(self._short.get(prefix, []))
        else:
            start = bisect.bisect_left(self._keys, prefix)
            found = []
            for entry in self._entries[start : start + SCANNED]:
                if not entry.key.startswith(prefix):
                    break
                found.append(entry)
        written = normalize(typed).lower().lstrip()
        accented = has_diacritics(written)

        def rank(entry: _Entry) -> tuple[bool, int, int]:
            exact = accented and entry.text.lower().startswith(written.rstrip())
            return (not exact, -entry.weight, len(entry.text))

        return [_suggestion(entry, typed) for entry in sorted(found, key=rank)[:limit]]


def _suggestion(entry: _Entry, typed: str) -> Suggestion:
    """The entry with the typed part marked: folding keeps one character for one, so the
    typed prefix is the text's first characters (spaces collapsed)."""
    wanted = len(" ".join(typed.split()))
    cut, seen = 0, 0
    while cut < len(entry.text) and seen < wanted:
        if not (entry.text[cut].isspace() and cut and entry.text[cut - 1].isspace()):
            seen += 1
        cut += 1
    html = f"<mark>{escape(entry.text[:cut])}</mark>{escape(entry.text[cut:])}" if cut else escape(entry.text)
    return Suggestion(entry.text, html, entry.kind, entry.weight)


_AS_WRITTEN = methodcaller("replace", COMPOUND_JOINER, " ")  # "Liên_đoàn" -> "Liên đoàn"
_HEADLINE_LINE = f"{HEADLINE}\t1\t".encode()  # how FILE_NAME writes a headline


def _document_line(doc_id: str, title: str, districts: tuple[str, ...]) -> str:
    return f"{doc_id}\t{title}\t{_PLACES_JOIN.join(districts)}\n"


def _read_document_line(line: str) -> tuple[str, str, tuple[str, ...]]:
    """Id, headline and districts of a line of DOCUMENTS_FILE (missing fields empty,
    extra ones ignored, empty districts dropped)."""
    doc_id, title, districts, *_ = *line.split("\t"), "", ""
    return doc_id, title, tuple(filter(None, districts.split(_PLACES_JOIN)))


def _headline_line(title: str) -> bytes:
    return _entry_line(HEADLINE, 1, title, _key(title)).encode()


def _title(line: str) -> str:
    """The headline of a headline line of FILE_NAME (a headline holds no tab)."""
    return line.rstrip("\n").split("\t")[2]


def _entry_line(kind: str, weight: int, text: str, key: str) -> str:
    return f"{kind}\t{weight}\t{text}\t{key}\n"


def _parsed_entry(line: str, has_key: bool) -> Keyed:
    """A line of FILE_NAME (with its key when the file has them, else computed)."""
    kind, weight, text = line.split("\t", 2)
    if has_key:
        text, key = text.rsplit("\t", 1)  # a key holds no tab
        return kind, int(weight), text, key
    return kind, int(weight), text, _key(text)


def _lines(data: bytes) -> list[bytes]:
    """The lines of a file's bytes, each ending with a newline."""
    if not data:
        return []
    return [line + b"\n" for line in (data[:-1] if data.endswith(b"\n") else data).split(b"\n")]


def _ended(data: bytes) -> bytes:
    """The bytes with a newline at the end, unless empty."""
    return data + b"\n" if data and not data.endswith(b"\n") else data


@dataclass
class _Saved:
    """The documents of an earlier build as its files hold them. An update changes a few
    documents of many, so the others are carried over as bytes, not parsed or decoded:
    their lines of DOCUMENTS_FILE, their headlines' lines of FILE_NAME, and their places'
    counts (185,000 documents took a second to read and write one by one)."""

    documents: bytes  # DOCUMENTS_FILE, every line ending with a newline
    places: Counter[str]  # the PLACE entries
    headlines: bytes  # the HEADLINE lines of FILE_NAME, in order
    held: Collection[str] | None = None  # the documents' ids, when the caller knows them

    def ids(self) -> Collection[str]:
        """The documents' ids (read from their lines unless the caller gave them)."""
        if self.held is None:
            self.held = {line.split(b"\t", 1)[0].decode() for line in self.documents.split(b"\n")}
        return self.held

    def without(self, doc_ids: set[str]) -> tuple[bytes, Counter[str], list[bytes]]:
        """The documents' lines, the places' counts and the headlines' lines once
        ``doc_ids`` are forgotten."""
        if not doc_ids:
            return self.documents, Counter(self.places), [self.headlines]
        wanted = {doc_id.encode() for doc_id in doc_ids}
        kept: list[bytes] = []
        places = Counter(self.places)
        gone: Counter[bytes] = Counter()  # one headline line for each document gone
        for line in _lines(self.documents):
            if line.split(b"\t", 1)[0].rstrip(b"\n") not in wanted:
                kept.append(line)
                continue
            _doc_id, title, districts = _read_document_line(line.decode().rstrip("\n"))
            places.subtract(districts)
            if title:
                gone[_headline_line(title)] += 1
        headlines = []
        for line in _lines(self.headlines):
            if gone[line] > 0:
                gone[line] -= 1
            else:
                headlines.append(line)
        return b"".join(kept), Counter({p: n for p, n in places.items() if n > 0}), headlines


def _split_headlines(data: bytes) -> tuple[bytes, bytes]:
    """FILE_NAME's bytes without its headline lines, and those lines. :meth:`SuggestionCounter.save`
    writes them in one run, which is cut out whole; otherwise they are picked line by line."""
    marker = b"\n" + _HEADLINE_LINE
    if data.startswith(_HEADLINE_LINE):
        first = 0
    elif (found := data.find(marker)) >= 0:
        first = found + 1
    else:
        return data, b""
    last = max(first, data.rfind(marker) + 1)
    end = data.find(b"\n", last) + 1 or len(data)
    block = data[first:end]
    if block.count(b"\n") + (not block.endswith(b"\n")) == (b"\n" + block).count(marker):
        return data[:first] + data[end:], _ended(block)
    lines = _lines(data)
    headlines = b"".join(line for line in lines if line.startswith(_HEADLINE_LINE))
    return b"".join(line for line in lines if not line.startswith(_HEADLINE_LINE)), headlines


class SuggestionCounter:
    """Collects the candidates while indexing: per document (so an update can forget an
    article's headline and places), and the compounds as the text writes them."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[str, tuple[str, ...]]] = {}  # added in this run
        self._written: Counter[str] = Counter()  # compounds as the segmenter wrote them
        self._saved: _Saved | None = None  # an earlier build's documents (--update)
        self._forgotten: set[str] = set()
        self._keys: dict[str, str] = {}  # text -> key, as an earlier build wrote them

    def add(self, doc_id: str, title: str, districts: tuple[str, ...], compounds: Iterable[str]) -> None:
        self.documents[doc_id] = (" ".join(title.split()), districts)
        self._written.update(compounds)  # spaced once, at the end: see ``compounds``
        if len(self._written) > PRUNE_AT:
            self._written = Counter({c: n for c, n in self._written.items() if n > 1})

    @property
    def compounds(self) -> Counter[str]:
        """The compounds' counts, as the text writes them ("Liên đoàn"). Spacing each
        compound as it came cost the indexer's main process more than counting it."""
        spaced: Counter[str] = Counter()
        for compound, count in self._written.items():
            spaced[_AS_WRITTEN(compound)] += count  # ("a_b" in the text is "a b" too)
        return spaced

    def forget(self, doc_ids: Iterable[str]) -> None:
        for doc_id in doc_ids:
            self.documents.pop(doc_id, None)
            if self._saved is not None:
                self._forgotten.add(doc_id)

    def _all_documents(self) -> tuple[bytes, Counter[str], list[bytes]]:
        """Every document's line of DOCUMENTS_FILE, the places' counts, and the headlines'
        lines of FILE_NAME: the earlier build's (less what was forgotten or added again),
        then this run's."""
        headlines: list[bytes]
        if self._saved is None:
            lines, places, headlines = b"", Counter[str](), []
        else:
            again = self.documents.keys() & self._saved.ids()
            lines, places, headlines = self._saved.without(self._forgotten | again)
        added = self.documents.items()
        lines += "".join(
            _document_line(doc_id, title, districts) for doc_id, (title, districts) in added
        ).encode()
        places.update(p for _title, districts in self.documents.values() for p in districts)
        headlines += [_headline_line(title) for title, _ in self.documents.values() if title]
        return lines, places, headlines

    def _entries(
        self, abbreviations: dict[str, tuple[str, int]], places: Counter[str]
    ) -> tuple[list[tuple[str, int, str]], list[tuple[str, int, str]]]:
        """(kind, weight, text) of the places, then of the abbreviations and phrases."""
        before = [(PLACE, n, place) for place, n in places.items()]
        after = []
        for short, (long, n) in abbreviations.items():
            after += [(ABBREVIATION, n, short), (ABBREVIATION, n, long)]
        phrases = [(c, n) for c, n in self.compounds.items() if n >= MIN_PHRASE_COUNT]
        after += [(PHRASE, n, c) for c, n in heapq.nlargest(MAX_PHRASES, phrases, key=lambda item: item[1])]
        return before, after

    def entries(self, abbreviations: dict[str, tuple[str, int]]) -> list[tuple[str, int, str]]:
        """(kind, weight, text) of every candidate; ``abbreviations``: each one as
        written -> (its expansion as written, how many definitions)."""
        _lines, places, headlines = self._all_documents()
        before, after = self._entries(abbreviations, places)
        titles = b"".join(headlines).decode().splitlines()
        return before + [(HEADLINE, 1, _title(line)) for line in titles] + after

    def save(self, folder: Path, abbreviations: dict[str, tuple[str, int]]) -> None:
        lines, places, headlines = self._all_documents()
        (folder / DOCUMENTS_FILE).write_bytes(lines)
        before, after = self._entries(abbreviations, places)
        with (folder / FILE_NAME).open("wb") as stream:
            stream.write(KEYED.encode())
            stream.write(self._lines_of(before).encode())
            stream.writelines(headlines)
            stream.write(self._lines_of(after).encode())

    def _lines_of(self, entries: list[tuple[str, int, str]]) -> str:
        """The entries' lines of FILE_NAME, with their keys (those an earlier build wrote
        are not computed again)."""
        keys = self._keys
        return "".join(
            _entry_line(kind, weight, text, keys[text] if text in keys else _key(text))
            for kind, weight, text in entries
        )

    @classmethod
    def load(cls, folder: Path, held: Collection[str] | None = None) -> SuggestionCounter:
        """A generation's documents and phrase counts, to be brought up to date; ``held``:
        the ids of its documents, when the caller knows them (it saves reading them)."""
        counter = cls()
        entries, documents = folder / FILE_NAME, folder / DOCUMENTS_FILE
        data = entries.read_bytes() if entries.exists() else b""
        has_keys = data.startswith(KEYED.encode())
        rest, headlines = _split_headlines(data[len(KEYED) :] if has_keys else data)
        if not has_keys and headlines:  # written before keys were: they are added once
            headlines = b"".join(_headline_line(_title(line.decode())) for line in _lines(headlines))
        places: Counter[str] = Counter()
        for line in filter(None, rest.decode().splitlines()):
            kind, weight, text, key = _parsed_entry(line, has_keys)
            counter._keys[text] = key
            if kind == PHRASE:
                counter._written[text.replace(" ", COMPOUND_JOINER)] = weight
            elif kind == PLACE:
                places[text] = weight
        saved = documents.read_bytes() if documents.exists() else b""
        counter._saved = _Saved(_ended(saved), places, headlines, held)
        return counter


def read_entries(folder: Path) -> list[Keyed]:
    """The entries of a generation's FILE_NAME, with their keys."""
    path = folder / FILE_NAME
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    has_keys = text.startswith(KEYED)
    lines = text[len(KEYED) if has_keys else 0 :].splitlines()
    return [_parsed_entry(line, has_keys) for line in lines if line]


def load(folder: Path) -> Suggestions:
    return Suggestions(read_entries(folder))
