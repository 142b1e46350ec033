"""Does a learned reranker generalise better than the hand weights? LightGBM LambdaRank
over the cheap features of each query's first-stage candidates
(:mod:`search.backends.local.features`), cross-validated on the tuning sets and checked
on sets it never saw.

    python -m search.tools.learned --index DIR --qrels QRELS.tsv TRAIN.jsonl [TRAIN2.jsonl ...]
        [--check NAME=INDEX:QUERIES.jsonl:QRELS.tsv ...] [--without body_length,title_length]
        [--folds 5] [--rounds 300] [--depth 100] [--write MODEL.txt]

For each TRAIN file (BEIR queries judged in QRELS, on the index DIR) it prints the
out-of-fold nDCG@10 of the first stage and of the reranked top ``--depth``: the folds
group the queries by their relevant article (questions about one article stay in one
fold; the groups are dealt to the folds in a shuffled order, seed 0), and each fold is
reranked by a model fitted on the others. It then fits one model on every TRAIN file and
prints the first stage and the reranked nDCG@10 of each ``--check`` set (its own index,
queries and qrels), and the features' gains in that model. ``--write`` saves the model
as LightGBM's text.

nDCG@10 is ir_measures' (as ``vnsearch eval`` reports it: the qrels' graded relevance),
over the judged queries of a file, a query with no candidates counting 0. The runs it
is given score each candidate by its place, so that the order judged is the order
shown: the engine's for the first stage (partial matches after full ones, ties by id),
the model's for the reranked one, its ties in the engine's order. Where scores tie, the
first stage may so differ a little from ``vnsearch eval`` (on the dev sets it does not).

The lengths of the folded views (:data:`~search.backends.local.features.LEAKY_FEATURES`)
tell on the dev questions which corpus an article comes from; compare with and without
them (``--without body_length,title_length``). Local backend only; needs the [bench]
extra.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from search.backends.local.engine import LocalEngine
from search.backends.local.features import FEATURE_NAMES, LEAKY_FEATURES, candidate_features
from search.errors import MissingExtra, NoIndex
from search.extras import require
from search.tools.bench import beir_queries

if TYPE_CHECKING:
    import lightgbm

# As the experiment of Issue 18 (item 2) had them.
PARAMS: dict[str, Any] = {
    "objective": "lambdarank",
    "metric": "ndcg",
    "ndcg_eval_at": [10],
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 50,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambdarank_truncation_level": 20,
    "verbose": -1,
    "seed": 1,
}
FOLD_SEED = 0
MAX_QUERY = 1000  # characters of a query read, as vnsearch eval reads them
CUTOFF = 10


class TooFewQueries(ValueError):
    """A training set too small for its folds."""


@dataclass(frozen=True)
class Check:
    """A set to score the fitted model on: ``--check NAME=INDEX:QUERIES.jsonl:QRELS.tsv``."""

    name: str
    index: Path
    queries: Path
    qrels: Path


@dataclass(frozen=True)
class RankingSet:
    """A query file's first-stage candidates as LightGBM reads a ranking set: the rows of
    the candidates of each query that has some, one query after another."""

    queries: list[str]  # the judged queries with candidates, in file order
    sizes: np.ndarray  # how many candidates each has (LightGBM's groups)
    documents: list[str]  # each row's document id
    features: np.ndarray  # each row's features (the columns of FEATURE_NAMES)
    labels: np.ndarray  # each row's graded relevance (0 when not judged relevant)
    judgements: list[Any]  # the ir_measures Qrels of every judged query of the file
    relevant: dict[str, list[str]]  # query -> the articles judged relevant to it

    @property
    def first_stage(self) -> np.ndarray:
        """Scores that order each query's candidates as the first stage did."""
        return -np.concatenate([np.arange(n) for n in self.sizes]) if len(self.sizes) else np.zeros(0)

    @property
    def judged(self) -> int:
        return len({qrel.query_id for qrel in self.judgements})

    @property
    def answered(self) -> int:
        """The queries with a relevant candidate."""
        if not len(self.sizes):
            return 0
        starts = np.concatenate([[0], np.cumsum(self.sizes)[:-1]])
        return int(np.count_nonzero(np.maximum.reduceat(self.labels, starts) > 0))

    def rows(self, chosen: np.ndarray) -> np.ndarray:
        """The rows of the queries ``chosen`` (a mask over :attr:`queries`)."""
        return np.repeat(chosen, self.sizes)


