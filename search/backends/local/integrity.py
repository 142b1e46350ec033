"""What a finished generation holds, written down when it is built and checked when it
is opened: every file's size and BLAKE2b checksum (``manifest.json``).

Opening a generation compares the sizes (a stat per file: instant); ``vnsearch check``
reads every byte and compares the checksums too. A truncated posting file, a missing
side file or a file that changed after the build is reported by name, never read into
misaligned arrays.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

MANIFEST = "manifest.json"
_CHUNK = 1 << 20


def _checksum(path: Path) -> str:
    digest = hashlib.blake2b(digest_size=16)
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _read(folder: Path) -> dict[str, dict[str, object]] | None:
    try:
        found = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def write_manifest(folder: Path, previous: Path | None = None) -> None:
    """Record every file of ``folder`` (a generation being finished). A file an update
    hard-linked from ``previous`` keeps the checksum recorded there (it is the same
    file), so an update does not read the whole index again."""
    known = _read(previous) if previous is not None else None
    entries: dict[str, dict[str, object]] = {}
    for path in sorted(folder.iterdir()):
        if not path.is_file() or path.name == MANIFEST or path.name.endswith("WRITELOCK"):
            continue  # Whoosh's lock file comes and goes
        size = path.stat().st_size
        earlier = (known or {}).get(path.name)
        same_file = (
            previous is not None
            and earlier is not None
            and earlier.get("size") == size
            and (previous / path.name).exists()
            and os.path.samefile(previous / path.name, path)
        )
        checksum = earlier["blake2b"] if same_file and earlier else _checksum(path)
        entries[path.name] = {"size": size, "blake2b": checksum}
    (folder / MANIFEST).write_text(json.dumps(entries, indent=0), encoding="utf-8")


def damage(folder: Path, checksums: bool = False) -> list[str]:
    """What is wrong with generation ``folder``, one line each (none when it is whole):
    a missing manifest, files missing or of another size, and with ``checksums`` files
    whose bytes changed."""
    entries = _read(folder)
    if entries is None:
        return [f"{MANIFEST} is missing or unreadable"]
    found: list[str] = []
    for name, entry in entries.items():
        path = folder / name
        try:
            size = path.stat().st_size
        except OSError:
            found.append(f"{name} is missing")
            continue
        if size != entry.get("size"):
            found.append(f"{name} has {size:,} bytes, {entry.get('size'):,} were written")
        elif checksums and _checksum(path) != entry.get("blake2b"):
            found.append(f"{name} does not have the bytes that were written (checksum differs)")
    return found
