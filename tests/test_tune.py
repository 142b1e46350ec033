"""The weights the planner reads come from search/query/weights.json, and the tool that
chooses them keeps a change only when the tuning sets gain."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from search.query import planner
from search.tools import tune

CHUONG_MY = "000_883de19ce3b78452"
PHU_XUYEN = "001_87ea7937df2d375c"


def test_the_planner_reads_the_shipped_weights() -> None:
    shipped = json.loads(planner.WEIGHTS_FILE.read_text(encoding="utf-8"))
    assert (
        shipped["TITLE_BOOST"] == planner.TITLE_BOOST and shipped["COMPOUND_BOOST"] == planner.COMPOUND_BOOST
    )
    assert set(planner.WEIGHTS) == {k for k in shipped if not k.startswith("_")} <= set(tune.GRID)


def test_a_change_is_kept_only_when_it_gains(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in planner.WEIGHTS:
        monkeypatch.setattr(planner, name, planner.WEIGHTS[name])  # restored after the test
    monkeypatch.setattr(planner, "TITLE_BOOST", 0.25)
    monkeypatch.setattr(planner, "PAIR_BOOST", 1.0)

    def measure() -> float:  # best at TITLE_BOOST 0.15; PAIR_BOOST changes almost nothing
        return 1.0 - abs(planner.TITLE_BOOST - 0.15) - 0.0001 * planner.PAIR_BOOST

    grid = {"TITLE_BOOST": (0.15, 0.4), "PAIR_BOOST": (0.7, 1.4)}
    lines: list[str] = []
    weights, best = tune.coordinate_search(measure, grid, min_gain=0.001, report=lines.append)
    assert weights["TITLE_BOOST"] == 0.15 and weights["PAIR_BOOST"] == 1.0  # 0.7 gains too little
    assert best == pytest.approx(1.0 - 0.0001)
    assert len(lines) == 1 + 4 and lines[1].endswith("(kept)")


def test_the_tool_runs_on_a_real_index_and_writes_the_planners_format(
    seeded_index: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in planner.WEIGHTS:
        monkeypatch.setattr(planner, name, planner.WEIGHTS[name])
    monkeypatch.setattr(tune, "GRID", {"TITLE_BOOST": (0.15, 0.4)})
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        json.dumps({"_id": "q1", "text": "Chương Mỹ"})
        + "\n"
        + json.dumps({"_id": "q2", "text": "phu xuyen"})
        + "\n",
        encoding="utf-8",
    )
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text(
        f"query-id\tcorpus-id\tscore\nq1\t{CHUONG_MY}\t1\nq2\t{PHU_XUYEN}\t1\n", encoding="utf-8"
    )
    out = tmp_path / "weights.json"
    assert (
        tune.main([str(queries), "--qrels", str(qrels), "--index", str(seeded_index), "--write", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    assert "shipped weights: 1.0000" in printed  # both seeds found first
    written = json.loads(out.read_text(encoding="utf-8"))
    assert set(written) == {"_about", *planner.WEIGHTS}
    assert written["TITLE_BOOST"] == planner.WEIGHTS["TITLE_BOOST"]  # nothing beats 1.0
