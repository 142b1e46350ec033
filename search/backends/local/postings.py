"""The posting store: for every term of every scored view, the documents that have it
and how often, as flat numpy arrays beside the Whoosh index of a generation.

Whoosh writes and reads postings one Python call at a time (about 1 µs a posting
each way, most of a 185k build and most of a cold query). Here the segmenting workers
count each article's terms (:func:`document_terms`), the indexer appends them to
partition files in document order (:class:`PostingWriter`), and at the end each
partition is sorted once with numpy. Reading a posting list is a binary search in
the sorted term keys and one ``pread`` per array (:class:`PostingStore`).

A segment of the store covers the documents one build or update added, numbered as
Whoosh numbers them (a full build adds documents in order with one writer; an update
appends a segment and never merges). Files of segment ``NAME``::

    NAME.keys.npy    uint64, sorted: a hash of (view, term) for every term
    NAME.checks.npy  uint32, aligned with keys: 32 more bits of the same hash
    NAME.starts.npy  int64, len(keys) + 1: where each term's postings start
    NAME.docs        int32: document numbers, ascending within a term
    NAME.tfs         uint16: term frequencies, aligned with NAME.docs
    NAME.lengths.npy uint32 (views x documents): tokens of each view of each document
    NAME.sequences   uint32: each document's folded syllables in order, headline then
                     text, each as the check of its term of the folded text view (where
                     the query's words stand: proximity, search/query/proximity.py)
    NAME.sequence_starts.npy  int64, documents + 1: where each document's sequence starts
    NAME.json        the first document number, the counts, and the collisions

A term is its key and its check (96 bits of BLAKE2b). Two terms whose keys collide (about
one pair in 300,000 builds of ten million terms) are told apart by their checks: each
keeps its own entry and posting list, the entries with the same key sorted by check, and
the segment counts them (``collisions`` in NAME.json). A lookup matches key and check,
so a query term whose key belongs to another term finds nothing rather than that
term's postings.
"""

from __future__ import annotations

import bisect
import json
import os
import shutil
import weakref
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, NamedTuple, TypeVar

import numpy as np

from search import fields
from search.analysis.views import VIEWS, Analysed
from search.backends.local.term_keys import CHECK, KEY, hashed, pair_keys, term_key, term_keys

PREFIX = "postings-"
_DOC = np.dtype("<i4")
_TF = np.dtype("<u2")
_PARTITION_BITS = 6  # postings are spread over 64 partition files by their key's top bits
_FLUSH_AT = 4_000_000  # postings buffered in memory before they go to the partition files
_MAX_TF = np.iinfo(_TF).max
_PARTS = "kcdt"  # a partition's files: keys, checks, documents, term frequencies
_PART_TYPES: tuple[np.dtype[Any], ...] = (KEY, CHECK, _DOC, _TF)
_SEGMENT_FILES = (
    ".keys.npy",
    ".checks.npy",
    ".starts.npy",
    ".docs",
    ".tfs",
    ".lengths.npy",
    ".sequences",
    ".sequence_starts.npy",
    ".json",
)
SEQUENCE_VIEW = fields.BODY_FOLDED  # the view whose term checks make the sequences


# DocumentTerms' arrays as packed: keys, checks, sequence, tfs (each one aligned).
_TERM_TYPES: tuple[np.dtype[Any], ...] = (KEY, CHECK, CHECK, _TF)


