"""Property-based tests: the parser and the analyzers never fail, offsets stay in the text."""

from __future__ import annotations

import re
import unicodedata
from html import unescape

import numpy as np
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from search import fields
from search.analysis.analyzers import folded_analyzer, syllable_analyzer, syllable_texts
from search.analysis.views import has_phrase, phrase_in, phrase_pattern
from search.lexicon.abbreviations import Abbreviations
from search.query.planner import parse, plan
from search.snippets import _best_windows, mark_all, marks_for
from search.text import FOLD_LETTERS, fold, fold_letters, normalize

VIETNAMESE = "aăâbcdđeêghiklmnoôơpqrstuưvxyàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵĐ"
text_strategy = st.text(
    alphabet=st.one_of(st.sampled_from(VIETNAMESE + ' -"*?:^~[]()&|!\n\t'), st.characters()),
    max_size=200,
)
FAST = settings(
    max_examples=int(__import__("os").environ.get("HYPOTHESIS_EXAMPLES", 150)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


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
@given(
    st.text(max_size=80)
    | st.text(alphabet=st.sampled_from(VIETNAMESE + "ĐÂ😀\ud800 1.,"), max_size=80)
    | st.text(alphabet=st.sampled_from(VIETNAMESE + "ĐÂ😀\ud800 1.,"), min_size=100, max_size=300)
)
def test_fast_letter_folding_is_the_translation_table(text: str) -> None:
    """Short texts (headlines) are translated, long ones looked up as an array."""
    assert fold_letters(text) == text.translate(FOLD_LETTERS)


@FAST
@given(text_strategy, st.lists(st.sampled_from(["chuong", "my", "lao", "dong", "a"]), max_size=4))
def test_highlighting_never_loses_text(text: str, query: list[str]) -> None:
    import html

    marked = mark_all(text, marks_for([query]))
    assert html.unescape(re.sub(r"</?mark>", "", marked)) == text


@FAST
@given(
    st.text(alphabet=st.sampled_from("aàbđĐ12٣²_ .,-"), max_size=60),
    st.lists(st.text(alphabet=st.sampled_from("abd12٣²"), min_size=1, max_size=3), min_size=1, max_size=5),
)
def test_searching_for_each_syllable_finds_what_one_pattern_of_them_all_finds(
    text: str, picked: list[str]
) -> None:
    """The search a term that replaced one pattern of all the terms (same starts, ends
    and terms), around decimal marks, underscores and digits of other scripts ("1.000"
    is one syllable: "1" is not found inside it, nor "000")."""
    from search.snippets import _found_each, _scanned

    folded = fold_letters(text)
    terms = frozenset(picked) | frozenset(re.findall(r"[^\W_]+", folded)[:3])
    assert _found_each(folded, terms) == _scanned(folded, terms)


@FAST
@given(
    st.lists(
        st.sampled_from(["1", "a", "b", "lao", "động", "đông", "²", "٣"])
        | st.sampled_from([" ", ".", ",", ". ", "-", "_", "x"]),
        max_size=24,
    ).map("".join),
    st.lists(st.lists(st.sampled_from(["1", "a", "b", "lao", "dong"]), min_size=1, max_size=4), max_size=3),
    st.lists(st.sampled_from(["a", "1"]), max_size=2),
)
@example("1.a", [["1", "a"]], [])  # "a" does not start a syllable after "1."
@example("a.1", [["a", "1"]], [])  # "a" does not end one before ".1"
@example("1.a b", [["a", "b"]], [])  # nor does "a" start one after "1." in a run
@example("lao. 1,000 lao đông lao đông", [["lao", "dong"], ["1", "000"]], ["a"])
@example("lao, đông lao", [["lao", "dong"]], [])  # a run across a comma
@example("lao đông1 lao", [["lao", "dong"]], [])  # "đông1" is not "đông"
@example("a 1.5 a", [["a", "1"]], [])  # nor is "1.5" "1"
def test_runs_found_side_by_side_are_those_of_every_syllable_found(
    text: str, sequences: list[list[str]], alone: list[str]
) -> None:
    """The pairs of the query searched for side by side mark what searching for every
    syllable and keeping those in a run marks (around decimal marks, digits of other
    scripts, underscores, repeated and overlapping runs)."""
    from search.snippets import _found_each, _in_runs, _matches

    marks = marks_for(sequences, alone)
    if not marks:
        return
    everything = _found_each(fold_letters(text), marks.terms)
    assert _matches(text, marks) == _in_runs(everything, marks, text)


@FAST
@given(
    st.lists(
        st.sampled_from(["lao", "động", "Lao", " ", "<", "&", ">", '"', "\x0e", "\x0f"]), max_size=20
    ).map("".join)
)
def test_marked_html_is_each_piece_escaped_and_the_matches_in_mark(text: str) -> None:
    """Snippets set the matches off by two control characters and escape once; a text
    that holds those characters itself is escaped piece by piece. Either way the HTML
    is that of escaping each piece between the matches (the way it was built before)."""
    import html

    from search.snippets import _matches

    marks = marks_for([["lao", "dong"]])
    matches = _matches(text, marks)
    expected, at = [], 0
    for start, stop, _ in matches:
        expected += [
            html.escape(text[at:start], quote=False),
            "<mark>",
            html.escape(text[start:stop], quote=False),
            "</mark>",
        ]
        at = stop
    expected.append(html.escape(text[at:], quote=False))
    assert mark_all(text, marks) == "".join(expected)


def test_folded_tokens_are_ascii_for_vietnamese() -> None:
    assert all(t.text.isascii() for t in folded_analyzer()(VIETNAMESE))


@FAST
@given(st.text(alphabet=st.sampled_from(VIETNAMESE + VIETNAMESE.upper() + "ÉÜçñ019 ,."), max_size=80))
def test_letter_for_letter_folding_agrees_with_fold_and_keeps_offsets(text: str) -> None:
    folded = text.translate(FOLD_LETTERS)
    assert len(folded) == len(text)
    for word in normalize(text).split():
        assert word.translate(FOLD_LETTERS) == fold(word.lower())


@FAST
@given(text_strategy, st.lists(st.sampled_from(["chuong", "my", "lao", "dong", "1", "a"]), max_size=4))
def test_marks_wrap_whole_syllables_that_fold_to_a_query_syllable(text: str, query: list[str]) -> None:
    text = normalize(text)
    html = mark_all(text, marks_for([query]))
    for marked in html.split("<mark>")[1:]:
        word = unescape(marked.split("</mark>", 1)[0])
        assert fold(word.lower()) in query


PHRASE_LETTERS = "aăâbcdđeêoôơuưàáảãạồốổỗộờớởỡợừứửữựĐ"


@FAST
@given(
    st.text(alphabet=st.sampled_from(PHRASE_LETTERS + PHRASE_LETTERS.upper() + "019 ,.-_\n"), max_size=60),
    st.data(),
)
def test_phrase_search_in_the_text_agrees_with_the_tokens(text: str, data: st.DataObject) -> None:
    """A phrase is found in a stored text exactly when its words are consecutive tokens
    of the view (the check retrieval makes without tokenizing the text)."""
    text = normalize(text)
    for view in (fields.BODY, fields.BODY_FOLDED):
        tokens = syllable_texts(text)
        tokens = [fold(t) for t in tokens] if view == fields.BODY_FOLDED else tokens
        if tokens and data.draw(st.booleans()):  # a run of the text's own tokens
            start = data.draw(st.integers(0, len(tokens) - 1))
            words = tokens[start : start + data.draw(st.integers(1, 3))]
        else:  # or any words
            words = data.draw(
                st.lists(st.sampled_from([*tokens, "a", "đ", "d", "ơ", "1"]), min_size=1, max_size=3)
            )
        assert has_phrase(view, text, words, phrase_pattern(words)) == phrase_in(tokens, words)


def _best_windows_by_counting_each(
    matches: list[tuple[int, int, str]], chars: int, count: int, apart: int
) -> list[int]:
    """The windows :func:`search.snippets._best_windows` picks, each window's distinct
    syllables counted on its own (what its sliding count must equal)."""
    scored = sorted(
        (-len({t for s, _, t in matches if start <= s < start + chars}), start) for start, _, _ in matches
    )
    chosen: list[int] = []
    for _, start in scored:
        if len(chosen) < count and all(abs(start - other) >= apart for other in chosen):
            chosen.append(start)
    return sorted(chosen)


@given(
    st.lists(st.tuples(st.integers(0, 400), st.sampled_from(["a", "b", "c", "d"])), max_size=40),
    st.integers(1, 120),
    st.integers(1, 3),
    st.integers(1, 180),
)
def test_snippet_windows_hold_the_most_distinct_query_syllables(
    found: list[tuple[int, str]], chars: int, count: int, apart: int
) -> None:
    starts = sorted({start for start, _ in found})  # matches are in text order, one a place
    terms = dict(found)
    matches = [(start, start + 1, terms[start]) for start in starts]
    expected = _best_windows_by_counting_each(matches, chars, count, apart)
    assert _best_windows(matches, chars, count, apart) == expected


@FAST
@given(
    st.sampled_from([fields.PAIRS, fields.BODY, fields.BODY_FOLDED]),
    st.lists(st.text(alphabet=st.sampled_from("ađ_1 Ư"), max_size=6), min_size=1, max_size=5),
)
def test_one_terms_key_is_the_one_many_terms_are_given(view: str, terms: list[str]) -> None:
    """A query names each term with Python integers, a build names many with numpy:
    the same key and check, pairs ("a_b", with or without the joiner) included."""
    from search.backends.local.term_keys import term_key, term_keys

    keys, checks = term_keys(view, terms)
    assert [term_key(view, term) for term in terms] == list(zip(keys.tolist(), checks.tolist(), strict=True))


@FAST
@given(
    st.lists(st.lists(st.integers(0, 4), max_size=40), min_size=1, max_size=4),
    st.lists(st.lists(st.integers(0, 2), min_size=1, max_size=2, unique=True), min_size=5, max_size=5),
)
@example([[0] + [1] * 19 + [2]], [[0], [1], [1], [0], [0]])  # a window ends before its 21st syllable
def test_the_best_window_is_what_trying_every_window_finds(
    documents: list[list[int]], stands: list[list[int]]
) -> None:
    """:meth:`Proximity.shares` (every window, every clause at once, in numpy) against
    the definition: for each syllable found, the clauses some syllable of which stands
    within WINDOW of it, weighed; the best of a document's windows."""
    from search.query.proximity import WINDOW, Proximity

    scoring = Proximity(
        {f"t{term}": tuple(clauses) for term, clauses in enumerate(stands)}, (0.5, 0.25, 0.25)
    )
    found = [(d, p, t) for d, sequence in enumerate(documents) for p, t in enumerate(sequence) if t % 2 == 0]
    document, position, term = np.array(found, dtype=np.int64).reshape(-1, 3).T
    expected = [0.0] * len(documents)
    for d, p, _ in found:
        share = 0.0
        for clause, weight in enumerate(scoring.weights):
            if any(d2 == d and p <= p2 < p + WINDOW and clause in stands[t2] for d2, p2, t2 in found):
                share += weight
        expected[d] = max(expected[d], share)
    assert scoring.shares(len(documents), document, position, term).tolist() == [
        min(e, 1.0) for e in expected
    ]
