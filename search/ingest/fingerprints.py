"""The fingerprints of a JSONL source's lines, which tell ``--update`` what it has indexed.

An update reads every line of its sources to find the few that are new or changed: at
185,000 articles, 600 MB to hash. A large plain file is hashed by worker processes, each
a range of it, while this one looks the fingerprints up and reads only the lines it does
not know.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Container, Iterable, Iterator
from typing import BinaryIO

from search.children import worker_pool

# An article is a few kB; a multi-megabyte "article" is a dump or a mistake, and
# segmenting it would stall the rebuild for minutes.
MAX_ARTICLE_BYTES = 2 * 2**20
BLANK = ""  # the "fingerprint" of a blank line
IN_WORKERS_FROM = 64 * 2**20  # bytes: a smaller file is hashed as it is read
CHUNK_BYTES = 8 * 2**20  # a worker's task

# (line number, the line's bytes, its fingerprint): BLANK for a blank line, None for one
# too large to be an article. The bytes are b"" where they are not needed (a line the
# index already holds, when the workers hashed it).
Fingerprinted = tuple[int, bytes, str | None]


def fingerprint(raw: bytes) -> str:
    return hashlib.blake2b(raw, digest_size=12).hexdigest()


def line_fingerprint(raw: bytes) -> str | None:
    """The fingerprint of a line's bytes without the whitespace around them."""
    stripped = raw.strip()
    if not stripped:
        return BLANK
    return fingerprint(stripped) if len(raw) <= MAX_ARTICLE_BYTES else None


def fingerprinted(lines: Iterable[bytes]) -> Iterator[Fingerprinted]:
    """Each line, numbered from 1, with its fingerprint, hashed as it is read."""
    for number, raw in enumerate(lines, start=1):
        yield number, raw, line_fingerprint(raw)


def in_workers(file: BinaryIO, gzipped: bool) -> bool:
    """Whether :func:`fingerprinted_in_workers` is the faster way for an update: a large
    plain file."""
    if gzipped or not file.seekable():
        return False
    try:
        return os.fstat(file.fileno()).st_size >= IN_WORKERS_FROM
    except (OSError, ValueError):
        return False


def _chunks(file: BinaryIO, size: int) -> list[tuple[int, int]]:
    """Byte ranges of about CHUNK_BYTES that start and end at line starts."""
    starts = [0]
    while starts[-1] + CHUNK_BYTES < size:
        file.seek(starts[-1] + CHUNK_BYTES)
        file.readline()  # on to the next line's start
        if file.tell() >= size:
            break
        starts.append(file.tell())
    return list(zip(starts, [*starts[1:], size], strict=True))


def _chunk_fingerprints(task: tuple[str, int, int]) -> list[tuple[int, str | None]]:
    """(length, :func:`line_fingerprint`) of each line of a byte range of a file."""
    path, start, end = task
    found = []
    with open(path, "rb") as file:
        file.seek(start)
        while start < end and (raw := file.readline()):
            found.append((len(raw), line_fingerprint(raw)))
            start += len(raw)
    return found


def fingerprinted_in_workers(
    path: str, file: BinaryIO, known: Container[str], workers: int = 0
) -> Iterator[Fingerprinted]:
    """What :func:`fingerprinted` gives for ``file`` (``path`` opened in binary), hashed
    by worker processes, ranges of the file in order. A line whose fingerprint is in
    ``known`` comes without its bytes; the others are read here. The file's position
    follows the ranges done, for a progress bar."""
    size = os.fstat(file.fileno()).st_size
    chunks = _chunks(file, size)
    file.seek(0)
    tasks = [(path, start, end) for start, end in chunks]
    number = 0
    with worker_pool(workers or os.cpu_count() or 1) as pool:
        for (start, end), lines in zip(chunks, pool.imap(_chunk_fingerprints, tasks), strict=True):
            file.seek(end)  # (this range is read)
            at = start
            for length, digest in lines:
                number += 1
                needed = digest is None or (digest and digest not in known)
                yield number, os.pread(file.fileno(), length, at) if needed else b"", digest
                at += length
