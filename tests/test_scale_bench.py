"""The scale benchmark's machinery on a tiny corpus: real builds, real servers, real HTTP."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from search.cli import main
from search.ingest.sources import read_sources
from search.tools import scalebench

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
QUERIES = ["chuong my", "Liên đoàn Lao động", '"phong trào" -Tây']


def _export(folder: Path, copies: int) -> Path:
    """The seed articles as a JSONL export, ``copies`` times over (distinct ids)."""
    path = folder / "seeds.jsonl"
    with path.open("w", encoding="utf-8") as stream:
        for copy in range(copies):
            for article in read_sources([SEEDS]):
                record = {"id": f"{article.id}-{copy}", "title": article.title, "text": article.body}
                stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def test_write_first_takes_the_first_records_across_sources(tmp_path: Path) -> None:
    first = _export(tmp_path, 1)
    second = tmp_path / "more.jsonl"
    second.write_text('{"id": "x", "title": "t", "text": "b"}\n\n{"id": "y", "title": "t", "text": "b"}\n')
    target = tmp_path / "first.jsonl"
    assert scalebench.write_first([first, second], 6, target) == 6
    ids = [json.loads(line)["id"] for line in target.read_text(encoding="utf-8").splitlines()]
    assert ids[-1] == "x" and len(ids) == 6
    assert scalebench.write_first([first, second], 100, target) == 7  # all there is


def test_both_engines_are_built_served_and_queried(tmp_path: Path) -> None:
    source = _export(tmp_path, 2)
    results = {
        figures.engine: figures for figures in scalebench.run([4, 10], [source], QUERIES, tmp_path / "work")
    }
    assert set(results) == set(scalebench.ENGINES)  # the last size of each engine
    for figures in results.values():
        assert figures.documents == 10
        assert figures.queries == len(QUERIES) and figures.errors == 0
        assert figures.p50_ms > 0 and figures.p99_ms >= figures.p95_ms >= figures.p50_ms
        assert figures.index_mib >= 0 and figures.indexer_peak_rss_mib > 0 and figures.server_rss_mib > 0
        assert figures.index_cpu_seconds > 0
    assert results["vnsearch"].suggest_p95_ms >= results["vnsearch"].suggest_p50_ms > 0
    assert not list((tmp_path / "work").glob("first-*.jsonl"))  # the corpus slices are removed


def test_the_scale_run_refuses_sources_it_cannot_slice(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["bench", str(SEEDS), "--sizes", "3", "--work", str(tmp_path)])
    assert result.exit_code == 2
    assert "JSONL sources" in result.output
    result = CliRunner().invoke(main, ["bench", "x.jsonl", "--sizes", "ten"])
    assert result.exit_code == 2 and "whole numbers" in result.output
