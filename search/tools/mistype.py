"""Mistyped versions of a BEIR query file: as a reader would type the questions.

    python -m search.tools.mistype QUERIES.jsonl --kind typo|telex|vni|plain --out OUT.jsonl
        [--seed 0] [--rate 0.3]

QUERIES.jsonl has one {"_id", "text"} query a line; OUT.jsonl gets the same queries (same
ids, same order, other fields kept) with the text rewritten:

- ``plain``: without diacritics ("Đường" -> "Duong");
- ``typo``: without diacritics, and about ``rate`` of the words of 3 letters or more with
  one keyboard slip (insert, delete, substitute a QWERTY neighbour, swap two letters);
- ``telex``: accented words as Telex keystrokes, tone key last ("người" -> "nguowif");
- ``vni``: the same with VNI digits ("đường" -> "d9u7o7ng2").

The output is deterministic: typo edits come from ``random.Random(f"{seed}:{query_id}")``.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from search.text import fold, normalize

KINDS = ("plain", "typo", "telex", "vni")

# Combining marks after NFD: the letter modifiers and the five tones.
CIRCUMFLEX = "\u0302"
HORN = "\u031b"
BREVE = "\u0306"
ACUTE, GRAVE, HOOK, TILDE, DOT_BELOW = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
TONES = (ACUTE, GRAVE, HOOK, TILDE, DOT_BELOW)

# The letters each modifier belongs on (â ê ô, ơ ư, ă); tones go on vowels only.
MODIFIED_LETTERS = {CIRCUMFLEX: "aeo", HORN: "ou", BREVE: "a"}
VOWELS = "aeiouy"

# Keys the telex word builder reads as "type the base letter again" (aa, ee, oo, dd).
REPEAT = ""


@dataclass(frozen=True)
class Keymap:
    """How one input method types the marks: a key for each modifier and tone."""

    marks: dict[str, str]
    tones: dict[str, str]
    stroke: str  # the key after "d" for đ
    merge_horn: bool  # ươ typed as "uo" and one horn key


TELEX = Keymap(
    marks={CIRCUMFLEX: REPEAT, HORN: "w", BREVE: "w"},
    tones={ACUTE: "s", GRAVE: "f", HOOK: "r", TILDE: "x", DOT_BELOW: "j"},
    stroke=REPEAT,
    merge_horn=True,
)
VNI = Keymap(
    marks={CIRCUMFLEX: "6", HORN: "7", BREVE: "8"},
    tones={ACUTE: "1", GRAVE: "2", HOOK: "3", TILDE: "4", DOT_BELOW: "5"},
    stroke="9",
    merge_horn=False,
)
KEYMAPS = {"telex": TELEX, "vni": VNI}

# The keys around each letter on a QWERTY keyboard (same row and the rows above and below).
QWERTY_NEIGHBOURS = {
    "q": "wa", "w": "qeas", "e": "wrsd", "r": "etdf", "t": "ryfg", "y": "tugh",
    "u": "yihj", "i": "uojk", "o": "ipkl", "p": "ol",
    "a": "qwsz", "s": "weadzx", "d": "ersfxc", "f": "rtdgcv", "g": "tyfhvb",
    "h": "yugjbn", "j": "uihknm", "k": "iojlm", "l": "opk",
    "z": "asx", "x": "sdzc", "c": "dfxv", "v": "fgcb", "b": "ghvn", "n": "hjbm", "m": "jkn",
}  # fmt: skip

EDITS = ("insert", "delete", "substitute", "swap")
MIN_TYPO_LETTERS = 3  # words of 1-2 letters are never mistyped

# A word: a run of letters (digits, punctuation and spaces separate words).
_WORD = re.compile(r"[^\W\d_]+")
_ASCII_WORD = re.compile(r"[A-Za-z]+")

# A letter split into base, modifier and tone ("" when absent).
Letter = tuple[str, str, str]


def split_letter(char: str) -> Letter | None:
    """("e", CIRCUMFLEX, DOT_BELOW) for "ệ", ("d", "đ", "") for "đ"; None for a letter
    with marks that are not Vietnamese ("ñ", "ç")."""
    if char in "đĐ":
        return ("d" if char == "đ" else "D", "đ", "")
    decomposed = unicodedata.normalize("NFD", char)
    base, marks = decomposed[0], decomposed[1:]
    modifiers = [mark for mark in marks if mark in MODIFIED_LETTERS]
    tones = [mark for mark in marks if mark in TONES]
    if not base.isascii() or len(modifiers) > 1 or len(tones) > 1:
        return None
    if len(modifiers) + len(tones) != len(marks):
        return None
    if modifiers and base.lower() not in MODIFIED_LETTERS[modifiers[0]]:
        return None
    if tones and base.lower() not in VOWELS:
        return None
    return base, "".join(modifiers), "".join(tones)


def _key(key: str, base: str, upper: bool) -> str:
    """A mark key as typed: the base letter again for REPEAT, capitals in a capital word."""
    if key == REPEAT:
        return base
    return key.upper() if upper else key


def _is_uo_horn(letter: Letter, following: Letter) -> bool:
    """True for the ư of "ươ" (Telex types the pair "uow")."""
    first = (letter[0].lower(), letter[1])
    second = (following[0].lower(), following[1])
    return first == ("u", HORN) and second == ("o", HORN)


def type_word(word: str, keymap: Keymap) -> str:
    """The keystrokes of one (NFC) word, marks after their letter and the tone key last."""
    if word.isascii():
        return word
    letters = [split_letter(char) for char in word]
    upper = len(word) > 1 and word.isupper()
    out: list[str] = []
    tones: list[str] = []
    i = 0
    while i < len(word):
        letter = letters[i]
        if letter is None:
            out.append(word[i])
            i += 1
            continue
        base, modifier, tone = letter
        following = letters[i + 1] if i + 1 < len(word) else None
        if keymap.merge_horn and following is not None and _is_uo_horn(letter, following):
            # ươ: "uo" and one horn key.
            out.append(base + following[0] + _key(keymap.marks[HORN], base, upper))
            tones += [t for t in (tone, following[2]) if t]
            i += 2
            continue
        key = keymap.stroke if modifier == "đ" else keymap.marks.get(modifier, "")
        out.append(base + (_key(key, base, upper) if modifier else ""))
        tones += [tone] if tone else []
        i += 1
    return "".join(out) + "".join(_key(keymap.tones[tone], "", upper) for tone in tones)


def _with_case(letter: str, like: str) -> str:
    return letter.upper() if like.isupper() else letter.lower()


def _neighbour(letter: str, rng: random.Random) -> str:
    """A key next to ``letter`` on a QWERTY keyboard, in the same case."""
    return _with_case(rng.choice(QWERTY_NEIGHBOURS[letter.lower()]), letter)


def edit_word(word: str, rng: random.Random) -> str:
    """``word`` (ASCII letters, 3 or more) with one slip: Damerau-Levenshtein distance 1."""
    edit = rng.choice(EDITS)
    swaps = [
        i
        for i in range(len(word) - 1)
        if word[i] != word[i + 1] and word[i].isupper() == word[i + 1].isupper()
    ]
    if edit == "swap" and not swaps:
        edit = "substitute"
    if edit == "insert":
        at = rng.randrange(len(word) + 1)
        return word[:at] + _neighbour(word[max(at - 1, 0)], rng) + word[at:]
    if edit == "delete":
        at = rng.randrange(len(word))
        return word[:at] + word[at + 1 :]
    if edit == "substitute":
        at = rng.randrange(len(word))
        return word[:at] + _neighbour(word[at], rng) + word[at + 1 :]
    at = rng.choice(swaps)
    return word[:at] + word[at + 1] + word[at] + word[at + 2 :]


def plain(text: str) -> str:
    """``text`` without diacritics, each word folded; case, digits and punctuation kept."""
    return _WORD.sub(lambda match: fold(match.group(0)), normalize(text))


def typo(text: str, rng: random.Random, rate: float) -> str:
    """``plain(text)`` with one slip in about ``rate`` of its words of 3 letters or more.

    The number of words changed is ``rate * n`` rounded up or down at random (so never
    more than its ceiling); which words, and how, comes from ``rng``."""
    folded = plain(text)
    spans = [m.span() for m in _ASCII_WORD.finditer(folded) if len(m.group(0)) >= MIN_TYPO_LETTERS]
    count = min(len(spans), int(rate * len(spans) + rng.random()))
    chosen = sorted(rng.sample(range(len(spans)), count))
    pieces: list[str] = []
    last = 0
    for index in chosen:
        start, end = spans[index]
        pieces += [folded[last:start], edit_word(folded[start:end], rng)]
        last = end
    return "".join(pieces) + folded[last:]


def mistype(text: str, kind: str, rng: random.Random, rate: float) -> str:
    """``text`` as typed by a reader: ``kind`` is one of KINDS (only typo uses ``rng``)."""
    if kind == "plain":
        return plain(text)
    if kind == "typo":
        return typo(text, rng, rate)
    if kind in KEYMAPS:
        keymap = KEYMAPS[kind]
        return _WORD.sub(lambda match: type_word(match.group(0), keymap), normalize(text))
    raise ValueError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")


def mistype_file(path: Path | str, kind: str, out: Path | str, seed: int = 0, rate: float = 0.3) -> int:
    """Write the queries of ``path`` mistyped to ``out``; the number of queries written."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with open(path, encoding="utf-8") as lines, open(out, "w", encoding="utf-8", newline="\n") as sink:
        for line in lines:
            if not line.strip():
                continue
            query = json.loads(line)
            rng = random.Random(f"{seed}:{query['_id']}")
            query["text"] = mistype(query["text"], kind, rng, rate)
            sink.write(json.dumps(query, ensure_ascii=False) + "\n")
            written += 1
    return written


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m search.tools.mistype", description=__doc__.splitlines()[0]
    )
    parser.add_argument("queries", type=Path, help="BEIR queries.jsonl")
    parser.add_argument("--kind", choices=KINDS, required=True)
    parser.add_argument("--out", type=Path, required=True, help="the mistyped queries.jsonl")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rate", type=float, default=0.3, help="share of words with a typo")
    args = parser.parse_args(argv)
    written = mistype_file(args.queries, args.kind, args.out, args.seed, args.rate)
    print(f"{written} queries ({args.kind}) written to {args.out}")


if __name__ == "__main__":
    main()
