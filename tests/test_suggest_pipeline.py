""" "Did you mean" from the index's own vocabulary; parallel segmentation."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from search.analysis.pipeline import compounds_of, segmented
from search.backends.local.engine import LocalEngine
from search.ingest.sources import read_sources
from search.lexicon import accents
from search.lexicon.accents import AccentCounter, AccentVocabulary
from search.results import SearchRequest

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.mark.parametrize(
    ("query", "suggestion"),
    [
        ("cong doan", "công đoàn"),
        ("Chuong My", "Chương Mỹ"),
        ("nha cong vu giao vien", "nhà công vụ giáo viên"),
        ('phu xuyen -"tay ho"', 'phú xuyên -"tây hồ"'),
        ("Chương Mỹ", None),  # typed with accents: nothing to suggest
        ("Leicester", None),  # nothing the corpus writes with accents
    ],
)
def test_suggestion_from_the_seed_vocabulary(engine: LocalEngine, query: str, suggestion: str | None) -> None:
    assert engine.search(SearchRequest(query=query)).suggestion == suggestion


def test_vocabulary_prefers_the_most_frequent_form_and_the_longest_word() -> None:
    counter = AccentCounter()
    counter.add_compounds(["công_đoàn", "công_đoàn", "cổng_đoàn"])
    for syllable, documents in (("công", 10), ("cộng", 3), ("bà", 5), ("bá", 1)):
        counter.add_syllable(syllable, documents)
    vocabulary = counter.result()
    assert vocabulary.suggest("cong doan ba") == "công đoàn bà"
    assert vocabulary.suggest("cong") == "công"
    assert AccentVocabulary({}).suggest("cong") is None


def test_compounds_are_counted_in_lower_case_and_the_once_seen_dropped_only_past_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Compounds are counted as written and lower-cased later; the limit still counts
    the lower-cased ones (three forms of one word are one)."""
    monkeypatch.setattr(accents, "_PRUNE_AT", 3)
    counter = AccentCounter()
    counter.add_compounds(["Công_đoàn", "công_Đoàn", "công_đoàn"])
    counter.add_compounds(["giáo_viên", "Lao_động"])  # 5 as written, 3 in lower case: all kept
    assert counter.compounds == Counter({"công_đoàn": 3, "giáo_viên": 1, "lao_động": 1})
    counter.add_compounds(["học_sinh"])  # 4: the once-seen go
    assert counter.compounds == Counter({"công_đoàn": 3})
    counter.add_compounds(["Công_Đoàn"])
    assert counter.compounds == Counter({"công_đoàn": 4})


def test_compounds_of_keeps_the_written_form() -> None:
    assert compounds_of("Liên đoàn Lao động tuyển giáo viên") == ["Liên_đoàn", "Lao_động", "giáo_viên"]


def test_parallel_segmentation_gives_the_same_words_in_the_same_order() -> None:
    items = list(read_sources([SEEDS])) * 3
    one = [(getattr(i, "id", None), words) for i, words in segmented(items, workers=1)]
    two = [(getattr(i, "id", None), words) for i, words in segmented(items, workers=2)]
    assert one == two
    assert len(one) == 15 and all(words for _id, words in one)