def existing_file(text: str) -> Path:
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text}")
    return path


def existing_folder(text: str) -> Path:
    path = Path(text)
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"no such folder: {text}")
    return path


def check_spec(text: str) -> Check:
    """Parse ``NAME=INDEX:QUERIES.jsonl:QRELS.tsv`` (argparse reports the error)."""
    name, equals, rest = text.partition("=")
    parts = rest.split(":")
    if not name or not equals or len(parts) != 3 or not all(parts):
        raise argparse.ArgumentTypeError(f"{text!r} is not NAME=INDEX:QUERIES.jsonl:QRELS.tsv")
    try:
        return Check(name, existing_folder(parts[0]), existing_file(parts[1]), existing_file(parts[2]))
    except argparse.ArgumentTypeError as error:
        raise argparse.ArgumentTypeError(f"{name}: {error}") from None


def feature_list(text: str) -> tuple[str, ...]:
    """Parse ``--without``: feature names, comma-separated."""
    names = tuple(name.strip() for name in text.split(",") if name.strip())
    unknown = [name for name in names if name not in FEATURE_NAMES]
    if unknown:
        raise argparse.ArgumentTypeError(
            f"no feature {', '.join(unknown)} (the features: {', '.join(FEATURE_NAMES)})"
        )
    return names


def at_least_two(text: str) -> int:
    value = int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"{value} folds: at least 2")
    return value


def positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value}: at least 1")
    return value


def read_judgements(path: Path) -> list[Any]:
    """The qrels file's judgements (ir_measures Qrels)."""
    from search.tools.evaluation import read_qrels

    return read_qrels(path)


def ranking_set(
    engine: LocalEngine, queries: dict[str, str], judgements: list[Any], depth: int
) -> RankingSet:
    """The candidates of the judged ``queries`` and their features and labels."""
    grades: dict[str, dict[str, int]] = {}
    for qrel in judgements:
        if qrel.query_id in queries:
            grades.setdefault(qrel.query_id, {})[qrel.doc_id] = max(int(qrel.relevance), 0)
    kept, sizes, documents, features, labels = [], [], [], [], []
    for query_id, text in queries.items():
        if query_id not in grades:
            continue
        found = candidate_features(engine, text[:MAX_QUERY], depth)
        if not found.ids:
            continue
        kept.append(query_id)
        sizes.append(len(found.ids))
        documents += found.ids
        features.append(found.features)
        labels.append([grades[query_id].get(doc, 0) for doc in found.ids])
    return RankingSet(
        queries=kept,
        sizes=np.array(sizes, dtype=np.int64),
        documents=documents,
        features=np.concatenate(features) if features else np.zeros((0, len(FEATURE_NAMES)), np.float32),
        labels=np.concatenate(labels).astype(np.int32) if labels else np.zeros(0, np.int32),
        judgements=[qrel for qrel in judgements if qrel.query_id in grades],
        relevant={q: sorted(d for d, g in docs.items() if g > 0) for q, docs in grades.items()},
    )


def joined(sets: Sequence[RankingSet]) -> RankingSet:
    """One ranking set of several, to fit on all the training files (not to score: the
    same query may be in two of them, accented and not)."""
    return RankingSet(
        queries=[q for s in sets for q in s.queries],
        sizes=np.concatenate([s.sizes for s in sets]),
        documents=[d for s in sets for d in s.documents],
        features=np.concatenate([s.features for s in sets]),
        labels=np.concatenate([s.labels for s in sets]),
        judgements=[j for s in sets for j in s.judgements],
        relevant={q: a for s in sets for q, a in s.relevant.items()},
    )


