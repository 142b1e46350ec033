"""Shared fixtures: a real index of the five seed articles, built once per test run,
on each backend: Whoosh in process, and a real Typesense server from the PyPI wheel.

``engine``, ``app`` and ``client`` are parametrized over both backends, so every test
that uses them is the same behavioural test for both."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from search.backends.local.engine import LocalEngine
from search.backends.local.indexer import build_index
from search.backends.typesense.cluster import Cluster
from search.backends.typesense.engine import TypesenseEngine
from search.backends.typesense.indexer import build_collection
from tests.typesense_nodes import Node, cluster_for, running_nodes
from webui.app import create_app
from webui.routes import ENGINE_KEY

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
BACKENDS = ("whoosh", "typesense")
BACKEND_VARIABLES = (
    "VNSEARCH_BACKEND",
    "VNSEARCH_TYPESENSE_NODES",
    "VNSEARCH_TYPESENSE_API_KEY",
    "VNSEARCH_TYPESENSE_COLLECTION",
)


@pytest.fixture(scope="session", autouse=True)
def _backend_chosen_by_the_tests() -> Iterator[None]:
    """A shell's ``VNSEARCH_BACKEND=typesense`` (and cluster settings) must not leak into
    the tests: each test picks its backend itself."""
    with pytest.MonkeyPatch.context() as patch:
        for name in BACKEND_VARIABLES:
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="session")
def seeded_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index folder built from seeds/ with the real analysis (read-only for tests)."""
    folder = tmp_path_factory.mktemp("seed-index")
    report = build_index([SEEDS], folder)
    assert report.indexed == 5, report.problems
    return folder


@pytest.fixture(scope="session")
def typesense_node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    """One Typesense server on loopback, in a temporary data folder, for the session."""
    with running_nodes(tmp_path_factory.mktemp("typesense"), 1) as nodes:
        yield nodes[0]


@pytest.fixture(scope="session")
def seeded_cluster(typesense_node: Node) -> Cluster:
    """The seeds indexed in Typesense behind the alias ``seeds`` (read-only for tests)."""
    cluster = cluster_for([typesense_node], "seeds")
    report = build_collection([SEEDS], cluster=cluster)
    assert report.indexed == 5, report.problems
    return cluster


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def engine(backend: str, seeded_index: Path, request: pytest.FixtureRequest) -> Any:
    if backend == "typesense":
        return TypesenseEngine(seeded_index, cluster=request.getfixturevalue("seeded_cluster"))
    return LocalEngine(seeded_index)


@pytest.fixture(scope="session")
def app(backend: str, seeded_index: Path, engine: Any) -> Flask:
    """The web app on the seed index (on the Typesense backend: the same app, given the
    engine that ``VNSEARCH_BACKEND=typesense`` would make)."""
    app = create_app({"TESTING": True, "INDEX_DIR": seeded_index})
    if backend == "typesense":
        app.extensions[ENGINE_KEY] = engine
    return app


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()
