"""Rebuilds: atomic swap, one at a time, a failed rebuild keeps the old index; the CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.backends.local.engine import LocalEngine
from search.backends.local.indexer import build_index
from search.backends.local.storage import current_generation, rebuild_lock
from search.cli import main
from search.errors import RebuildRunning
from search.results import SearchRequest
from tests.exports import write_export
from tests.interrupted import interrupted_after

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _one_seed(tmp_path: Path, stem: str) -> Path:
    folder = tmp_path / f"src-{stem}"
    folder.mkdir()
    shutil.copy(SEEDS / f"{stem}.txt", folder)
    return folder


def test_rebuild_swaps_generations_and_open_engines_follow(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([_one_seed(tmp_path, "001_87ea7937df2d375c")], index_dir)
    engine = LocalEngine(index_dir)
    first = current_generation(index_dir)
    assert engine.search(SearchRequest(query="")).total == 1
    build_index([SEEDS], index_dir)
    second = current_generation(index_dir)
    assert second != first
    # the same engine object picks up the new index without a restart
    assert engine.search(SearchRequest(query="")).total == 5
    # the previous generation is kept for readers that still have it open
    assert first is not None and first.exists()
    build_index([SEEDS], index_dir)
    assert not first.exists()


def test_a_second_concurrent_rebuild_is_refused(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    with rebuild_lock(index_dir), pytest.raises(RebuildRunning, match="another rebuild"):
        build_index([SEEDS], index_dir)


def test_a_rebuild_with_nothing_to_index_keeps_the_old_index(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([SEEDS], index_dir)
    before = current_generation(index_dir)
    empty = tmp_path / "empty"
    empty.mkdir()
    report = build_index([empty], index_dir)
    assert report.generation is None
    assert current_generation(index_dir) == before
    assert LocalEngine(index_dir).search(SearchRequest(query="")).total == 5


def test_a_rebuild_that_fails_half_way_keeps_the_old_index(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([SEEDS], index_dir)
    before = current_generation(index_dir)

    with pytest.raises(KeyboardInterrupt):
        build_index([SEEDS], index_dir, progress=interrupted_after(2))
    assert current_generation(index_dir) == before
    assert LocalEngine(index_dir).search(SearchRequest(query="chuong my")).total == 1
    # and the next rebuild works, clearing the half-built generation
    assert build_index([SEEDS], index_dir).indexed == 5
    assert not list((index_dir / "generations").glob("*.building"))


def test_cli_index_then_search_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNSEARCH_INDEX_DIR", str(tmp_path / "via-env"))
    runner = CliRunner()
    built = runner.invoke(main, ["index", str(SEEDS), "--quiet"])
    assert built.exit_code == 0, built.output
    assert "Indexed 5 documents, skipped 0" in built.output
    found = runner.invoke(main, ["search", "chuong my", "--json"])
    assert found.exit_code == 0, found.output
    data = json.loads(found.output)
    assert set(data) >= {"query", "total", "page", "per_page", "took_ms", "hits", "facets"}
    assert data["hits"][0]["id"] == "000_883de19ce3b78452"
    hit_keys = {"id", "title", "snippet", "url", "district", "year", "date", "score", "date_kind"}
    assert set(data["hits"][0]) == hit_keys
    assert data["facets"]["district"][0] == {"value": "Chương Mỹ", "count": 1, "selected": False}
    readable = runner.invoke(main, ["search", "Phú Xuyên", "--district", "Phú Xuyên", "--year", "2020"])
    assert readable.exit_code == 0
    assert "1 results for 'Phú Xuyên'" in readable.output
    assert "*Phú* *Xuyên*" in readable.output


def test_cli_reports_skipped_input_in_its_exit_code(tmp_path: Path) -> None:
    source = tmp_path / "src"
    shutil.copytree(SEEDS, source)
    (source / "broken.txt").write_bytes(b"\xff\xfe\x00binary")
    result = CliRunner().invoke(main, ["index", str(source), "--index", str(tmp_path / "ix"), "--quiet"])
    assert result.exit_code == 3
    assert "skipped " in result.output and "broken.txt" in result.output
    assert "Indexed 5 documents, skipped 1" in result.output


def test_cli_refuses_a_concurrent_rebuild_clearly(tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    with rebuild_lock(index_dir):
        result = CliRunner().invoke(main, ["index", str(SEEDS), "--index", str(index_dir), "--quiet"])
    assert result.exit_code == 1
    assert "another rebuild" in result.output


def test_cli_search_without_index_says_how_to_build_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["search", "x", "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "vnsearch index" in result.output
    assert "Traceback" not in result.output


def test_update_adds_changes_and_deletes_without_touching_the_rest(tmp_path: Path) -> None:
    from search.backends.local.indexer import update_index

    index_dir = tmp_path / "index"
    first = [
        {"id": "a", "title": "Công đoàn huyện Chương Mỹ", "text": "Hội nghị công đoàn."},
        {"id": "b", "title": "Giáo viên Lâm Đồng", "text": "Nhà công vụ giáo viên."},
        {"id": "c", "title": "Tin sẽ bị xóa", "text": "Bài này sẽ không còn."},
    ]
    build_index([write_export(tmp_path / "v1.jsonl", first)], index_dir, workers=1)
    before = current_generation(index_dir)
    second = [
        first[0],
        {"id": "b", "title": "Giáo viên Lâm Đồng", "text": "Nhà công vụ giáo viên mới xây ở Di Linh."},
        {"id": "d", "title": "Bài mới về Phú Xuyên", "text": "Liên đoàn Lao động huyện Phú Xuyên."},
    ]
    report = update_index([write_export(tmp_path / "v2.jsonl", second)], index_dir, workers=1)
    assert (report.indexed, report.unchanged, report.deleted) == (2, 1, 1)
    assert current_generation(index_dir) != before
    engine = LocalEngine(index_dir)
    assert {h.id for h in engine.search(SearchRequest(query="")).hits} == {"a", "b", "d"}
    assert [h.id for h in engine.search(SearchRequest(query="di linh")).hits] == ["b"]
    assert [h.id for h in engine.search(SearchRequest(query="phu xuyen")).hits] == ["d"]
    assert engine.search(SearchRequest(query="xóa")).hits == []
    # "did you mean" knows the new articles' words, and still the old ones
    assert engine.search(SearchRequest(query="phu xuyen")).suggestion == "phú xuyên"  # new
    assert engine.search(SearchRequest(query="chuong my")).suggestion == "chương mỹ"  # kept
    # the previous generation was not changed by the update (readers may still have it)
    old = LocalEngine(tmp_path / "old")
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "generations").symlink_to(before.parent)
    (tmp_path / "old" / "CURRENT").write_text(before.name)
    assert old.search(SearchRequest(query="xóa")).total == 1
    # an update with nothing new changes nothing but still swaps in cleanly
    again = update_index([tmp_path / "v2.jsonl"], index_dir, workers=1)
    assert (again.indexed, again.unchanged, again.deleted) == (0, 3, 0)


def test_cli_update(tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    runner = CliRunner()
    assert runner.invoke(main, ["index", str(SEEDS), "--index", str(index_dir), "--quiet"]).exit_code == 0
    result = runner.invoke(main, ["index", "--update", str(SEEDS), "--index", str(index_dir), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Indexed 0 documents, 5 unchanged, 0 deleted" in result.output


def test_engine_close_then_search_again_from_another_thread(tmp_path: Path) -> None:
    import threading

    build_index([SEEDS], tmp_path / "ix", workers=1)
    engine = LocalEngine(tmp_path / "ix")
    results: list[int] = []

    def search() -> None:
        results.append(engine.search(SearchRequest(query="chuong my")).total)

    worker = threading.Thread(target=search)
    worker.start()
    worker.join()
    engine.close()
    search()
    worker = threading.Thread(target=search)
    worker.start()
    worker.join()
    assert results == [1, 1, 1]
    engine.close()


def test_prepare_loads_a_new_generation_before_any_search(tmp_path: Path) -> None:
    index_dir = tmp_path / "ix"
    engine = LocalEngine(index_dir)
    assert engine.prepare() is False  # no index yet
    build_index([_one_seed(tmp_path, "001_87ea7937df2d375c")], index_dir, workers=1)
    assert engine.prepare() is True
    build_index([SEEDS], index_dir, workers=1)
    assert engine.prepare() is True
    # the new generation's shared state is loaded before any reader asked for it
    assert engine._shared is not None and engine._shared.path == current_generation(index_dir)
    assert engine.search(SearchRequest(query="")).total == 5
    engine.close()


def test_a_command_whose_extra_is_missing_says_which_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr("search.extras.find_spec", lambda name: None if name == "ir_measures" else real(name))
    result = CliRunner().invoke(main, ["eval", "--queries", __file__, "--qrels", __file__])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: ir_measures not installed: this needs the [bench] extra "
        "(pip install 'vnsearch[bench]', or in a checkout: pip install -e '.[bench]')"
    ]
