"""The fast segmenter gives pyvi's own labels and words, token for token.

The reference is pyvi's path as segment.py used to run it: ``sent2features`` and
``model.predict`` on our tokens, then pyvi's joining rule; and, on the lines that pyvi's
own tokenizer splits into the same tokens, ``ViTokenizer.tokenize`` itself.
"""

from __future__ import annotations

import gzip
import json
import re
import string
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from functools import cache
from itertools import islice
from pathlib import Path
from typing import Any

import pycrfsuite
import pytest

from search.analysis import segment
from search.analysis.crf_features import Features, GramIds
from search.analysis.crf_model import CrfModel, best_path
from search.analysis.segment import TOKEN_PATTERN
from search.ingest.scraped import parse_scraped_page
from search.text import normalize

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
CORPUS = Path("/work/shared/corpora/baomoi-35k.jsonl.gz")
CORPUS_ARTICLES = 300
WordTuple = tuple[str, int, int, int, int]  # text, start, end, first_syllable, syllables


@cache
def _pyvi() -> Any:
    """pyvi's own tokenizer class, the reference (its import loads sklearn)."""
    from pyvi.ViTokenizer import ViTokenizer

    return ViTokenizer


def pyvi_labels(tokens: list[str]) -> list[str]:
    """pyvi's labels for one line's tokens, by pyvi's own feature dicts and predict."""
    vi = _pyvi()
    return [str(label) for label in vi.model.predict([vi.sent2features(tokens, False)])[0]]


def _joins(prev: str, cur: str, label: str) -> bool:
    """pyvi's rule for gluing ``cur`` onto the word that ends with ``prev``."""
    return (
        label == "I_W"
        and cur[0].isalnum()
        and prev[0].isalnum()
        and not cur[0].isdigit()
        and not prev[0].isdigit()
        and not (cur[0].istitle() and not prev[0].istitle())
    )


def pyvi_words(text: str) -> list[WordTuple]:
    """The words the segmenter gave on pyvi's path, token by token."""
    words: list[WordTuple] = []
    offset = syllable = 0
    for line in text.split("\n"):
        matches = list(TOKEN_PATTERN.finditer(line))
        labels = pyvi_labels([m.group(0) for m in matches]) if matches else []
        group: list[Any] = []
        for i, match in enumerate(matches):
            if group and _joins(matches[i - 1].group(0), match.group(0), labels[i]):
                group.append(match)
            else:
                _flush(words, group, offset, syllable)
                syllable += len(group)
                group = [match] if match.group(0)[0].isalnum() else []
        _flush(words, group, offset, syllable)
        syllable += len(group)
        offset += len(line) + 1
    return words


def _flush(words: list[WordTuple], group: list[Any], offset: int, syllable: int) -> None:
    if group:
        text = " ".join(m.group(0) for m in group)
        words.append((text, offset + group[0].start(), offset + group[-1].end(), syllable, len(group)))


def fast_words(text: str) -> list[WordTuple]:
    return [(w.text, w.start, w.end, w.first_syllable, w.syllables) for w in segment.segment(text)]


def tokenized(line: str) -> str:
    """``line`` as pyvi's ``tokenize`` writes it, from the fast segmenter's words."""
    words = segment.segment(line)
    word = next(words, None)
    out: list[str] = []
    for match in TOKEN_PATTERN.finditer(line):
        if word is not None and match.start() >= word.end:
            word = next(words, None)  # the next word, after any punctuation
        if word is not None and match.start() == word.start:
            out.append(word.text.replace(" ", "_"))
        elif word is None or match.start() < word.start:
            out.append(match.group(0))  # punctuation (other tokens are in words)
    return " ".join(out)


def comparable_with_tokenize(line: str) -> bool:
    """pyvi's tokenizer splits ``line`` as we do, and its punctuation test (ASCII
    punctuation) agrees with ours on every token."""
    tokens = TOKEN_PATTERN.findall(line)
    same_tokens = bool(tokens) and _pyvi().sylabelize(line)[1] == tokens
    return same_tokens and all(t[0].isalnum() or t in string.punctuation for t in tokens)


def assert_as_pyvi(text: str) -> int:
    """The fast labels, words and compounds of ``text`` are pyvi's; returns how many
    lines were also checked against ``ViTokenizer.tokenize``."""
    checked = 0
    for line in text.split("\n"):
        tokens = TOKEN_PATTERN.findall(line)
        assert segment.labels(tokens) == (pyvi_labels(tokens) if tokens else [])
        if comparable_with_tokenize(line):
            assert tokenized(line) == _pyvi().tokenize(line)
            checked += 1
    words = fast_words(text)
    assert words == pyvi_words(text)
    assert segment.compounds(text) == [(t, first, start, end) for t, start, end, first, n in words if n > 1]
    return checked


def seed_texts() -> Iterator[str]:
    for path in sorted(SEEDS.glob("*.txt")):
        article = parse_scraped_page(path.read_text(encoding="utf-8"), path.stem)
        assert article is not None
        yield normalize(f"{article.title}\n{article.body}")


