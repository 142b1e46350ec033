"""Marshmallow schemas: the query parameters we accept and the JSON shapes we answer.

The parameter schema validates requests (see :mod:`webui.params`); all of them feed
the generated OpenAPI document (see :mod:`webui.openapi`), so the documentation is
derived from the same code that checks the input.
"""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, fields, validate

from search.results import DEFAULT_FACET_SIZE, MAX_FACET_SIZE, MAX_PER_PAGE, MAX_QUERY_CHARS, SORTS

MAX_PAGE = 1000
MIN_YEAR, MAX_YEAR = 1, 9999
DEFAULT_PER_PAGE = 10


class SearchArgsSchema(Schema):
    """Query-string parameters of ``/`` and ``/api/search``."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(
        load_default="",
        validate=validate.Length(max=MAX_QUERY_CHARS),
        metadata={"description": 'Words, "phrases", -exclusions; diacritics optional. Empty: latest.'},
    )
    district = fields.List(
        fields.String(validate=validate.Length(min=1, max=200)),
        load_default=list,
        metadata={"description": "Only these districts (repeatable; values combine with OR)."},
    )
    year = fields.List(
        fields.Integer(strict=False, validate=validate.Range(MIN_YEAR, MAX_YEAR)),
        load_default=list,
        metadata={"description": "Only these years (repeatable; values combine with OR)."},
    )
    page = fields.Integer(load_default=1, validate=validate.Range(1, MAX_PAGE))
    per_page = fields.Integer(load_default=DEFAULT_PER_PAGE, validate=validate.Range(1, MAX_PER_PAGE))
    sort = fields.String(
        load_default="relevance",
        validate=validate.OneOf(SORTS),
        metadata={"description": "relevance (default) or date (newest first)."},
    )
    prefix = fields.Boolean(
        load_default=False,
        metadata={"description": "true: the last word is the start of a word, as typed so far."},
    )
    facet_size = fields.Integer(
        load_default=DEFAULT_FACET_SIZE,
        validate=validate.Range(1, MAX_FACET_SIZE),
        metadata={"description": "Values per facet: the most frequent, plus every selected one."},
    )


class FacetArgsSchema(SearchArgsSchema):
    """Query-string parameters of ``/api/facets/<name>``: the search's, and the text to find."""

    facet_q = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": 'Part of a value, accents optional ("chau thanh" finds "Châu Thành").'},
    )


DEFAULT_SUGGESTIONS, MAX_SUGGESTIONS = 8, 20


class SuggestArgsSchema(Schema):
    """Query-string parameters of ``/api/suggest``."""

    class Meta:
        unknown = EXCLUDE

    q = fields.String(
        load_default="",
        validate=validate.Length(max=200),
        metadata={"description": 'What was typed so far; the last word is a prefix ("chuong m").'},
    )
    limit = fields.Integer(load_default=DEFAULT_SUGGESTIONS, validate=validate.Range(1, MAX_SUGGESTIONS))


class ResponseSchema(Schema):
    """A documented answer; clients should ignore keys they do not know (we may add some)."""

    class Meta:
        unknown = EXCLUDE


class HitSchema(ResponseSchema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    snippet = fields.String(
        required=True, metadata={"description": "HTML: text escaped, matched words in <mark>."}
    )
    url = fields.String(required=True, allow_none=True)
    district = fields.List(fields.String(), required=True)
    year = fields.Integer(required=True, allow_none=True)
    date = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "ISO 8601 (2020-08-31T21:06:00 or 2020-08-31); null when unknown."},
    )
    score = fields.Float(
        required=True, allow_none=True, metadata={"description": "null when sorted by date."}
    )
    date_kind = fields.String(
        required=True,
        allow_none=True,
        validate=validate.OneOf(["published", "inferred"]),
        metadata={
            "description": "published: `date` is the publication date; inferred: there is no date "
            "and `year` was inferred from the text; null: neither is known."
        },
    )


class FacetBucketSchema(ResponseSchema):
    value = fields.String(required=True)
    count = fields.Integer(required=True)
    selected = fields.Boolean(required=True)


class FacetsSchema(ResponseSchema):
    district = fields.List(fields.Nested(FacetBucketSchema), required=True)
    year = fields.List(fields.Nested(FacetBucketSchema), required=True)


class SearchResultSchema(ResponseSchema):
    query = fields.String(required=True)
    total = fields.Integer(required=True)
    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    took_ms = fields.Float(required=True)
    hits = fields.List(fields.Nested(HitSchema), required=True)
    facets = fields.Nested(FacetsSchema, required=True)
    facet_values = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "How many distinct values each facet has under this search."},
    )
    suggestion = fields.String(
        required=True, allow_none=True, metadata={"description": "A better spelling of the query, or null."}
    )
    partial_answers = fields.Integer(  # "partial" (the name Schema.partial is taken)
        data_key="partial",
        required=True,
        metadata={
            "description": "Of total, the results that have only some of the query's words, ranked after "
            "the others: fewer than 10 had enough of them. 0 when every result has enough."
        },
    )


class FacetValuesSchema(ResponseSchema):
    facet = fields.String(required=True)
    facet_q = fields.String(required=True)
    values = fields.List(fields.Nested(FacetBucketSchema), required=True)
    total = fields.Integer(
        required=True, metadata={"description": "Distinct values containing facet_q (values: the first)."}
    )


class SuggestionSchema(ResponseSchema):
    text = fields.String(required=True)
    html = fields.String(required=True, metadata={"description": "HTML: the typed part in <mark>."})
    kind = fields.String(
        metadata={"description": "phrase, place, abbreviation or headline: where it was learned."}
    )


class SuggestionsSchema(ResponseSchema):
    query = fields.String(required=True)
    suggestions = fields.List(fields.Nested(SuggestionSchema), required=True)


class DocumentSchema(ResponseSchema):
    id = fields.String(required=True)
    title = fields.String(required=True)
    body = fields.String(required=True, metadata={"description": "The cleaned article text, plain."})
    url = fields.String(required=True, allow_none=True)
    district = fields.List(fields.String(), required=True)
    year = fields.Integer(required=True, allow_none=True)
    date = fields.String(required=True, allow_none=True)
    author = fields.String(required=True, allow_none=True)


class ErrorDetailSchema(ResponseSchema):
    status = fields.Integer(required=True)
    message = fields.String(required=True)
    reason = fields.String(
        metadata={"description": 'On a 503: "no index", "other version" or "unreachable".'}
    )


class ErrorSchema(ResponseSchema):
    error = fields.Nested(ErrorDetailSchema, required=True)


class HealthSchema(ResponseSchema):
    status = fields.String(required=True, metadata={"description": '"ok" or "no index".'})
    documents = fields.Integer(required=True)
    generation = fields.String()
    built_at = fields.String(allow_none=True)
