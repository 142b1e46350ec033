"""The Typesense backend beyond the shared behavioural tests: configuration, the CLI,
atomic rebuilds through an alias, and a 3-node Raft cluster that loses a node."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from search.backends.local.engine import LocalEngine
from search.backends.typesense import engine as typesense_engine
from search.backends.typesense import impacts, records, state
from search.backends.typesense import indexer as typesense_indexer
from search.backends.typesense.cluster import Cluster
from search.backends.typesense.engine import TypesenseEngine
from search.backends.typesense.indexer import META_ID, build_collection, update_collection
from search.backends.typesense.settings import Settings
from search.cli import main
from search.engine import open_engine
from search.errors import BackendUnavailable, NoIndex, RebuildRunning
from search.results import SearchRequest
from tests.exports import write_export
from tests.interrupted import interrupted_after
from tests.test_update_scores import QUERIES, generated
from tests.typesense_nodes import API_KEY, Node, cluster_for, free_port, running_nodes, wait_healthy
from webui.app import create_app
from webui.routes import ENGINE_KEY

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CHUONG_MY = "000_883de19ce3b78452"
PHU_XUYEN = "001_87ea7937df2d375c"


def _use_typesense(monkeypatch: pytest.MonkeyPatch, node: Node, alias: str) -> None:
    monkeypatch.setenv("VNSEARCH_BACKEND", "typesense")
    monkeypatch.setenv("VNSEARCH_TYPESENSE_NODES", node.url)
    monkeypatch.setenv("VNSEARCH_TYPESENSE_API_KEY", API_KEY)
    monkeypatch.setenv("VNSEARCH_TYPESENSE_COLLECTION", alias)


def _one_seed(tmp_path: Path, stem: str) -> Path:
    folder = tmp_path / f"src-{stem}"
    folder.mkdir()
    shutil.copy(SEEDS / f"{stem}.txt", folder)
    return folder


def test_whoosh_is_the_default(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("VNSEARCH_BACKEND", raising=False)
    assert type(open_engine(tmp_path)) is LocalEngine


def test_an_unknown_backend_is_refused_with_a_message(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("VNSEARCH_BACKEND", "elastic")
    with pytest.raises(BackendUnavailable, match="whoosh, typesense"):
        open_engine(tmp_path)


@pytest.mark.parametrize(
    ("nodes", "key", "message"),
    [
        ("", "k", "VNSEARCH_TYPESENSE_NODES is not set"),
        ("127.0.0.1:8108", "k", "is not an http"),
        ("http://127.0.0.1:8108", "", "VNSEARCH_TYPESENSE_API_KEY is not set"),
    ],
)
def test_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, nodes: str, key: str, message: str
) -> None:
    monkeypatch.setenv("VNSEARCH_TYPESENSE_NODES", nodes)
    monkeypatch.setenv("VNSEARCH_TYPESENSE_API_KEY", key)
    with pytest.raises(BackendUnavailable, match=message):
        Settings.from_environment()


def test_cli_reports_an_unreachable_cluster_in_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNSEARCH_BACKEND", "typesense")
    monkeypatch.setenv("VNSEARCH_TYPESENSE_NODES", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("VNSEARCH_TYPESENSE_API_KEY", "x")
    for command in (["search", "chuong my"], ["index", str(SEEDS), "--quiet"]):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 1, result.output
        assert "Error: the Typesense cluster does not answer" in result.output
        assert "Traceback" not in result.output


def test_an_unreachable_cluster_is_a_503_that_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    port = free_port()
    monkeypatch.setenv("VNSEARCH_BACKEND", "typesense")
    monkeypatch.setenv("VNSEARCH_TYPESENSE_NODES", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("VNSEARCH_TYPESENSE_API_KEY", "x")
    client = create_app({"TESTING": True, "INDEX_DIR": tmp_path}).test_client()
    response = client.get("/api/search?q=x")
    assert response.status_code == 503
    error = response.get_json()["error"]
    assert error["reason"] == "unreachable" and "cannot be reached" in error["message"]
    assert str(port) not in error["message"]  # node addresses stay in the server's log
    page = client.get("/?q=x")
    assert page.status_code == 503
    assert "Không kết nối được máy chủ tìm kiếm" in page.get_data(as_text=True)


def test_cli_reports_a_missing_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNSEARCH_BACKEND", "typesense")
    monkeypatch.setenv("VNSEARCH_TYPESENSE_NODES", "http://127.0.0.1:8108")
    monkeypatch.delenv("VNSEARCH_TYPESENSE_API_KEY", raising=False)
    result = CliRunner().invoke(main, ["search", "chuong my"])
    assert result.exit_code == 1
    assert "Error: VNSEARCH_TYPESENSE_API_KEY is not set" in result.output


def test_a_wrong_key_is_reported(typesense_node: Node, monkeypatch: pytest.MonkeyPatch) -> None:
    _use_typesense(monkeypatch, typesense_node, "seeds")
    monkeypatch.setenv("VNSEARCH_TYPESENSE_API_KEY", "wrong")
    result = CliRunner().invoke(main, ["search", "chuong my"])
    assert result.exit_code == 1
    assert "refused the API key" in result.output


def test_cli_index_and_search_through_the_environment(
    typesense_node: Node, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _use_typesense(monkeypatch, typesense_node, "cli")
    result = CliRunner().invoke(main, ["index", str(SEEDS), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "Indexed 5 documents" in result.output and "typesense:cli-" in result.output
    result = CliRunner().invoke(main, ["search", "chuong my", "--json"])
    assert result.exit_code == 0, result.output
    assert '"id": "000_883de19ce3b78452"' in result.output
    # the web app made from the same environment serves the cluster
    engine = open_engine(tmp_path)
    assert isinstance(engine, TypesenseEngine)
    client = create_app({"TESTING": True, "INDEX_DIR": tmp_path}).test_client()
    data = client.get("/api/search?q=phu+xuyen").get_json()
    assert [hit["id"] for hit in data["hits"]] == [PHU_XUYEN]
    assert client.get("/healthz").get_json()["documents"] == 5


def test_no_collection_yet_is_a_503(
    typesense_node: Node, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _use_typesense(monkeypatch, typesense_node, "never-built")
    assert not open_engine(tmp_path).exists()
    response = create_app({"TESTING": True, "INDEX_DIR": tmp_path}).test_client().get("/api/search?q=x")
    assert response.status_code == 503


def test_rebuild_swaps_the_alias_and_drops_older_collections(
    typesense_node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(typesense_engine, "REVISION_CHECK_S", 0.0)  # follow the alias at once
    cluster = cluster_for([typesense_node], "swap")
    build_collection([_one_seed(tmp_path, "001_87ea7937df2d375c")], cluster=cluster)
    engine = TypesenseEngine(cluster=cluster)
    first = cluster.resolve_alias()
    assert engine.search(SearchRequest(query="")).total == 1
    build_collection([SEEDS], cluster=cluster)
    second = cluster.resolve_alias()
    assert second != first
    assert engine.search(SearchRequest(query="")).total == 5  # the same engine follows

    def built() -> set[str]:
        return {c["name"] for c in cluster.client.collections.retrieve() if c["name"].startswith("swap-")}

    def with_siblings(*names: str | None) -> set[str]:
        return {f"{n}{suffix}" for n in names for suffix in ("", "-stats", "-docs")}

    assert built() == with_siblings(first, second)  # the previous one stays for searches in flight
    build_collection([SEEDS], cluster=cluster)
    third = cluster.resolve_alias()
    assert built() == with_siblings(second, third)


def test_a_rebuild_drops_only_collections_it_made(typesense_node: Node, tmp_path: Path) -> None:
    cluster = cluster_for([typesense_node], "mine")
    other = cluster_for([typesense_node], "mine-staging")
    build_collection([SEEDS], cluster=other)  # another alias whose name starts like ours
    cluster.create_collection({"name": "mine-keepme", "fields": [{"name": "x", "type": "string"}]})
    oldest = "mine-20000101T000000000000"  # named like our builds, but an alias points at it
    cluster.create_collection({"name": oldest, "fields": [{"name": "x", "type": "string"}]})
    cluster.client.aliases.upsert("pinned", {"collection_name": oldest})
    for _ in range(3):
        build_collection([SEEDS], cluster=cluster)
    names = {c["name"] for c in cluster.client.collections.retrieve()}
    assert {"mine-keepme", oldest, other.resolve_alias()} <= names
    assert (
        other.resolve_alias() is not None
        and TypesenseEngine(cluster=other).search(SearchRequest()).total == 5
    )


def test_a_rebuild_that_fails_half_way_keeps_the_old_collection(typesense_node: Node, tmp_path: Path) -> None:
    cluster = cluster_for([typesense_node], "failing")
    build_collection([SEEDS], cluster=cluster)
    before = cluster.resolve_alias()

    with pytest.raises(KeyboardInterrupt):
        build_collection([SEEDS], cluster=cluster, progress=interrupted_after(2))
    assert cluster.resolve_alias() == before
    assert TypesenseEngine(cluster=cluster).search(SearchRequest(query="chuong my")).total == 1
    names = {c["name"] for c in cluster.client.collections.retrieve()}
    assert {n for n in names if n.startswith("failing-")} == {before, f"{before}-stats", f"{before}-docs"}
    empty = tmp_path / "empty"
    empty.mkdir()
    assert build_collection([empty], cluster=cluster).generation is None
    assert cluster.resolve_alias() == before


def _search_until(engine: TypesenseEngine, query: str, timeout: float = 30.0) -> list[str]:
    """Search; while a new leader is being elected a node may answer 503 for a moment,
    and a follower that is still catching up may not have the alias yet; the client
    moves on to the next node: the search itself must not fail for long."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            return [hit.id for hit in engine.search(SearchRequest(query=query)).hits]
        except NoIndex:  # BackendUnavailable is one
            if time.monotonic() > deadline:
                raise