def ndcg(ranking: RankingSet, scores: np.ndarray, cutoff: int = CUTOFF) -> float:
    """The mean nDCG@``cutoff`` (ir_measures, graded) of the set's judged queries when
    each one's candidates are ordered by ``scores`` (higher first; ties in first-stage
    order). A judged query without candidates counts 0."""
    import ir_measures
    from ir_measures import ScoredDoc, nDCG

    if not ranking.judgements:
        return 0.0
    run = []
    start = 0
    for query, size in zip(ranking.queries, ranking.sizes, strict=True):
        order = np.lexsort((np.arange(size), -scores[start : start + size]))
        run += [
            ScoredDoc(query, ranking.documents[start + i], float(-place)) for place, i in enumerate(order)
        ]
        start += size
    if not run:
        return 0.0
    measure = nDCG @ cutoff
    # averaged here over every judged query, a query missing from the run as 0 (as ir_measures
    # counts it too), whatever ir_measures' provider does
    found = {m.query_id: m.value for m in ir_measures.iter_calc([measure], ranking.judgements, run)}
    return sum(found.get(query, 0.0) for query in {j.query_id for j in ranking.judgements}) / ranking.judged


def article_groups(relevant: dict[str, list[str]]) -> dict[str, str]:
    """Each query's group: the queries linked through relevant articles (two questions
    about one article, or a question about two articles and the others about either)
    share one, named by its smallest article ("q:ID" for a query with none)."""
    parent: dict[str, str] = {}

    def root(node: str) -> str:
        while parent.setdefault(node, node) != node:
            node = parent[node]
        return node

    for query, articles in relevant.items():
        for article in articles:
            a, b = root(f"q:{query}"), root(f"a:{article}")
            parent[max(a, b)] = min(a, b)  # so each group's root is its smallest node
    return {query: root(f"q:{query}") for query in relevant}


def fold_numbers(ranking: RankingSet, folds: int, seed: int = FOLD_SEED) -> np.ndarray:
    """Each query's fold: its article group's place in a shuffled order of the groups,
    modulo ``folds``."""
    group_of = article_groups({q: ranking.relevant.get(q, []) for q in ranking.queries})
    groups = np.unique([group_of[q] for q in ranking.queries])
    if len(groups) < folds:
        raise TooFewQueries(f"{len(groups)} article groups cannot fill {folds} folds")
    np.random.default_rng(seed).shuffle(groups)
    fold_of = {group: place % folds for place, group in enumerate(groups)}
    return np.array([fold_of[group_of[q]] for q in ranking.queries], dtype=np.int64)


def fit(
    ranking: RankingSet, columns: Sequence[int], rounds: int, chosen: np.ndarray | None = None
) -> lightgbm.Booster:
    """A LambdaRank model of the features ``columns`` over the queries ``chosen`` (a
    mask; all by default)."""
    import lightgbm

    chosen = np.ones(len(ranking.queries), dtype=bool) if chosen is None else chosen
    rows = ranking.rows(chosen)
    data = lightgbm.Dataset(
        ranking.features[rows][:, columns],
        ranking.labels[rows],
        group=ranking.sizes[chosen],
        feature_name=[FEATURE_NAMES[c] for c in columns],
    )
    return lightgbm.train(PARAMS, data, num_boost_round=rounds)


def predicted(model: lightgbm.Booster, ranking: RankingSet, columns: Sequence[int]) -> np.ndarray:
    if not len(ranking.labels):
        return np.zeros(0)
    return np.asarray(model.predict(ranking.features[:, columns]), dtype=np.float64)


def cross_validated(ranking: RankingSet, columns: Sequence[int], folds: int, rounds: int) -> np.ndarray:
    """Out-of-fold scores of every row: each fold's by a model fitted on the others."""
    fold_of = fold_numbers(ranking, folds)
    scores = np.zeros(len(ranking.labels))
    for fold in range(folds):
        model = fit(ranking, columns, rounds, fold_of != fold)
        rows = ranking.rows(fold_of == fold)
        scores[rows] = np.asarray(model.predict(ranking.features[rows][:, columns]), dtype=np.float64)
    return scores


def columns_without(without: Iterable[str]) -> list[int]:
    left_out = set(without)
    return [i for i, name in enumerate(FEATURE_NAMES) if name not in left_out]


