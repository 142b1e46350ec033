"""All views: one search, rendered as HTML (``/``) and as JSON (``/api/search``).

The views reach the engine only through :func:`engine` (one
:class:`~search.engine.Engine` per app) and the dataclasses of
:mod:`search.results`.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request, url_for
from markupsafe import Markup
from werkzeug.datastructures import MultiDict

from search.engine import Engine
from search.results import FACETS, MAX_QUERY_CHARS, SearchResult
from webui.formatting import safe_link
from webui.openapi import build_spec, documented, error_body, json_body
from webui.params import InvalidParameter, parse_facet_args, parse_search_args, parse_suggest_args
from webui.presenter import present
from webui.schemas import FacetArgsSchema, SearchArgsSchema, SuggestArgsSchema

ENGINE_KEY = "vnsearch.engine"
SPEC_KEY = "vnsearch.openapi"


def _answers(description: str, schema: str, **more: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """An operation's documented answers: 200 with ``schema``, a 400, a 503, and ``more``."""
    return {
        "200": json_body(description, schema),
        "400": error_body("A parameter is invalid (the message says which)"),
        **more,
        "503": error_body("No index can be served (the message says why)"),
    }


pages = Blueprint("pages", __name__)
api = Blueprint("api", __name__)


def engine() -> Engine:
    """The app's one engine (it follows the index folder's CURRENT pointer)."""
    return current_app.extensions[ENGINE_KEY]


def run_search(args: MultiDict[str, str]) -> SearchResult:
    """Validate the query string and search."""
    return engine().search(parse_search_args(args))


# -- HTML -----------------------------------------------------------------------------
@pages.get("/")
def search_page() -> str:
    search_request, facet_query = parse_facet_args(request.args)
    result = engine().search(search_request)
    base = url_for("pages.search_page")
    found = None
    if facet_query.strip():  # the facet box, submitted without JavaScript
        name = request.args.get("facet", "district")
        if name not in FACETS:
            raise InvalidParameter("facet", f"choose one of: {', '.join(FACETS)}")
        found = engine().facet(search_request, name, facet_query)
    view = present(result, base=base, article_base=base + "articles/", found=found)
    return render_template("search.html", page=view)


@pages.get("/articles/<path:doc_id>")
def article_page(doc_id: str) -> str:
    query = request.args.get("q", "")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidParameter("q", f"the query is longer than {MAX_QUERY_CHARS} characters")
    document = engine().document(doc_id)
    if document is None:
        abort(404)
    title_html, body_html = engine().highlighted(document, query)  # escaped, words in <mark>
    return render_template(
        "article.html",
        document=document,
        query=query,
        title_html=Markup(title_html),
        paragraphs=[Markup(line) for line in body_html.split("\n") if line.strip()],
        source_url=safe_link(document.url),
        back_url=url_for("pages.search_page", q=query) if query else url_for("pages.search_page"),
    )


# -- JSON -----------------------------------------------------------------------------
@api.get("/api/search")
@documented(
    summary="Search articles",
    description="Ranked, highlighted, faceted results. `district` and `year` are repeatable; "
    "values of one facet combine with OR, different facets with AND.",
    parameters=[{"in": "query", "schema": SearchArgsSchema}],
    responses=_answers("The results page", "SearchResult"),
)
def api_search() -> Response:
    return jsonify(run_search(request.args).to_json())


@api.get("/api/facets/<name>")
@documented(
    summary="Find facet values",
    description="The values of one facet (`district` or `year`) that contain `facet_q`, accents and "
    "case ignored, with their counts under the search the other parameters describe (as in "
    "/api/search: a facet's counts ignore its own selection), the most frequent first; at most "
    "`facet_size`.",
    parameters=[{"in": "query", "schema": FacetArgsSchema}],
    responses=_answers("The matching values", "FacetValues", **{"404": error_body("No such facet")}),
)
def api_facet(name: str) -> Response:
    if name not in FACETS:
        abort(404, description=f"no facet {name!r}; the facets are: {', '.join(FACETS)}")
    search_request, facet_query = parse_facet_args(request.args)
    return jsonify(engine().facet(search_request, name, facet_query).to_json())


@api.get("/api/suggest")
@documented(
    summary="Suggestions as you type",
    description="Completions of what was typed, learned from the corpus (place names, abbreviations "
    "and their expansions, the phrases it uses most, headlines), accents optional, the last word as a "
    "prefix; ranked by how often the corpus uses them, accented matches first when typed with accents.",
    parameters=[{"in": "query", "schema": SuggestArgsSchema}],
    responses=_answers("The suggestions", "Suggestions"),
)
def api_suggest() -> Response:
    typed, limit = parse_suggest_args(request.args)
    found = engine().suggest(typed, limit)
    return jsonify({"query": typed, "suggestions": [s.to_json() for s in found]})


@api.get("/api/documents/<path:doc_id>")
@documented(
    summary="One article",
    description="The stored article: cleaned text and metadata.",
    responses={
        "200": json_body("The article", "Document"),
        "404": error_body("No article has this id"),
        "503": error_body("No index can be served (the message says why)"),
    },
)
def api_document(doc_id: str) -> Response:
    document = engine().document(doc_id)
    if document is None:
        abort(404, description=f"no document with id {doc_id!r}")
    return jsonify(document.to_json())


@api.get("/healthz")
@documented(
    summary="Health",
    description="The index generation being served and its size; 503 when there is none.",
    responses={
        "200": json_body("Serving", "Health"),
        "503": json_body("No index yet", "Health"),
    },
)
def healthz() -> tuple[Response, int]:
    info: dict[str, Any] = engine().info()
    return jsonify(info), 200 if info.get("status") == "ok" else 503


@api.get("/api/openapi.json")
def openapi() -> Response:
    if SPEC_KEY not in current_app.extensions:
        current_app.extensions[SPEC_KEY] = build_spec(current_app._get_current_object())  # type: ignore[attr-defined]
    return jsonify(current_app.extensions[SPEC_KEY])
