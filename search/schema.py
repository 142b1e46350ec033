"""The one Whoosh schema: several views of each text for BM25F, plus display fields."""

from __future__ import annotations

from whoosh.fields import DATETIME, ID, KEYWORD, STORED, TEXT, Schema

from search.analysis import folded_analyzer, pair_analyzer, presegmented_analyzer, syllable_analyzer

# Bump when the schema or the analysis changes: an index of another version is rebuilt.
SCHEMA_VERSION = 2

# Field names, shared by the indexer and the query builder.
ID_FIELD = "id"
TITLE = "title"  # accented syllables of the headline (stored for display)
TITLE_FOLDED = "title_fold"
BODY = "body"  # accented syllables of the text (stored for snippets and the article page)
BODY_FOLDED = "body_fold"
WORDS = "words"  # pyvi compounds of headline and text, folded ("giao_vien"); pre-segmented
PAIRS = "pairs"  # adjacent folded syllables of headline and text ("lao_dong")
DISTRICT = "district"
YEAR = "year"
SORT_DATE = "sort_date"  # publication date; else 1 January of the year; else long ago


def build_schema() -> Schema:
    return Schema(
        **{
            ID_FIELD: ID(stored=True, unique=True),
            TITLE: TEXT(analyzer=syllable_analyzer(), stored=True, phrase=True),
            TITLE_FOLDED: TEXT(analyzer=folded_analyzer(), phrase=True),
            BODY: TEXT(analyzer=syllable_analyzer(), stored=True, phrase=True),
            BODY_FOLDED: TEXT(analyzer=folded_analyzer(), phrase=True),
            WORDS: TEXT(analyzer=presegmented_analyzer(), phrase=False),
            PAIRS: TEXT(analyzer=pair_analyzer(), phrase=False),
            DISTRICT: KEYWORD(stored=True, commas=True, lowercase=False, scorable=False),
            YEAR: KEYWORD(stored=True, scorable=False),
            SORT_DATE: DATETIME(sortable=True),
            "date_iso": STORED(),
            "author": STORED(),
            "url": STORED(),
        }
    )
