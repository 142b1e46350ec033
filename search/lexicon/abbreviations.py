"""Abbreviations mined from the corpus itself.

Vietnamese news defines its abbreviations inline, "Liên đoàn Lao động (LĐLĐ)",
"Phòng Giáo dục và Đào tạo (GD&ĐT)". At index time we collect every such pair whose
letters are the initials of the words before the parenthesis, and keep the most
frequent expansion of each abbreviation. Queries then match both forms.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from search.analysis.analyzers import syllable_texts
from search.text import fold

_DEFINITION = re.compile(r"\(([A-ZĐ][A-ZĐ&]{1,9})\)")
_WORD = re.compile(r"[^\W\d_]+")
_MAX_WORDS_BEFORE = 12


def _expansion_before(text: str, end: int, abbreviation: str) -> str | None:
    """The words just before ``end`` whose initials spell ``abbreviation``, if any."""
    letters = [fold(ch).lower() for ch in abbreviation]
    words = list(_WORD.finditer(text, max(0, end - 160), end))[-_MAX_WORDS_BEFORE:]
    if len(words) < len(letters):
        return None
    picked = words[-len(letters) :]
    for letter, word in zip(letters, picked, strict=True):
        initial = fold(word.group(0)[0]).lower()
        # "&" stands for "và" ("Giáo dục và Đào tạo (GD&ĐT)").
        if letter == "&":
            if fold(word.group(0)).lower() != "va":
                return None
        elif initial != letter:
            return None
    return text[picked[0].start() : picked[-1].end()]


class AbbreviationMiner:
    """Collects inline definitions over many texts, remembering which document made
    each, so that an update can forget the definitions of the articles it removes."""

    # document id, abbreviation, expansion (syllables), expansion as written: one a definition
    FILE_NAME = "definitions.tsv"

    def __init__(self) -> None:
        # document id -> (abbreviation, expansion as syllables, expansion as written)
        self._by_document: dict[str, list[tuple[str, str, str]]] = {}

    def add(self, text: str, doc_id: str = "") -> None:
        """The definitions of one document (replacing what an earlier version of it had)."""
        found: list[tuple[str, str, str]] = []
        for match in _DEFINITION.finditer(text):
            abbreviation = match.group(1)
            expansion = _expansion_before(text, match.start(), abbreviation)
            if expansion:
                found.append((abbreviation, " ".join(syllable_texts(expansion)), " ".join(expansion.split())))
        self._by_document.pop(doc_id, None)
        if found:
            self._by_document[doc_id] = found

    def forget(self, doc_ids: Iterable[str]) -> None:
        """Drop what these documents defined (they were deleted or replaced)."""
        for doc_id in doc_ids:
            self._by_document.pop(doc_id, None)

    def result(self) -> Abbreviations:
        """Each abbreviation with its most frequent expansion (ties: the first in
        alphabetical order, so that the answer does not depend on document order)."""
        pairs = {" ".join(syllable_texts(short)): long for short, (long, _n) in self._chosen().items()}
        return Abbreviations(pairs)

    def _chosen(self) -> dict[str, tuple[str, int]]:
        """Each abbreviation as written -> its most frequent expansion, and how often."""
        seen: dict[str, Counter[str]] = defaultdict(Counter)
        for definitions in self._by_document.values():
            for abbreviation, expansion, _written in definitions:
                seen[abbreviation][expansion] += 1
        return {
            short: (min(found, key=lambda e: (-found[e], e)), sum(found.values()))
            for short, found in seen.items()
        }

    def as_written(self) -> dict[str, tuple[str, int]]:
        """Each abbreviation as written ("LĐLĐ") -> its expansion as the articles write
        it ("Liên đoàn Lao động", the most frequent casing) and how often it is defined."""
        written: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
        for definitions in self._by_document.values():
            for abbreviation, expansion, raw in definitions:
                written[abbreviation, expansion][raw] += 1
        return {
            short: (written[short, long].most_common(1)[0][0], n)
            for short, (long, n) in self._chosen().items()
        }

    def save(self, folder: Path) -> None:
        with (folder / self.FILE_NAME).open("w", encoding="utf-8") as stream:
            for doc_id, definitions in self._by_document.items():
                for abbreviation, expansion, written in definitions:
                    stream.write(f"{doc_id}\t{abbreviation}\t{expansion}\t{written}\n")

    @classmethod
    def load(cls, folder: Path) -> AbbreviationMiner:
        """What a generation's documents defined (empty for a generation without the file)."""
        miner = cls()
        path = folder / cls.FILE_NAME
        if path.exists():
            with path.open(encoding="utf-8") as stream:
                for line in stream:
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) == 4:
                        miner._by_document.setdefault(parts[0], []).append((parts[1], parts[2], parts[3]))
        return miner


SPANS_REMEMBERED = 1_024  # queries whose abbreviation spans are kept


class Abbreviations:
    """Short form <-> long form, both as lowercased accented syllables joined by spaces."""

    FILE_NAME = "abbreviations.json"

    def __init__(self, pairs: dict[str, str]) -> None:
        self.pairs = dict(pairs)
        # Per direction: folded form as a tuple of syllables -> (its rank, the other form),
        # and the lengths of the forms, so a query is matched span by span.
        self._tables = [
            self._table({fold(k): v for k, v in self.pairs.items()}),
            self._table({fold(v): k for k, v in self.pairs.items()}),
        ]
        # the spans of queries asked lately: a search asks twice (its plan, its marks)
        self._spans: dict[tuple[str, ...], tuple[tuple[int, int, tuple[str, ...]], ...]] = {}

    @staticmethod
    def _table(forms: dict[str, str]) -> tuple[dict[tuple[str, ...], tuple[int, list[str]]], set[int]]:
        table: dict[tuple[str, ...], tuple[int, list[str]]] = {}
        for rank, (form, other) in enumerate(forms.items()):
            table.setdefault(tuple(form.split()), (rank, other.split()))
        return table, {len(key) for key in table}

    def __len__(self) -> int:
        return len(self.pairs)

    def alternatives(self, syllables: Iterable[str]) -> list[tuple[int, int, list[str]]]:
        """Spans of the query (start, end) that are one form, with the other form: short
        forms first, then long forms, each in the order of the table.

        ``syllables`` are the query's lowercased syllables; matching ignores accents.
        """
        key = tuple(syllables)
        spans = self._spans.get(key)
        if spans is None:
            if len(self._spans) >= SPANS_REMEMBERED:
                self._spans.clear()
            spans = self._spans[key] = self._find(key)
        return [(start, end, list(other)) for start, end, other in spans]

    def _find(self, syllables: tuple[str, ...]) -> tuple[tuple[int, int, tuple[str, ...]], ...]:
        folded = [fold(s) for s in syllables]
        found: list[tuple[tuple[int, int, int], tuple[int, int, tuple[str, ...]]]] = []
        for direction, (table, lengths) in enumerate(self._tables):
            for n in lengths:
                for start in range(len(folded) - n + 1):
                    hit = table.get(tuple(folded[start : start + n]))
                    if hit is not None:
                        found.append(((direction, hit[0], start), (start, start + n, tuple(hit[1]))))
        return tuple(span for _order, span in sorted(found, key=lambda item: item[0]))

    def save(self, folder: Path) -> None:
        text = json.dumps(self.pairs, ensure_ascii=False, indent=0, sort_keys=True)
        (folder / self.FILE_NAME).write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Abbreviations:
        path = folder / cls.FILE_NAME
        if not path.exists():
            return cls({})
        return cls(json.loads(path.read_text(encoding="utf-8")))
