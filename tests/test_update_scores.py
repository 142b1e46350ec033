"""Scores after ``--update`` equal those of a rebuild of the same articles, and updates
that pile up segments are compacted (real indexes in temporary folders)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from search.backends.local.engine import LocalEngine
from search.backends.local.indexer import COMPACT_AT_SEGMENTS, build_index, update_index
from search.backends.local.postings import segment_names
from search.backends.local.storage import current_generation
from tests.conftest import SEEDS
from tests.exports import write_export

QUERIES = ("công đoàn", "phong trào thi đua", "giáo dục", "chuong my", "LĐLĐ", "lao động học sinh")
WORDS = (
    "công đoàn giáo dục phong trào thi đua lao động học sinh giáo viên trường huyện "
    "quận hội nghị năm học cán bộ đoàn viên chăm lo đời sống việc làm Hà Nội Chương Mỹ"
)
SYLLABLES = WORDS.split()


def generated(count: int, seed: int, prefix: str = "g") -> list[dict[str, str]]:
    """``count`` small articles of words from this corpus, the same for the same seed."""
    rng = random.Random(seed)
    records = []
    for i in range(count):
        title = " ".join(rng.choices(SYLLABLES, k=rng.randint(3, 8)))
        body = " ".join(rng.choices(SYLLABLES, k=rng.randint(20, 120)))
        if i % 7 == 0:
            body += " Liên đoàn Lao động (LĐLĐ) huyện"
        records.append({"id": f"{prefix}{i:04d}", "title": title.capitalize(), "text": body + "."})
    return records


def ranking(index_dir: Path, query: str) -> list[tuple[str, float]]:
    engine = LocalEngine(index_dir)
    try:
        return engine.rank(query, 10)
    finally:
        engine.close()


def assert_same_rankings(updated: Path, rebuilt: Path) -> None:
    for query in QUERIES:
        got, want = ranking(updated, query), ranking(rebuilt, query)
        assert [doc_id for doc_id, _ in got] == [doc_id for doc_id, _ in want], query
        assert [score for _, score in got] == pytest.approx([score for _, score in want], abs=1e-6), query
        assert all(score > 0 for _, score in got), query


def test_update_that_removes_and_changes_articles_scores_like_a_rebuild(tmp_path: Path) -> None:
    first = generated(300, seed=1)
    write_export(tmp_path / "v1.jsonl", first)
    updated = tmp_path / "updated"
    build_index([SEEDS, tmp_path / "v1.jsonl"], updated, workers=1)
    # 60 removed, 25 changed, 10 new: document frequencies must count the live ones only
    second = first[60:]
    for record in second[:25]:
        record["text"] = "Công đoàn giáo dục " + record["text"]
    second += generated(10, seed=2, prefix="new")
    write_export(tmp_path / "v2.jsonl", second)
    report = update_index([SEEDS, tmp_path / "v2.jsonl"], updated, workers=1)
    assert (report.indexed, report.deleted) == (35, 60)
    rebuilt = tmp_path / "rebuilt"
    build_index([SEEDS, tmp_path / "v2.jsonl"], rebuilt, workers=1)
    assert_same_rankings(updated, rebuilt)


def test_seed_removed_by_an_update_no_longer_defines_its_abbreviations(tmp_path: Path) -> None:
    seeds = sorted(SEEDS.glob("*.txt"))
    folder = tmp_path / "seeds"
    folder.mkdir()
    for path in seeds:
        (folder / path.name).write_bytes(path.read_bytes())
    updated, rebuilt = tmp_path / "updated", tmp_path / "rebuilt"
    build_index([folder], updated, workers=1)
    (folder / seeds[0].name).unlink()
    update_index([folder], updated, workers=1)
    build_index([folder], rebuilt, workers=1)
    updated_generation, rebuilt_generation = current_generation(updated), current_generation(rebuilt)
    assert updated_generation is not None and rebuilt_generation is not None
    assert (updated_generation / "abbreviations.json").read_text(encoding="utf-8") == (
        rebuilt_generation / "abbreviations.json"
    ).read_text(encoding="utf-8")
    assert_same_rankings(updated, rebuilt)


def test_updates_that_pile_up_segments_are_compacted(tmp_path: Path) -> None:
    records = generated(120, seed=3)
    index_dir = tmp_path / "index"
    write_export(tmp_path / "v.jsonl", records)
    build_index([tmp_path / "v.jsonl"], index_dir, workers=1)
    most_segments = 0
    for round_number in range(COMPACT_AT_SEGMENTS + 2):  # each round changes a few articles
        records[round_number]["text"] = f"Vòng {round_number} công đoàn " + records[round_number]["text"]
        write_export(tmp_path / "v.jsonl", records)
        update_index([tmp_path / "v.jsonl"], index_dir, workers=1)
        generation = current_generation(index_dir)
        assert generation is not None
        most_segments = max(most_segments, len(segment_names(generation)))
    assert most_segments == COMPACT_AT_SEGMENTS  # compacted once it passed the threshold
    assert len(segment_names(generation)) < COMPACT_AT_SEGMENTS
    assert not list(generation.glob("*.seg"))  # separate segment files, as a build writes them
    engine = LocalEngine(index_dir)
    assert engine.info()["documents"] == 120
    top = engine.rank('"vòng 3"', 5)
    assert [doc_id for doc_id, _ in top] == ["g0003"]
    rebuilt = tmp_path / "rebuilt"
    build_index([tmp_path / "v.jsonl"], rebuilt, workers=1)
    assert_same_rankings(index_dir, rebuilt)
    document = engine.document("g0005")
    assert document is not None and document.body.startswith("Vòng 5 công đoàn")


def test_update_keeps_suggestions_up_to_date(tmp_path: Path) -> None:
    records = [
        {
            "id": "a",
            "title": "Hội nghị ở Mê Linh",
            "text": "Công đoàn huyện Mê Linh họp.",
            "district": "Mê Linh",
        },
        {"id": "b", "title": "Tin Sóc Sơn", "text": "Công đoàn huyện Sóc Sơn họp.", "district": "Sóc Sơn"},
    ]
    index_dir = tmp_path / "index"
    build_index([write_export(tmp_path / "v1.jsonl", records)], index_dir, workers=1)

    def texts(typed: str) -> list[str]:
        return [s.text for s in LocalEngine(index_dir).suggest(typed, 8)]

    assert texts("me l") == ["Mê Linh"] and texts("hoi nghi") == ["Hội nghị ở Mê Linh"]
    records = [
        records[1],
        {"id": "c", "title": "Hội nghị ở Đông Anh", "text": "Họp.", "district": "Đông Anh"},
    ]
    update_index([write_export(tmp_path / "v2.jsonl", records)], index_dir, workers=1)
    assert texts("me l") == []  # the article that named it is gone
    assert texts("hoi nghi") == ["Hội nghị ở Đông Anh"]
    assert texts("dong a") == ["Đông Anh"] and texts("soc s") == ["Sóc Sơn"]
