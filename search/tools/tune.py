"""Choose the planner's hand weights on a tuning set: a coordinate search, one weight at
a time over a few values, keeping a change only when it raises the mean nDCG@10 of the
tuning query files by more than ``--min-gain``.

    python -m search.tools.tune --index DIR --qrels QRELS.tsv Q1.jsonl [Q2.jsonl ...]
        [--write search/query/weights.json]

Every trial is printed. With ``--write``, the weights kept are written in the format of
``search/query/weights.json`` (the file the planner reads). Tune on one set (the dev
questions, accented and unaccented) and check the result on the others with
``vnsearch eval``: the known-item sets of :mod:`search.tools.knownitem` were never tuned
on. Local backend only (the weights are the planner's, the engine is opened in process).
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from pathlib import Path

from search.engine import open_engine
from search.query import planner
from search.tools.evaluation import read_qrels, score

# Each weight's values tried, around the shipped ones.
GRID: dict[str, tuple[float, ...]] = {
    "TITLE_BOOST": (0.1, 0.15, 0.25, 0.4),
    "PAIR_BOOST": (0.7, 1.0, 1.4),
    "COMPOUND_BOOST": (0.35, 0.5, 0.75, 1.0),
    "FILLER_WEIGHT": (0.1, 0.2, 0.35),
    "MIN_MATCH_FRACTION": (0.2, 0.3, 0.4),
    "ACCENT_BOOST": (0.6, 1.0, 1.5),
    "FOLD_BOOST": (0.7, 1.0, 1.4),
    "PROXIMITY_BOOST": (0.5, 0.7, 1.0),
}
DEPTH = 100
ABOUT = (
    "The planner's hand weights, chosen by `python -m search.tools.tune` on the ViNewsQA dev "
    "questions (accented and unaccented) and checked on the known-item sets; see BENCHMARKS.md."
)

Objective = Callable[[], float]


def objective(index: Path, query_files: Sequence[Path], qrels_file: Path) -> Objective:
    """The mean nDCG@10 of the query files on the index, under the planner's weights as
    they are when it is called."""
    engine = open_engine(index)
    qrels = read_qrels(qrels_file)
    sets = []
    for path in query_files:
        records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        sets.append({str(r["_id"]): str(r["text"]) for r in records})

    def mean_ndcg() -> float:
        found = [
            score(path.name, lambda text: engine.rank(text[:1000], DEPTH), queries, qrels).metrics["nDCG@10"]
            for path, queries in zip(query_files, sets, strict=True)
        ]
        return sum(found) / len(found)

    return mean_ndcg


def coordinate_search(
    measure: Objective,
    grid: dict[str, tuple[float, ...]],
    min_gain: float,
    report: Callable[[str], None] = print,
) -> tuple[dict[str, float], float]:
    """One pass over ``grid``: each weight set to each of its values in turn (the others
    as kept so far), kept when it beats the best by more than ``min_gain``. Returns the
    weights and the best value; the planner is left with them."""
    best = measure()
    report(f"shipped weights: {best:.4f}")
    for name, values in grid.items():
        kept = float(getattr(planner, name))
        for value in values:
            if value == kept:
                continue
            setattr(planner, name, value)
            got = measure()
            better = got > best + min_gain
            report(f"{name} = {value}: {got:.4f}{'  (kept)' if better else ''}")
            if better:
                best, kept = got, value
        setattr(planner, name, kept)
    return {name: float(getattr(planner, name)) for name in planner.WEIGHTS}, best


def write_weights(path: Path, weights: dict[str, float]) -> None:
    path.write_text(json.dumps({"_about": ABOUT, **weights}, indent=2) + "\n", encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("queries", nargs="+", type=Path, help="BEIR queries.jsonl files (tuning sets)")
    parser.add_argument("--qrels", type=Path, required=True, help="BEIR qrels.tsv of those queries")
    parser.add_argument("--index", type=Path, required=True, help="an index of their corpus")
    parser.add_argument("--min-gain", type=float, default=0.001, help="nDCG@10 a change must add")
    parser.add_argument("--write", type=Path, help="write the weights kept to this file")
    args = parser.parse_args(argv)
    weights, best = coordinate_search(objective(args.index, args.queries, args.qrels), GRID, args.min_gain)
    print(f"kept: {weights} -> {best:.4f}")
    if args.write:
        write_weights(args.write, weights)
        print(f"written to {args.write}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
