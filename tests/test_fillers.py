"""Question words in a long query: left out when the query names something else."""

from __future__ import annotations

import re
from pathlib import Path

from search.backends.local.engine import LocalEngine
from search.query.planner import content_runs, parse
from search.results import SearchRequest


def test_a_long_question_is_searched_and_marked_without_its_question_words(seeded_index: Path) -> None:
    engine = LocalEngine(seeded_index)
    result = engine.search(SearchRequest(query="Liên đoàn Lao động huyện Chương Mỹ đã làm những gì"))
    assert result.hits
    marked = {m.lower() for hit in result.hits for m in re.findall(r"<mark>(.*?)</mark>", hit.snippet)}
    assert "chương" in marked and "mỹ" in marked
    assert not marked & {"đã", "những", "gì"}


def test_a_query_of_question_words_only_still_scores_them(seeded_index: Path) -> None:
    engine = LocalEngine(seeded_index)
    everything = engine.search(SearchRequest(query="")).total
    result = engine.search(SearchRequest(query="những gì đã được và của"))
    assert 0 < result.total <= everything and result.hits[0].score


def test_content_runs_split_at_question_words() -> None:
    terms = parse("bệnh viện nào ở Hà Nội có bác sĩ giỏi").terms
    assert content_runs(terms) == [["bệnh", "viện"], ["ở", "hà", "nội"], ["bác", "sĩ", "giỏi"]]
    assert content_runs(parse("chương mỹ là gì").terms) == [["chương", "mỹ", "là", "gì"]]  # short: as typed
    unaccented = parse("benh vien nao o Ha Noi co bac si gioi").terms
    assert content_runs(unaccented) == [["benh", "vien"], ["o", "ha", "noi"], ["bac", "si", "gioi"]]
