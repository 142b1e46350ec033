"""Word segmentation with pyvi, on tokens whose character offsets we keep.

pyvi's own ``ViTokenizer.tokenize`` returns a re-spaced string, which loses the
offsets into the original text. We run its CRF model on our own token list
instead, and apply the same rules pyvi uses to join syllables into words.
Segmentation runs on the original capitalisation: pyvi's features read it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

# A syllable/number, or one non-space, non-word character (punctuation).
TOKEN_PATTERN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+|[^\w\s]")
# The same without punctuation: a punctuation character can never start a syllable, so
# the syllables found are those of TOKEN_PATTERN.
SYLLABLE_PATTERN = re.compile(r"\d+(?:[.,]\d+)+|[^\W_]+")


@dataclass(frozen=True, slots=True)
class Word:
    """A segmented word: its syllables' text joined by spaces, and its span."""

    text: str
    start: int
    end: int
    first_syllable: int  # index among the text's syllables (not punctuation)
    syllables: int


@cache
def _tokenizer() -> Any:
    """pyvi's tokenizer class; imported lazily because loading its model takes ~1 s.

    Unpickling pyvi's model writes it to a temporary file (``/tmp/model*.crfsuite``, 620
    KB) that is removed only when the model is garbage-collected, which never happens
    in a process that ends with ``os._exit`` or a signal: every rebuild and server left
    some behind. The tagger reads the file when it opens, so it is removed then."""
    from pyvi.ViTokenizer import ViTokenizer

    model = ViTokenizer.model
    model.tagger_  # noqa: B018 (opens the tagger, which reads the model file)
    model.modelfile.cleanup()
    return ViTokenizer


def load_model() -> None:
    """Load pyvi's model now (about 1 s) rather than on first use."""
    _tokenizer()


def _is_punct(token: str) -> bool:
    """A TOKEN_PATTERN token is punctuation when it is not a syllable or number: then it
    is a single character that is not alphanumeric."""
    return not token[0].isalnum()


def _joins(prev: str, cur: str, label: str) -> bool:
    """pyvi's own rule for gluing ``cur`` onto the word that ends with ``prev``."""
    return (
        label == "I_W"
        and not _is_punct(cur)
        and not _is_punct(prev)
        and not cur[0].isdigit()
        and not prev[0].isdigit()
        and not (cur[0].istitle() and not prev[0].istitle())
    )


def _words_in_line(line: str, offset: int, syllable_index: int) -> tuple[list[Word], int]:
    matches = list(TOKEN_PATTERN.finditer(line))
    if not matches:
        return [], syllable_index
    tokens = [m.group(0) for m in matches]
    vi = _tokenizer()
    labels = vi.model.predict([vi.sent2features(tokens, False)])[0]
    words: list[Word] = []
    group: list[re.Match[str]] = []
    first = syllable_index

    def flush() -> None:
        if group:
            words.append(
                Word(
                    text=" ".join(m.group(0) for m in group),
                    start=offset + group[0].start(),
                    end=offset + group[-1].end(),
                    first_syllable=first,
                    syllables=len(group),
                )
            )

    for i, match in enumerate(matches):
        token = tokens[i]
        if i and group and _joins(tokens[i - 1], token, labels[i]):
            group.append(match)
            syllable_index += 1
            continue
        flush()
        group = []
        if _is_punct(token):
            continue
        group = [match]
        first = syllable_index
        syllable_index += 1
    flush()
    return words, syllable_index


def segment(text: str) -> Iterator[Word]:
    """Every word of ``text`` (already normalised), one line at a time."""
    offset = 0
    syllable_index = 0
    for line in text.split("\n"):
        words, syllable_index = _words_in_line(line, offset, syllable_index)
        yield from words
        offset += len(line) + 1


def syllables(text: str) -> Iterator[re.Match[str]]:
    """Every syllable (or number) of ``text`` with its span; punctuation skipped."""
    return SYLLABLE_PATTERN.finditer(text)
