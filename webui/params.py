"""Turn a query string into a :class:`~search.results.SearchRequest`, or say what is wrong."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError
from werkzeug.datastructures import MultiDict

from search.results import BadRequest, SearchRequest
from webui.schemas import FacetArgsSchema, SearchArgsSchema, SuggestArgsSchema

LIST_PARAMS = ("district", "year")
SCALAR_PARAMS = ("q", "page", "per_page", "sort", "facet_size", "facet_q", "prefix")

_SCHEMA = SearchArgsSchema()
_FACET_SCHEMA = FacetArgsSchema()
_SUGGEST_SCHEMA = SuggestArgsSchema()


class InvalidParameter(BadRequest):
    """One query parameter is wrong; ``name`` says which one."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name


def _first_message(messages: Any) -> str:
    """The first readable message in marshmallow's nested error structure."""
    while isinstance(messages, dict):
        messages = next(iter(messages.values()))
    if isinstance(messages, list):
        return _first_message(messages[0]) if messages else "invalid value"
    return str(messages)


def _raw(args: MultiDict[str, str]) -> dict[str, Any]:
    """The parameters we know, with empty values treated as absent (``?page=&sort=``)."""
    raw: dict[str, Any] = {}
    for name in SCALAR_PARAMS:
        value = args.get(name)
        if value is not None and (value != "" or name == "q"):
            raw[name] = value
    for name in LIST_PARAMS:
        values = [v for v in args.getlist(name) if v.strip()]
        if values:
            raw[name] = values
    return raw


def _load(schema: Schema, raw: dict[str, Any]) -> dict[str, Any]:
    try:
        return schema.load(raw)
    except ValidationError as error:
        name, messages = next(iter(error.normalized_messages().items()))
        raise InvalidParameter(str(name), _first_message(messages)) from None


def _request(data: dict[str, Any]) -> SearchRequest:
    return SearchRequest(
        query=data["q"],
        districts=tuple(dict.fromkeys(d.strip() for d in data["district"])),
        years=tuple(dict.fromkeys(data["year"])),
        page=data["page"],
        per_page=data["per_page"],
        sort=data["sort"],
        facet_size=data["facet_size"],
        prefix=data["prefix"],
    )


def parse_search_args(args: MultiDict[str, str]) -> SearchRequest:
    """A validated request; raises :class:`~search.results.BadRequest` with a readable message."""
    return _request(_load(_SCHEMA, _raw(args)))


def parse_facet_args(args: MultiDict[str, str]) -> tuple[SearchRequest, str]:
    """The search a facet's values are counted under, and the text to find among them."""
    data = _load(_FACET_SCHEMA, _raw(args))
    return _request(data), data["facet_q"]


def parse_suggest_args(args: MultiDict[str, str]) -> tuple[str, int]:
    """What was typed and how many suggestions are wanted."""
    data = _load(_SUGGEST_SCHEMA, {name: args[name] for name in ("q", "limit") if args.get(name)})
    return data["q"], data["limit"]
