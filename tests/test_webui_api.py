"""The JSON API on a real index of the five seed articles: shapes, filters, errors, headers."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from search.backends.local.indexer import build_index
from search.engine import Engine
from search.results import SearchRequest
from webui.app import create_app
from webui.schemas import DocumentSchema, ErrorSchema, SearchResultSchema

CHUONG_MY = "000_883de19ce3b78452"
PHU_XUYEN = "001_87ea7937df2d375c"  # the one seed with a dateline
ALL_IDS = {
    "000_883de19ce3b78452",
    "001_87ea7937df2d375c",
    "002_580145f5ab2b21f1",
    "003_9116d0a3ed22fadd",
    "004_9b8927cfa1a53773",
}
RESULT_KEYS = {
    "query",
    "total",
    "page",
    "per_page",
    "took_ms",
    "hits",
    "facets",
    "facet_values",
    "suggestion",
    "partial",
}
HIT_KEYS = {"id", "title", "snippet", "url", "district", "year", "date", "score", "date_kind"}
BUCKET_KEYS = {"value", "count", "selected"}
DOCUMENT_KEYS = {"id", "title", "body", "url", "district", "year", "date", "author"}
SECURITY_HEADERS = ("Content-Security-Policy", "X-Content-Type-Options", "Referrer-Policy", "X-Frame-Options")


def search(client: FlaskClient, query_string: Any) -> dict[str, Any]:
    response = client.get("/api/search", query_string=query_string)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def marked_words(snippet: str) -> list[str]:
    return re.findall(r"<mark>(.*?)</mark>", snippet)


def assert_json_error(response: Any, status: int) -> str:
    assert response.status_code == status
    assert response.mimetype == "application/json"
    data = response.get_json()
    assert set(data) == {"error"}
    assert data["error"]["status"] == status
    message = data["error"]["message"]
    assert isinstance(message, str) and message
    assert "Traceback" not in message
    return message


# -- the shape ------------------------------------------------------------------------
def test_search_json_has_the_documented_shape(client: FlaskClient) -> None:
    data = search(client, {"q": "chuong my"})
    assert set(data) == RESULT_KEYS  # DESIGN.md's keys, plus the optional "suggestion"
    assert data["query"] == "chuong my"
    assert isinstance(data["total"], int) and data["total"] >= 1
    assert data["page"] == 1 and data["per_page"] == 10
    assert isinstance(data["took_ms"], (int, float)) and data["took_ms"] >= 0
    assert data["suggestion"] is None or isinstance(data["suggestion"], str)
    assert set(data["facets"]) == {"district", "year"}
    for hit in data["hits"]:
        assert set(hit) == HIT_KEYS
        assert isinstance(hit["id"], str) and isinstance(hit["title"], str)
        assert isinstance(hit["snippet"], str)
        assert hit["url"] is None or isinstance(hit["url"], str)
        assert isinstance(hit["district"], list) and all(isinstance(d, str) for d in hit["district"])
        assert hit["year"] is None or isinstance(hit["year"], int)
        assert hit["date"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2})?", hit["date"])
        assert isinstance(hit["score"], float)
    for buckets in data["facets"].values():
        for bucket in buckets:
            assert set(bucket) == BUCKET_KEYS
            assert isinstance(bucket["value"], str)
            assert isinstance(bucket["count"], int)
            assert isinstance(bucket["selected"], bool)
    assert SearchResultSchema().validate(data) == {}


def test_search_json_is_the_engines_result(client: FlaskClient, engine: Engine) -> None:
    data = search(client, {"q": "chuong my", "district": "Chương Mỹ"})
    expected = engine.search(SearchRequest(query="chuong my", districts=("Chương Mỹ",))).to_json()
    data.pop("took_ms")
    expected.pop("took_ms")
    assert data == expected
    assert list(data) == list(expected)  # documented key order kept


def test_query_without_diacritics_finds_the_chuong_my_article_first(client: FlaskClient) -> None:
    data = search(client, {"q": "chuong my"})
    first = data["hits"][0]
    assert first["id"] == CHUONG_MY
    assert first["district"] == ["Chương Mỹ"]
    words = marked_words(first["snippet"])
    assert "Chương" in words and "Mỹ" in words


def test_response_is_utf8_not_escaped(client: FlaskClient) -> None:
    body = client.get("/api/search", query_string={"q": "chuong my"}).get_data(as_text=True)
    assert "Chương Mỹ" in body


# -- filters, facets, paging, sorting -------------------------------------------------------
def test_facet_size_keeps_the_top_values_and_the_selected_ones(client: FlaskClient) -> None:
    everything = search(client, {"q": "", "facet_size": 1000})
    districts = everything["facets"]["district"]
    assert everything["facet_values"] == {"district": len(districts), "year": 3}
    assert len(districts) > 2
    top = search(client, {"q": "", "facet_size": 2})
    assert top["facets"]["district"] == districts[:2]  # the most frequent
    assert top["facet_values"] == everything["facet_values"]
    last = districts[-1]["value"]
    chosen = search(client, [("q", ""), ("facet_size", "2"), ("district", last)])
    values = [bucket["value"] for bucket in chosen["facets"]["district"]]
    assert len(values) == 3 and last in values  # a selected value is always there
    assert_json_error(client.get("/api/search", query_string={"facet_size": 1001}), 400)
    assert len(search(client, {"q": ""})["facets"]["district"]) <= 10  # the default


def test_facet_values_are_found_by_typing_without_accents(client: FlaskClient) -> None:
    response = client.get("/api/facets/district", query_string={"q": "thi đua", "facet_q": "TAY ho"})
    assert response.status_code == 200
    data = response.get_json()
    assert data == {
        "facet": "district",
        "facet_q": "TAY ho",
        "values": [{"value": "Tây Hồ", "count": 1, "selected": False}],
        "total": 1,
    }
    # the counts are those under the search, with the other facet's selection
    under_year = client.get(
        "/api/facets/district", query_string={"q": "thi đua", "facet_q": "tay", "year": 2024}
    ).get_json()
    assert under_year["values"] == []
    years = client.get("/api/facets/year", query_string={"facet_q": "202"}).get_json()
    assert [(v["value"], v["count"]) for v in years["values"]] == [("2020", 2), ("2022", 2), ("2024", 1)]
    assert_json_error(client.get("/api/facets/author"), 404)
    assert_json_error(client.get("/api/facets/district", query_string={"facet_q": "x" * 201}), 400)


def test_hits_say_whether_their_date_is_published_or_inferred(client: FlaskClient) -> None:
    hits = search(client, {"q": "", "sort": "date"})["hits"]
    kinds = {hit["id"]: hit["date_kind"] for hit in hits}
    assert kinds[PHU_XUYEN] == "published"
    assert all(kind == "inferred" for doc_id, kind in kinds.items() if doc_id != PHU_XUYEN)
    assert all(hit["date"] is None for hit in hits if hit["date_kind"] == "inferred")


def test_district_filter(client: FlaskClient) -> None:
    data = search(client, {"district": "Phú Xuyên"})
    assert data["total"] == 1
    assert [hit["id"] for hit in data["hits"]] == ["001_87ea7937df2d375c"]
    assert all("Phú Xuyên" in hit["district"] for hit in data["hits"])


def test_repeated_district_params_combine_with_or(client: FlaskClient) -> None:
    data = search(client, [("district", "Phú Xuyên"), ("district", "Tây Hồ")])
    assert data["total"] == 2
    assert {hit["id"] for hit in data["hits"]} == {"001_87ea7937df2d375c", "003_9116d0a3ed22fadd"}
    assert all({"Phú Xuyên", "Tây Hồ"} & set(hit["district"]) for hit in data["hits"])


def test_year_filter(client: FlaskClient) -> None:
    data = search(client, {"year": "2020"})
    assert data["total"] == 2
    assert all(hit["year"] == 2020 for hit in data["hits"])
    both = search(client, [("year", "2020"), ("year", "2024")])
    assert both["total"] == 3


def test_district_and_year_combine_with_and(client: FlaskClient) -> None:
    assert search(client, {"district": "Tây Hồ", "year": "2020"})["total"] == 1
    assert search(client, {"district": "Tây Hồ", "year": "2024"})["total"] == 0


def test_facet_selected_flags(client: FlaskClient) -> None:
    data = search(client, {"district": "Tây Hồ"})
    districts = {b["value"]: b for b in data["facets"]["district"]}
    assert districts["Tây Hồ"]["selected"] is True
    assert districts["Tây Hồ"]["count"] == 1
    others = [b for value, b in districts.items() if value != "Tây Hồ"]
    assert others, "the other districts stay reachable (OR within a facet)"
    assert not any(b["selected"] for b in others)
    assert not any(b["selected"] for b in data["facets"]["year"])
    years = {b["value"]: b["count"] for b in data["facets"]["year"]}
    assert years == {"2020": 1}


def test_facet_counts_without_filters(client: FlaskClient) -> None:
    data = search(client, {})
    years = {b["value"]: b["count"] for b in data["facets"]["year"]}
    assert years == {"2024": 1, "2022": 2, "2020": 2}
    assert {b["value"] for b in data["facets"]["district"]} >= {"Chương Mỹ", "Phú Xuyên", "Tây Hồ"}


def test_per_page_and_page(client: FlaskClient) -> None:
    pages = [search(client, {"per_page": 2, "page": n}) for n in (1, 2, 3)]
    assert [len(p["hits"]) for p in pages] == [2, 2, 1]
    assert all(p["total"] == 5 and p["per_page"] == 2 for p in pages)
    assert [p["page"] for p in pages] == [1, 2, 3]
    ids = [hit["id"] for p in pages for hit in p["hits"]]
    assert len(ids) == len(set(ids)) and set(ids) == ALL_IDS


def test_page_past_the_last_has_no_hits(client: FlaskClient) -> None:
    data = search(client, {"per_page": 2, "page": 4})
    assert data["total"] == 5 and data["page"] == 4 and data["hits"] == []


def test_empty_query_lists_latest_articles(client: FlaskClient) -> None:
    data = search(client, {"q": ""})
    assert data["total"] == 5
    years = [hit["year"] for hit in data["hits"]]
    assert years == sorted(years, reverse=True)


def test_sort_by_date(client: FlaskClient) -> None:
    data = search(client, {"q": "lao động", "sort": "date"})
    assert data["total"] >= 2
    years = [hit["year"] or 0 for hit in data["hits"]]
    assert years == sorted(years, reverse=True)
    assert all(hit["score"] is None for hit in data["hits"])
    ranked = search(client, {"q": "lao động"})
    assert all(isinstance(hit["score"], float) for hit in ranked["hits"])


def test_empty_parameters_mean_defaults(client: FlaskClient) -> None:
    data = search(client, "q=&district=&year=&page=&per_page=&sort=")
    assert data["total"] == 5 and data["page"] == 1 and data["per_page"] == 10


# -- errors ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"page": "abc"}, "page"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"page": "99999999999999999999999"}, "page"),
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "101"}, "per_page"),
        ({"per_page": "ten"}, "per_page"),
        ({"year": "abc"}, "year"),
        ({"year": "0"}, "year"),
        ({"year": "123456"}, "year"),
        ([("year", "2020"), ("year", "x")], "year"),
        ({"sort": "newest"}, "sort"),
        ({"q": "a" * 1001}, "q"),
        ({"district": "x" * 201}, "district"),
    ],
)
def test_bad_parameters_get_a_json_400(client: FlaskClient, params: Any, name: str) -> None:
    message = assert_json_error(client.get("/api/search", query_string=params), 400)
    assert message.startswith(f"{name}:")
    assert ErrorSchema().validate(client.get("/api/search", query_string=params).get_json()) == {}


def test_unknown_document_is_a_json_404(client: FlaskClient) -> None:
    message = assert_json_error(client.get("/api/documents/no-such-id"), 404)
    assert "no-such-id" in message


@pytest.mark.parametrize("path", ["/api/nothing-here", "/api", "/api/search/extra", "/api/documents/"])
def test_unknown_api_route_is_a_json_404(client: FlaskClient, path: str) -> None:
    assert_json_error(client.get(path), 404)


def test_wrong_method_is_a_json_405(client: FlaskClient) -> None:
    response = client.post("/api/search", data={"q": "x"})
    assert_json_error(response, 405)
    assert "GET" in response.headers["Allow"]


def test_unexpected_errors_are_a_json_500_without_trace(seeded_index: Path) -> None:
    app = create_app({"TESTING": True, "INDEX_DIR": seeded_index})

    @app.get("/api/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    message = assert_json_error(app.test_client().get("/api/boom"), 500)
    assert "secret" not in message


def test_no_index_is_a_503(tmp_path: Path) -> None:
    client = create_app({"TESTING": True, "INDEX_DIR": tmp_path / "empty"}).test_client()
    message = assert_json_error(client.get("/api/search", query_string={"q": "x"}), 503)
    assert "vnsearch index" in message
    assert_json_error(client.get("/api/documents/" + CHUONG_MY), 503)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["status"] == "no index"
    page = client.get("/?q=x")
    assert page.status_code == 503 and page.mimetype == "text/html"
    assert "Chưa có dữ liệu tìm kiếm" in page.get_data(as_text=True)


def test_an_index_of_another_version_is_a_503_that_says_so(tmp_path: Path) -> None:
    import json

    from search.backends.local.indexer import build_index
    from search.backends.local.storage import current_generation
    from tests.conftest import SEEDS

    build_index([SEEDS], tmp_path / "index", workers=1)
    generation = current_generation(tmp_path / "index")
    assert generation is not None
    meta = json.loads((generation / "meta.json").read_text(encoding="utf-8"))
    (generation / "meta.json").write_text(json.dumps({**meta, "schema_version": 1}), encoding="utf-8")
    client = create_app({"TESTING": True, "INDEX_DIR": tmp_path / "index"}).test_client()
    response = client.get("/api/search", query_string={"q": "x"})
    message = assert_json_error(response, 503)
    assert "another version" in message and "vnsearch index" in message
    assert response.get_json()["error"]["reason"] == "other version"
    assert str(tmp_path) not in message  # no server paths in public answers
    page = client.get("/?q=x")
    assert page.status_code == 503
    assert "Chỉ mục cần được xây dựng lại" in page.get_data(as_text=True)


# -- documents, health, OpenAPI ---------------------------------------------------------------
def test_document(client: FlaskClient) -> None:
    response = client.get(f"/api/documents/{CHUONG_MY}")
    assert response.status_code == 200
    data = response.get_json()
    assert set(data) == DOCUMENT_KEYS
    assert data["id"] == CHUONG_MY
    assert data["title"] == "Đẩy mạnh phong trào thi đua góp phần nâng cao chất lượng giáo dục"
    assert "Chương Mỹ" in data["body"] and "<mark>" not in data["body"]
    assert data["district"] == ["Chương Mỹ"] and data["year"] == 2022
    assert DocumentSchema().validate(data) == {}


def test_healthz(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.get_json()
    assert data["status"] == "ok" and data["documents"] == 5
    assert isinstance(data["generation"], str)


def test_openapi_document(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"]
    operation = spec["paths"]["/api/search"]["get"]
    names = {p["name"] for p in operation["parameters"] if p["in"] == "query"}
    assert names == {"q", "district", "year", "page", "per_page", "sort", "facet_size", "prefix"}
    facet = spec["paths"]["/api/facets/{name}"]["get"]
    assert {p["name"] for p in facet["parameters"] if p["in"] == "query"} == names | {"facet_q"}
    assert facet["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/FacetValues"
    }
    district = next(p for p in operation["parameters"] if p["name"] == "district")
    assert district["schema"]["type"] == "array"
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/SearchResult"
    }
    assert "400" in operation["responses"]
    assert set(spec["components"]["schemas"]["Hit"]["properties"]) == HIT_KEYS
    assert set(spec["components"]["schemas"]["SearchResult"]["properties"]) == RESULT_KEYS
    document = spec["paths"]["/api/documents/{doc_id}"]["get"]
    assert document["parameters"][0] == {
        "in": "path",
        "name": "doc_id",
        "required": True,
        "schema": {"type": "string"},
    }
    assert "/healthz" in spec["paths"]


# -- CORS and security headers ------------------------------------------------------------------
ALLOWED = "https://allowed.example"


def test_no_cors_headers_by_default(client: FlaskClient) -> None:
    response = client.get("/api/search", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_only_for_allowed_origins(seeded_index: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNSEARCH_CORS_ORIGINS", f"{ALLOWED}, https://other.example/")
    client = create_app({"TESTING": True, "INDEX_DIR": seeded_index}).test_client()
    allowed = client.get("/api/search?q=chuong+my", headers={"Origin": ALLOWED})
    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Origin" in allowed.headers.get("Vary", "")
    other = client.get("/api/search", headers={"Origin": "https://other.example"})
    assert other.headers["Access-Control-Allow-Origin"] == "https://other.example"
    for origin in ("https://evil.example", "https://allowedXexample", "http://allowed.example"):
        denied = client.get("/api/search", headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in denied.headers, origin
    preflight = client.options(
        "/api/search", headers={"Origin": ALLOWED, "Access-Control-Request-Method": "GET"}
    )
    assert preflight.headers["Access-Control-Allow-Origin"] == ALLOWED
    error = client.get("/api/search?page=x", headers={"Origin": ALLOWED})
    assert error.status_code == 400 and error.headers["Access-Control-Allow-Origin"] == ALLOWED
    page = client.get("/", headers={"Origin": ALLOWED})
    assert "Access-Control-Allow-Origin" not in page.headers  # HTML pages are not shared


def test_cors_origins_from_config(seeded_index: Path) -> None:
    config = {"TESTING": True, "INDEX_DIR": seeded_index, "CORS_ORIGINS": ALLOWED}
    client = create_app(config).test_client()
    response = client.get(f"/api/documents/{CHUONG_MY}", headers={"Origin": ALLOWED})
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


@pytest.mark.parametrize(
    "path", ["/", "/api/search?q=x", "/api/nothing", "/nothing", "/healthz", "/static/style.css", "/?page=x"]
)
def test_security_headers_on_every_response(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    for name in SECURITY_HEADERS:
        assert response.headers.get(name), (path, name)
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    response.close()


def test_a_rebuilt_index_is_served_without_restart(tmp_path: Path) -> None:
    def export(name: str, articles: list[tuple[str, str, str]]) -> Path:
        path = tmp_path / name
        lines = [json.dumps({"id": i, "title": t, "text": x}, ensure_ascii=False) for i, t, x in articles]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    folder = tmp_path / "index"
    first = [("a1", "Hội nghị công đoàn", "Công đoàn huyện tổ chức hội nghị tổng kết năm 2021.")]
    build_index([export("first.jsonl", first)], folder)
    client = create_app({"TESTING": True, "INDEX_DIR": folder}).test_client()
    assert search(client, {"q": "cong doan"})["total"] == 1

    second = [*first, ("b2", "Đại hội công đoàn", "Đại hội công đoàn cơ sở nhiệm kỳ mới, năm 2023.")]
    build_index([export("second.jsonl", second)], folder)
    assert search(client, {"q": "cong doan"})["total"] == 2
    assert client.get("/api/documents/b2").get_json()["title"] == "Đại hội công đoàn"


# -- suggestions as you type -------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "first"),
    [
        ("chuong m", "Chương Mỹ"),  # accents and case ignored, the last word a prefix
        ("Chương M", "Chương Mỹ"),
        ("lien doan l", "Liên đoàn Lao động"),  # an abbreviation's expansion, as written
        ("lđl", "LĐLĐ"),  # the abbreviation itself
        ("phu x", "Phú Xuyên"),
    ],
)
def test_suggestions_complete_what_was_typed(client: FlaskClient, typed: str, first: str) -> None:
    response = client.get("/api/suggest", query_string={"q": typed})
    assert response.status_code == 200
    data = response.get_json()
    assert data["query"] == typed
    assert data["suggestions"][0]["text"] == first
    assert all(set(s) >= {"text", "html"} for s in data["suggestions"])
    assert len(data["suggestions"]) <= 8  # the default limit


def test_a_suggestion_marks_the_typed_part_escaped(client: FlaskClient) -> None:
    data = client.get("/api/suggest", query_string={"q": "chuong m", "limit": 1}).get_json()
    assert data["suggestions"] == [{"text": "Chương Mỹ", "html": "<mark>Chương M</mark>ỹ", "kind": "place"}]


def test_an_accented_prefix_prefers_accented_matches(client: FlaskClient) -> None:
    unaccented = client.get("/api/suggest", query_string={"q": "cong", "limit": 20}).get_json()
    accented = client.get("/api/suggest", query_string={"q": "công", "limit": 20}).get_json()
    assert {s["text"] for s in unaccented["suggestions"]} == {s["text"] for s in accented["suggestions"]}
    assert all(s["text"].lower().startswith("công") for s in accented["suggestions"][:3])


def test_suggestions_bad_input(client: FlaskClient) -> None:
    assert client.get("/api/suggest", query_string={"q": ""}).get_json()["suggestions"] == []
    assert client.get("/api/suggest", query_string={"q": "xyzzy"}).get_json()["suggestions"] == []
    assert_json_error(client.get("/api/suggest", query_string={"q": "a", "limit": 21}), 400)
    assert_json_error(client.get("/api/suggest", query_string={"q": "a" * 201}), 400)
    assert (
        len(client.get("/api/suggest", query_string={"q": "c", "limit": 20}).get_json()["suggestions"]) <= 20
    )
