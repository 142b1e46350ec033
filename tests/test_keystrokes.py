"""Telex and VNI keystrokes read back as Vietnamese syllables, and whole queries."""

from __future__ import annotations

import pytest

from search.query.keystrokes import convert, from_telex, from_vni, is_syllable
from search.text import normalize

VOCABULARY = frozenset(
    {"chương", "mỹ", "việt", "nam", "người", "lao", "động", "đi", "xông", "hà", "nội", "xe", "sau", "tư"}
)


def known(syllable: str) -> bool:
    return syllable in VOCABULARY


@pytest.mark.parametrize(
    ("keys", "syllable"),
    [
        # The tone key at the end or inside the word.
        ("vieetj", "việt"),
        ("vieejt", "việt"),
        ("myx", "mỹ"),
        ("hoanf", "hoàn"),
        ("hoafn", "hoàn"),
        # ươ as uow, uwow, uwo, or the w after the final consonant.
        ("chuowng", "chương"),
        ("chuwowng", "chương"),
        ("chuwong", "chương"),
        ("chuongw", "chương"),
        ("nguwowif", "người"),
        ("ruowuj", "rượu"),
        ("giuowngf", "giường"),
        ("thuowr", "thuở"),  # open: the horn only on the o
        # dd, aa/ee/oo, aw, ow, uw, w alone.
        ("ddoongj", "động"),
        ("ddi", "đi"),
        ("quaan", "quân"),
        ("nguyeenx", "nguyễn"),
        ("bawngf", "bằng"),
        ("owr", "ở"),
        ("tuw", "tư"),
        ("nhwngx", "những"),
        ("giuwax", "giữa"),
        # Where the mark goes: the index's old style (hòa, khỏe, thủy), qu and gi onsets.
        ("hoaf", "hòa"),
        ("khoer", "khỏe"),
        ("thuyr", "thủy"),
        ("quys", "quý"),
        ("gias", "giá"),
        ("khuyeen", "khuyên"),
        ("hoawcj", normalize("hoặc")),  # search.text.normalize writes it "họăc"
        # z removes the tone.
        ("hoafz", "hoa"),
        # Capitalised and upper case.
        ("Vieetj", "Việt"),
        ("Ddoongj", "Động"),
        ("Nguwowif", "Người"),
        ("VIEETJ", "VIỆT"),
        ("DDOONGJ", "ĐỘNG"),
        ("xoong", "xông"),
    ],
)
def test_telex(keys: str, syllable: str) -> None:
    assert from_telex(keys) == syllable


@pytest.mark.parametrize(
    "keys",
    [
        "khuya",  # no Telex key: a plain word is no conversion
        "hanoi",
        "vietj",  # "viẹt" is no syllable
        "vieetf",  # a stop consonant takes sắc or nặng only
        "sars",  # two tone keys
        "facebook",
        "covid",
        "vinamilk",
        "as",  # too short to be keystrokes
        "iPhone",  # mixed case
        "vie6t5",  # digits are VNI
        "việtj",
    ],
)
def test_not_telex(keys: str) -> None:
    assert from_telex(keys) is None


@pytest.mark.parametrize(
    ("keys", "syllable"),
    [
        ("chu7o7ng", "chương"),
        ("chuo7ng", "chương"),
        ("my4", "mỹ"),
        ("Vie6t5", "Việt"),
        ("vie65t", "việt"),  # the tone digit inside the word
        ("vie6t5", "việt"),
        ("nguo7i2", "người"),
        ("d9o6ng5", "động"),
        ("d9i", "đi"),
        ("di9", "đi"),
        ("ba8ng2", "bằng"),
        ("mu7a", "mưa"),
        ("qua6n", "quân"),
        ("muo6n1", "muốn"),
        ("hoa2", "hòa"),
        ("thuy3", "thủy"),
        ("D9O6NG5", "ĐỘNG"),
    ],
)
def test_vni(keys: str, syllable: str) -> None:
    assert from_vni(keys) == syllable


@pytest.mark.parametrize(
    "keys", ["2020", "19", "u23", "a4", "mp3", "covid19", "vie6t", "xe", "vieetj", "ho8c5", "u2o3"]
)
def test_not_vni(keys: str) -> None:
    assert from_vni(keys) is None


@pytest.mark.parametrize(
    "word",
    [
        "xe",
        "ba",
        "nghiêng",
        "khuya",
        "quốc",
        "giữa",
        "thuở",
        "oẳn",
        "Hà",
        "NGƯỜI",
        "nguyễn",
        "gì",
        "giếng",
        "quỳnh",
        "quýt",
        "yêu",
        "khuỷu",
        "xoong",
        "thủy",
        "thuỷ",
        "ăn",
        "ở",
        "ý",
        "nguoi",  # without accents
        "viet",
    ],
)
def test_is_syllable(word: str) -> None:
    assert is_syllable(word)


@pytest.mark.parametrize(
    "word",
    [
        "sar",
        "sars",
        "vinamilk",
        "facebook",
        "covid",
        "ok",
        "email",
        "iPhone",
        "2020",
        "",
        "viêt",  # a stop consonant without sắc or nặng
        "viềt",
        "vìệt",  # two tone marks
        "ñá",
        "ce",  # c/k, g/gh, ng/ngh
        "ka",
        "gha",
        "nge",
        "ngha",
        "quoa",
        "iên",  # yên
        "tyên",  # tiên
        "ươ",
        "tr",
    ],
)
def test_not_syllable(word: str) -> None:
    assert not is_syllable(word)


@pytest.mark.parametrize(
    ("query", "converted"),
    [
        ("chuowng myx", "chương mỹ"),
        ("vieetj nam", "việt nam"),
        ("nguwowif lao ddoongj", "người lao động"),
        ("chu7o7ng my4", "chương mỹ"),
        ("Vie6t5 Nam", "Việt Nam"),
        ("-ddoongj", "-động"),
        ('"vieetj nam"', '"việt nam"'),
        ("(vieetj), nam!", "(việt), nam!"),
        ("vieetj  Hà\tNội", "việt  Hà\tNội"),
        ("xe ddi Facebook", "xe đi Facebook"),
        ("xoong", "xông"),  # a syllable the vocabulary lacks, with a reading it has
    ],
)
def test_convert(query: str, converted: str) -> None:
    assert convert(query, known) == converted


@pytest.mark.parametrize(
    "query",
    [
        "xe",
        "Facebook",
        "SARS",
        "Vinamilk",
        "COVID",
        "iPhone",
        "covid-19",
        "TP.HCM",
        "2020",
        "ok",
        "email",
        "Hà Nội",
        "19",
        "sau",
        "",
    ],
)
def test_words_that_stay(query: str) -> None:
    assert convert(query, known) is None


def test_a_reading_the_vocabulary_does_not_know_is_not_used() -> None:
    without_viet = (VOCABULARY - {"việt"}).__contains__
    assert convert("vieetj nam", without_viet) is None
    assert convert("vieetj ddi", without_viet) == "vieetj đi"


def test_a_word_the_vocabulary_knows_as_typed_stays() -> None:
    assert convert("xoong", (VOCABULARY | {"xoong"}).__contains__) is None
    assert convert("xe bus", (VOCABULARY | {"bú"}).__contains__) == "xe bú"
    assert convert("xe bus", (VOCABULARY | {"bú", "bus"}).__contains__) is None
