"""A rebuild or update on a full disk, for real: a small tmpfs the test mounts."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from search.backends.local.engine import LocalEngine
from search.results import SearchRequest
from tests.conftest import ROOT

DEV_CORPUS = ROOT.parent / "shared" / "bench" / "vinewsqa-dev" / "corpus.jsonl"
# The seeds' index fits (about 0.2 MB; 1.1 MB while a build has its 256 partition files),
# 500 articles' (4.6 MB) do not.
SMALL_DISK = "2m"


@pytest.fixture()
def small_disk(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={SMALL_DISK}", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (root is needed): {mounted.stderr.strip()}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def _vnsearch(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "search.cli", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def _big_source(tmp_path: Path) -> Path:
    """Enough articles not to fit: the dev corpus when it is beside the repository, else
    the seeds written many times over."""
    if DEV_CORPUS.is_file():
        return DEV_CORPUS
    source = tmp_path / "many.jsonl"
    text = " ".join(p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
    with source.open("w", encoding="utf-8") as stream:
        for i in range(400):
            stream.write(
                json.dumps({"id": f"a{i}", "title": f"Tin {i}", "text": text}, ensure_ascii=False) + "\n"
            )
    return source


@pytest.mark.parametrize("update", [False, True])
def test_a_full_disk_stops_with_one_line_and_the_old_index_keeps_serving(
    small_disk: Path, tmp_path: Path, update: bool
) -> None:
    index_dir = small_disk / "index"
    assert _vnsearch("index", "--index", str(index_dir), "--quiet").returncode == 0
    before = (index_dir / "CURRENT").read_text()
    args = ["index", *(["--update"] if update else []), str(_big_source(tmp_path)), "--index", str(index_dir)]
    failed = _vnsearch(*args, "--quiet")
    assert failed.returncode == 1
    assert "Traceback" not in failed.stderr
    assert failed.stderr.strip().splitlines() == [
        f"Error: could not write the index in {index_dir}: No space left on device; "
        "the previous index, if any, is unchanged and keeps serving."
    ]
    assert (index_dir / "CURRENT").read_text() == before
    assert [p.name for p in (index_dir / "generations").iterdir()] == [Path(before.strip()).name]
    assert LocalEngine(index_dir).search(SearchRequest(query="chuong my")).total == 1
