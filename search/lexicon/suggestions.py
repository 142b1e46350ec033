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
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from operator import methodcaller
from pathlib import Path

from search.analysis.analyzers import COMPOUND_JOINER
from search.text import fold, has_diacritics, normalize

PHRASE, PLACE, ABBREVIATION, HEADLINE = "phrase", "place", "abbreviation", "headline"
MIN_PHRASE_COUNT = 3  # a compound written fewer times is not suggested
MAX_PHRASES = 200_000  # the most used compounds kept (memory and file size stay bounded)
SCANNED = 3_000  # candidates looked at for one prefix, at most (short prefixes: see _SHORT)
SHORT_PREFIX = 2  # folded characters; the best candidates of these prefixes are precomputed
SHORT_KEPT = 50  # ... this many of them
PRUNE_AT = 2_000_000  # distinct written compounds counted before the once-seen are dropped
FILE_NAME = "suggestions.tsv"  # kind, weight, text
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


@dataclass(frozen=True)
class _Entry:
    key: str
    text: str
    kind: str
    weight: int


class Suggestions:
    """The candidates of one index generation, sorted for prefix lookups."""

    def __init__(self, entries: Iterable[tuple[str, int, str]]) -> None:
        best: dict[tuple[str, str], _Entry] = {}  # one entry per wording
        for kind, weight, text in entries:
            key = _key(text)
            if not key:
                continue
            entry = _Entry(key, text, kind, weight)
            found = best.get((key, text.lower()))
            if found is not None:  # a place's or abbreviation's writing wins, then the most used
                better = max(found, entry, key=lambda e: (_PRIORITY[e.kind], e.weight))
                entry = _Entry(key, better.text, better.kind, max(found.weight, weight))
            best[key, text.lower()] = entry
        self._entries = sorted(best.values(), key=lambda e: e.key)
        self._keys = [entry.key for entry in self._entries]
        self._short: dict[str, list[_Entry]] = {}
        for entry in self._entries:
            for n in range(1, SHORT_PREFIX + 1):
                if len(entry.key) >= n:
                    self._short.setdefault(entry.key[:n], []).append(entry)
        self._short = {
            p: heapq.nlargest(SHORT_KEPT, found, key=lambda e: e.weight) for p, found in self._short.items()
        }

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


class SuggestionCounter:
    """Collects the candidates while indexing: per document (so an update can forget an
    article's headline and places), and the compounds as the text writes them."""

    def __init__(self) -> None:
        self.documents: dict[str, tuple[str, tuple[str, ...]]] = {}
        self.compounds: Counter[str] = Counter()

    def add(self, doc_id: str, title: str, districts: tuple[str, ...], compounds: Iterable[str]) -> None:
        self.documents[doc_id] = (" ".join(title.split()), districts)
        self.compounds.update(map(_AS_WRITTEN, compounds))  # no Python frame per compound
        if len(self.compounds) > PRUNE_AT:
            self.compounds = Counter({c: n for c, n in self.compounds.items() if n > 1})

    def forget(self, doc_ids: Iterable[str]) -> None:
        for doc_id in doc_ids:
            self.documents.pop(doc_id, None)

    def entries(self, abbreviations: dict[str, tuple[str, int]]) -> list[tuple[str, int, str]]:
        """(kind, weight, text) of every candidate; ``abbreviations``: each one as
        written -> (its expansion as written, how many definitions)."""
        places: Counter[str] = Counter(p for _title, districts in self.documents.values() for p in districts)
        found = [(PLACE, n, place) for place, n in places.items()]
        found += [(HEADLINE, 1, title) for title, _districts in self.documents.values() if title]
        for short, (long, n) in abbreviations.items():
            found += [(ABBREVIATION, n, short), (ABBREVIATION, n, long)]
        phrases = [(c, n) for c, n in self.compounds.items() if n >= MIN_PHRASE_COUNT]
        found += [(PHRASE, n, c) for c, n in heapq.nlargest(MAX_PHRASES, phrases, key=lambda item: item[1])]
        return found

    def save(self, folder: Path, abbreviations: dict[str, tuple[str, int]]) -> None:
        with (folder / DOCUMENTS_FILE).open("w", encoding="utf-8") as stream:
            for doc_id, (title, districts) in self.documents.items():
                stream.write(f"{doc_id}\t{title}\t{_PLACES_JOIN.join(districts)}\n")
        with (folder / FILE_NAME).open("w", encoding="utf-8") as stream:
            for kind, weight, text in self.entries(abbreviations):
                stream.write(f"{kind}\t{weight}\t{text}\n")

    @classmethod
    def load(cls, folder: Path) -> SuggestionCounter:
        """A generation's documents and phrase counts, to be brought up to date."""
        counter = cls()
        documents = folder / DOCUMENTS_FILE
        if documents.exists():  # one line a document; --update reads it on every run
            for line in documents.read_text(encoding="utf-8").splitlines():
                doc_id, title, districts, *_ = *line.split("\t"), "", ""
                counter.documents[doc_id] = (title, tuple(filter(None, districts.split(_PLACES_JOIN))))
        phrase = f"{PHRASE}\t"
        entries = folder / FILE_NAME
        if entries.exists():
            for line in entries.read_text(encoding="utf-8").splitlines():
                if line.startswith(phrase):
                    _kind, weight, text = line.split("\t", 2)
                    counter.compounds[text] = int(weight)
        return counter


def read_entries(folder: Path) -> list[tuple[str, int, str]]:
    path = folder / FILE_NAME
    if not path.exists():
        return []
    found = []
    for line in path.read_text(encoding="utf-8").splitlines():
        kind, weight, text = line.split("\t", 2)
        found.append((kind, int(weight), text))
    return found


def load(folder: Path) -> Suggestions:
    return Suggestions(read_entries(folder))
