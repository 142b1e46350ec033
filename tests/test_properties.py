"""Property-based tests: the parser and the analyzers never fail, offsets stay in the text."""

from __future__ import annotations

import unicodedata

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.abbreviations import Abbreviations
from search.analysis import folded_analyzer, syllable_analyzer
from search.highlight import mark_all, marks_for
from search.query import parse, plan
from search.text import fold, normalize

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵĐ"
text_strategy = st.text(
    alphabet=st.one_of(st.sampled_from(VIETNAMESE + ' -"*?:^~[]()&|!\n\t'), st.characters()),
    max_size=200,
)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(text_strategy)
def test_parse_and_plan_never_raise(text: str) -> None:
    parsed = parse(text)
    plan(parsed, Abbreviations({"lđlđ": "liên đoàn lao động"}))


@FAST
@given(text_strategy)
def test_offsets_stay_inside_the_normalised_text(text: str) -> None:
    normal = normalize(text)
    for token in syllable_analyzer()(text, positions=True, chars=True):
        assert 0 <= token.startchar < token.endchar <= len(normal)
        assert normal[token.startchar : token.endchar].lower() == token.text


@FAST
@given(text_strategy)
def test_folding_is_idempotent(text: str) -> None:
    once = fold(text)
    assert fold(once) == once


@FAST
@given(text_strategy)
def test_normalisation_is_idempotent_and_form_blind(text: str) -> None:
    normal = normalize(text)
    assert normalize(normal) == normal
    assert normalize(unicodedata.normalize("NFD", text)) == normal


@FAST
@given(text_strategy, st.lists(st.sampled_from(["chuong", "my", "lao", "dong", "a"]), max_size=4))
def test_highlighting_never_loses_text(text: str, query: list[str]) -> None:
    import html
    import re

    marked = mark_all(text, marks_for([query]))
    assert html.unescape(re.sub(r"</?mark>", "", marked)) == text


def test_folded_tokens_are_ascii_for_vietnamese() -> None:
    assert all(t.text.isascii() for t in folded_analyzer()(VIETNAMESE))
