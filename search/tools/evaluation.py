"""Ranking quality on BEIR-style files, side by side with plain BM25 baselines.

Metrics come from ``ir_measures`` (nDCG@10, MRR@10 as RR@10, Recall@100). The
baselines are what a user gets from a generic engine: bm25s (k1=1.2, b=0.75) over
lowercased syllables of title + text, with and without diacritics.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import ir_measures
from ir_measures import RR, R, ScoredDoc, nDCG

from search.analysis.analyzers import syllable_texts
from search.engine import Engine
from search.results import SearchRequest
from search.text import fold
from search.tools.bench import Latency, beir_queries, latency_of

MEASURES = (nDCG @ 10, RR @ 10, R @ 100)
MEASURE_NAMES = {str(nDCG @ 10): "nDCG@10", str(RR @ 10): "MRR@10", str(R @ 100): "Recall@100"}
DEPTH = 100

Ranker = Callable[[str], list[tuple[str, float]]]


@dataclass(frozen=True)
class SystemScores:
    name: str
    metrics: dict[str, float]
    latency: Latency | None

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {"system": self.name, **{k: round(v, 4) for k, v in self.metrics.items()}}
        if self.latency:
            data["latency_ms"] = {
                "p50": round(self.latency.p50, 1),
                "p95": round(self.latency.p95, 1),
                "mean": round(self.latency.mean, 1),
            }
        return data


read_queries = beir_queries


def read_qrels(path: Path) -> list[ir_measures.Qrel]:
    with path.open(encoding="utf-8", newline="") as stream:
        rows = list(csv.reader(stream, delimiter="\t"))
    if rows and rows[0][0] == "query-id":  # a header
        rows = rows[1:]
    return [ir_measures.Qrel(query, doc, int(score)) for query, doc, score in rows]


def score(name: str, ranker: Ranker, queries: dict[str, str], qrels: list[ir_measures.Qrel]) -> SystemScores:
    qrels = [qrel for qrel in qrels if qrel.query_id in queries]  # judge only the queries run
    run: list[ScoredDoc] = []
    for query_id, text in queries.items():
        for doc_id, value in ranker(text):
            run.append(ScoredDoc(query_id, doc_id, value))
    raw = ir_measures.calc_aggregate(MEASURES, qrels, run)
    return SystemScores(name, {MEASURE_NAMES[str(m)]: float(v) for m, v in raw.items()}, None)


class Bm25Baseline:
    """bm25s over lowercased syllables of title + text; ``folded`` drops diacritics."""

    def __init__(self, documents: Iterable[tuple[str, str]], folded: bool) -> None:
        import bm25s

        self.folded = folded
        self.ids: list[str] = []
        corpus: list[list[str]] = []
        for doc_id, text in documents:
            self.ids.append(doc_id)
            corpus.append(self._tokens(text))
        self.model = bm25s.BM25(k1=1.2, b=0.75)
        self.model.index(corpus, show_progress=False)

    def _tokens(self, text: str) -> list[str]:
        tokens = syllable_texts(text)
        return [fold(t) for t in tokens] if self.folded else tokens

    def __call__(self, text: str) -> list[tuple[str, float]]:
        tokens = self._tokens(text) or ["_"]
        k = min(DEPTH, len(self.ids))
        documents, scores = self.model.retrieve([tokens], k=k, show_progress=False)
        return [(self.ids[i], float(s)) for i, s in zip(documents[0], scores[0], strict=True) if s > 0]


def engine_ranker(engine: Engine, latencies: list[float]) -> Ranker:
    """Our ranking at depth 100; also times the full page search (snippets, facets)."""

    def rank(text: str) -> list[tuple[str, float]]:
        started = time.perf_counter()
        engine.search(SearchRequest(query=text[:1000]))
        latencies.append((time.perf_counter() - started) * 1000)
        return engine.rank(text[:1000], DEPTH)

    return rank


def evaluate(
    engine: Engine,
    queries: dict[str, str],
    qrels: list[ir_measures.Qrel],
    strip_diacritics: bool = False,
    baselines: bool = True,
) -> list[SystemScores]:
    """Scores of our engine and, when asked, of the two BM25 baselines."""
    if strip_diacritics:
        queries = {k: fold(v) for k, v in queries.items()}
    engine.search(SearchRequest(query="khởi động"))  # load pyvi and open the index
    latencies: list[float] = []
    ours = score("vnsearch", engine_ranker(engine, latencies), queries, qrels)
    results = [SystemScores(ours.name, ours.metrics, latency_of(latencies))]
    if baselines:
        documents = list(engine.stored_texts())
        for folded in (False, True):
            name = "bm25 syllables" + (" folded" if folded else "")
            results.append(score(name, Bm25Baseline(documents, folded), queries, qrels))
    return results


def table(results: list[SystemScores]) -> str:
    header = f"{'system':<24}{'nDCG@10':>9}{'MRR@10':>9}{'R@100':>9}{'p50 ms':>9}{'p95 ms':>9}"
    lines = [header, "-" * len(header)]
    for r in results:
        p50 = f"{r.latency.p50:.1f}" if r.latency else "-"
        p95 = f"{r.latency.p95:.1f}" if r.latency else "-"
        m = r.metrics
        lines.append(
            f"{r.name:<24}{m['nDCG@10']:>9.4f}{m['MRR@10']:>9.4f}{m['Recall@100']:>9.4f}{p50:>9}{p95:>9}"
        )
    return "\n".join(lines)
