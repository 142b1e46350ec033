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

from search.analysis import syllable_texts
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
    """Collects inline definitions over many texts."""

    def __init__(self) -> None:
        self._seen: dict[str, Counter[str]] = defaultdict(Counter)

    def add(self, text: str) -> None:
        for match in _DEFINITION.finditer(text):
            abbreviation = match.group(1)
            expansion = _expansion_before(text, match.start(), abbreviation)
            if expansion:
                self._seen[abbreviation][" ".join(syllable_texts(expansion))] += 1

    def result(self) -> Abbreviations:
        pairs: dict[str, str] = {}
        for abbreviation, expansions in self._seen.items():
            expansion, _count = expansions.most_common(1)[0]
            pairs[" ".join(syllable_texts(abbreviation))] = expansion
        return Abbreviations(pairs)


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
        folded = [fold(s) for s in syllables]
        found: list[tuple[tuple[int, int, int], tuple[int, int, list[str]]]] = []
        for direction, (table, lengths) in enumerate(self._tables):
            for n in lengths:
                for start in range(len(folded) - n + 1):
                    hit = table.get(tuple(folded[start : start + n]))
                    if hit is not None:
                        found.append(((direction, hit[0], start), (start, start + n, list(hit[1]))))
        return [span for _order, span in sorted(found, key=lambda item: item[0])]

    def save(self, folder: Path) -> None:
        text = json.dumps(self.pairs, ensure_ascii=False, indent=0, sort_keys=True)
        (folder / self.FILE_NAME).write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> Abbreviations:
        path = folder / cls.FILE_NAME
        if not path.exists():
            return cls({})
        return cls(json.loads(path.read_text(encoding="utf-8")))