def extracted(engine: LocalEngine, queries_file: Path, judgements: list[Any], depth: int) -> RankingSet:
    """:func:`ranking_set` of a query file, and a line on what it holds."""
    started = time.perf_counter()
    ranking = ranking_set(engine, beir_queries(queries_file), judgements, depth)
    print(
        f"  {queries_file}: {ranking.judged} judged queries, {len(ranking.queries)} with candidates, "
        f"{ranking.answered} with a relevant one in the top {depth} ({time.perf_counter() - started:.0f} s)",
        flush=True,
    )
    return ranking


def engines(checks: Sequence[Check]) -> Iterator[tuple[Check, LocalEngine]]:
    """Each check set with an engine on its index (one open at a time)."""
    engine: LocalEngine | None = None
    for check in checks:
        if engine is None or engine.index_dir != check.index:
            if engine is not None:
                engine.close()
            engine = LocalEngine(check.index)
        yield check, engine
    if engine is not None:
        engine.close()


def study(args: argparse.Namespace) -> lightgbm.Booster:
    """Print the cross-validated and the checked figures; return the model fitted on
    every training file."""
    columns = columns_without(args.without)
    print(f"features ({len(columns)}): {', '.join(FEATURE_NAMES[c] for c in columns)}")
    print(f"without: {', '.join(args.without) or '-'}; {args.rounds} rounds, depth {args.depth}")
    judgements = read_judgements(args.qrels)
    engine = LocalEngine(args.index)
    print(f"training sets on {args.index}:")
    train = [extracted(engine, path, judgements, args.depth) for path in args.train]
    engine.close()
    for path, ranking in zip(args.train, train, strict=True):
        scores = cross_validated(ranking, columns, args.folds, args.rounds)
        print(
            f"CV {path} ({args.folds} folds by article): first stage {ndcg(ranking, ranking.first_stage):.4f}"
            f" -> reranked {ndcg(ranking, scores):.4f}",
            flush=True,
        )
    everything = joined(train)
    model = fit(everything, columns, args.rounds)
    print(f"fitted on {len(everything.queries)} queries of {len(train)} file(s)")
    for check, check_engine in engines(args.check):
        ranking = extracted(check_engine, check.queries, read_judgements(check.qrels), args.depth)
        print(
            f"check {check.name}: first stage {ndcg(ranking, ranking.first_stage):.4f}"
            f" -> reranked {ndcg(ranking, predicted(model, ranking, columns)):.4f}",
            flush=True,
        )
    gains = model.feature_importance("gain")
    print("gain by feature:")
    for value, name in sorted(zip(gains, model.feature_name(), strict=True), reverse=True):
        print(f"  {name:<20}{value:>12.0f}")
    return model


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m search.tools.learned", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "train", nargs="+", type=existing_file, help="BEIR queries.jsonl files (training sets)"
    )
    parser.add_argument("--qrels", type=existing_file, required=True, help="BEIR qrels.tsv of those queries")
    parser.add_argument("--index", type=existing_folder, required=True, help="an index of their corpus")
    parser.add_argument(
        "--check",
        type=check_spec,
        action="append",
        default=[],
        metavar="NAME=INDEX:QUERIES.jsonl:QRELS.tsv",
        help="a set to score the fitted model on (repeatable)",
    )
    parser.add_argument(
        "--without",
        type=feature_list,
        default=(),
        metavar="F1,F2",
        help=f"features left out (the lengths tell which corpus: {','.join(LEAKY_FEATURES)})",
    )
    parser.add_argument("--folds", type=at_least_two, default=5, help="cross-validation folds")
    parser.add_argument("--rounds", type=positive, default=300, help="boosting rounds")
    parser.add_argument("--depth", type=positive, default=100, help="first-stage candidates reranked")
    parser.add_argument("--write", type=Path, help="save the model fitted on all training files here")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parser()
    args = arguments.parse_args(argv)
    if not columns_without(args.without):
        arguments.error("--without leaves no feature")
    try:
        require("bench")
        require("learn")
        model = study(args)
    except (MissingExtra, NoIndex, TooFewQueries) as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
    if args.write:
        model.save_model(str(args.write))
        print(f"model written to {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
