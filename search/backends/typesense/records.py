"""One article as Typesense stores it: our analysis, not Typesense's.

Typesense folds some Vietnamese letters and not others (it misses ư, ơ, ệ, đ) and
splits on its own rules, so it never sees raw text to analyse: the one indexed field,
``terms``, holds tokens our analysis made, each an exact string it only has to match:

* folded syllables of headline and text ("duong"), the recall view;
* pairs of adjacent folded syllables ("lao_dong"), for phrases and proximity;
* accented syllables that carry diacritics, hex-encoded ("__62c3a0" for "bà"), so
  that an accented exclusion ("-Tây") removes "tây" and not "tay".

The token sequences the scorer counts term frequencies in (``st``, ``sb``, ``sw``) and
the display fields are stored in a second collection, looked up by id.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from search import fields
from search.analysis.analyzers import COMPOUND_JOINER
from search.analysis.views import Analysed, pairs_of
from search.ingest.article import Article
from search.text import has_diacritics

TERMS = "terms"
# Stored token sequences (space-separated): accented syllables of the headline and of
# the text, folded compounds of both.
TITLE_SEQUENCE, BODY_SEQUENCE, WORDS_SEQUENCE = "st", "sb", "sw"
# ... and the folded syllables of each (cheaper to store than to fold per query).
TITLE_FOLDED_SEQUENCE, BODY_FOLDED_SEQUENCE = "sft", "sfb"

# Short names of the views in the statistics collection and the scorer (one per view).
BODY, TITLE, BODY_FOLDED, TITLE_FOLDED, WORDS, PAIRS = "b", "t", "fb", "ft", "w", "p"
VIEWS = {
    fields.BODY: BODY,
    fields.TITLE: TITLE,
    fields.BODY_FOLDED: BODY_FOLDED,
    fields.TITLE_FOLDED: TITLE_FOLDED,
    fields.WORDS: WORDS,
    fields.PAIRS: PAIRS,
}
_PLAIN = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")


def token(term: str) -> str:
    """A term as an exact Typesense token: plain ASCII as is ("lao_dong"), anything
    else hex-encoded after "__", so Typesense's tokenizer cannot change it."""
    return term if _PLAIN.fullmatch(term) else "__" + term.encode("utf-8").hex()


def accented_token(syllable: str) -> str:
    """An accented syllable's own token; one without diacritics is its folded token."""
    return "__" + syllable.encode("utf-8").hex() if has_diacritics(syllable) else token(syllable)


SORT_ID = "sort_id"  # the id again: Typesense cannot sort by ``id`` itself


_BUILD_STAMP = "%Y%m%dT%H%M%S%f"


def build_name(alias: str, when: datetime) -> str:
    """The collection one rebuild for ``alias`` makes ("vnsearch-20261202T025500123456");
    its statistics and content collections add a suffix. The stamp sorts as time does."""
    return f"{alias}-{when.strftime(_BUILD_STAMP)}"


def build_of(collection: str, alias: str) -> str | None:
    """The rebuild (its main collection's name) that made ``collection`` for ``alias``,
    or None when no rebuild for this alias made it ("vnsearch-keepme")."""
    match = re.fullmatch(rf"({re.escape(alias)}-\d{{8}}T\d{{12}})(?:-stats|-docs)?", collection)
    return match.group(1) if match else None


def stats_collection(name: str) -> str:
    """The collection of document frequencies and metadata beside collection ``name``."""
    return f"{name}-stats"


def content_collection(name: str) -> str:
    """The collection of display fields and token sequences beside collection ``name``."""
    return f"{name}-docs"


def schema(name: str) -> dict[str, Any]:
    """The collection of articles. Fields not listed are stored but not indexed."""
    return {
        "name": name,
        "fields": [
            {"name": TERMS, "type": "string[]"},
            {"name": fields.DISTRICT, "type": "string[]", "facet": True, "optional": True},
            {"name": fields.YEAR, "type": "string", "facet": True, "optional": True},
            {"name": fields.SORT_DATE, "type": "int64"},
            {"name": "seq", "type": "int32"},
            {"name": SORT_ID, "type": "string", "sort": True},  # ties of every sort break by id
        ],
        "symbols_to_index": [COMPOUND_JOINER],
        "token_separators": [],
    }