def _wait_replicated(engine: TypesenseEngine, node: Node, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if engine.exists() and engine.info()["documents"] == 5:
            return
        time.sleep(0.2)
    raise AssertionError(f"the collection written through node 1 never reached port {node.api_port}")


def test_three_node_cluster_keeps_answering_when_a_node_stops(tmp_path: Path) -> None:
    with running_nodes(tmp_path, 3) as nodes:
        first, second, third = nodes
        # index through one node ...
        report = build_collection([SEEDS], cluster=cluster_for([first], "raft"))
        assert report.indexed == 5
        # ... search through another (Raft replicates to the followers; give them a moment)
        for node in (second, third):
            _wait_replicated(TypesenseEngine(cluster=cluster_for([node], "raft")), node)
        through_second = TypesenseEngine(cluster=cluster_for([second], "raft"))
        assert _search_until(through_second, "chuong my") == [CHUONG_MY]
        # a client that knows every node, as VNSEARCH_TYPESENSE_NODES would list them
        everywhere = TypesenseEngine(cluster=cluster_for(nodes, "raft"))
        assert _search_until(everywhere, "phu xuyen")[0] == PHU_XUYEN
        # stop the node the writes went through (by its own pid): searches keep answering
        first.stop()
        assert first.process is not None and first.process.poll() is not None
        assert [hit.id for hit in everywhere.search(SearchRequest(query="chuong my")).hits] == [CHUONG_MY]
        assert _search_until(TypesenseEngine(cluster=cluster_for([third], "raft")), "phu xuyen") == [
            PHU_XUYEN
        ]
        for _ in range(5):
            assert everywhere.search(SearchRequest(query="LĐLĐ")).total >= 2
        # the two that are left still form a majority: they elect a leader and stay healthy
        wait_healthy([second, third], timeout=60)


def test_a_ranked_page_deeper_than_the_backend_ranks_is_a_400(
    seeded_index: Path, seeded_cluster: Cluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(typesense_engine, "MAX_RANKED", 2)  # the seeds have 5 articles
    app = create_app({"TESTING": True, "INDEX_DIR": seeded_index})
    app.extensions[ENGINE_KEY] = TypesenseEngine(seeded_index, cluster=seeded_cluster)
    client = app.test_client()
    assert client.get("/api/search?q=&sort=date&page=3&per_page=2").status_code == 200
    assert client.get("/api/search?q=c%C3%B4ng+%C4%91o%C3%A0n&per_page=2").status_code == 200
    deep = client.get("/api/search?q=c%C3%B4ng+%C4%91o%C3%A0n&page=2&per_page=2")
    assert deep.status_code == 400 and "sort=date" in deep.get_json()["error"]["message"]
    by_date = client.get("/api/search?q=c%C3%B4ng+%C4%91o%C3%A0n&page=2&per_page=2&sort=date")
    assert by_date.status_code == 200


def test_searches_in_a_loop_through_rebuilds_and_swaps_never_fail(typesense_node: Node) -> None:
    cluster = cluster_for([typesense_node], "looping")
    build_collection([SEEDS], cluster=cluster)
    engine = TypesenseEngine(cluster=cluster)
    errors: list[BaseException] = []
    answered = 0
    done = threading.Event()

    def search_in_a_loop() -> None:
        nonlocal answered
        queries = ["chuong my", "công đoàn", "phu xuyen", ""]
        while not done.is_set():
            try:
                engine.search(SearchRequest(query=queries[answered % len(queries)], page=1 + answered % 2))
                answered += 1
            except BaseException as error:  # any failure counts
                errors.append(error)

    searcher = threading.Thread(target=search_in_a_loop)
    searcher.start()
    try:
        for _ in range(3):
            build_collection([SEEDS], cluster=cluster)
    finally:
        done.set()
        searcher.join(30)
    assert not errors and answered > 10


def test_a_search_that_started_before_a_swap_finishes_on_the_previous_collection(
    typesense_node: Node,
) -> None:
    cluster = cluster_for([typesense_node], "inflight")
    build_collection([SEEDS], cluster=cluster)
    engine = TypesenseEngine(cluster=cluster)
    started_on = engine._generation()  # what a search in flight holds
    build_collection([SEEDS], cluster=cluster)
    assert cluster.resolve_alias() != started_on.name
    assert engine._search(started_on, SearchRequest(query="chuong my")).total == 1


def test_a_second_rebuild_while_one_runs_is_refused_and_a_dead_ones_lock_expires(
    typesense_node: Node,
) -> None:
    cluster = cluster_for([typesense_node], "locked")
    build_collection([SEEDS], cluster=cluster)
    before = cluster.resolve_alias()
    with cluster.rebuild_lock():  # a rebuild running elsewhere
        with pytest.raises(RebuildRunning, match="another rebuild"):
            build_collection([SEEDS], cluster=cluster)
        assert cluster.resolve_alias() == before
        with cluster_for([typesense_node], "locked").rebuild_lock(expiry_s=0):  # its builder died
            pass
    build_collection([SEEDS], cluster=cluster)  # the lock is free again
    assert cluster.resolve_alias() != before


# -- --update in place ---------------------------------------------------------------------


def _statistics(cluster: Cluster) -> dict[str, int]:
    """The document frequencies behind the alias (metadata and state records left out)."""
    name = records.stats_collection(str(cluster.resolve_alias()))
    return {row["id"]: int(row["n"]) for row in cluster.export(name, "id,n") if not row["id"].startswith("~")}


def _postings_by_id(cluster: Cluster) -> dict[str, dict[str, int]]:
    """The impact postings behind the alias: statistics id -> article id -> impact."""
    name = str(cluster.resolve_alias())
    ids = {int(row["seq"]): row["id"] for row in cluster.export(records.content_collection(name), "id,seq")}
    found = {}
    for row in cluster.export(records.stats_collection(name), f"id,{impacts.FIELD}"):
        if impacts.FIELD in row:
            seqs, weights = impacts.decode(row[impacts.FIELD])
            found[row["id"]] = {
                ids[seq]: weight for seq, weight in zip(seqs.tolist(), weights.tolist(), strict=True)
            }
    return found


def _meta(cluster: Cluster) -> dict[str, Any]:
    record = cluster.retrieve(records.stats_collection(str(cluster.resolve_alias())), META_ID)
    assert record is not None
    return dict(json.loads(record["meta"]))


def test_update_in_place_counts_and_scores_like_a_rebuild(
    typesense_node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(typesense_indexer, "FREQUENT_AT", 20)  # a table of frequent terms to keep
    first = generated(120, seed=1)
    write_export(tmp_path / "v1.jsonl", first)
    cluster = cluster_for([typesense_node], "upd")
    build_collection([SEEDS, tmp_path / "v1.jsonl"], cluster=cluster, workers=1)
    live = cluster.resolve_alias()
    # 30 removed, 10 changed, 5 new
    second = first[30:]
    for record in second[:10]:
        record["text"] = "Công đoàn giáo dục " + record["text"]
    second += generated(5, seed=2, prefix="new")
    write_export(tmp_path / "v2.jsonl", second)
    report = update_collection([SEEDS, tmp_path / "v2.jsonl"], cluster=cluster, workers=1)
    assert (report.indexed, report.unchanged, report.deleted) == (15, 85, 30)
    assert cluster.resolve_alias() == live  # in place: no new collection
    rebuilt = cluster_for([typesense_node], "upd-rebuilt")
    build_collection([SEEDS, tmp_path / "v2.jsonl"], cluster=rebuilt, workers=1)
    updated_engine, rebuilt_engine = TypesenseEngine(cluster=cluster), TypesenseEngine(cluster=rebuilt)
    for query in QUERIES:
        got, want = updated_engine.rank(query, 10), rebuilt_engine.rank(query, 10)
        assert [doc_id for doc_id, _ in got] == [doc_id for doc_id, _ in want], query
        assert [score for _, score in got] == pytest.approx([score for _, score in want], rel=1e-5), query
    updated, expected = _statistics(cluster), _statistics(rebuilt)
    differ = {key for key in updated.keys() | expected.keys() if updated.get(key) != expected.get(key)}
    # the one documented difference: a pair or compound the build had in one article
    # (no record) and the update adds to a second
    assert all(
        key.split(".")[0] in ("p", "w") and expected[key] == 2 and key not in updated for key in differ
    )
    assert len(differ) < 0.01 * len(expected)
    # the impact postings name the same articles as a rebuild's, with nearly the same
    # impacts (the update keeps the build's average lengths, a rebuild has new ones)
    postings, expected_postings = _postings_by_id(cluster), _postings_by_id(rebuilt)
    assert postings.keys() - differ == expected_postings.keys() - differ
    diffs: list[int] = []
    for key in postings.keys() - differ:
        assert postings[key].keys() == expected_postings[key].keys(), key
        diffs.extend(abs(postings[key][i] - expected_postings[key][i]) for i in postings[key])
    assert max(diffs) <= 8  # of 255: the averages moved by the 30 articles removed
    meta, expected_meta = _meta(cluster), _meta(rebuilt)
    assert meta["documents"] == expected_meta["documents"] == 100
    assert meta["abbreviations"] == expected_meta["abbreviations"]
    assert meta["fillers"] == expected_meta["fillers"] and "năm" in meta["fillers"]  # in most documents
    assert meta["frequent"] == expected_meta["frequent"] and len(meta["frequent"][records.PAIRS]) > 10
    assert meta["averages"] == pytest.approx(expected_meta["averages"])
    assert updated_engine.search(SearchRequest(query="")).total == 100


def test_an_engine_follows_an_update_and_an_unchanged_one_writes_nothing(
    typesense_node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(typesense_engine, "REVISION_CHECK_S", 0.0)
    write_export(tmp_path / "v1.jsonl", generated(20, seed=3))
    cluster = cluster_for([typesense_node], "follow")
    build_collection([tmp_path / "v1.jsonl"], cluster=cluster, workers=1)
    engine = TypesenseEngine(cluster=cluster)
    assert engine.search(SearchRequest(query="phú quốc")).total == 0
    added = {"id": "phu-quoc", "title": "Du lịch Phú Quốc", "text": "Đảo Phú Quốc đón khách."}
    write_export(tmp_path / "v1.jsonl", [*generated(20, seed=3), added])
    assert update_collection([tmp_path / "v1.jsonl"], cluster=cluster, workers=1).indexed == 1
    found = engine.search(SearchRequest(query="phu quoc"))  # the same engine, opened before
    assert [hit.id for hit in found.hits] == ["phu-quoc"] and found.total == 1
    name = records.stats_collection(str(cluster.resolve_alias()))
    revision = state.revision(cluster, name)
    report = update_collection([tmp_path / "v1.jsonl"], cluster=cluster, workers=1)
    assert (report.indexed, report.unchanged, report.deleted) == (0, 21, 0)
    assert state.revision(cluster, name) == revision


def test_update_through_the_cli_and_of_a_collection_without_state(
    typesense_node: Node, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _use_typesense(monkeypatch, typesense_node, "cli-update")
    result = CliRunner().invoke(main, ["index", str(SEEDS), "--quiet"])
    assert result.exit_code == 0, result.output
    cluster = cluster_for([typesense_node], "cli-update")
    live = cluster.resolve_alias()
    result = CliRunner().invoke(main, ["index", str(_one_seed(tmp_path, CHUONG_MY)), "--update", "--quiet"])
    assert result.exit_code == 0, result.output
    assert "1 unchanged, 4 deleted" in result.output
    assert cluster.resolve_alias() == live
    assert TypesenseEngine(cluster=cluster).search(SearchRequest(query="")).total == 1
    # a collection an older version built has no state for an update: it is rebuilt
    cluster.delete_documents(records.stats_collection(str(live)), [state.STATE_ID])
    result = CliRunner().invoke(main, ["index", str(SEEDS), "--update", "--quiet"])
    assert result.exit_code == 0, result.output
    assert cluster.resolve_alias() != live
    assert TypesenseEngine(cluster=cluster).search(SearchRequest(query="")).total == 5


@pytest.mark.parametrize(
    "request_",
    [
        SearchRequest(query="chuong my"),
        SearchRequest(query="Phong trào thi đua của công đoàn ngành giáo dục Hà Nội năm học này ra sao?"),
        SearchRequest(query="công đoàn", districts=("Chương Mỹ",)),
        SearchRequest(query="giáo dục", sort="date", page=2, per_page=2),
        SearchRequest(query='"công đoàn" -"Phú Xuyên"'),
    ],
    ids=["short", "question", "facet", "by-date", "phrase"],
)
def test_a_search_takes_two_round_trips(
    seeded_cluster: Cluster, monkeypatch: pytest.MonkeyPatch, request_: SearchRequest
) -> None:
    engine = TypesenseEngine(cluster=seeded_cluster)
    engine.search(SearchRequest(query="khởi động"))  # the collection's metadata, read once
    requests: list[str] = []
    call = Cluster._call

    def counted(self: Cluster, action: Any) -> Any:
        requests.append(repr(action))
        return call(self, action)

    monkeypatch.setattr(Cluster, "_call", counted)
    result = engine.search(request_)
    assert result.total > 0 and result.hits
    assert len(requests) == 2, requests


def test_the_candidates_hold_the_best_of_all_articles(
    typesense_node: Node, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the candidates the impact postings choose are scored: with 12 of 125
    articles, the best 5 are those of all 125 scored, in the same order and scores."""
    write_export(tmp_path / "articles.jsonl", generated(120, seed=5))
    cluster = cluster_for([typesense_node], "impacts")
    build_collection([SEEDS, tmp_path / "articles.jsonl"], cluster=cluster, workers=1)
    engine = TypesenseEngine(cluster=cluster)
    questions = [*QUERIES, "Hội nghị cán bộ công đoàn huyện Chương Mỹ chăm lo đời sống giáo viên thế nào?"]
    best_of_all = {query: engine.rank(query, 5) for query in questions}
    monkeypatch.setattr(typesense_engine, "CANDIDATES", 12)
    for query in questions:
        got, want = engine.rank(query, 5), best_of_all[query]
        assert [doc_id for doc_id, _ in got] == [doc_id for doc_id, _ in want], query
        assert [score for _, score in got] == pytest.approx([score for _, score in want], rel=1e-5), query


def test_a_rebuild_stopped_by_sigterm_drops_what_it_made_and_its_lock(
    typesense_node: Node, tmp_path: Path
) -> None:
    write_export(tmp_path / "many.jsonl", generated(4000, seed=7))
    environment = {
        **os.environ,
        "VNSEARCH_BACKEND": "typesense",
        "VNSEARCH_TYPESENSE_NODES": typesense_node.url,
        "VNSEARCH_TYPESENSE_API_KEY": API_KEY,
        "VNSEARCH_TYPESENSE_COLLECTION": "stopped",
    }
    cluster = cluster_for([typesense_node], "stopped")

    def collections() -> list[str]:
        return [c["name"] for c in cluster.client.collections.retrieve() if c["name"].startswith("stopped")]

    command = [sys.executable, "-m", "search.cli", "index", str(tmp_path / "many.jsonl"), "--quiet"]
    process = subprocess.Popen(
        command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 60
        while not any(records.build_of(name, "stopped") and cluster.count(name) for name in collections()):
            assert process.poll() is None and time.monotonic() < deadline, (
                "the rebuild never started importing"
            )
            time.sleep(0.2)
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, output
    assert "Stopped: the half-built index was removed" in output and "Traceback" not in output
    assert collections() == []  # its three collections and its lock are gone
    assert build_collection([SEEDS], cluster=cluster, workers=1).indexed == 5  # not refused
