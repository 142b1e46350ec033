"""The features of the first-stage candidates are those of the engine's own ranking, and
the study tool's cross-validation, nDCG and arguments do what they say."""

from __future__ import annotations

import json
from pathlib import Path

import ir_measures
import lightgbm
import numpy as np
import pytest

from search import extras
from search.backends.local.engine import LocalEngine
from search.backends.local.features import COLUMN, FEATURE_NAMES, LEAKY_FEATURES, candidate_features
from search.tools import learned

CHUONG_MY = "000_883de19ce3b78452"
PHU_XUYEN = "001_87ea7937df2d375c"
LAM_DONG = "002_580145f5ab2b21f1"
TAY_HO = "003_9116d0a3ed22fadd"
# Eight words: most seeds have only some of them, one only too few (a partial match).
LONG_QUERY = "ngập lụt Chương Mỹ Hà Nội mưa lớn"
QUERIES = ("Chương Mỹ", "phu xuyen", "huyện", "phong trào thi đua", LONG_QUERY, "Lâm Đồng", "quận Tây Hồ")


@pytest.fixture(scope="module")
def local(seeded_index: Path) -> LocalEngine:
    return LocalEngine(seeded_index)


@pytest.mark.parametrize("query", QUERIES)
def test_the_candidates_are_the_engines_ranking_and_the_score_its_score(
    local: LocalEngine, query: str
) -> None:
    found = candidate_features(local, query)
    ranked = local.rank(query, 100)
    assert found.ids == [doc for doc, _ in ranked] and found.ids
    assert found.features.dtype == np.float32 and found.features.shape == (len(ranked), len(FEATURE_NAMES))
    assert found.features[:, COLUMN["score"]] == pytest.approx([s for _, s in ranked], rel=1e-6)
    assert list(found.features[:, COLUMN["rank"]]) == list(range(len(ranked)))
    assert (found.features[:, COLUMN["matched"]] == len(ranked)).all()  # all five seeds fit in 100


def test_a_partial_match_is_ranked_below_the_full_ones_and_has_less_of_the_query(local: LocalEngine) -> None:
    found = candidate_features(local, LONG_QUERY)
    partial = found.features[:, COLUMN["partial"]]
    coverage = found.features[:, COLUMN["coverage"]]
    assert found.ids == [doc for doc, _ in local.rank(LONG_QUERY, 100)]
    assert partial[-1] == 1 and not partial[:-1].any()  # ranked last though not the lowest score
    assert found.features[-1, COLUMN["score"]] > found.features[-2, COLUMN["score"]]
    assert found.ids[0] == CHUONG_MY and coverage[0] == coverage.max() < 1.0
    assert coverage[-1] == coverage.min() and (found.features[:, COLUMN["clauses"]] == 8).all()


def test_a_short_query_matches_all_its_words_so_its_coverage_is_full(local: LocalEngine) -> None:
    found = candidate_features(local, "phong trào thi đua")
    assert len(found.ids) > 1
    assert (found.features[:, COLUMN["coverage"]] == 1.0).all()
    assert list(found.features[:, COLUMN["idf_coverage"]]) == pytest.approx([1.0] * len(found.ids))
    assert (found.features[:, COLUMN["partial"]] == 0).all()
    assert (found.features[:, COLUMN["max_missing_idf"]] == 0).all()


def test_depth_and_no_candidates(local: LocalEngine) -> None:
    assert candidate_features(local, "huyện", depth=2).ids == [d for d, _ in local.rank("huyện", 2)]
    empty = candidate_features(local, "xyzzyq")
    assert empty.ids == [] and empty.features.shape == (0, len(FEATURE_NAMES))
    assert set(LEAKY_FEATURES) < set(FEATURE_NAMES)


def _judgements(pairs: list[tuple[str, str, int]]) -> list[ir_measures.Qrel]:
    return [ir_measures.Qrel(q, d, g) for q, d, g in pairs]


def _ranking(queries: int, candidates: int, seed: int) -> learned.RankingSet:
    """Two questions per article; the relevant candidate at a random first-stage place,
    and the column "coverage" 1 for it alone (every other column noise)."""
    rng = np.random.default_rng(seed)
    features = rng.random((queries * candidates, len(FEATURE_NAMES))).astype(np.float32)
    features[:, COLUMN["coverage"]] = 0
    labels = np.zeros(queries * candidates, np.int32)
    documents, judgements = [], []
    for q in range(queries):
        answer = int(rng.integers(candidates))
        labels[q * candidates + answer] = 1
        features[q * candidates + answer, COLUMN["coverage"]] = 1
        documents += [f"d{q // 2}" if i == answer else f"x{q}-{i}" for i in range(candidates)]
        judgements.append((f"q{q}", f"d{q // 2}", 1))
    return learned.RankingSet(
        queries=[f"q{q}" for q in range(queries)],
        sizes=np.full(queries, candidates),
        documents=documents,
        features=features,
        labels=labels,
        judgements=_judgements(judgements),
        relevant={f"q{q}": [f"d{q // 2}"] for q in range(queries)},
    )


