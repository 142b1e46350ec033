"""The local backend's one Whoosh schema (field names: :mod:`search.fields`).

Whoosh stores each article (display fields, id, facets, date); the views' postings
live in the generation's posting store (:mod:`search.backends.local.postings`), which a build writes
with numpy far faster than Whoosh writes postings one call at a time."""

from __future__ import annotations

from pathlib import Path
from typing import cast

from whoosh.analysis import Analyzer, RegexTokenizer
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema

from search.backends.local.storage import read_meta
from search.fields import AUTHOR, BODY, DATE_ISO, DISTRICT, ID_FIELD, SORT_DATE, TITLE, URL, YEAR

# Bump when the schema or the analysis changes: an index of another version is rebuilt.
# 5: normalize() keeps "hoặc"; 6: manifest.json; 7: term checks; 8: sequences; 9: sort_date a column only
SCHEMA_VERSION = 9


def readable(generation: Path) -> bool:
    """Whether ``generation`` was built with this schema (others must be rebuilt)."""
    return read_meta(generation).get("schema_version") == SCHEMA_VERSION


def _one_value_a_line() -> Analyzer:
    """Each line of the field is one term, kept as written (a value may hold a comma)."""
    return cast(Analyzer, RegexTokenizer(r"[^\n]+"))  # a tokenizer is a whole analyzer


def build_schema() -> Schema:
    return Schema(
        **{
            ID_FIELD: ID(stored=True, unique=True, sortable=True),  # sortable: ties break by id
            TITLE: STORED(),
            BODY: STORED(),
            DISTRICT: TEXT(analyzer=_one_value_a_line(), stored=True, phrase=False),
            YEAR: KEYWORD(stored=True, scorable=False),
            # Only sorted on, never searched: a column of signed 64-bit numbers, without the
            # 16 range-search terms a document a NUMERIC field indexes.
            SORT_DATE: COLUMN(NumericColumn("q")),
            DATE_ISO: STORED(),
            AUTHOR: STORED(),
            URL: STORED(),
        }
    )
