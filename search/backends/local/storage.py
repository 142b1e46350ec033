"""Where index generations live, which one is current, and the rebuild lock.

Layout of an index folder::

    index/
      CURRENT                  name of the generation readers use (replaced atomically)
      generations/<name>/      a Whoosh index (stored articles), the posting store
                               (postings-*, see search.backends.local.postings), meta.json, ...
      .rebuild.lock            held (flock) by the one running rebuild

A rebuild writes a new generation beside the current one and then replaces CURRENT
with ``os.replace``, so readers switch in one step, and a rebuild that dies half-way
leaves the old generation serving.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from search.backends.local.integrity import damage, write_manifest
from search.errors import RebuildRunning

CURRENT = "CURRENT"
GENERATIONS = "generations"
LOCK = ".rebuild.lock"
META = "meta.json"
BUILDING_SUFFIX = ".building"


def current_generation(index_dir: Path) -> Path | None:
    """The generation readers should use, or None when nothing was built yet. (A server
    asks on every request: CURRENT is read again only when its file changed.)"""
    pointer = os.path.join(index_dir, CURRENT)
    try:
        status = os.stat(pointer)
    except (FileNotFoundError, NotADirectoryError):
        return None
    try:
        name = _pointed(pointer, (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns))
    except (FileNotFoundError, NotADirectoryError):  # replaced or removed since
        return None
    path = _generation_path(index_dir, name)
    return path if name and path.is_dir() else None


@lru_cache(maxsize=64)
def _pointed(pointer: str, identity: tuple[int, ...]) -> str:
    """The generation name in the CURRENT file ``pointer`` as it was when ``identity``
    (inode, size, times) was seen: ``os.replace`` gives a new CURRENT a new inode and
    times, so a new pointer is never taken for an old one."""
    with open(pointer, encoding="utf-8") as handle:
        return handle.read().strip()


@lru_cache(maxsize=64)
def _generation_path(index_dir: Path, name: str) -> Path:
    return index_dir / GENERATIONS / name


def check_index(index_dir: Path) -> list[str]:
    """What is wrong with the index folder as readers would open it: its CURRENT
    pointer, and every byte of the generation it names. Empty when it is whole."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except OSError:
        return [f"no index in {index_dir} ({CURRENT} is missing); build one with: vnsearch index"]
    folder = index_dir / GENERATIONS / name
    if not name or not folder.is_dir():
        return [f"{CURRENT} names {name!r}, which is not in {index_dir / GENERATIONS}"]
    return [f"{folder.name}: {line}" for line in damage(folder, checksums=True)]


def read_meta(generation: Path) -> dict[str, Any]:
    try:
        return json.loads((generation / META).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_meta(generation: Path, meta: dict[str, Any]) -> None:
    (generation / META).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


@contextmanager
def rebuild_lock(index_dir: Path) -> Iterator[None]:
    """Hold the folder's rebuild lock, or raise :class:`RebuildRunning` at once."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise RebuildRunning(
                f"another rebuild of {index_dir} is running (process {holder}); wait for it to finish"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        try:
            yield
        finally:
            handle.seek(0)
            handle.truncate()
            fcntl.flock(handle, fcntl.LOCK_UN)


def new_generation(index_dir: Path, name: str) -> Path:
    """A fresh, empty folder for a generation being built (call under the lock)."""
    generations = index_dir / GENERATIONS
    generations.mkdir(parents=True, exist_ok=True)
    for stale in generations.glob(f"*{BUILDING_SUFFIX}"):
        shutil.rmtree(stale, ignore_errors=True)  # left by a rebuild that died
    path = generations / f"{name}{BUILDING_SUFFIX}"
    path.mkdir()
    return path


@contextmanager
def building_generation(index_dir: Path, name: str) -> Iterator[Path]:
    """:func:`new_generation`, removed again if the build fails (a full disk, say):
    nothing half-written stays behind, and CURRENT never moved."""
    path = new_generation(index_dir, name)
    try:
        yield path
    except BaseException:
        shutil.rmtree(path, ignore_errors=True)
        raise


def clone_generation(source: Path, target: Path) -> None:
    """Fill ``target`` with a copy of generation ``source`` for an update. Neither Whoosh
    nor the posting store rewrites a segment file, so those are hard-linked (instant, no
    extra disk); the table of contents and side files are copied."""
    for path in source.iterdir():
        if path.is_dir():
            continue
        destination = target / path.name
        if path.suffix in (".toc", ".json", ".tsv") or path.name.endswith("WRITELOCK"):
            shutil.copy2(path, destination)
        else:
            try:
                os.link(path, destination)
            except OSError:
                shutil.copy2(path, destination)


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _durable(folder: Path) -> None:
    """Every file of ``folder`` and the folder itself on disk, not only in the page
    cache: a power cut after this leaves them whole."""
    for path in folder.iterdir():
        if path.is_file():
            _fsync(path)
    _fsync(folder)


def publish(index_dir: Path, building: Path) -> Path:
    """Make a finished generation current, atomically and durably (its files are on
    disk before CURRENT names it, so a power cut leaves the old or the new generation
    whole); keep the previous one for readers that still have it open, and delete
    older ones."""
    write_manifest(building, current_generation(index_dir))
    _durable(building)
    final = building.with_name(building.name.removesuffix(BUILDING_SUFFIX))
    building.rename(final)
    _fsync(final.parent)
    previous = current_generation(index_dir)
    pointer = index_dir / f"{CURRENT}.tmp"
    pointer.write_text(final.name, encoding="utf-8")
    _fsync(pointer)
    os.replace(pointer, index_dir / CURRENT)
    _fsync(index_dir)
    keep = {final.name, previous.name if previous else ""}
    for old in (index_dir / GENERATIONS).iterdir():
        if old.name not in keep and not old.name.endswith(BUILDING_SUFFIX):
            shutil.rmtree(old, ignore_errors=True)
    return final
