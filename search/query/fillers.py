"""Filler words: question and function words, which name nothing to find.

A query's filler words count little: in a long query that names something else they are
left out (see :mod:`search.query.planner`). They are the hand list below (the question
words of a question), and the words of a maintained stopword list (stopwords-iso's
Vietnamese, the ``stopwordsiso`` package) that the corpus itself says are common: in at
least :data:`COMMON_SHARE` of its documents. A stopword the corpus seldom has ("bà" in
a corpus of health news) may name what a reader looks for, and stays a word.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from itertools import pairwise

import stopwordsiso

from search.analysis.analyzers import COMPOUND_JOINER
from search.text import fold, has_diacritics

# Question words and function words: they make a sentence a question but name nothing
# to find. In a long query that names something else they are left out (they neither
# match, nor score, nor are marked: on the dev questions that changed nothing, and it
# saves scoring the longest posting lists); a long query of nothing else scores them,
# down-weighted (lowercased syllables).
FILLER_WORDS = frozenset(
    {
        "gì",
        "nào",
        "ai",
        "đâu",
        "sao",
        "bao nhiêu",
        "bao giờ",
        "khi nào",
        "ở đâu",
        "tại sao",
        "vì sao",
        "như thế nào",
        "thế nào",
        "là gì",
        "điều gì",
        "những gì",
        "cái gì",
        "có phải",
        "hay không",
        "không",
        "là",
        "của",
        "có",
        "được",
        "và",
        "các",
        "những",
        "thì",
        "mà",
        "đã",
        "bị",
        "cho",
        "với",
        "trong",
        "để",
        "theo",
        "này",
        "đó",
        "người ta",
    }
)
COMMON_SHARE = 0.5  # of the documents: a stopword this common is a filler word
MIN_DOCUMENTS = 100  # a smaller corpus says too little: the hand list alone
LONGEST = 3  # syllables of the longest filler word looked for


@dataclass(frozen=True)
class FillerWords:
    """Filler words as a query writes them: with its accents, or without any.

    A word learned from the corpus counts little only as written with its accents:
    without them it may be another word ("năm", year, is "nam" as in "Quảng Nam"); the
    hand list's question words are fillers either way ("la gi")."""

    accented: frozenset[str]
    folded: frozenset[str]
    # Those learned from the corpus (not the hand list): one of one syllable inside a
    # compound of the query ("bác" of "bác sĩ") names something.
    learned: frozenset[str] = frozenset()

    @classmethod
    def of(cls, words: Iterable[str], learned: Iterable[str] = ()) -> FillerWords:
        also = frozenset(learned)
        chosen = frozenset(words) | also
        return cls(chosen, frozenset(fold(word) for word in chosen - also), also)

    def __len__(self) -> int:
        return len(self.accented)

    def spans(self, syllables: list[str], compounds: Iterable[str] = ()) -> dict[int, int]:
        """Where filler words start among ``syllables`` (lowercased), and how many
        syllables each has: the longest first, left to right. A learned word of one
        syllable is none where it is part of one of ``compounds`` (the query's, folded
        and joined as in the index)."""
        words = self.accented if any(has_diacritics(s) for s in syllables) else self.folded
        inside = _inside(syllables, set(compounds)) if self.learned else set()
        spans: dict[int, int] = {}
        i = 0
        while i < len(syllables):
            length = self._length_at(syllables, i, words)
            if length == 1 and i in inside and syllables[i] in self.learned:
                length = 0
            if length:
                spans[i] = length
            i += max(length, 1)
        return spans

    @staticmethod
    def _length_at(syllables: list[str], start: int, words: frozenset[str]) -> int:
        """How many syllables from ``start`` form one of ``words`` (0 when none)."""
        for length in range(LONGEST, 0, -1):
            if start + length <= len(syllables) and " ".join(syllables[start : start + length]) in words:
                return length
        return 0


HAND_FILLERS = FillerWords.of(FILLER_WORDS)


def _inside(syllables: list[str], compounds: set[str]) -> set[int]:
    """Positions of the syllables that are part of one of ``compounds`` (folded, joined by
    the index's joiner) of two or three syllables."""
    folded = [fold(s) for s in syllables]
    inside: set[int] = set()
    for size in (2, 3):
        for start in range(len(folded) - size + 1):
            if COMPOUND_JOINER.join(folded[start : start + size]) in compounds:
                inside.update(range(start, start + size))
    return inside


@cache
def stopwords() -> tuple[str, ...]:
    """stopwords-iso's Vietnamese list, lowercased, of at most :data:`LONGEST` syllables."""
    found = {" ".join(word.lower().split()) for word in stopwordsiso.stopwords("vi")}
    return tuple(sorted(word for word in found if 0 < len(word.split()) <= LONGEST))


Frequencies = Callable[[list[str]], list[int]]  # documents having each syllable (accented)
PairFrequencies = Callable[[list[tuple[str, str]]], list[int]]  # ... each folded pair side by side


def common_fillers(
    documents: int, frequencies: Frequencies, pair_frequencies: PairFrequencies
) -> FillerWords:
    """The hand list and the stopwords that at least :data:`COMMON_SHARE` of the
    ``documents`` have (a word of several syllables: each of its pairs, side by side);
    the hand list alone for fewer than :data:`MIN_DOCUMENTS` documents."""
    if documents < MIN_DOCUMENTS:
        return HAND_FILLERS
    words = stopwords()
    single = [w for w in words if " " not in w]
    common = {w for w, n in zip(single, frequencies(single), strict=True) if n >= COMMON_SHARE * documents}
    longer = [w for w in words if " " in w]
    pairs = sorted({pair for w in longer for pair in pairwise(fold(w).split())})
    counted = dict(zip(pairs, pair_frequencies(pairs), strict=True))
    common |= {
        w
        for w in longer
        if min(counted[pair] for pair in pairwise(fold(w).split())) >= COMMON_SHARE * documents
    }
    return FillerWords.of(HAND_FILLERS.accented, learned=common - HAND_FILLERS.accented)
