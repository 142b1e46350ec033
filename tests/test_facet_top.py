"""The local backend counts only the facet values a search shows; the buckets must be
those that counting every value gives."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from search.backends.local.retrieval import Facet
from search.results import facet_buckets

VALUES = sorted(["Ba Vì", "Châu Thành, Tiền Giang", "Chương Mỹ", "Mê Linh", "Phú Xuyên", "Sóc Sơn"])


@settings(max_examples=200, deadline=None)
@given(
    owners=st.lists(st.integers(0, len(VALUES) - 1), min_size=0, max_size=60),
    matched=st.lists(st.booleans(), min_size=40, max_size=40),
    size=st.integers(1, 8),
    selected=st.sets(st.sampled_from([*VALUES, "Đông Anh"]), max_size=3),
)
def test_top_values_are_those_of_all_counts(
    owners: list[int], matched: list[bool], size: int, selected: set[str]
) -> None:
    documents = np.arange(len(owners), dtype=np.int64) % 40  # a document may have several values
    facet = Facet(VALUES, documents, np.array(owners, dtype=np.int64))
    mask = np.array(matched)
    shown, distinct = facet.top(mask, size, selected)
    everything = facet.counts(mask)
    assert distinct == len(everything)
    assert facet_buckets("district", shown, selected, size) == facet_buckets(
        "district", everything, selected, size
    )


@settings(max_examples=200, deadline=None)
@given(
    owners=st.lists(st.integers(0, len(VALUES) - 1), min_size=0, max_size=60),
    matched=st.lists(st.booleans(), min_size=40, max_size=40),
)
def test_counts_are_those_of_every_pair(owners: list[int], matched: list[bool]) -> None:
    """Each value's count is how many of the matched documents have it (values no
    document has, and documents with several values, included)."""
    documents = np.arange(len(owners), dtype=np.int64) % 40
    facet = Facet(VALUES, documents, np.array(owners, dtype=np.int64))
    expected: dict[str, int] = {}
    for document, owner in zip(documents.tolist(), owners, strict=True):
        if matched[document]:
            expected[VALUES[owner]] = expected.get(VALUES[owner], 0) + 1
    assert facet.counts(np.array(matched)) == expected