@dataclass
class DocumentTerms:
    """One document's postings: distinct term keys and checks, their frequencies, view
    lengths."""

    keys: np.ndarray
    checks: np.ndarray
    tfs: np.ndarray
    lengths: tuple[int, ...]  # tokens of each view, in VIEWS order
    sequence: np.ndarray = field(default_factory=lambda: np.zeros(0, CHECK))  # see sequence_of

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as one bytes object (a worker sends every article's terms to the
        indexer: four arrays pickled apart cost four times the calls); unpickled as
        read-only views of it."""
        arrays = (self.keys, self.checks, self.sequence, self.tfs)
        packed = b"".join(
            np.ascontiguousarray(a, dtype=t).tobytes() for a, t in zip(arrays, _TERM_TYPES, strict=True)
        )
        return (_unpacked_terms, (packed, len(self.keys), len(self.sequence), self.lengths))


def _unpacked_terms(packed: bytes, terms: int, sequence: int, lengths: tuple[int, ...]) -> DocumentTerms:
    arrays: list[np.ndarray] = []
    offset = 0
    for dtype, count in zip(_TERM_TYPES, (terms, terms, sequence, terms), strict=True):
        arrays.append(np.frombuffer(packed, dtype=dtype, count=count, offset=offset))
        offset += dtype.itemsize * count
    keys, checks, sequence_checks, tfs = arrays
    return DocumentTerms(keys, checks, tfs, lengths, sequence_checks)


def document_terms(analysed: Analysed) -> DocumentTerms:
    """Count the terms of every view of one article (done in the segmenting workers)."""
    keys: list[np.ndarray] = []
    checks: list[np.ndarray] = []
    tfs: list[np.ndarray] = []
    lengths: list[int] = []
    folded = analysed.title_folded + analysed.body_folded
    for view, tokens in analysed.tokens(with_pairs=False).items():
        counts = Counter(tokens)
        view_keys, view_checks = term_keys(view, list(counts))
        keys.append(view_keys)
        checks.append(view_checks)
        tfs.append(np.fromiter(counts.values(), dtype=np.int64, count=len(counts)))
        lengths.append(len(tokens))
    # The pairs, and the sequence, from the distinct folded syllables' names.
    distinct = list(dict.fromkeys(folded))
    place = dict(zip(distinct, range(len(distinct)), strict=True))
    at = np.fromiter(map(place.__getitem__, folded), dtype=np.intp, count=len(folded))
    pairs = _pairs(at, len(analysed.title_folded), *hashed(fields.PAIRS, distinct))
    for part, values in zip((keys, checks, tfs), pairs[:3], strict=True):
        part.append(values)
    lengths.append(pairs[3])
    return DocumentTerms(
        np.concatenate(keys),
        np.concatenate(checks),
        np.minimum(np.concatenate(tfs), _MAX_TF).astype(_TF),
        tuple(lengths),
        hashed(SEQUENCE_VIEW, distinct)[1][at] if folded else np.zeros(0, CHECK),
    )


def _pairs(
    at: np.ndarray, title: int, syllable_keys: np.ndarray, syllable_checks: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """The pairs view of a text whose folded syllables are ``at`` (numbers of distinct
    syllables, named in the pairs view by ``syllable_keys`` and ``syllable_checks``),
    the first ``title`` of them the headline's (no pair spans headline and text): the
    distinct pairs' keys, checks and counts, and how many pairs there are."""
    first = np.arange(len(at) - 1)
    if len(first) and title:
        first = first[first != title - 1]
    left, right = at[first], at[first + 1]
    keys, checks = pair_keys(
        syllable_keys[left], syllable_checks[left], syllable_keys[right], syllable_checks[right]
    )
    distinct, where, inverse, counts = np.unique(
        keys, return_index=True, return_inverse=True, return_counts=True
    )
    if np.array_equal(checks[where][inverse], checks):
        return distinct, checks[where], counts, len(keys)
    # Two pairs of this text share a key (about once in 10^14 texts): count by key and check.
    both = Counter(zip(keys.tolist(), checks.tolist(), strict=True))
    named, numbers = zip(*both.items(), strict=True)
    return (
        np.array([k for k, _ in named], dtype=KEY),
        np.array([c for _, c in named], dtype=CHECK),
        np.array(numbers, dtype=np.int64),
        len(keys),
    )


