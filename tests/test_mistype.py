"""search.tools.mistype: Telex, VNI, folding and keyboard slips of benchmark queries."""

from __future__ import annotations

import json
import random
import re
import unicodedata
from pathlib import Path

import pytest

from search.tools.mistype import QWERTY_NEIGHBOURS, edit_word, mistype, mistype_file

# Each checked by hand: marks after their letter, the tone key last, ươ as "uow" in Telex.
TYPED = [
    # word, Telex, VNI
    ("chương", "chuowng", "chu7o7ng"),
    ("mỹ", "myx", "my4"),
    ("việt", "vieetj", "vie6t5"),
    ("Việt", "Vieetj", "Vie6t5"),
    ("người", "nguowif", "ngu7o7i2"),
    ("động", "ddoongj", "d9o6ng5"),
    ("đường", "dduowngf", "d9u7o7ng2"),
    ("đ", "dd", "d9"),
    ("ăn", "awn", "a8n"),
    ("ấm", "aams", "a6m1"),
    ("ê", "ee", "e6"),
    ("ô", "oo", "o6"),
    ("ơ", "ow", "o7"),
    ("ư", "uw", "u7"),
    ("Hà Nội", "Haf Nooij", "Ha2 No6i5"),
    ("quốc", "quoocs", "quo6c1"),
    ("giữa", "giuwax", "giu7a4"),
    ("Đà Lạt", "DDaf Latj", "D9a2 Lat5"),
    ("khỏe", "khoer", "khoe3"),
    ("ĐƯỜNG", "DDUOWNGF", "D9U7O7NG2"),
    ("Ông", "OOng", "O6ng"),
    ("Facebook", "Facebook", "Facebook"),
]

TEXT = (
    "Các nhà khoa học từ trường King's tìm ra phát hiện gì về loài chuột và reseratrol "
    "trong năm 2020, ở Hà Nội và thành phố Hồ Chí Minh, khi nghiên cứu 150 con chuột?"
)
LETTERS_OR_DIGITS = re.compile(r"([A-Za-z]+|\d+)")


