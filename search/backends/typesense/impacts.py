"""Impact postings: how the Typesense backend chooses its candidates by BM25.

Typesense lists a filter's documents at about 0.3 ms a hit (it reads each whole
record), so listing the postings of a question's common words, the way the local
backend reads them, costs seconds. Instead the build stores, in each statistics record of
a folded syllable, headline syllable or pair (:data:`VIEWS`), that term's postings: the
documents' ``seq`` numbers and one byte a document, the BM25 term-frequency part
``tf (k1 + 1) / (tf + k1 (1 - b + b len / avg))`` scaled to 0..255. A search reads the
records of its terms in the request that reads their frequencies, adds IDF x impact
over all documents in numpy, and scores the best :data:`~search.backends.typesense.engine.CANDIDATES`
exactly (:mod:`.scoring`). A term in more than :data:`MAX_POSTINGS` documents keeps only
its highest impacts (the documents where it weighs most), so that no record is large.

Encoding (a string, so Typesense stores it unindexed): ``"2"`` or ``"4"`` (the width of
the gaps between ``seq`` numbers) then base64 of the gaps and the impact bytes.
"""

from __future__ import annotations

import base64
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator

import numpy as np

from search.analysis.views import quantised_all
from search.backends.typesense import records
from search.query import ranking

VIEWS = (records.BODY_FOLDED, records.TITLE_FOLDED, records.PAIRS)
FIELD = "d"  # of a statistics record: its term's impact postings
MAX_POSTINGS = 5000  # a term in more documents keeps only this many, its highest impacts
SCALE = 255 / (ranking.K1 + 1)


def impacts(tf: np.ndarray, length: np.ndarray, average: float) -> np.ndarray:
    """The stored byte of each posting: BM25's term-frequency part, 0..255."""
    part = ranking.bm25(1.0, tf.astype(np.float32), length.astype(np.float32), average or 1.0)
    return np.clip(np.rint(part * SCALE), 1, 255).astype(np.uint8)


def encode(seqs: np.ndarray, weights: np.ndarray) -> str:
    """Postings (ascending ``seq`` numbers and their impact bytes) as a string: the
    :data:`MAX_POSTINGS` highest impacts (the first seq numbers among equals)."""
    if len(seqs) > MAX_POSTINGS:
        keep = np.sort(np.argsort(-weights.astype(np.int16), kind="stable")[:MAX_POSTINGS])
        seqs, weights = seqs[keep], weights[keep]
    gaps = np.diff(seqs.astype(np.int64), prepend=0)
    width = "2" if len(gaps) == 0 or int(gaps.max()) < 1 << 16 else "4"
    packed = gaps.astype("<u2" if width == "2" else "<u4").tobytes() + weights.astype(np.uint8).tobytes()
    return width + base64.b64encode(packed).decode("ascii")


def decode(text: str) -> tuple[np.ndarray, np.ndarray]:
    """(``seq`` numbers, impact bytes) of an encoded postings string."""
    raw = base64.b64decode(text[1:])
    width = 2 if text[0] == "2" else 4
    count = len(raw) // (width + 1)
    gaps = np.frombuffer(raw, dtype="<u2" if width == 2 else "<u4", count=count)
    weights = np.frombuffer(raw, dtype=np.uint8, offset=count * width)
    return np.cumsum(gaps, dtype=np.int64), weights


def edited(text: str | None, removed: set[int], added: dict[int, int]) -> str:
    """An encoded postings string without the ``removed`` seq numbers and with the
    ``added`` ones (seq -> impact byte): an update's change to one term. (A list cut to
    :data:`MAX_POSTINGS` is not refilled from below its cut when some are removed.)"""
    seqs, weights = decode(text) if text else (np.zeros(0, np.int64), np.zeros(0, np.uint8))
    keep = ~np.isin(seqs, np.fromiter(removed, np.int64, len(removed))) if removed else slice(None)
    seqs, weights = seqs[keep], weights[keep]
    if added:
        seqs = np.concatenate([seqs, np.fromiter(added, np.int64, len(added))])
        weights = np.concatenate([weights, np.fromiter(added.values(), np.uint8, len(added))])
        order = np.argsort(seqs, kind="stable")
        seqs, weights = seqs[order], weights[order]
    return encode(seqs, weights)


