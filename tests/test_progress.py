"""The index progress bar: bytes read out of the sources' total size, and the CLI's bar."""

from __future__ import annotations

import gzip
import json
import random
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from search.backends.typesense.indexer import build_collection
from search.cli import _progress, main
from search.ingest.article import Article, Problem
from search.ingest.sources import read_sources
from tests.typesense_nodes import Node, cluster_for

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
WORDS = (
    "huyện xã người dân cán bộ trường học giáo viên nông thôn mới đường giao thông "
    "phong trào thi đua sản xuất kinh doanh hội nghị tổng kết năm công an y tế "
    "văn hóa thể thao Chương Mỹ Ba Vì Sóc Sơn Thạch Thất bảo vệ môi trường"
)
SYLLABLES = WORDS.split()


def _articles(count: int, words: int) -> list[dict[str, str]]:
    """``count`` generated Vietnamese articles of about ``words`` syllables each."""
    rng = random.Random(7)
    return [
        {
            "id": f"bai-{number}",
            "title": " ".join(rng.choices(SYLLABLES, k=8)).capitalize(),
            "text": " ".join(rng.choices(SYLLABLES, k=words)) + ".",
            "date": f"2021-{number % 12 + 1:02d}-{number % 28 + 1:02d}",
        }
        for number in range(count)
    ]


def _gzip_export(path: Path, count: int, words: int = 300) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        for record in _articles(count, words):
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def _positions(sources: list[Path]) -> tuple[int | None, list[int], list[object]]:
    """The reader's total, its position at each item and the items."""
    reader = read_sources(sources)
    total = reader.total()
    positions, items = [], []
    for item in reader:
        positions.append(reader.position.bytes)
        items.append(item)
    positions.append(reader.position.bytes)
    return total, positions, items


def test_a_gzip_export_is_followed_in_compressed_bytes_up_to_its_size(tmp_path: Path) -> None:
    export = _gzip_export(tmp_path / "export.jsonl.gz", 400)
    size = export.stat().st_size
    assert size > 100_000  # many reads of the compressed file
    total, positions, items = _positions([export])
    assert total == size
    assert len(items) == 400 and all(isinstance(i, Article) for i in items)
    assert positions == sorted(positions)
    assert 0 < positions[0] < size  # not the whole file at the first article
    assert len(set(positions)) > 10  # it moves on as the file is read
    assert positions[-1] == size


def test_a_folder_counts_each_text_page_when_read(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    shutil.copytree(SEEDS, folder)
    (folder / "notes.md").write_text("không phải bài báo", encoding="utf-8")
    sizes = sorted((p.name, p.stat().st_size) for p in folder.glob("*.txt"))
    total, positions, items = _positions([folder])
    assert total == sum(size for _name, size in sizes)
    running = [sum(size for _name, size in sizes[: n + 1]) for n in range(len(sizes))]
    assert positions == [*running, total]
    assert [i.id for i in items if isinstance(i, Article)] == [Path(n).stem for n, _size in sizes]


def test_sources_that_cannot_be_sized_leave_the_total_to_the_others(tmp_path: Path) -> None:
    export = _gzip_export(tmp_path / "export.jsonl.gz", 20, words=20)
    missing = tmp_path / "nope.jsonl"
    total, positions, items = _positions([missing, export])
    assert total == export.stat().st_size
    assert positions[-1] == total
    assert isinstance(items[0], Problem) and len(items) == 21
    reader = read_sources([missing, tmp_path / "also-missing"])
    assert reader.total() is None
    bar = _progress(reader)  # only a count, and no crash
    assert [type(i) for i in bar] == [Problem, Problem]


def test_the_cli_bar_shows_megabytes_and_documents_unless_quiet(tmp_path: Path) -> None:
    export = _gzip_export(tmp_path / "export.jsonl.gz", 30, words=60)
    megabytes = export.stat().st_size / 10**6
    runner = CliRunner()
    shown = runner.invoke(main, ["index", str(export), "--index", str(tmp_path / "shown")])
    assert shown.exit_code == 0, shown.output
    last = shown.stderr.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith("Indexing 100%|")
    assert f"{megabytes:.1f}/{megabytes:.1f} MB [" in last
    assert "MB/s, 30 docs]" in last
    assert "Indexed 30 documents" in shown.stdout
    quiet = runner.invoke(main, ["index", str(export), "--index", str(tmp_path / "quiet"), "--quiet"])
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    assert "Indexed 30 documents" in quiet.stdout


def test_the_typesense_build_moves_the_same_bar(
    typesense_node: Node, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = _gzip_export(tmp_path / "export.jsonl.gz", 12, words=40)
    megabytes = export.stat().st_size / 10**6
    cluster = cluster_for([typesense_node], "progress")
    report = build_collection([export], cluster=cluster, progress=_progress)
    assert report.indexed == 12, report.problems
    last = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith("Indexing 100%|")
    assert f"{megabytes:.1f}/{megabytes:.1f} MB [" in last and "12 docs]" in last