def test_cross_validation_learns_the_feature_that_decides_and_keeps_an_articles_questions_together() -> None:
    ranking = _ranking(queries=80, candidates=20, seed=3)
    folds = learned.fold_numbers(ranking, 4)
    assert (folds[0::2] == folds[1::2]).all()  # q0, q1 are about d0; q2, q3 about d1; ...
    assert sorted(set(folds.tolist())) == [0, 1, 2, 3]
    first = learned.ndcg(ranking, ranking.first_stage)
    reranked = learned.ndcg(ranking, learned.cross_validated(ranking, learned.columns_without(()), 4, 30))
    assert first < 0.5 and reranked > 0.95


def test_ndcg_is_graded_and_a_judged_query_without_candidates_counts_zero() -> None:
    ranking = learned.RankingSet(
        queries=["a"],
        sizes=np.array([3]),
        documents=["good", "best", "other"],
        features=np.zeros((3, len(FEATURE_NAMES)), np.float32),
        labels=np.array([1, 2, 0]),
        judgements=_judgements([("a", "best", 2), ("a", "good", 1), ("none found", "x", 1)]),
        relevant={"a": ["best", "good"], "none found": ["x"]},
    )
    ideal = 2 + 1 / np.log2(3)
    assert learned.ndcg(ranking, ranking.first_stage) == pytest.approx((1 + 2 / np.log2(3)) / ideal / 2)
    assert learned.ndcg(ranking, np.array([0.0, 1.0, 0.0])) == pytest.approx(0.5)  # best first
    assert learned.ndcg(ranking, np.array([5.0, 5.0, 9.0])) == pytest.approx(  # a tie: first-stage order
        (1 / np.log2(3) + 2 / np.log2(4)) / ideal / 2
    )


def _files(tmp_path: Path) -> tuple[Path, Path]:
    judged = {
        "q1": ("Chương Mỹ", CHUONG_MY),
        "q2": ("phu xuyen", PHU_XUYEN),
        "q3": ("Lâm Đồng", LAM_DONG),
        "q4": ("quận Tây Hồ", TAY_HO),
        "q5": ("giáo dục huyện Chương Mỹ", CHUONG_MY),
        "q6": ("xyzzyq", TAY_HO),  # no candidates
    }
    queries = tmp_path / "queries.jsonl"
    queries.write_text(
        "".join(json.dumps({"_id": q, "text": t}, ensure_ascii=False) + "\n" for q, (t, _) in judged.items()),
        encoding="utf-8",
    )
    qrels = tmp_path / "qrels.tsv"
    qrels.write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t1\n" for q, (_, d) in judged.items()),
        encoding="utf-8",
    )
    return queries, qrels


def test_the_tool_runs_on_a_real_index_and_leaves_out_the_features_named(
    seeded_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    queries, qrels = _files(tmp_path)
    model = tmp_path / "model.txt"
    check = f"seeds={seeded_index}:{queries}:{qrels}"
    arguments = [str(queries), "--qrels", str(qrels), "--index", str(seeded_index), "--check", check]
    arguments += [
        "--folds",
        "2",
        "--rounds",
        "3",
        "--without",
        "body_length,title_length",
        "--write",
        str(model),
    ]
    assert learned.main(arguments) == 0
    printed = capsys.readouterr().out
    assert "6 judged queries, 5 with candidates, 5 with a relevant one in the top 100" in printed
    # every query but the one without candidates finds its article first: 5 of 6
    assert f"CV {queries} (2 folds by article): first stage 0.8333 -> reranked" in printed
    assert "check seeds: first stage 0.8333 -> reranked" in printed
    names = lightgbm.Booster(model_file=str(model)).feature_name()
    assert names == [n for n in FEATURE_NAMES if n not in LEAKY_FEATURES] and len(names) == 22
    assert "body_length" not in printed.split("gain by feature:")[1]


@pytest.mark.parametrize(
    ("option", "said"),
    [
        (["--check", "dev"], "is not NAME=INDEX:QUERIES.jsonl:QRELS.tsv"),
        (["--check", "dev=/nowhere:a.jsonl"], "is not NAME=INDEX:QUERIES.jsonl:QRELS.tsv"),
        (["--check", "dev=/nowhere/index:QUERIES:QRELS"], "dev: no such folder: /nowhere/index"),
        (["--without", "body_length,lenght"], "no feature lenght"),
        (["--folds", "1"], "at least 2"),
    ],
)
def test_bad_arguments_are_argparse_errors(
    seeded_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], option: list[str], said: str
) -> None:
    queries, qrels = _files(tmp_path)
    with pytest.raises(SystemExit) as stopped:
        learned.main([str(queries), "--qrels", str(qrels), "--index", str(seeded_index), *option])
    assert stopped.value.code == 2
    error = capsys.readouterr().err
    assert said in error and "usage: python -m search.tools.learned" in error


def test_a_missing_extra_is_one_line(
    seeded_index: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(extras.EXTRAS, "learn", ("no_such_module_of_the_extra",))
    queries, qrels = _files(tmp_path)
    assert learned.main([str(queries), "--qrels", str(qrels), "--index", str(seeded_index)]) == 1
    assert capsys.readouterr().err == (
        "Error: no_such_module_of_the_extra not installed: this needs the [learn] extra "
        "(pip install 'vnsearch[learn]', or in a checkout: pip install -e '.[learn]')\n"
    )
