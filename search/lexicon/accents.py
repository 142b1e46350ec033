""" "Did you mean": the accented form of a query typed without diacritics.

Learned from the index's own text at build time: for every folded word (pyvi compound)
and syllable, the accented form the corpus writes most often. A query such as
"cong doan" is covered left to right by the longest known compounds, then syllables:
"công đoàn".
"""

from __future__ import annotations

import bisect
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from pathlib import Path

from search.analysis import segment
from search.text import fold, has_diacritics, normalize

MAX_WORD_SYLLABLES = 4
_PRUNE_AT = 2_000_000  # distinct compounds kept in memory before rare ones are dropped


LARGE_CORPUS = 1000  # articles: from this many on, a compound seen once is not learned


def _lowered(counts: Counter[str]) -> Counter[str]:
    lowered: Counter[str] = Counter()
    for compound, count in counts.items():
        lowered[compound.lower()] += count
    return lowered


class AccentCounter:
    """Counts accented forms while indexing (memory stays bounded)."""

    def __init__(self) -> None:
        self._compounds: Counter[str] = Counter()  # as written; lower-cased when first read or pruned
        self._lowered = False
        self.syllables: Counter[str] = Counter()  # accented syllable -> documents

    def add_compounds(self, compounds: Iterable[str]) -> None:
        """Compounds as the segmenter wrote them ("Liên_đoàn"). They are counted as
        written and lower-cased once, at the end: a fifth of the cost of lower-casing
        each (the indexer's main process does this for every article)."""
        self._compounds.update(map(str.lower, compounds) if self._lowered else compounds)
        if len(self._compounds) > _PRUNE_AT and len(self.compounds) > _PRUNE_AT:
            # lossy counting: forget the once-seen
            self._compounds = Counter({c: n for c, n in self.compounds.items() if n > 1})

    @property
    def compounds(self) -> Counter[str]:
        """The lower-cased compounds' counts."""
        if not self._lowered:
            self._compounds, self._lowered = _lowered(self._compounds), True
        return self._compounds

    def add_syllable(self, syllable: str, documents: int) -> None:
        if has_diacritics(syllable):
            self.syllables[syllable] = documents

    def add_accented(self, syllables: Iterable[str]) -> None:
        """The distinct accented syllables of one document (each counts once). One
        counter update: the indexer's main process calls this for every article."""
        self.syllables.update(syllables)

    def learned(self, documents: int) -> AccentVocabulary:
        """The vocabulary ``documents`` articles teach: in a large corpus, a compound
        seen once is more often a typo than a word."""
        return self.result(min_count=2 if documents >= LARGE_CORPUS else 1)

    def result(self, min_count: int = 1) -> AccentVocabulary:
        by_fold: dict[str, Counter[str]] = defaultdict(Counter)
        for compound, count in self.compounds.items():
            if count >= min_count and has_diacritics(compound):
                by_fold[fold(compound)][compound] = count
        forms = {key: forms.most_common(1)[0][0].replace("_", " ") for key, forms in by_fold.items()}
        most: dict[str, int] = {}
        # The most frequent form; on a tie the first in order (documents arrive as sets,
        # whose order differs from one run to the next).
        for syllable, count in sorted(self.syllables.items()):
            key = fold(syllable)
            if count > most.get(key, 0):
                most[key], forms[key] = count, syllable
        return AccentVocabulary({k.replace("_", " "): v for k, v in forms.items()})


class AccentVocabulary:
    """Folded form ("cong doan") -> the corpus's usual accented form ("công đoàn")."""

    FILE_NAME = "accents.json"

    def __init__(self, forms: dict[str, str]) -> None:
        self.forms = forms
        self._syllables: list[str] | None = None  # sorted, for prefixes

    def __len__(self) -> int:
        return len(self.forms)

    def syllables_starting(self, prefix: str) -> list[str]:
        """The folded syllables the corpus writes that start with folded ``prefix``."""
        if self._syllables is None:
            self._syllables = sorted(key for key in self.forms if " " not in key)
        start = bisect.bisect_left(self._syllables, prefix)
        found = []
        for syllable in self._syllables[start:]:
            if not syllable.startswith(prefix):
                break
            found.append(syllable)
        return found

    def suggest(self, query: str) -> str | None:
        """The query with its unaccented words accented; None when the query has
        diacritics already or nothing would change."""
        text = normalize(query)
        if not self.forms or has_diacritics(text):
            return None
        spans = list(segment.syllables(text))
        pieces: list[str] = []
        last = 0
        i = 0
        while i < len(spans):
            for size in range(min(MAX_WORD_SYLLABLES, len(spans) - i), 0, -1):
                group = spans[i : i + size]
                key = " ".join(m.group(0).lower() for m in group)
                accented = self.forms.get(key)
                if accented and (size > 1 or key != accented):
                    break
            else:
                size, accented = 1, None
            group = spans[i : i + size]
            pieces.append(text[last : group[0].start()])
            original = text[group[0].start() : group[-1].end()]
            pieces.append(_like(original, accented) if accented else original)
            last = group[-1].end()
            i += size
        pieces.append(text[last:])
        suggestion = "".join(pieces)
        return suggestion if suggestion != text else None

    def save(self, folder: Path) -> None:
        (folder / self.FILE_NAME).write_text(json.dumps(self.forms, ensure_ascii=False), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> AccentVocabulary:
        path = folder / cls.FILE_NAME
        if not path.exists():
            return cls({})
        return cls(json.loads(path.read_text(encoding="utf-8")))


def _like(original: str, accented: str) -> str:
    """``accented`` with the capitals of ``original`` ("Chuong My" -> "Chương Mỹ")."""
    if " " in original and original.count(" ") != accented.count(" "):
        return accented
    letters = [a.upper() if o.isupper() else a for o, a in zip(original, accented, strict=False)]
    return "".join(letters) + accented[len(letters) :]