def sequence_of(folded: list[str]) -> np.ndarray:
    """Folded syllables as the store's sequences hold them: the check of each one's term
    of :data:`SEQUENCE_VIEW` (32 bits of its hash; two syllables of a query and a
    document share one with odds of about one in a billion)."""
    return hashed(SEQUENCE_VIEW, folded)[1] if folded else np.zeros(0, CHECK)


def segment_names(folder: Path) -> list[str]:
    """The store's segments in a generation folder, oldest first."""
    return sorted(p.name.removesuffix(".json") for p in folder.glob(f"{PREFIX}*.json"))


def collisions(folder: Path) -> int:
    """Terms of the store in ``folder`` kept apart from another term with their key."""
    return sum(
        json.loads((folder / f"{name}.json").read_text(encoding="utf-8")).get("collisions", 0)
        for name in segment_names(folder)
    )


def next_segment_name(folder: Path) -> str:
    names = segment_names(folder)
    number = int(names[-1].removeprefix(PREFIX)) + 1 if names else 1
    return f"{PREFIX}{number:04d}"


Result = TypeVar("Result")
SORTING_THREADS = 2  # partitions sorted at once when a segment is finished (one a core)


class _SortedPartition(NamedTuple):
    docs: np.ndarray
    tfs: np.ndarray
    keys: np.ndarray  # each term's key ...
    checks: np.ndarray  # ... and check ...
    first: np.ndarray  # ... and its first posting in the partition
    collisions: int


def _in_order(pool: Executor, function: Callable[[int], Result], items: Iterable[int]) -> Iterator[Result]:
    """``function`` of each item, run on ``pool`` a few ahead of the one yielded (not
    all at once: each result may be large), in the order of ``items``."""
    pending: deque[Future[Result]] = deque()
    for item in items:
        pending.append(pool.submit(function, item))
        if len(pending) > SORTING_THREADS:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


