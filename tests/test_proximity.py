"""Proximity: the first stage's best documents reordered by how much of the query one
passage holds (issue 18): the window arithmetic on literal texts, which clauses count,
and on both backends, the article with the query's words in one sentence above an
article that BM25 scores the same but that has them apart."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from search.analysis.analyzers import syllable_texts
from search.backends.local.engine import LocalEngine
from search.backends.local.indexer import build_index
from search.lexicon.abbreviations import Abbreviations
from search.query import planner, proximity
from search.query.fillers import HAND_FILLERS
from search.results import SearchRequest
from search.text import fold
from tests.exports import engine_on, write_export

FREQUENCY = {"benh": 10, "vien": 10, "dieu": 10, "tri": 10, "hiem": 1}
PADDING = (
    "Hôm nay trời nắng đẹp, người dân đi chợ đông vui, xe cộ qua lại tấp nập trên các con "
    "phố lớn nhỏ của thành phố."
)


def _scoring(query: str, frequency: dict[str, int] = FREQUENCY) -> proximity.Proximity | None:
    plan = planner.plan(planner.parse(query), Abbreviations({}), fillers=HAND_FILLERS)
    return proximity.proximity(plan, lambda term: frequency.get(term, 0), 100)


def _folded(text: str) -> list[str]:
    """A text's folded syllables, as both backends keep them."""
    return [fold(s) for s in syllable_texts(text)]


PADDING_SYLLABLES = len(syllable_texts(PADDING))  # more than a window


@pytest.mark.parametrize(
    ("text", "share"),
    [
        ("Bệnh viện đã điều trị cho bệnh nhân.", 1.0),  # every clause in one window
        (f"Bệnh viện. {PADDING} Điều trị.", 0.5),  # two halves far apart
        ("Benh vien da dieu tri.", 1.0),  # accents play no part
        ("Tin thời sự.", 0.0),
        ("bệnh viện bệnh viện bệnh viện", 0.5),  # a clause counts once
    ],
)
def test_the_share_of_the_query_in_the_best_window(text: str, share: float) -> None:
    assert PADDING_SYLLABLES > proximity.WINDOW
    scoring = _scoring("bệnh viện điều trị")
    assert scoring is not None
    assert scoring.passage(_folded(text)) == pytest.approx(share)


@pytest.mark.parametrize(
    ("positions", "share"),
    [
        ([(0, "benh"), (proximity.WINDOW - 1, "tri")], 1.0),  # the last syllable of a window
        ([(0, "benh"), (proximity.WINDOW, "tri")], 0.5),  # the first one past it
        ([(0, "lđlđ")], 1.0),  # one syllable of two clauses (as an abbreviation's may be)
        ([(0, "benh"), (1, "benh"), (5, "benh")], 0.5),
        ([], 0.0),
    ],
)
def test_the_window_edges(positions: list[tuple[int, str]], share: float) -> None:
    scoring = proximity.Proximity({"benh": (0,), "tri": (1,), "lđlđ": (0, 1)}, (0.5, 0.5))
    sequence = [""] * 50
    for position, syllable in positions:
        sequence[position] = syllable
    assert scoring.passage(sequence) == pytest.approx(share)


def test_the_documents_of_one_call_never_share_a_window() -> None:
    """Several documents are scored at once: the end of one and the start of the next
    are not a passage."""
    scoring = proximity.Proximity({"benh": (0,), "tri": (1,)}, (0.5, 0.5))
    shares = scoring.shares_of([["x", "benh"], ["tri", "x"], ["benh", "tri"], []])
    assert shares.tolist() == pytest.approx([0.5, 0.5, 1.0, 0.0])


def test_rarer_clauses_weigh_more() -> None:
    scoring = _scoring("bệnh hiếm")
    assert scoring is not None
    rare, common = scoring.passage(["hiem"]), scoring.passage(["benh"])
    assert rare > 0.5 > common
    assert rare + common == pytest.approx(1.0)


