"""The one Whoosh schema, and the names of the views of the text the engine scores.

Whoosh stores each article (display fields, id, facets, date); the views' postings
live in the generation's posting store (:mod:`search.backends.local.postings`), which a build writes
with numpy far faster than Whoosh writes postings one call at a time."""

from __future__ import annotations

from pathlib import Path

from whoosh.analysis import RegexTokenizer
from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from search.backends.local.storage import read_meta

# Bump when the schema or the analysis changes: an index of another version is rebuilt.
SCHEMA_VERSION = 4


def readable(generation: Path) -> bool:
    """Whether ``generation`` was built with this schema (others must be rebuilt)."""
    return read_meta(generation).get("schema_version") == SCHEMA_VERSION


# Field names, shared by the indexer and the query builder.
ID_FIELD = "id"
# Views (see search.analysis.views); the headline and the text are also stored fields.
TITLE = "title"  # accented syllables of the headline
TITLE_FOLDED = "title_fold"
BODY = "body"  # accented syllables of the text
BODY_FOLDED = "body_fold"
WORDS = "words"  # pyvi compounds of headline and text, folded ("giao_vien")
PAIRS = "pairs"  # adjacent folded syllables of headline and text ("lao_dong")
DISTRICT = "district"
# Between the values of a multi-valued facet in its field: a value may hold a comma
# ("Châu Thành, Tiền Giang").
VALUE_SEPARATOR = "\n"
YEAR = "year"
SORT_DATE = "sort_date"  # Article.sort_key: publication date, else the inferred year, else last


def build_schema() -> Schema:
    return Schema(
        **{
            ID_FIELD: ID(stored=True, unique=True, sortable=True),  # sortable: ties break by id
            TITLE: STORED(),
            BODY: STORED(),
            DISTRICT: TEXT(analyzer=RegexTokenizer(r"[^\n]+"), stored=True, phrase=False),
            YEAR: KEYWORD(stored=True, scorable=False),
            SORT_DATE: NUMERIC(bits=64, sortable=True),
            "date_iso": STORED(),
            "author": STORED(),
            "url": STORED(),
        }
    )
