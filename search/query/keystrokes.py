"""Telex and VNI keystrokes typed without a Vietnamese input method.

A reader without an input method types the keys themselves: Telex "vieetj nam" or
VNI "vie6t5 nam" for "việt nam". :func:`from_telex` and :func:`from_vni` read one
word back as the syllable those keys type; :func:`convert` rewrites the words of a
query that are not already known syllables. :func:`is_syllable` (a table of onsets
and rhymes) decides what a Vietnamese syllable looks like.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field

from search.text import fold, has_diacritics, normalize

# Tone marks as combining characters.
ACUTE, GRAVE, HOOK, TILDE, DOT = "\u0301", "\u0300", "\u0309", "\u0303", "\u0323"
_TONES = ACUTE + GRAVE + HOOK + TILDE + DOT

VOWELS = "aăâeêioôơuưy"
_MARKED_VOWELS = "ăâêôơư"


def _table(words: str) -> frozenset[str]:
    """A table written as words separated by spaces."""
    return frozenset(words.split())


ONSETS = _table("b c ch d đ g gh gi h k kh l m n ng ngh nh p ph qu r s t th tr v x")
_ONSETS_LONGEST_FIRST = (*sorted(ONSETS, key=len, reverse=True), "")

# Rhymes (vowel nucleus with its glides and final consonant), without tone marks.
RHYMES = _table(
    """
    a ac ach ai am an ang anh ao ap at au ay  ăc ăm ăn ăng ăp ăt  âc âm ân âng âp ât âu ây
    e ec em en eng eo ep et  ê êch êm ên ênh êp êt êu
    i ia ich im in inh ip it iu  iêc iêm iên iêng iêp iêt iêu  y yêm yên yêng yêt yêu
    o oc oi om on ong op ot ooc oong  ô ôc ôi ôm ôn ông ôp ôt  ơ ơi ơm ơn ơp ơt
    u ua uc ui um un ung up ut  uôc uôi uôm uôn uông uôt
    ư ưa ưc ưi ưm ưn ưng ưt ưu  ươc ươi ươm ươn ương ươp ươt ươu
    oa oac oach oai oam oan oang oanh oao oap oat oay  oăc oăm oăn oăng oăt  oe oen oeo oet
    uân uâng uât uây  uê uêch uênh  uơ  uy uya uych uynh uyp uyt uyu uyên uyêt
    """
)
# Rhymes written only after "qu", whose u is then the glide: quỳnh, quých, quýt.
_QU_ONLY_RHYMES = frozenset({"ych", "ynh", "yt"})
_ALL_RHYMES = RHYMES | _QU_ONLY_RHYMES

# Unaccented spellings ("nguoi", "viet"): each folded rhyme and the rhymes it can be.
_RHYMES_BY_FOLD: dict[str, frozenset[str]] = {
    folded: frozenset(r for r in _ALL_RHYMES if fold(r) == folded) for folded in map(fold, _ALL_RHYMES)
}

# Spelling rules: an onset written only before these letters (k, gh, ngh) ...
_ONLY_BEFORE = {"k": "ieêy", "gh": "ieê", "ngh": "ieê"}
# ... or never before them (c/k, g/gh, ng/ngh, gi+i is g+i, qu's u is the glide).
_NEVER_BEFORE = {"c": "ieêy", "g": "eêy", "ng": "ieêy", "gi": "iy", "qu": "ouư"}

# A syllable ending in a stop consonant takes sắc or nặng (once it is written with accents).
_STOP_CODAS = ("c", "ch", "p", "t")
_STOP_TONES = (ACUTE, DOT)

_TELEX_TONES = {"s": ACUTE, "f": GRAVE, "r": HOOK, "x": TILDE, "j": DOT}
_VNI_TONES = {"1": ACUTE, "2": GRAVE, "3": HOOK, "4": TILDE, "5": DOT}
_CIRCUMFLEX = {"a": "â", "e": "ê", "o": "ô"}
_HORN = {"o": "ơ", "u": "ư"}
_BREVE = {"a": "ă"}
_TELEX_W = {**_BREVE, **_HORN}  # "aw" ă, "ow" ơ, "uw" ư
_HORNED = {"uo": "ươ", "ưo": "ươ", "uơ": "ươ"}

# "as", "is", "of", "A4": a letter and one key are English words or codes, not keystrokes.
MIN_KEYSTROKES = 3

# A query word: punctuation and quotes before and after, word characters inside.
_WORD = re.compile(r"^(\W*)(\w+)(\W*)$")


def _letters_and_tone(word: str) -> tuple[str, str] | None:
    """The lowercased word without its tone mark, and that mark ("" for none); None for
    two tone marks or a mark on a consonant."""
    letters, tones = [], ""
    for char in normalize(word).lower():
        parts = unicodedata.normalize("NFD", char)
        tone = "".join(p for p in parts if p in _TONES)
        base = unicodedata.normalize("NFC", "".join(p for p in parts if p not in _TONES))
        if tone and base not in VOWELS:
            return None
        letters.append(base)
        tones += tone
    return ("".join(letters), tones) if len(tones) <= 1 else None


def _fits(onset: str, rhyme: str) -> bool:
    """Whether Vietnamese spelling writes this onset before this rhyme."""
    first = rhyme[0]
    if rhyme in _QU_ONLY_RHYMES:
        return onset == "qu"
    if rhyme.startswith("iê") and not onset:
        return False  # "yên", not "iên"
    if rhyme.startswith("yê") and onset not in ("", "qu"):
        return False  # "tiên", not "tyên"
    if onset in _ONLY_BEFORE:
        return first in _ONLY_BEFORE[onset]
    return first not in _NEVER_BEFORE.get(onset, "")


def _split(letters: str, accented: bool = True) -> tuple[str, str] | None:
    """The onset and rhyme of toneless letters (the longest onset that fits), or None.
    Unaccented letters ("nguoi") may be any rhyme that folds to them."""
    for onset in _ONSETS_LONGEST_FIRST:
        if not letters.startswith(onset):
            continue
        rest = letters[len(onset) :]
        readings = ({rest} & _ALL_RHYMES) if accented else _RHYMES_BY_FOLD.get(rest, frozenset())
        for rhyme in sorted(readings):
            if _fits(onset, rhyme):
                return onset, rhyme
    return None


def is_syllable(word: str) -> bool:
    """Whether ``word`` (any case, with or without accents) has the shape of one
    Vietnamese syllable: an onset, a rhyme, at most one tone mark."""
    parsed = _letters_and_tone(word)
    if parsed is None or not parsed[0]:
        return False
    letters, tone = parsed
    accented = has_diacritics(normalize(word))
    split = _split(letters, accented)
    if split is None:
        return False
    return not (accented and split[1].endswith(_STOP_CODAS) and tone not in _STOP_TONES)


def _tone_position(rhyme: str) -> int:
    """Which letter of the rhyme carries the tone mark (new style: hoà, thuỷ; the
    index's old style is then :func:`normalize`'s)."""
    vowels = len(rhyme) - len(rhyme.lstrip(VOWELS))
    nucleus = rhyme[:vowels]
    marked = [i for i, letter in enumerate(nucleus) if letter in _MARKED_VOWELS]
    if marked:
        return marked[-1]  # ươ, iê, uô: the second
    if vowels == 1 or vowels < len(rhyme):
        return vowels - 1  # before a final consonant: the last vowel (hoàn, huỳnh)
    if vowels == 3:
        return 1  # oai, uya, uyu, oay
    return 1 if nucleus in ("oa", "oe", "uy") else 0


@dataclass
class _Typed:
    """What the keys typed so far: letters, a tone mark, how many keys were used."""

    letters: list[str] = field(default_factory=list)
    tone: str = ""
    keys: int = 0

    def has_vowel(self) -> bool:
        return any(letter in VOWELS for letter in self.letters)

    def set_tone(self, tone: str) -> bool:
        """Set the tone; a second tone key is not a word typed on purpose ("sars")."""
        if self.tone:
            return False
        self.tone, self.keys = tone, self.keys + 1
        return True

    def mark(self, changes: dict[str, str]) -> bool:
        """Mark the last group of vowels: "uo" takes the horn on both letters, else the
        last letter of the group that ``changes`` names (in its order)."""
        end = max((i + 1 for i, letter in enumerate(self.letters) if letter in VOWELS), default=0)
        start = end
        while start > 0 and self.letters[start - 1] in VOWELS:
            start -= 1
        group = "".join(self.letters[start:end])
        pair = next((p for p in _HORNED if p in group), None)
        if changes.get("o") == "ơ" and pair is not None:
            at = start + group.index(pair)
            self.letters[at : at + 2] = list(_HORNED[pair])
            self.keys += 1
            return True
        for plain, marked in changes.items():
            if plain in group:
                self.letters[start + group.rindex(plain)] = marked
                self.keys += 1
                return True
        return False

    def stroke(self) -> bool:
        """d becomes đ (only as the first letter)."""
        if self.letters[:1] != ["d"]:
            return False
        self.letters[0], self.keys = "đ", self.keys + 1
        return True


def _type_telex(keys: str) -> _Typed | None:
    """Type lowercase Telex keys; None when a key cannot apply."""
    typed = _Typed()
    for key in keys:
        last = typed.letters[-1] if typed.letters else ""
        if key == "d" and typed.letters == ["d"]:
            typed.stroke()
        elif key in _CIRCUMFLEX and last == key:
            typed.letters[-1], typed.keys = _CIRCUMFLEX[key], typed.keys + 1
        elif key == "w" and typed.has_vowel():
            if not typed.mark(_TELEX_W):
                return None
        elif key == "w":
            typed.letters.append("ư")  # "w" alone: tw, nhwng
            typed.keys += 1
        elif key in _TELEX_TONES and typed.has_vowel():
            if not typed.set_tone(_TELEX_TONES[key]):
                return None
        elif key == "z" and typed.tone:
            typed.tone, typed.keys = "", typed.keys + 1
        else:
            typed.letters.append(key)
    return typed


def _type_vni(keys: str) -> _Typed | None:
    """Type lowercase VNI keys; None when a digit cannot apply."""
    typed = _Typed()
    marks = {"6": _CIRCUMFLEX, "7": _HORN, "8": _BREVE}
    for key in keys:
        if key in _VNI_TONES:
            if not (typed.has_vowel() and typed.set_tone(_VNI_TONES[key])):
                return None
        elif key in marks:
            if not typed.mark(marks[key]):
                return None
        elif key == "9":
            if not typed.stroke():
                return None
        elif key.isdigit():
            return None
        else:
            typed.letters.append(key)
    return typed


def _horn_both(letters: str) -> str:
    """Put the horn on both of u and o before a final letter (chương, người), and only
    on the o in an open syllable (thuở, huơ)."""
    return re.sub(r"(?:ưo|uơ|ươ)(?=(.?))", lambda m: "ươ" if m.group(1) else "uơ", letters)


def _case_of(word: str) -> Callable[[str], str] | None:
    """How to write a syllable in ``word``'s case; None for mixed case ("iPhone")."""
    if word.islower():
        return str.lower
    if word.isupper():
        return str.upper
    if word[0].isupper() and word[1:].islower():
        return lambda text: text[:1].upper() + text[1:]
    return None


