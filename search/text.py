"""Vietnamese text normalisation and diacritic folding.

Every string that reaches the index or a query passes through :func:`normalize`
first, so composed, decomposed and differently tone-marked spellings of one
word become the same characters.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import numpy as np
from unidecode import unidecode

# Look-alike letters seen in scraped pages: Icelandic eth for Vietnamese đ. (Replaced one
# by one: ``str.translate`` with a table looks up every character of a text, 30 times
# slower on an article.)
_LOOKALIKES = (("Ð", "Đ"), ("ð", "đ"))

# Tone marks as combining characters (after NFD): grave, acute, hook, tilde, dot below.
_TONES = "\u0300\u0301\u0309\u0303\u0323"

# "Old style" tone placement (hòa, khỏe, thủy) is the one Vietnamese newspapers use
# most; the "new style" (hoà, khoẻ, thuỷ) puts the mark on the second vowel. In an
# open syllable ending in oa/oe/uy we move the mark onto the first vowel. "qu" is a
# consonant, so "quý" keeps its mark on the y.
# The second vowel carries the tone and nothing else ("oặc" is not new style: its "ă"
# has a breve too, and the syllable is closed).
_MARKS = "\u0300-\u036f"
_NEW_STYLE = re.compile(
    r"(?<![qQ])([oOuU])([aAeEyY])([" + _TONES + r"])(?![^\W\d_]|[" + _MARKS + r"])",
)


def _move_tone(match: re.Match[str]) -> str:
    first, second, tone = match.groups()
    pair = first.lower() + second.lower()
    if pair not in ("oa", "oe", "uy"):
        return match.group(0)
    return first + tone + second


@lru_cache(maxsize=65536)
def _normalize_word(word: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize("NFC", _NEW_STYLE.sub(_move_tone, decomposed))


# Lone surrogates (e.g. "\ud800" escapes in a JSON export) are not text.
_SURROGATES = re.compile("[\ud800-\udfff]")


# Where a new-style mark may be, found in NFC text without decomposing every word: the
# end of a word in "o" and a toned a or e, or "u" and a toned y (not after q). Only the
# words found go through :func:`_normalize_word`, which decides.
_TONED_AE = "áàảãạéèẻẽẹ"
_TONED_Y = "ýỳỷỹỵ"
_MAYBE_NEW_STYLE = re.compile(
    r"(?<![qQ])(?:[oO][" + _TONED_AE + _TONED_AE.upper() + r"]"
    r"|[uU][" + _TONED_Y + _TONED_Y.upper() + r"])(?![^\W\d_])"
)
_LETTER = re.compile(r"[^\W\d_]")


def normalize(text: str) -> str:
    """NFC, one tone-mark placement and real Vietnamese đ/Đ.

    The result has the same length as ``unicodedata.normalize("NFC", text)``, so
    character offsets into normalised text stay valid for display.
    """
    text = unicodedata.normalize("NFC", _SURROGATES.sub("\ufffd", text))
    for lookalike, letter in _LOOKALIKES:
        text = text.replace(lookalike, letter)
    if text.isascii():
        return text
    pieces: list[str] = []
    done = 0
    for match in _MAYBE_NEW_STYLE.finditer(text):
        start = match.start()
        while start > done and _LETTER.match(text, start - 1):
            start -= 1
        pieces += [text[done:start], _normalize_word(text[start : match.end()])]
        done = match.end()
    return "".join(pieces) + text[done:] if pieces else text


def _unidecoded(ranges: list[range]) -> dict[int, str]:
    """What unidecode makes of each character of ``ranges``."""
    return {code: unidecode(chr(code)) for span in ranges for code in span}


# unidecode works one character at a time, so a text whose characters are all in this
# table folds by ``str.translate`` to what unidecode gives, a dozen times faster: the
# Latin letters with their marks (Vietnamese among them), combining marks, punctuation.
_FOLDS = _unidecoded([range(0x80, 0x250), range(0x300, 0x370), range(0x1E00, 0x1F00), range(0x2000, 0x2070)])


@lru_cache(maxsize=262144)
def fold(word: str) -> str:
    """Strip diacritics: "Đường" -> "Duong". Idempotent; keeps ASCII as is."""
    if word.isascii():
        return word
    folded = word.translate(_FOLDS)
    if folded.isascii():  # every character was in the table
        return folded
    return unidecode(_SURROGATES.sub("\ufffd", word).replace("đ", "d").replace("Đ", "D"))


def _one_letter_folds() -> dict[int, str]:
    """Each Latin letter (ASCII, accented, Vietnamese, upper and lower case) whose
    folded lowercase form is one ASCII letter, mapped to that letter."""
    table: dict[int, str] = {}
    for code in [*range(0x41, 0x5B), *range(0xC0, 0x250), *range(0x1E00, 0x1F00)]:
        folded = fold(chr(code)).lower()
        if len(folded) == 1 and folded.isascii() and folded.isalpha():
            table[code] = folded
    return table


# fold(word.lower()) for the letters that have one, one character for one: offsets into
# ``text.translate(FOLD_LETTERS)`` are offsets into ``text``.
FOLD_LETTERS = _one_letter_folds()

# The same table over the Basic Multilingual Plane, as an array (identity elsewhere).
_FOLDED_CODES = np.arange(0x10000, dtype=np.uint32)
_FOLDED_CODES[list(FOLD_LETTERS)] = [ord(letter) for letter in FOLD_LETTERS.values()]


SHORT_TEXT = 100  # characters: below it, ``str.translate`` is faster than the array lookup


def fold_letters(text: str) -> str:
    """``text.translate(FOLD_LETTERS)``, one array lookup over the code points instead
    of a dictionary lookup per character (about ten times faster on long texts)."""
    if text.isascii():
        return text.lower()
    if len(text) < SHORT_TEXT:  # a headline: the array's set-up costs more than it saves
        return text.translate(FOLD_LETTERS)
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    folded = np.where(codes <= 0xFFFF, _FOLDED_CODES[np.minimum(codes, 0xFFFF)], codes)
    return folded.tobytes().decode("utf-32-le", "surrogatepass")


def has_diacritics(text: str) -> bool:
    """True when folding would change the text (it carries Vietnamese marks)."""
    return fold(text) != text