class PostingWriter:
    """Collects documents' postings in document order and writes one store segment.

    Memory stays bounded: postings go to partition files every few million, and the
    partitions are sorted a few at a time (:data:`SORTING_THREADS`) when the segment is
    finished."""

    def __init__(self, folder: Path, first_doc: int) -> None:
        self.folder = folder
        self.name = next_segment_name(folder)
        self.first_doc = first_doc
        self.count = 0
        self.collisions = 0  # terms kept apart from another term with the same key
        self._work = folder / f"{self.name}.partitions"
        self._work.mkdir()
        self._files: list[tuple[BinaryIO, ...]] = []
        self._buffer: tuple[list[np.ndarray], ...] = ([], [], [], [])
        self._buffered = 0
        self._flusher = ThreadPoolExecutor(1, thread_name_prefix="postings-flush")
        self._flushing: Future[None] | None = None
        self._lengths: list[tuple[int, ...]] = []
        self._sequences = open(folder / f"{self.name}.sequences", "wb")  # noqa: SIM115
        self._sequence_lengths: list[int] = []

    def add(self, terms: DocumentTerms) -> int:
        """Append the next document's postings; returns its document number."""
        doc = self.first_doc + self.count
        keys, checks, docs, tfs = self._buffer
        keys.append(terms.keys)
        checks.append(terms.checks)
        docs.append(np.full(len(terms.keys), doc, dtype=_DOC))
        tfs.append(terms.tfs)
        self._lengths.append(terms.lengths)
        self.add_sequences(terms.sequence, [len(terms.sequence)])
        self._buffered += len(terms.keys)
        self.count += 1
        if self._buffered >= _FLUSH_AT:
            self._flush()
        return doc

    def add_lengths(self, lengths: np.ndarray) -> None:
        """Append documents by their view lengths (views x documents) only; their
        postings come through :meth:`add_postings` (a merge)."""
        self._lengths.extend(map(tuple, lengths.T.tolist()))
        self.count += lengths.shape[1]

    def add_sequences(self, sequences: np.ndarray, lengths: list[int]) -> None:
        """Append the sequences of the documents added last, one after another
        (``lengths``: each one's syllables)."""
        self._sequences.write(np.asarray(sequences, dtype=CHECK).tobytes())
        self._sequence_lengths.extend(lengths)

    def add_postings(self, keys: np.ndarray, checks: np.ndarray, docs: np.ndarray, tfs: np.ndarray) -> None:
        """Append postings of documents added by :meth:`add_lengths`, in document order."""
        buffer_keys, buffer_checks, buffer_docs, buffer_tfs = self._buffer
        buffer_keys.append(keys)
        buffer_checks.append(checks)
        buffer_docs.append(docs.astype(_DOC))
        buffer_tfs.append(tfs)
        self._buffered += len(keys)
        if self._buffered >= _FLUSH_AT:
            self._flush()

    def _partition_files(self) -> list[tuple[BinaryIO, ...]]:
        if not self._files:
            for p in range(1 << _PARTITION_BITS):
                streams = tuple(open(self._work / f"{p}.{kind}", "wb") for kind in _PARTS)  # noqa: SIM115
                self._files.append(streams)
        return self._files

    def _flush(self) -> None:
        """Hand the buffered postings to the flushing thread, which spreads them to the
        partition files while documents keep coming (the main process stopped for it,
        and the segmenting workers with it: their results waited); one flush at a time,
        in order."""
        buffer = self._buffer
        self._buffer = ([], [], [], [])
        self._buffered = 0
        self._flushed()
        self._flushing = self._flusher.submit(self._write_partitions, buffer)

    def _flushed(self) -> None:
        """Wait for the flush under way, if any (raising what it raised)."""
        flushing, self._flushing = self._flushing, None
        if flushing is not None:
            flushing.result()

    def _write_partitions(self, buffer: tuple[list[np.ndarray], ...]) -> None:
        keys, checks, docs, tfs = (
            np.concatenate(parts) if parts else np.zeros(0, dtype)
            for parts, dtype in zip(buffer, _PART_TYPES, strict=True)
        )
        if len(keys):
            # Sorting one byte a posting is a radix sort: linear, and stable.
            partition = (keys >> np.uint64(64 - _PARTITION_BITS)).astype(np.uint8)
            order = np.argsort(partition, kind="stable")
            bounds = np.r_[0, np.cumsum(np.bincount(partition, minlength=1 << _PARTITION_BITS))].tolist()
            files = self._partition_files()
            for column, values in enumerate((keys, checks, docs, tfs)):
                ordered = values[order]
                for p, streams in enumerate(files):
                    streams[column].write(ordered[bounds[p] : bounds[p + 1]].data)

    def _sorted_partition(self, p: int) -> _SortedPartition | None:
        """Partition ``p`` by term (by key, then check, documents ascending within a
        term): its documents and frequencies in that order, and each term's key, check
        and first posting; None when it is empty. Terms that share a key count as
        collisions. Runs in a sorting thread: numpy lets go of the interpreter lock."""
        keys = np.fromfile(self._work / f"{p}.k", dtype=KEY)
        if not len(keys):
            return None
        checks = np.fromfile(self._work / f"{p}.c", dtype=CHECK)
        order = np.argsort(keys, kind="stable")  # documents stay ascending per term
        sorted_keys, sorted_checks = keys[order], checks[order]
        same_key = sorted_keys[1:] == sorted_keys[:-1]
        if (same_key & (sorted_checks[1:] != sorted_checks[:-1])).any():  # two terms, one key
            order = np.lexsort((np.arange(len(keys)), checks, keys))
            sorted_keys, sorted_checks = keys[order], checks[order]
            same_key = sorted_keys[1:] == sorted_keys[:-1]
        first = np.flatnonzero(np.r_[True, ~same_key | (sorted_checks[1:] != sorted_checks[:-1])])
        named = sorted_keys[first]
        return _SortedPartition(
            docs=np.fromfile(self._work / f"{p}.d", dtype=_DOC)[order],
            tfs=np.fromfile(self._work / f"{p}.t", dtype=_TF)[order],
            keys=named,
            checks=sorted_checks[first],
            first=first,
            collisions=int(np.count_nonzero(named[1:] == named[:-1])),
        )

    def finish(self) -> str:
        """Sort the partitions into the segment's files (:data:`SORTING_THREADS` at a
        time, written in order); returns the segment's name."""
        self._flush()
        self._flushed()
        self._flusher.shutdown()
        for files in self._files:
            for stream in files:
                stream.close()
        base = self.folder / self.name
        segment_keys: list[np.ndarray] = []
        term_checks: list[np.ndarray] = []
        starts: list[np.ndarray] = []
        written = 0
        with (
            ThreadPoolExecutor(SORTING_THREADS, thread_name_prefix="partitions") as sorting,
            open(f"{base}.docs", "wb") as docs_out,
            open(f"{base}.tfs", "wb") as tfs_out,
        ):
            for found in _in_order(sorting, self._sorted_partition, range(len(self._files))):
                if found is None:
                    continue
                found.docs.tofile(docs_out)
                found.tfs.tofile(tfs_out)
                segment_keys.append(found.keys)
                term_checks.append(found.checks)
                starts.append(found.first.astype(np.int64) + written)
                written += len(found.docs)
                self.collisions += found.collisions
        np.save(f"{base}.keys.npy", np.concatenate(segment_keys) if segment_keys else np.zeros(0, KEY))
        np.save(f"{base}.checks.npy", np.concatenate(term_checks) if term_checks else np.zeros(0, CHECK))
        np.save(f"{base}.starts.npy", np.concatenate([*starts, np.array([written], dtype=np.int64)]))
        lengths = np.array(self._lengths, dtype=np.uint32).reshape(-1, len(VIEWS)).T
        np.save(f"{base}.lengths.npy", np.ascontiguousarray(lengths))
        self._sequences.close()
        sequence_starts = np.zeros(len(self._sequence_lengths) + 1, dtype=np.int64)
        np.cumsum(self._sequence_lengths, out=sequence_starts[1:])
        np.save(f"{base}.sequence_starts.npy", sequence_starts)
        shutil.rmtree(self._work, ignore_errors=True)
        meta = {
            "first_doc": self.first_doc,
            "documents": self.count,
            "postings": written,
            "collisions": self.collisions,
        }
        Path(f"{base}.json").write_text(json.dumps(meta), encoding="utf-8")
        return self.name

    def cancel(self) -> None:
        with suppress(Exception):  # what a flush raised is not this call's news: cancelling anyway
            self._flushed()
        self._flusher.shutdown()
        for files in self._files:
            for stream in files:
                stream.close()
        shutil.rmtree(self._work, ignore_errors=True)
        self._sequences.close()
        (self.folder / f"{self.name}.sequences").unlink(missing_ok=True)