def content_schema(name: str) -> dict[str, Any]:
    """Display fields and token sequences, stored only, looked up by id or by ``seq``
    (the candidates :mod:`.impacts` chooses)."""
    return {"name": name, "fields": [{"name": "seq", "type": "int32", "optional": True}]}


def stats_schema(name: str) -> dict[str, Any]:
    """Document frequencies (``id`` = view and token, ``n``) and one metadata record."""
    return {"name": name, "fields": [{"name": "n", "type": "int32", "index": False, "optional": True}]}


# Views whose terms are mostly in one article: those get no statistics record (the
# scorer counts a term without one as in one document).
SPARSE_VIEWS = (WORDS, PAIRS)


def has_record(view: str, documents_with_term: int) -> bool:
    """Does a term in this many documents get a statistics record?"""
    return documents_with_term >= (2 if view in SPARSE_VIEWS else 1)


def stat_id(view: str, term: str) -> str:
    return f"{view}.{token(term)}"


def terms(analysed: Analysed) -> list[str]:
    """The article's tokens in the index collection: folded syllables, pairs, and the
    accented syllables' own tokens."""
    tokens = {token(s) for s in analysed.title_folded + analysed.body_folded}
    tokens.update(token(p) for p in analysed.pairs)
    tokens.update(accented_token(s) for s in analysed.accented_syllables())
    return sorted(tokens)


def view_tokens(analysed: Analysed) -> dict[str, list[str]]:
    """View short name -> its tokens (with repeats)."""
    return {VIEWS[name]: tokens for name, tokens in analysed.tokens().items()}


FINGERPRINT = "fp"  # of the article's input, for ``--update`` (content collection)
SEQUENCES = (TITLE_SEQUENCE, BODY_SEQUENCE, WORDS_SEQUENCE, TITLE_FOLDED_SEQUENCE, BODY_FOLDED_SEQUENCE)


def stored_view_tokens(content: dict[str, Any]) -> dict[str, list[str]]:
    """What :func:`view_tokens` gave for the article a content record was made of, read
    back from its token sequences (an update uncounts a replaced or deleted article)."""
    title, body, words, title_folded, body_folded = (str(content.get(name, "")).split() for name in SEQUENCES)
    return {
        TITLE: title,
        TITLE_FOLDED: title_folded,
        BODY: body,
        BODY_FOLDED: body_folded,
        WORDS: words,
        PAIRS: pairs_of(title_folded) + pairs_of(body_folded),
    }


def documents(article: Article, analysed: Analysed, seq: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """The article's record in the index collection (the tokens, facets and sort key:
    small, because Typesense reads a whole record for every hit it lists) and in the
    content collection (display fields and the token sequences the scorer counts)."""
    indexed: dict[str, Any] = {
        "id": article.id,
        "seq": seq,
        SORT_ID: article.id,
        TERMS: terms(analysed),
        fields.SORT_DATE: article.sort_key,
    }
    content: dict[str, Any] = {
        "id": article.id,
        "seq": seq,
        fields.TITLE: article.title,
        fields.BODY: article.body,
        TITLE_SEQUENCE: " ".join(analysed.title),
        BODY_SEQUENCE: " ".join(analysed.body),
        WORDS_SEQUENCE: " ".join(analysed.words),
        TITLE_FOLDED_SEQUENCE: " ".join(analysed.title_folded),
        BODY_FOLDED_SEQUENCE: " ".join(analysed.body_folded),
        fields.DATE_ISO: article.date_iso,
        fields.AUTHOR: article.author,
        fields.URL: article.url,
        FINGERPRINT: article.fingerprint,
    }
    if article.districts:
        indexed[fields.DISTRICT] = content[fields.DISTRICT] = list(article.districts)
    if article.year is not None:
        indexed[fields.YEAR] = content[fields.YEAR] = str(article.year)
    return indexed, content
