"""Impact postings (search/backends/typesense/impacts.py): how they are encoded, edited
by an update, gathered by a build, and how they choose a query's best documents."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from search.backends.typesense import impacts, records
from search.query import ranking


def _postings(seqs: list[int], weights: list[int]) -> str:
    return impacts.encode(np.array(seqs), np.array(weights, dtype=np.uint8))


@pytest.mark.parametrize(
    "seqs", [[1], [3, 7, 9], [2, 70_000, 70_001, 300_000]], ids=["one", "narrow", "wide"]
)
def test_postings_read_back_as_written(seqs: list[int]) -> None:
    weights = [(13 * i + 1) % 256 for i in range(len(seqs))]
    text = _postings(seqs, weights)
    assert text[0] == ("4" if max(np.diff(seqs, prepend=0)) >= 1 << 16 else "2")
    got_seqs, got_weights = impacts.decode(text)
    assert got_seqs.tolist() == seqs and got_weights.tolist() == weights


def test_an_update_removes_and_adds_postings_in_order() -> None:
    text = _postings([3, 7, 70_000], [10, 20, 30])
    seqs, weights = impacts.decode(impacts.edited(text, {7}, {5: 99, 80_000: 4}))
    assert seqs.tolist() == [3, 5, 70_000, 80_000] and weights.tolist() == [10, 99, 30, 4]
    seqs, weights = impacts.decode(impacts.edited(None, set(), {9: 1}))  # a new term
    assert seqs.tolist() == [9] and weights.tolist() == [1]


def test_the_impact_is_bm25s_term_frequency_part() -> None:
    tf, length = np.array([1, 2, 5, 1]), np.array([100, 100, 100, 400])
    got = impacts.impacts(tf, length, 100.0)
    want = ranking.bm25(1.0, tf.astype(np.float32), length.astype(np.float32), 100.0) * impacts.SCALE
    assert got.tolist() == np.rint(want).astype(int).tolist()
    assert got[0] < got[1] < got[2] and got[3] < got[0]  # more often: more; longer: less


def test_the_best_documents_are_those_with_the_most_weight_times_impact() -> None:
    rare = _postings([4, 9], [255, 100])  # weight 3
    common = _postings([1, 4, 5, 9, 12], [255, 255, 50, 255, 200])  # weight 1
    assert impacts.best([(3.0, rare), (1.0, common)], 13, 3) == [4, 9, 1]
    assert impacts.best([(3.0, rare), (1.0, common)], 13, 10) == [4, 9, 1, 12, 5]
    assert impacts.best([(1.0, _postings([20], [255]))], 13, 3) == []  # beyond the collection: ignored


def test_a_build_gathers_the_postings_of_the_terms_that_carry_them() -> None:
    collector = impacts.Collector()
    documents = [
        {records.BODY_FOLDED: ["cong", "doan", "cong"], records.PAIRS: ["cong_doan", "doan_cong"]},
        {records.BODY_FOLDED: ["cong", "giao"], records.PAIRS: ["cong_giao"]},
        {records.BODY_FOLDED: ["doan", "giao"], records.PAIRS: ["doan_giao", "cong_doan"]},
    ]
    frequencies: dict[str, Counter[str]] = {view: Counter() for view in impacts.VIEWS}
    for seq, tokens in enumerate(documents, start=11):
        collector.add(seq, tokens)
        for view, found in tokens.items():
            frequencies[view].update(set(found))
    averages = {records.BODY_FOLDED: 2.3, records.PAIRS: 1.7, records.TITLE_FOLDED: 1.0}
    got = {
        (view, term): impacts.decode(text) for view, term, text in collector.encoded(averages, frequencies)
    }
    # every syllable (one record each); pairs only where two articles have them
    assert set(got) == {
        (records.BODY_FOLDED, "cong"),
        (records.BODY_FOLDED, "doan"),
        (records.BODY_FOLDED, "giao"),
        (records.PAIRS, "cong_doan"),
    }
    seqs, weights = got[records.BODY_FOLDED, "cong"]
    assert seqs.tolist() == [11, 12] and weights[0] > weights[1]  # twice in the first article
    one = dict((term, weight) for view, term, weight in impacts.document_impacts(documents[0], averages))
    assert one["cong"] == weights[0]  # an update's impact is the build's


def test_a_common_term_keeps_its_highest_impacts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(impacts, "MAX_POSTINGS", 3)
    text = _postings([1, 2, 3, 4, 5, 6], [9, 200, 9, 150, 255, 9])
    seqs, weights = impacts.decode(text)
    assert seqs.tolist() == [2, 4, 5] and weights.tolist() == [200, 150, 255]
    seqs, _ = impacts.decode(impacts.edited(text, {4}, {7: 180, 8: 1}))  # an update cuts again
    assert seqs.tolist() == [2, 5, 7]
