"""The names both backends give an article's fields and the views of its text.

The views (see :mod:`search.analysis.views`) are what BM25 scores; the other fields are
stored for display, facets and sorting. Both backends use these names: the local
backend's Whoosh schema and posting store, and the Typesense collections.
"""

from __future__ import annotations

ID_FIELD = "id"
# Views; the headline and the text are also stored fields.
TITLE = "title"  # accented syllables of the headline
TITLE_FOLDED = "title_fold"
BODY = "body"  # accented syllables of the text
BODY_FOLDED = "body_fold"
WORDS = "words"  # pyvi compounds of headline and text, folded ("giao_vien")
PAIRS = "pairs"  # adjacent folded syllables of the headline, and of the text ("lao_dong")
# Stored for display only
DATE_ISO = "date_iso"  # the publication date, ISO 8601
AUTHOR = "author"
URL = "url"
# Facets and sorting
DISTRICT = "district"
# Between the values of a multi-valued facet in its field: a value may hold a comma
# ("Châu Thành, Tiền Giang").
VALUE_SEPARATOR = "\n"
YEAR = "year"
SORT_DATE = "sort_date"  # Article.sort_key: publication date, else the inferred year, else last
