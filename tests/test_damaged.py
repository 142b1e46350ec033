"""Damaged index files are found when a generation opens, and by ``vnsearch check``;
nothing is answered from misaligned arrays."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from search.backends.local.engine import LocalEngine
from search.backends.local.indexer import build_index
from search.backends.local.storage import current_generation
from search.errors import DamagedIndex
from search.results import SearchRequest
from tests.conftest import ROOT, SEEDS
from webui.app import create_app


def _built(index_dir: Path) -> Path:
    report = build_index([SEEDS], index_dir, workers=1)
    assert report.generation is not None
    return report.generation


def _check(index_dir: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "search.cli", "check", "--index", str(index_dir)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-8])


DAMAGE = {
    "a short posting file": lambda g: _truncate(g / "postings-0001.docs"),
    "a short Whoosh segment": lambda g: _truncate(next(g.glob("MAIN_*.pst"))),
    "a missing side file": lambda g: (g / "accents.json").unlink(),
    "a missing metadata file": lambda g: (g / "postings-0001.json").unlink(),
}


@pytest.mark.parametrize("kind", list(DAMAGE))
def test_damage_is_named_when_the_index_opens_and_by_check(tmp_path: Path, kind: str) -> None:
    index_dir = tmp_path / "index"
    generation = _built(index_dir)
    assert _check(index_dir).returncode == 0
    DAMAGE[kind](generation)
    with pytest.raises(DamagedIndex, match="damaged"):
        LocalEngine(index_dir).search(SearchRequest(query="chuong my"))
    checked = _check(index_dir)
    assert checked.returncode == 1 and "Traceback" not in checked.stderr
    assert generation.name in checked.stderr
    response = create_app({"TESTING": True, "INDEX_DIR": index_dir}).test_client().get("/api/search?q=x")
    assert response.status_code == 503 and response.get_json()["error"]["reason"] == "damaged"


def test_check_reads_every_byte(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    generation = _built(index_dir)
    stored = next(generation.glob("MAIN_*._stored.col"))
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0xFF  # same size, other bytes
    stored.write_bytes(bytes(data))
    checked = _check(index_dir)
    assert checked.returncode == 1 and "checksum" in checked.stderr


def test_current_pointing_nowhere_is_named(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    _built(index_dir)
    (index_dir / "CURRENT").write_text("gen-gone", encoding="utf-8")
    checked = _check(index_dir)
    assert checked.returncode == 1 and "gen-gone" in checked.stderr


def test_a_server_keeps_its_generation_when_the_new_one_is_damaged(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    _built(index_dir)
    engine = LocalEngine(index_dir)
    engine.follow_in_background()
    assert engine.search(SearchRequest(query="chuong my")).total == 1
    newer = _built(index_dir)
    _truncate(newer / "postings-0001.docs")
    assert current_generation(index_dir) == newer
    with pytest.raises(DamagedIndex):
        engine.prepare()  # the server's prepare thread logs this and carries on
    assert engine.search(SearchRequest(query="chuong my")).total == 1  # from the previous one


def test_an_updated_generation_checks_whole(tmp_path: Path) -> None:
    from search.backends.local.indexer import update_index

    index_dir = tmp_path / "index"
    _built(index_dir)
    report = update_index([SEEDS], index_dir, workers=1)
    assert report.generation is not None and _check(index_dir).returncode == 0


def test_current_is_followed_as_it_is_replaced_or_removed(tmp_path: Path) -> None:
    """CURRENT is read again only when its file changed (a server asks every request),
    yet a swap, an edit and a removal are each seen at once."""
    generations = tmp_path / "generations"
    for name in ("gen-a", "gen-b", "gen-long-name"):
        (generations / name).mkdir(parents=True)
    pointer = tmp_path / "CURRENT"
    assert current_generation(tmp_path) is None
    pointer.write_text("gen-a", encoding="utf-8")
    assert current_generation(tmp_path) == generations / "gen-a"
    assert current_generation(tmp_path) == generations / "gen-a"  # from memory
    swapped = tmp_path / "CURRENT.new"
    swapped.write_text("gen-b", encoding="utf-8")
    os.replace(swapped, pointer)  # as a rebuild swaps it
    assert current_generation(tmp_path) == generations / "gen-b"
    pointer.write_text("gen-long-name", encoding="utf-8")  # edited in place
    assert current_generation(tmp_path) == generations / "gen-long-name"
    pointer.unlink()
    assert current_generation(tmp_path) is None