def test_a_clause_counts_as_common_as_its_most_common_alternative() -> None:
    """A rare word typed (a Telex leftover such as "vif") with a common correction ("vi")
    weighs what the correction does, not more than every other word of the query; an
    abbreviation's clause weighs what its more common form does."""
    frequency = {"vif": 1, "vi": 50, "benh": 50, "vien": 20, "bv": 5}
    plan = planner.plan(planner.parse("vif benh"), Abbreviations({}), {"vif": ["vi"]}, fillers=HAND_FILLERS)
    scoring = proximity.proximity(plan, lambda term: frequency.get(term, 0), 100)
    assert scoring is not None and scoring.clauses_of == {"vif": (0,), "vi": (0,), "benh": (1,)}
    assert scoring.weights == pytest.approx((0.5, 0.5))
    plan = planner.plan(planner.parse("bv hiem"), Abbreviations({"bv": "bệnh viện"}), fillers=HAND_FILLERS)
    scoring = proximity.proximity(plan, lambda term: {**frequency, "hiem": 20}.get(term, 0), 100)
    assert scoring is not None and scoring.weights == pytest.approx((0.5, 0.5))  # "benh vien": 20 as "hiem"


def test_fillers_and_unknown_words_do_not_count() -> None:
    """Question words are no part of the passage; a word no document has is dropped;
    fewer than two clauses left: nothing to reorder."""
    scoring = _scoring("bệnh viện nào điều trị là gì")
    assert scoring is not None
    assert "nao" not in scoring.clauses_of and "gi" not in scoring.clauses_of
    assert _scoring("bệnh xyzzy") is None
    assert _scoring("bệnh") is None


def test_rerank_adds_a_bonus_to_the_best_only() -> None:
    scores = np.array([2.0, 1.0, 0.5], dtype=np.float32)
    proximity.rerank(scores, [0, 1], np.array([0.5, 1.0]))
    boost = planner.PROXIMITY_BOOST * 2.0
    assert scores.tolist() == pytest.approx([2.0 + 0.5 * boost, 1.0 + boost, 0.5])


CLOSE, FAR = "z-close", "a-far"  # by id, the far article would come first on a tie


def _records() -> list[dict[str, str]]:
    """Two articles of the same syllables, so BM25 (and the pairs view) scores them the
    same: one has the query's words in one sentence, the other in two far apart."""
    return [
        {
            "id": CLOSE,
            "title": "Tin y tế",
            "text": f"Bệnh viện đã điều trị cho các bệnh nhân. {PADDING} Bác sĩ mở cửa.",
        },
        {
            "id": FAR,
            "title": "Tin y tế",
            "text": f"Bệnh viện mở cửa. {PADDING} Bác sĩ đã điều trị cho các bệnh nhân.",
        },
    ]


@pytest.fixture(scope="module", params=["whoosh", "typesense"])
def two_articles(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return engine_on(request, tmp_path_factory.mktemp("proximity"), "proximity", _records())


def test_the_words_together_rank_first(two_articles: Any) -> None:
    result = two_articles.search(SearchRequest(query="bệnh viện điều trị"))
    assert [hit.id for hit in result.hits] == [CLOSE, FAR]
    assert result.hits[0].score > result.hits[1].score
    assert [doc_id for doc_id, _ in two_articles.rank("benh vien dieu tri", 10)] == [CLOSE, FAR]


def test_without_proximity_the_two_tie(two_articles: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The articles are built to tie in the first stage: the order above is proximity's."""
    monkeypatch.setattr(planner, "PROXIMITY_BOOST", 0.0)
    ranked = two_articles.rank("bệnh viện điều trị", 10)
    assert [doc_id for doc_id, _ in ranked] == [FAR, CLOSE]
    assert ranked[0][1] == pytest.approx(ranked[1][1])


def test_a_page_past_the_reordered_documents_is_not_reordered(tmp_path: Path) -> None:
    """Pages of a ranking hold each document once, whichever page is asked first: the
    reordered best come before every other document."""
    records = [
        {"id": f"{i:03d}", "title": "Tin y tế", "text": f"Bệnh viện số {i} đã điều trị. {PADDING * (i % 3)}"}
        for i in range(45)
    ]
    export = write_export(tmp_path / "many.jsonl", records)
    assert build_index([export], tmp_path / "index", workers=1).indexed == 45
    engine = LocalEngine(tmp_path / "index")
    query = "bệnh viện điều trị"
    pages = [engine.search(SearchRequest(query=query, page=p, per_page=10)) for p in (5, 4, 3, 2, 1)]
    ids = [hit.id for result in reversed(pages) for hit in result.hits]
    assert sorted(ids) == [f"{i:03d}" for i in range(45)]
    scores = [hit.score for result in reversed(pages) for hit in result.hits]
    assert scores == sorted(scores, reverse=True)