def document_impacts(
    tokens: dict[str, list[str]], averages: dict[str, float]
) -> Iterator[tuple[str, str, int]]:
    """(view, term, impact byte) of one article's terms of :data:`VIEWS` (``tokens``:
    its view tokens, :func:`records.view_tokens`)."""
    for view in VIEWS:
        counts = Counter(tokens.get(view, ()))
        if not counts:
            continue
        tf = np.fromiter(counts.values(), np.float32, len(counts))
        length = quantised_all(np.array([len(tokens[view])]))
        weights = impacts(tf, np.repeat(length, len(counts)), averages.get(view, 1.0))
        for term, weight in zip(counts, weights.tolist(), strict=True):
            yield view, term, weight


class Collector:
    """The postings of a build, gathered article by article (``seq`` ascending), with
    each article's view lengths; their impacts are computed at the end, when the
    average lengths are known. A term seen once is kept as one int (row << 16 | tf):
    most pairs are in one article and never carry postings."""

    def __init__(self) -> None:
        self._postings: dict[str, dict[str, int | tuple[array[int], array[int]]]] = {
            view: {} for view in VIEWS
        }
        self._lengths: dict[str, array[int]] = {view: array("I") for view in VIEWS}
        self._seqs = array("I")

    def add(self, seq: int, tokens: dict[str, list[str]]) -> None:
        row = len(self._seqs)
        self._seqs.append(seq)
        for view in VIEWS:
            found = tokens.get(view, [])
            self._lengths[view].append(len(found))
            postings = self._postings[view]
            for term, tf in Counter(found).items():
                entry = postings.get(term)
                if entry is None:
                    postings[term] = row << 16 | min(tf, 0xFFFF)
                    continue
                if isinstance(entry, int):
                    entry = postings[term] = (array("I", [entry >> 16]), array("I", [entry & 0xFFFF]))
                entry[0].append(row)
                entry[1].append(tf)

    def encoded(
        self, averages: dict[str, float], frequencies: dict[str, Counter[str]]
    ) -> Iterator[tuple[str, str, str]]:
        """(view, term, encoded postings) of every term with a statistics record (a
        pair in one article has none, so no postings either)."""
        seqs = np.frombuffer(self._seqs, dtype=np.uint32).astype(np.int64)
        for view in VIEWS:
            lengths = quantised_all(np.frombuffer(self._lengths[view], dtype=np.uint32))
            for term, entry in self._postings[view].items():
                if not records.has_record(view, frequencies[view].get(term, 0)):
                    continue
                if isinstance(entry, int):
                    at = np.array([entry >> 16], dtype=np.int64)
                    tfs = np.array([entry & 0xFFFF], dtype=np.float32)
                else:
                    at = np.frombuffer(entry[0], dtype=np.uint32).astype(np.int64)
                    tfs = np.frombuffer(entry[1], dtype=np.uint32).astype(np.float32)
                yield view, term, encode(seqs[at], impacts(tfs, lengths[at], averages.get(view, 1.0)))


def best(postings: Iterable[tuple[float, str]], size: int, limit: int) -> list[int]:
    """The ``seq`` numbers of the ``limit`` documents with the highest sum of weight x
    impact over ``postings`` ((weight, encoded postings) of the query's terms; weight
    = the term's IDF x its boost in the plan), best first; ``size``: one more than the
    highest ``seq``."""
    scores = np.zeros(size, dtype=np.float32)
    for weight, text in postings:
        seqs, weights = decode(text)
        inside = seqs < size  # a term's seq numbers are distinct: plain indexing adds once each
        scores[seqs[inside]] += weights[inside].astype(np.float32) * (weight / SCALE)
    found = np.flatnonzero(scores)
    if len(found) > limit:
        found = found[np.argpartition(-scores[found], limit)[:limit]]
    order = np.lexsort((found, -scores[found]))
    return found[order].tolist()