def test_seed_articles_segment_as_pyvi() -> None:
    texts = list(seed_texts())
    assert len(texts) == 5
    assert sum(map(assert_as_pyvi, texts)) > 0


def sequential_scores(model: CrfModel, attributes: dict[str, float]) -> tuple[float, float]:
    """One position's scores as crfsuite's tagger sums them: from 0.0, each attribute's
    weight times its value, in the item's order."""
    first = second = 0.0
    for name, value in attributes.items():
        w0, w1 = model.weights(name.encode())
        first += w0 * value
        second += w1 * value
    return first, second


def test_scores_are_pyvis_attributes_summed_in_order() -> None:
    """Each position's scores are those of pyvi's own dict, summed attribute after
    attribute as crfsuite does: equal as floats, bit for bit."""
    vi = _pyvi()
    features = segment._features()
    trigrams = " ".join(sorted(vi.tri_grams)[:200:2])  # a line where every kind of attribute occurs often
    for text in [*seed_texts(), trigrams.title(), trigrams.upper()]:
        for line in text.split("\n"):
            tokens = TOKEN_PATTERN.findall(line)
            if not tokens:
                continue
            scores, _ = features.scores(tokens)
            reference = pycrfsuite.ItemSequence(vi.sent2features(tokens, False)).items()
            expected = [sequential_scores(features.model, attributes) for attributes in reference]
            assert [tuple(row) for row in scores.tolist()] == expected