_MERGE_CHUNK = 1 << 16  # terms (or documents' sequences) of a segment copied at a time by a merge


def merge_segments(folder: Path, live: np.ndarray) -> str:
    """Rewrite all segments of the store in ``folder`` as one that holds the ``live``
    documents only, renumbered in order (as Whoosh renumbers them when it merges)."""
    names = segment_names(folder)
    renumber = (np.cumsum(live) - 1).astype(_DOC)
    writer = PostingWriter(folder, first_doc=0)
    try:
        for name in names:
            segment = _Segment(folder, name)
            span = slice(segment.first_doc, segment.first_doc + segment.documents)
            writer.add_lengths(segment.lengths[:, live[span]])
            starts = segment.sequence_starts
            for first in range(0, segment.documents, _MERGE_CHUNK):
                last = min(first + _MERGE_CHUNK, segment.documents)
                kept = live[segment.first_doc + first : segment.first_doc + last]
                sizes = np.diff(starts[first : last + 1])
                chunk = segment.sequences[starts[first] : starts[last]]
                writer.add_sequences(chunk[np.repeat(kept, sizes)], sizes[kept].tolist())
            docs = np.memmap(folder / f"{name}.docs", dtype=_DOC, mode="r") if segment.postings else None
            tfs = np.memmap(folder / f"{name}.tfs", dtype=_TF, mode="r") if segment.postings else None
            for first in range(0, len(segment.keys), _MERGE_CHUNK):
                last = min(first + _MERGE_CHUNK, len(segment.keys))
                start, end = int(segment.starts[first]), int(segment.starts[last])
                counts = np.diff(segment.starts[first : last + 1])
                keys = np.repeat(segment.keys[first:last], counts)
                checks = np.repeat(segment.checks[first:last], counts)
                chunk_docs = np.asarray(docs[start:end])  # type: ignore[index]
                keep = live[chunk_docs]
                chunk_tfs = np.asarray(tfs[start:end])  # type: ignore[index]
                writer.add_postings(keys[keep], checks[keep], renumber[chunk_docs[keep]], chunk_tfs[keep])
        merged = writer.finish()
    except BaseException:
        writer.cancel()
        raise
    for name in names:
        for suffix in _SEGMENT_FILES:
            (folder / f"{name}{suffix}").unlink(missing_ok=True)
    return merged


