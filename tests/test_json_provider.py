"""The API's JSON is written by orjson (webui/json_provider.py): the same JSON Flask's
own encoder writes, and Flask's way for what orjson writes differently or not at all."""

from __future__ import annotations

import dataclasses
import datetime
import json
from pathlib import Path

import pytest
from flask import Flask
from flask.json.provider import DefaultJSONProvider

from webui.json_provider import OrjsonProvider

Providers = tuple[OrjsonProvider, DefaultJSONProvider]


@pytest.fixture
def providers() -> Providers:
    app = Flask(__name__)
    flask_own = DefaultJSONProvider(app)
    flask_own.sort_keys = False
    flask_own.ensure_ascii = False
    return OrjsonProvider(app), flask_own


@dataclasses.dataclass
class _Hit:
    id: str
    score: float


ANSWER = {
    "query": "Liên đoàn Lao động quận Hoàn Kiếm",
    "total": 1241,
    "took_ms": 0.00005,
    "zeta_first": True,  # keys stay in the order given
    "hits": [
        {"id": "22267185", "title_html": "<mark>LĐLĐ</mark> &amp; \u2028", "score": 12.3456, "year": None}
    ],
    "facets": {"district": [{"value": "Hà Nội", "count": 3}]},
}


def test_the_same_json_as_flasks_own_encoder(providers: Providers) -> None:
    fast, flask_own = providers
    for layout in ({"separators": (",", ":")}, {"indent": 2}):
        assert json.loads(fast.dumps(ANSWER, **layout)) == json.loads(flask_own.dumps(ANSWER, **layout))
    assert fast.dumps(ANSWER, indent=2).count("\n") == flask_own.dumps(ANSWER, indent=2).count("\n")
    written = fast.dumps(ANSWER)
    assert written.startswith('{"query":"Liên')  # compact
    assert "Liên đoàn" in written and "\\u" not in written  # UTF-8, not escapes
    assert written.index('"zeta_first"') < written.index('"hits"')


def test_what_flask_writes_its_own_way_stays_so(providers: Providers) -> None:
    fast, flask_own = providers
    odd = {
        "date": datetime.date(2026, 12, 4),  # Flask: an HTTP date; orjson alone: ISO
        "hit": _Hit("a", 1.5),
        "lone surrogate": "\ud800",  # orjson refuses it
        "big": 1 << 70,  # past 64 bits: orjson refuses it
    }
    for key, value in odd.items():
        assert fast.dumps({key: value}) == flask_own.dumps({key: value}, separators=(",", ":")), key


def test_the_app_answers_with_it(tmp_path: Path) -> None:
    from webui.app import create_app

    app = create_app({"INDEX_DIR": tmp_path / "no-index"})
    assert isinstance(app.json, OrjsonProvider)
    answer = app.test_client().get("/api/search?q=a&page=0")
    assert answer.status_code == 400
    assert answer.get_json()["error"]["status"] == 400
