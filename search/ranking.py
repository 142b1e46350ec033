"""The weighting model: BM25 per view of the text, with Lucene's IDF.

Whoosh's default IDF, ``log(N / (n + 1)) + 1``, never drops below about 1, so the
common syllables of a long question ("có", "là", "gì", "của") each add as much as a
sixth of a rare word. Lucene's ``log(1 + (N - n + 0.5) / (n + 0.5))`` goes to zero for
a syllable every document has, which is what a 15-syllable question needs.
"""

from __future__ import annotations

from math import log
from typing import Any

from whoosh.scoring import BM25F

K1 = 1.2
B = 0.75


class LuceneIdfBM25F(BM25F):
    """Whoosh's BM25F with Lucene's (BM25's own) inverse document frequency."""

    def idf(self, searcher: Any, fieldname: str, text: str) -> float:
        parent = searcher.get_parent()
        n = parent.doc_frequency(fieldname, text)
        total = parent.doc_count_all()
        return log(1 + (total - n + 0.5) / (n + 0.5))


def weighting() -> LuceneIdfBM25F:
    return LuceneIdfBM25F(B=B, K1=K1)
