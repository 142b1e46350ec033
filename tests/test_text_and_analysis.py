"""Normalisation, folding and the Whoosh analyzers: token text AND offsets."""

from __future__ import annotations

import os
import re
import unicodedata
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from unidecode import unidecode

from search import fields, text
from search.analysis.analyzers import compound_analyzer, folded_analyzer, syllable_analyzer
from search.analysis.segment import segment
from search.analysis.views import Analysed
from search.ingest.article import Article
from search.text import fold, has_diacritics, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hoà bình", "hòa bình"),
        ("Hoà Bình", "Hòa Bình"),
        ("thuỷ lợi", "thủy lợi"),
        ("khoẻ mạnh", "khỏe mạnh"),
        ("quý", "quý"),  # "qu" is a consonant: the mark stays on y
        ("hoàng", "hoàng"),  # closed syllable: only one placement exists
        ("hoặc", "hoặc"),  # the ă has a breve as well as the tone: not new style
        ("Hoặc khoẻ", "Hoặc khỏe"),
        ("hoà2 hoà_x", "hòa2 hòa_x"),  # a word ends before a digit or an underscore
        ("Ðức", "Đức"),  # Icelandic eth, a look-alike seen in scraped pages
        ("LÐLĐ", "LĐLĐ"),
        (unicodedata.normalize("NFD", "Chương Mỹ"), "Chương Mỹ"),
        (unicodedata.normalize("NFD", "hoà"), "hòa"),
        ("plain ascii", "plain ascii"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


_NEW_STYLE_LETTERS = "oOuUqQaAeEyY hđ1_²áàảãạéèẻẽẹýỳỷỹỵÁÉÝặấ\u0301\u0300\u0323\u0302\u0306"


@settings(max_examples=3000, deadline=None)
@given(st.text(alphabet=_NEW_STYLE_LETTERS, max_size=12))
def test_normalize_moves_marks_as_word_by_word_decomposition_does(raw: str) -> None:
    """normalize() looks only at the words that may be new style; decomposing every
    word, as it once did, must give the same text."""
    composed = unicodedata.normalize("NFC", raw)
    every_word = re.sub(r"[^\W\d_]+", lambda m: text._normalize_word(m.group(0)), composed)
    assert normalize(raw) == every_word


@pytest.mark.parametrize(
    ("word", "folded"),
    [("Đường", "Duong"), ("đ", "d"), ("Chương Mỹ", "Chuong My"), ("nghiêng", "nghieng"), ("ABC", "ABC")],
)
def test_fold(word: str, folded: str) -> None:
    assert fold(word) == folded
    assert fold(folded) == folded  # idempotent


def test_has_diacritics() -> None:
    assert has_diacritics("chương")
    assert not has_diacritics("chuong")


def _tokens(analyzer, text: str) -> list[tuple[str, int, int, int]]:
    return [(t.text, t.pos, t.startchar, t.endchar) for t in analyzer(text, positions=True, chars=True)]


def test_syllable_analyzer_text_and_offsets() -> None:
    text = "Huyện Chương Mỹ, năm 2021."
    assert _tokens(syllable_analyzer(), text) == [
        ("huyện", 0, 0, 5),
        ("chương", 1, 6, 12),
        ("mỹ", 2, 13, 15),
        ("năm", 3, 17, 20),
        ("2021", 4, 21, 25),
    ]


def test_folded_analyzer_keeps_offsets_of_the_accented_text() -> None:
    text = "Đường Láng"
    tokens = _tokens(folded_analyzer(), text)
    assert tokens == [("duong", 0, 0, 5), ("lang", 1, 6, 10)]
    assert [text[s:e] for _, _, s, e in tokens] == ["Đường", "Láng"]


def test_decomposed_input_gives_the_same_tokens_as_composed() -> None:
    composed = "Liên đoàn Lao động huyện Chương Mỹ hoà giải"
    decomposed = unicodedata.normalize("NFD", composed)
    for analyzer in (syllable_analyzer(), folded_analyzer()):
        assert [t.text for t in analyzer(decomposed)] == [t.text for t in analyzer(composed)]


def test_misplaced_tone_mark_gives_the_same_tokens() -> None:
    assert [t.text for t in syllable_analyzer()("hoà")] == [t.text for t in syllable_analyzer()("hòa")]


def test_compound_analyzer_emits_folded_compounds_at_true_offsets() -> None:
    text = "Liên đoàn Lao động làm nhà công vụ giáo viên"
    tokens = _tokens(compound_analyzer(), text)
    texts = [t[0] for t in tokens]
    assert "lien_doan" in texts
    assert "giao_vien" in texts
    assert "cong_vu" in texts
    for _word, _pos, start, end in tokens:
        assert " " in text[start:end]  # a compound spans several syllables
    giao_vien = next(t for t in tokens if t[0] == "giao_vien")
    assert text[giao_vien[2] : giao_vien[3]] == "giáo viên"
    # positions line up with the syllable field: "giáo" is the 9th syllable (index 8)
    assert giao_vien[1] == 8


def test_segmentation_uses_capitalisation_before_lowercasing() -> None:
    words = [w.text for w in segment("Liên đoàn Lao động huyện Chương Mỹ")]
    assert "Liên đoàn" in words
    assert "Lao động" in words


def test_analyzer_never_emits_punctuation() -> None:
    assert [t.text for t in syllable_analyzer()("«» — !!! ... “”")] == []


@pytest.mark.parametrize(
    "title, body",
    [
        ("Liên đoàn Lao động (LĐLĐ) huyện Chương Mỹ", "Hoà giải 1.000 vụ; ĐOÀN viên « mới »\nxã Đông_Yên"),
        (unicodedata.normalize("NFD", "Thủy lợi Mê Linh"), "khoẻ, Ðà Lạt 2,5 tỷ covid-19"),
        ("", "một"),
    ],
)
def test_the_views_the_indexer_makes_are_the_analyzers_tokens(title: str, body: str) -> None:
    """The indexer tokenizes without Whoosh's token objects; its views must be what the
    analyzers (with offsets, tested above) emit. An article's text is normalised when it
    is read; the analyzers normalise what they are given."""
    article = Article(id="x", title=normalize(title), body=normalize(body))
    analysed = Analysed(article, ["Liên_đoàn", "Lao_động"])
    views = analysed.tokens()
    assert views[fields.TITLE] == [t.text for t in syllable_analyzer()(title)]
    assert views[fields.BODY] == [t.text for t in syllable_analyzer()(body)]
    assert views[fields.TITLE_FOLDED] == [t.text for t in folded_analyzer()(title)]
    assert views[fields.BODY_FOLDED] == [t.text for t in folded_analyzer()(body)]
    title_pairs = [f"{a}_{b}" for a, b in pairwise(views[fields.TITLE_FOLDED])]
    assert views[fields.PAIRS] == title_pairs + [f"{a}_{b}" for a, b in pairwise(views[fields.BODY_FOLDED])]
    assert views[fields.WORDS] == ["lien_doan", "lao_dong"]


def test_loading_the_segmenter_leaves_no_temporary_file(tmp_path) -> None:
    """pyvi's model is unpickled through a temporary file; a process that loads it (every
    rebuild and server worker) must not leave it behind, even when it ends abruptly."""
    import subprocess
    import sys

    code = (
        "import os\nfrom search.analysis import segment\nsegment.load_model()\n"
        "print([w.text for w in segment.segment('Liên đoàn Lao động')])\nos._exit(0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert "Liên đoàn" in done.stdout
    assert list(tmp_path.iterdir()) == []


def _unidecoded_fold(word: str) -> str:
    """What :func:`fold` gave before its table: unidecode of every non-ASCII word."""
    if word.isascii():
        return word
    return unidecode(re.sub("[\ud800-\udfff]", "\ufffd", word).replace("đ", "d").replace("Đ", "D"))


def test_fold_by_table_is_unidecode_for_every_character() -> None:
    assert [c for c in map(chr, range(0x10000)) if fold.__wrapped__(c) != _unidecoded_fold(c)] == []


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from("aĐđ ơÀỹ\u0301\u2013\u201cßÆ中\ud800\ufffd😀-1"), max_size=20))
def test_fold_by_table_is_unidecode_for_any_text(word: str) -> None:
    assert fold.__wrapped__(word) == _unidecoded_fold(word)
