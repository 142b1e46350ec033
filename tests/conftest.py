"""Shared fixtures: a real index of the five seed articles, built once per test run."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from search.engine import SearchEngine
from search.indexer import build_index
from webui.app import create_app

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session")
def seeded_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index folder built from seeds/ with the real analysis (read-only for tests)."""
    folder = tmp_path_factory.mktemp("seed-index")
    report = build_index([SEEDS], folder)
    assert report.indexed == 5, report.problems
    return folder


@pytest.fixture(scope="session")
def app(seeded_index: Path) -> Flask:
    """The web app on the seed index."""
    return create_app({"TESTING": True, "INDEX_DIR": seeded_index})


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def engine(seeded_index: Path) -> SearchEngine:
    return SearchEngine(seeded_index)
