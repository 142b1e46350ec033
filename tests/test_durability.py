"""A finished generation is on disk before CURRENT names it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from search.backends.local import storage
from search.backends.local.indexer import build_index
from tests.conftest import SEEDS


def test_every_file_and_folder_is_synced_before_current_moves(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(descriptor: int) -> None:
        events.append(("fsync", os.readlink(f"/proc/self/fd/{descriptor}")))
        real_fsync(descriptor)

    def replace(source: str | Path, target: str | Path) -> None:
        events.append(("replace", str(target)))
        real_replace(source, target)

    monkeypatch.setattr(storage.os, "fsync", fsync)
    monkeypatch.setattr(storage.os, "replace", replace)
    report = build_index([SEEDS], tmp_path / "index", workers=1)
    assert report.generation is not None
    moved = events.index(("replace", str(tmp_path / "index" / storage.CURRENT)))
    synced_before = {path for kind, path in events[:moved] if kind == "fsync"}
    built = report.generation.name
    files = {str(p).replace(built, built + storage.BUILDING_SUFFIX) for p in report.generation.iterdir()}
    assert files <= synced_before  # each file, while it was still being built
    assert str(report.generation.parent) in synced_before  # the rename into place
    assert ("fsync", str(tmp_path / "index")) in events[moved:]  # CURRENT's own entry