def _close(*descriptors: int) -> None:
    for descriptor in descriptors:
        os.close(descriptor)


class _Segment:
    def __init__(self, folder: Path, name: str) -> None:
        base = folder / name
        meta = json.loads(Path(f"{base}.json").read_text(encoding="utf-8"))
        self.first_doc: int = meta["first_doc"]
        self.documents: int = meta["documents"]
        self.postings: int = meta.get("postings", 0)
        # Memory-mapped: a lookup touches a few pages, never the whole table. Held as
        # plain arrays over the mapping (np.memmap's indexing costs a Python call each).
        self.keys = np.asarray(np.load(f"{base}.keys.npy", mmap_mode="r"))
        self.checks = np.asarray(np.load(f"{base}.checks.npy", mmap_mode="r"))
        self.collisions: int = meta.get("collisions", 0)
        self.starts = np.asarray(np.load(f"{base}.starts.npy", mmap_mode="r"))
        self.lengths = np.load(f"{base}.lengths.npy")
        self.sequence_starts = np.load(f"{base}.sequence_starts.npy")
        sequences = Path(f"{base}.sequences")
        self.sequences = (
            np.asarray(np.memmap(sequences, dtype=CHECK, mode="r"))
            if sequences.stat().st_size
            else np.zeros(0, CHECK)
        )
        # Posting arrays are read with pread: the page cache holds them, not this process.
        self._docs = os.open(f"{base}.docs", os.O_RDONLY)
        self._tfs = os.open(f"{base}.tfs", os.O_RDONLY)
        weakref.finalize(self, _close, self._docs, self._tfs)

    def entries(self, keys: np.ndarray, checks: np.ndarray) -> np.ndarray:
        """The entry of each term (key and check) in this segment, -1 for a term it
        lacks, including a term whose key only another term has."""
        count = len(self.keys)
        if not count:
            return np.full(len(keys), -1, dtype=np.intp)
        at = np.minimum(np.searchsorted(self.keys, keys), count - 1)
        same_key = self.keys[at] == keys
        found = np.where(same_key & (self.checks[at] == checks), at, -1)
        if self.collisions:  # a term may sit after another one with its key
            for i in np.flatnonzero(same_key & (found < 0)):
                found[i] = self._entry(int(keys[i]), int(checks[i]), int(at[i]) + 1)
        return found

    def _entry(self, key: int, check: int, at: int) -> int:
        """The entry of the term from ``at`` on, among those with its key; -1 if none."""
        while at < len(self.keys) and self.keys[at] == key:
            if self.checks[at] == check:
                return at
            at += 1
        return -1

    def frequencies(self, keys: np.ndarray, checks: np.ndarray) -> np.ndarray:
        """Postings of each term (key and check) in this segment (0 for one it lacks)."""
        entries = self.entries(keys, checks)
        if not len(self.keys):
            return np.zeros(len(keys), dtype=np.int64)
        at = np.maximum(entries, 0)
        return np.where(entries >= 0, self.starts[at + 1] - self.starts[at], 0)

    def read(self, key: int, check: int) -> tuple[np.ndarray, np.ndarray] | None:
        entry = self._entry(key, check, int(np.searchsorted(self.keys, np.uint64(key))))
        if entry < 0:
            return None
        start, end = int(self.starts[entry]), int(self.starts[entry + 1])
        docs = os.pread(self._docs, (end - start) * _DOC.itemsize, start * _DOC.itemsize)
        tfs = os.pread(self._tfs, (end - start) * _TF.itemsize, start * _TF.itemsize)
        return np.frombuffer(docs, dtype=_DOC), np.frombuffer(tfs, dtype=_TF)