def _finish(typed: _Typed | None, word: str) -> str | None:
    """The syllable typed, tone mark placed, in the word's case; None if not a syllable."""
    case = _case_of(word)
    if typed is None or typed.keys == 0 or case is None:
        return None
    letters = _horn_both("".join(typed.letters))
    split = _split(letters)
    if split is None:
        return None
    at = len(split[0]) + _tone_position(split[1]) + 1
    syllable = normalize(letters[:at] + typed.tone + letters[at:])
    return case(syllable) if is_syllable(syllable) else None


def from_telex(word: str) -> str | None:
    """The syllable Telex keys type ("vieetj" -> "việt", "DDOONGJ" -> "ĐỘNG"), or None
    when they type no syllable or hold no Telex key."""
    if len(word) < MIN_KEYSTROKES or not (word.isascii() and word.isalpha()):
        return None
    return _finish(_type_telex(word.lower()), word)


def from_vni(word: str) -> str | None:
    """The syllable VNI keys type ("Vie6t5" -> "Việt", "d9i" -> "đi"), or None when
    they type no syllable or hold no digit."""
    if len(word) < MIN_KEYSTROKES or not (word.isascii() and word.isalnum() and word[0].isalpha()):
        return None
    return _finish(_type_vni(word.lower()), word)


def _convert_word(token: str, known: Callable[[str], bool]) -> str:
    """One whitespace-free token, its word read as keystrokes when that gives a syllable
    ``known`` accepts and the word as typed is not known (punctuation kept around it)."""
    match = _WORD.match(token)
    if match is None:
        return token  # covid-19, TP.HCM
    before, word, after = match.groups()
    if known(normalize(word.lower())):
        return token  # a known syllable ("xe"), or a word the vocabulary has ("bus")
    reading = from_telex(word) or from_vni(word)
    if reading is None or not known(reading.lower()):
        return token
    return before + reading + after


def convert(text: str, known: Callable[[str], bool]) -> str | None:
    """``text`` with its Telex/VNI words converted ("vieetj nam" -> "việt nam"), or
    None when no word changed. ``known`` is asked about lowercased words: as typed (a
    word it knows stays) and as read (a reading it does not know is not used)."""
    parts = re.split(r"(\s+)", text)
    converted = [_convert_word(part, known) if part and not part.isspace() else part for part in parts]
    return "".join(converted) if converted != parts else None