def osa_distance(a: str, b: str) -> int:
    """Edit distance with insert, delete, substitute and adjacent swap (optimal string alignment)."""
    rows = [list(range(len(b) + 1))] + [[i] + [0] * len(b) for i in range(1, len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            rows[i][j] = min(
                rows[i - 1][j] + 1, rows[i][j - 1] + 1, rows[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            )
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                rows[i][j] = min(rows[i][j], rows[i - 2][j - 2] + 1)
    return rows[-1][-1]


def typo_pairs(text: str, seed: str, rate: float = 0.3) -> list[tuple[str, str]]:
    """The words (and digit runs) of plain and typo output, aligned one for one."""
    folded = mistype(text, "plain", random.Random(seed), rate)
    slipped = mistype(text, "typo", random.Random(seed), rate)
    plain_parts = LETTERS_OR_DIGITS.split(folded)
    typo_parts = LETTERS_OR_DIGITS.split(slipped)
    assert plain_parts[::2] == typo_parts[::2]  # spaces and punctuation untouched
    return list(zip(plain_parts[1::2], typo_parts[1::2], strict=True))


@pytest.mark.parametrize(("word", "telex", "vni"), TYPED)
def test_telex_and_vni_of_words(word: str, telex: str, vni: str) -> None:
    rng = random.Random(0)
    assert mistype(word, "telex", rng, 0.3) == telex
    assert mistype(word, "vni", rng, 0.3) == vni


@pytest.mark.parametrize("kind", ["telex", "vni", "plain"])
def test_decomposed_and_new_style_input_types_the_same(kind: str) -> None:
    rng = random.Random(0)
    composed = mistype("Người Việt ở Hà Nội khỏe", kind, rng, 0.3)
    assert mistype(unicodedata.normalize("NFD", "Người Việt ở Hà Nội khoẻ"), kind, rng, 0.3) == composed


def test_sentences_keep_punctuation_digits_and_plain_words() -> None:
    rng = random.Random(0)
    text = "Năm 2020, trường King's (TP.HCM) có 150 sinh viên?"
    assert mistype(text, "telex", rng, 0.3) == "Nawm 2020, truowngf King's (TP.HCM) cos 150 sinh vieen?"
    assert mistype(text, "vni", rng, 0.3) == "Na8m 2020, tru7o7ng2 King's (TP.HCM) co1 150 sinh vie6n?"


def test_plain_folds_each_word() -> None:
    rng = random.Random(0)
    assert mistype("Đường đến Đà Lạt, “Hà Nội” 36 phố!", "plain", rng, 0.3) == (
        "Duong den Da Lat, “Ha Noi” 36 pho!"
    )
    assert mistype("Điều gì đã được cho là lý do?", "plain", rng, 0.3) == "Dieu gi da duoc cho la ly do?"


def test_typo_changes_a_bounded_number_of_words_by_one_edit() -> None:
    changed_total = eligible_total = 0
    for seed in range(200):
        pairs = typo_pairs(TEXT, f"0:q{seed}")
        eligible = [p for p in pairs if len(p[0]) >= 3 and p[0].isalpha()]
        changed = [(a, b) for a, b in pairs if a != b]
        assert len(changed) <= -(-3 * len(eligible) // 10)  # at most ceil(0.3 * n)
        assert all(osa_distance(a, b) == 1 for a, b in changed)
        changed_total += len(changed)
        eligible_total += len(eligible)
    assert 0.25 < changed_total / eligible_total < 0.35


def test_typo_never_touches_short_words_or_digits() -> None:
    for seed in range(200):
        for word, slipped in typo_pairs(TEXT, f"0:q{seed}", rate=1.0):
            if len(word) < 3 or word.isdigit():
                assert slipped == word
            else:
                assert slipped != word  # rate 1.0: every long word gets a slip


def test_typo_rate_zero_is_plain() -> None:
    assert mistype(TEXT, "typo", random.Random(1), 0.0) == mistype(TEXT, "plain", random.Random(1), 0.0)


def test_edit_word_is_one_edit_and_keeps_case() -> None:
    rng = random.Random(7)
    for word in ["Hanoi", "aaa", "TPHCM", "chuot", "Abba"]:
        for _ in range(200):
            slipped = edit_word(word, rng)
            assert osa_distance(word, slipped) == 1
            assert slipped.isalpha() and slipped.isascii()
            if word.isupper():
                assert slipped.isupper()


def test_qwerty_neighbours_are_symmetric() -> None:
    assert sorted(QWERTY_NEIGHBOURS) == [chr(c) for c in range(ord("a"), ord("z") + 1)]
    for letter, around in QWERTY_NEIGHBOURS.items():
        assert letter not in around
        assert all(letter in QWERTY_NEIGHBOURS[other] for other in around)


def test_typo_is_deterministic_per_seed() -> None:
    first = mistype(TEXT, "typo", random.Random("0:q1"), 0.3)
    assert mistype(TEXT, "typo", random.Random("0:q1"), 0.3) == first
    assert mistype(TEXT, "typo", random.Random("1:q1"), 0.3) != first


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        mistype("chào", "qwerty", random.Random(0), 0.3)


def write_queries(path: Path, queries: list[dict[str, str]]) -> None:
    path.write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in queries), encoding="utf-8")


QUERIES = [
    {"_id": "q3", "text": "Chất bổ trong vỏ nho có tác dụng gì?"},
    {"_id": "q1", "text": "Điều gì đã được cho là lý do khiến cho các con chuột bị giảm huyết áp?"},
    {"_id": "q2", "text": "Người Việt ở Hà Nội đi Đà Lạt năm 2020 bằng đường nào?", "extra": "kept"},
]


@pytest.mark.parametrize("kind", ["plain", "typo", "telex", "vni"])
def test_mistype_file_round_trip(tmp_path: Path, kind: str) -> None:
    source = tmp_path / "queries.jsonl"
    write_queries(source, QUERIES)
    out = tmp_path / "out" / f"{kind}.jsonl"
    assert mistype_file(source, kind, out, seed=0, rate=0.3) == len(QUERIES)
    written = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [q["_id"] for q in written] == ["q3", "q1", "q2"]
    assert written[2]["extra"] == "kept"
    for query, original in zip(written, QUERIES, strict=True):
        rng = random.Random(f"0:{original['_id']}")
        assert query["text"] == mistype(original["text"], kind, rng, 0.3)
    again = tmp_path / "again.jsonl"
    mistype_file(source, kind, again, seed=0, rate=0.3)
    assert again.read_bytes() == out.read_bytes()


def test_mistype_file_seed_changes_typos(tmp_path: Path) -> None:
    source = tmp_path / "queries.jsonl"
    write_queries(source, [{"_id": f"q{i}", "text": TEXT} for i in range(5)])
    mistype_file(source, "typo", tmp_path / "a.jsonl", seed=0, rate=0.3)
    mistype_file(source, "typo", tmp_path / "b.jsonl", seed=1, rate=0.3)
    assert (tmp_path / "a.jsonl").read_bytes() != (tmp_path / "b.jsonl").read_bytes()
    texts = [json.loads(line)["text"] for line in (tmp_path / "a.jsonl").read_text().splitlines()]
    assert len(set(texts)) > 1  # each query id draws its own slips