FREQUENCIES_REMEMBERED = 200_000  # (view, term) -> documents a generation keeps (~30 MB at most)


class PostingStore:
    """The posting lists of one generation (every segment), read-only, thread-safe."""

    def __init__(self, folder: Path, size: int) -> None:
        self._segments = [_Segment(folder, name) for name in segment_names(folder)]
        self._firsts = [segment.first_doc for segment in self._segments]
        lengths = np.zeros((len(VIEWS), size), dtype=np.uint32)
        for segment in self._segments:
            lengths[:, segment.first_doc : segment.first_doc + segment.documents] = segment.lengths
        self._lengths = {view: lengths[i] for i, view in enumerate(VIEWS)}
        self._counted: dict[tuple[str, str], int] = {}  # (view, term) -> documents

    def lengths(self, view: str) -> np.ndarray:
        """Tokens of ``view`` in each document (by document number)."""
        return self._lengths[view]

    def sequence(self, doc: int) -> np.ndarray:
        """Document ``doc``'s folded syllables in order, headline then text, as checks
        (:func:`sequence_of`); a view of the memory-mapped file, not a copy."""
        segment = self._segments[bisect.bisect_right(self._firsts, doc) - 1]
        at = doc - segment.first_doc
        return segment.sequences[segment.sequence_starts[at] : segment.sequence_starts[at + 1]]

    @staticmethod
    def sequence_terms(folded: list[str]) -> np.ndarray:
        """The checks that stand for ``folded`` syllables in a sequence."""
        return sequence_of(folded)

    def frequency(self, view: str, term: str) -> int:
        """How many documents have the term (deleted ones included), without reading
        its postings."""
        return self.frequencies(view, [term])[0]

    def frequencies(self, view: str, terms: list[str]) -> list[int]:
        """:meth:`frequency` of many terms at once: those asked lately from memory (every
        query asks about its words), the others with one vectorised lookup a segment."""
        counted = self._counted
        found = [counted.get((view, term), -1) for term in terms]
        missing = [term for term, n in zip(terms, found, strict=True) if n < 0]
        if not missing:
            return found
        keys, checks = term_keys(view, missing)
        total = np.zeros(len(missing), dtype=np.int64)
        for segment in self._segments:
            total += segment.frequencies(keys, checks)
        new = dict(zip(missing, total.tolist(), strict=True))
        if len(counted) + len(new) > FREQUENCIES_REMEMBERED:
            counted.clear()
        counted.update({(view, term): n for term, n in new.items()})
        return [new[term] if n < 0 else n for term, n in zip(terms, found, strict=True)]

    def read(self, view: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """Document numbers (ascending) and frequencies of one term of one view."""
        key, check = term_key(view, term)
        parts = [found for segment in self._segments if (found := segment.read(key, check)) is not None]
        if not parts:
            return np.zeros(0, np.intp), np.zeros(0, np.float32)
        if len(parts) == 1:  # as after a full build: no copy to join them
            ((docs, tfs),) = parts
        else:
            docs, tfs = np.concatenate([d for d, _ in parts]), np.concatenate([t for _, t in parts])
        return docs.astype(np.intp), tfs.astype(np.float32)