def _dumped_weights(tagger: Any) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float]]:
    """The state and transition weights a pycrfsuite ``tagger`` prints in its text dump
    (six decimals), by (attribute, label) and (label, label)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "model.txt"
        tagger.dump(str(path))
        text = path.read_text(encoding="utf-8")
    transitions = text[text.index("TRANSITIONS = {") : text.index("STATE_FEATURES = {")]
    states = text[text.index("STATE_FEATURES = {") :]
    # A name may hold a newline (the attribute of the token "\n"): lines are not records.
    line = re.compile(r"^  \(\d\) (.+?) --> (\S+): (-?\d+\.\d+)$", re.MULTILINE | re.DOTALL)
    return (
        {(a, label): float(w) for a, label, w in line.findall(states)},
        {(a, label): float(w) for a, label, w in line.findall(transitions)},
    )


def test_model_read_without_pyvi_is_pyvis() -> None:
    """The model segment.py reads from pyvi's files is the one pyvi unpickles: the same
    n-gram lists and labels, and every weight its tagger prints, to the six decimals it
    prints, with no weight more."""
    from search.analysis import pyvi_model

    ours, vi = pyvi_model.load(), _pyvi()
    assert (ours.bi_grams, ours.tri_grams) == (vi.bi_grams, vi.tri_grams)
    crf = ours.crf
    assert list(crf.labels) == vi.model.tagger_.labels()
    states, transitions = _dumped_weights(vi.model.tagger_)
    assert len(states) > 10_000 and len(transitions) == 4
    ours_states = {
        (name.decode(), label): round(weights[number], 6)
        for name, weights in crf.attributes.items()
        for number, label in enumerate(crf.labels)
        if (name.decode(), label) in states or weights[number] != 0.0
    }
    assert ours_states == {key: round(w, 6) for key, w in states.items()}
    assert {
        (crf.labels[a], crf.labels[b]): round(crf.transitions[a][b], 6) for a in range(2) for b in range(2)
    } == transitions


def test_best_path_breaks_ties_as_crfsuite_does() -> None:
    """Equal scores go to the lower label, at every step and at the end."""
    no_transitions = ((0.0, 0.0), (0.0, 0.0))
    assert best_path([1.0, 2.0, 0.5], [1.0, 2.0, 0.5], no_transitions) == [0, 0, 0]
    assert best_path([0.0], [1.0], no_transitions) == [1]
    # From label 1 to label 0 pays off enough to beat staying on 0 all along.
    assert best_path([0.0, 3.0], [2.0, 0.0], ((0.0, 0.0), (0.0, 0.0))) == [1, 0]
    assert best_path([0.0, 3.0], [2.0, 0.0], ((0.0, 0.0), (-2.5, 0.0))) == [0, 0]
    assert best_path([0.0, 3.0], [2.0, 0.0], ((0.0, 0.0), (-2.0, 0.0))) == [0, 0]  # a tie: 0


@pytest.fixture(scope="module")
def corpus_texts() -> list[str]:
    if not CORPUS.exists():
        pytest.skip(f"the baomoi corpus is not at {CORPUS}")
    with gzip.open(CORPUS, "rt", encoding="utf-8") as lines:
        records = [json.loads(line) for line in islice(lines, CORPUS_ARTICLES)]
    return [normalize(f"{r['title']}\n{r['text']}") for r in records]


def test_corpus_articles_segment_as_pyvi(corpus_texts: list[str]) -> None:
    assert len(corpus_texts) == CORPUS_ARTICLES
    checked = sum(map(assert_as_pyvi, corpus_texts))
    assert checked >= 50  # lines compared with pyvi's own tokenize, not a vacuous test


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\n",
        "\n\n\n",
        "   \t  ",
        "Hà Nội\n\nĐà Nẵng\n",
        "...!?;:,.()[]",
        "“” – … «»",
        "1.000,5 và 2,5 tỷ đồng, 3.14 hay 1.2.3 hoặc 10,000.",
        "Giá 1.000,5đ, tăng 12% so với năm 2019.",
        "iPhone XS Max của Apple, COVID-19 và SARS-CoV-2",
        "ĐẠI HỌC QUỐC GIA Hà Nội, đại học Quốc gia, Đại Học quốc gia",
        "TP. HCM, TP.HCM và Tp. Hồ Chí Minh...",
        "Liên_đoàn lao_động a_b _ __ ___",
        "email@example.com http://example.com/a_b?c=1",
        "Σ ΟΔΟΣ, İstanbul, ǅemal ǆ",
        "½ ² ³ ١٢٣ 三 四",
        "x",
        "A",
        "5",
    ],
)
def test_edge_cases_segment_as_pyvi(text: str) -> None:
    assert_as_pyvi(normalize(text))


def test_very_long_lines_segment_as_pyvi() -> None:
    body = " ".join(text.replace("\n", " ") for text in seed_texts())
    assert len(TOKEN_PATTERN.findall(body)) > 3000
    assert_as_pyvi(body)
    assert_as_pyvi("a " * 5000 + "Hà Nội")
    assert_as_pyvi("Việt Nam. " * 2000)


def test_a_full_cache_empties_and_gives_the_same_labels() -> None:
    vi = _pyvi()
    crf = segment._model().crf
    features = Features(GramIds(vi.bi_grams, vi.tri_grams), crf, cache_limit=7)
    longest = 0  # tokens of the longest line so far: the table grows to hold one line
    for text in [*seed_texts(), "Hà Nội Hà Nội. " * 20]:
        for line in text.split("\n"):
            tokens = TOKEN_PATTERN.findall(line)
            if tokens:
                longest = max(longest, len(tokens))
                scores, _ = features.scores(tokens)
                first, second = scores.T.tolist()
                labels = [crf.labels[label] for label in best_path(first, second, crf.transitions)]
                assert labels == pyvi_labels(tokens)
                assert len(features.rows) <= max(7, longest)
    assert longest > 7  # lines with more tokens than the cache holds were checked


def test_compounds_are_the_multi_syllable_words() -> None:
    text = normalize("Liên đoàn Lao động huyện Chương Mỹ.\nNgười lao động, học sinh và giáo viên")
    assert segment.compounds(text) == [
        (w.text, w.first_syllable, w.start, w.end) for w in segment.segment(text) if w.syllables > 1
    ]
    assert ("Liên đoàn", 0, 0, 9) in segment.compounds(text)


def test_segmenting_imports_neither_sklearn_nor_pyvis_tokenizer() -> None:
    """Segmenting loads no sklearn (1.7 s of every ``--update``'s start) and leaves no
    temporary model file."""
    code = (
        "import sys; from search.analysis import segment; "
        "words = [w.text for w in segment.segment('Liên đoàn Lao động quận Hoàn Kiếm')]; "
        "print(words, sorted(m for m in sys.modules if m.startswith(('sklearn', 'pyvi.'))))"
    )
    before = set(Path("/tmp").glob("model*.crfsuite"))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['Liên đoàn', 'Lao động', 'quận', 'Hoàn Kiếm'] []"
    assert set(Path("/tmp").glob("model*.crfsuite")) <= before


def test_threads_scoring_new_tokens_at_once_get_what_they_get_alone() -> None:
    """A server's threads segment queries at once: new tokens' rows, and a table emptied
    when full, must not mix one thread's tokens with another's."""
    vi = _pyvi()
    crf = segment._model().crf
    texts = [
        [f"Hà Nội {word}{thread}x{i} công đoàn Tỉnh{thread}y{i}".split() for i in range(30)]
        for thread, word in enumerate(["lao", "Động", "giáo", "VIÊN", "tin", "Số", "năm", "đường"])
    ]
    alone = Features(GramIds(vi.bi_grams, vi.tri_grams), crf)
    expected = [[alone.scores(tokens)[0].tolist() for tokens in lines] for lines in texts]
    shared = Features(GramIds(vi.bi_grams, vi.tri_grams), crf, cache_limit=40)  # emptied often
    found: list[list[list[list[float]]]] = [[] for _ in texts]

    def score(number: int) -> None:
        for _ in range(5):
            found[number] = [shared.scores(tokens)[0].tolist() for tokens in texts[number]]
            if found[number] != expected[number]:
                return

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads take turns as often as they can
    try:
        threads = [threading.Thread(target=score, args=(n,)) for n in range(len(texts))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert found == expected
