"""The scoring formula: BM25 per view of the text, with Lucene's IDF.

Each view (accented syllables, folded syllables, headline, compounds, pairs) is
scored with BM25 and the views are added with the weights in :mod:`search.query`.
Lucene's IDF, ``log(1 + (N - n + 0.5) / (n + 0.5))``, goes to zero for a syllable every
document has (Whoosh's default, ``log(N / (n + 1)) + 1``, never drops below about 1,
so the common syllables of a long question drowned its rare words).
"""

from __future__ import annotations

import math

import numpy as np

K1 = 1.2
B = 0.75


def idf(documents_with_term: int, documents: int) -> float:
    return math.log(1 + (documents - documents_with_term + 0.5) / (documents_with_term + 0.5))


def bm25(
    term_idf: float, tf: np.ndarray, length: np.ndarray, average_length: float, k1: float = K1, b: float = B
) -> np.ndarray:
    """BM25 of one term in many documents at once (vectors of tf and field length)."""
    return bm25_normed(term_idf, tf, length_norms(length, average_length, k1, b), k1)


def length_norms(length: np.ndarray, average_length: float, k1: float = K1, b: float = B) -> np.ndarray:
    """The length part of BM25's denominator, ``k1 * (1 - b + b * length / average)``, of
    many documents: computed once per view, it makes every term's BM25 cheaper."""
    return k1 * (1 - b + b * length / average_length)


def bm25_normed(term_idf: float, tf: np.ndarray, norms: np.ndarray, k1: float = K1) -> np.ndarray:
    """:func:`bm25` with the documents' :func:`length_norms` given (the same numbers, bit
    for bit: the same operations in the same order)."""
    return term_idf * tf * (k1 + 1) / (tf + norms)
