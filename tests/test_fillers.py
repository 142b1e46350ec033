"""Question words in a long query: left out when the query names something else."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from search.backends.local.engine import LocalEngine
from search.query.fillers import COMMON_SHARE, HAND_FILLERS, FillerWords, common_fillers, stopwords
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


def _frequencies(counts: dict[str, int]) -> Callable[[list[str]], list[int]]:
    return lambda words: [counts.get(word, 0) for word in words]


def test_stopwords_the_corpus_has_in_most_documents_are_fillers() -> None:
    """A word of stopwords-iso's Vietnamese list counts little when at least half the
    documents have it (a word of two syllables: side by side); a rarer one, or any in a
    corpus too small to say, stays a word. The hand list always counts little."""
    assert "một" in stopwords() and "bà" in stopwords() and "có thể" in stopwords()
    syllables = _frequencies({"một": 600, "bà": 20, "người": 499})

    def pairs(found: list[tuple[str, str]]) -> list[int]:
        return [700 if pair == ("co", "the") else 0 for pair in found]

    learned = common_fillers(1000, syllables, pairs)
    assert {"một", "có thể"} <= learned.accented and {"bà", "người"}.isdisjoint(learned.accented)
    assert HAND_FILLERS.accented <= learned.accented and learned.learned == {"một", "có thể"}
    assert "mot" not in learned.folded and HAND_FILLERS.folded == learned.folded  # see below
    assert COMMON_SHARE == 0.5 and common_fillers(99, syllables, pairs) is HAND_FILLERS


def test_a_learned_filler_inside_a_compound_of_the_query_is_a_word() -> None:
    learned = FillerWords.of([*HAND_FILLERS.accented, "bác", "một"], learned=["bác", "một"])
    syllables = ["bác", "sĩ", "một", "bệnh", "viện", "nào"]
    assert learned.spans(syllables, {"bac_si", "benh_vien"}) == {2: 1, 5: 1}  # "một", "nào"
    assert learned.spans(syllables) == {0: 1, 2: 1, 5: 1}
    hand = FillerWords.of([*HAND_FILLERS.accented, "bác"])  # on the hand list: always
    assert hand.spans(syllables, {"bac_si"}) == {0: 1, 5: 1}


def test_a_small_corpus_keeps_the_hand_list(seeded_index: Path) -> None:
    engine = LocalEngine(seeded_index)
    engine.search(SearchRequest(query="công đoàn"))
    assert engine._opened().fillers is HAND_FILLERS  # five articles say nothing


def test_a_learned_filler_typed_without_accents_is_a_word() -> None:
    """Without its accents a learned word may be another one: "năm" (year) counts little,
    "nam" of "quang nam" does not; the hand list's "la gi" does."""
    learned = FillerWords.of(HAND_FILLERS.accented, learned=["năm"])
    assert learned.spans(["du", "lịch", "quảng", "nam", "năm", "nay", "là", "gì"]) == {4: 1, 6: 2}
    folded = ["du", "lich", "quang", "nam", "nam", "nay", "la", "gi"]
    assert learned.spans(folded) == {5: 1, 6: 2}  # "nay": the hand list's "này" without accents
