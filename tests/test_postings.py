"""The posting store: what the build writes is what a search reads, through partitions,
segments of successive updates and phrases checked in the stored text."""

from __future__ import annotations

import hashlib
import json
import pickle
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from search import fields
from search.analysis.pipeline import article_compounds
from search.analysis.views import VIEWS, Analysed
from search.backends.local import postings, schema, term_keys
from search.backends.local.engine import LocalEngine
from search.backends.local.indexer import build_index, index_terms, update_index
from search.backends.local.postings import DocumentTerms, PostingStore, PostingWriter, document_terms
from search.backends.local.storage import current_generation, read_meta, write_meta
from search.cli import main
from search.errors import NoIndex
from search.ingest.article import Article
from search.results import SearchRequest
from tests.exports import write_export


def _article(doc_id: str, title: str, body: str) -> Article:
    return Article(id=doc_id, title=title, body=body)


def _ids(engine: LocalEngine, query: str) -> list[str]:
    return [hit.id for hit in engine.search(SearchRequest(query=query, per_page=50)).hits]


def test_written_postings_read_back_through_partition_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postings, "_FLUSH_AT", 3)  # every document goes through a flush
    texts = ["Công đoàn công đoàn", "Giáo viên", "công đoàn giáo viên mới"]
    writer = PostingWriter(tmp_path, first_doc=7)
    for i, text in enumerate(texts):
        assert writer.add(document_terms(Analysed(_article(str(i), "Tin", text), []))) == 7 + i
    name = writer.finish()
    assert name == "postings-0001"
    assert not (tmp_path / f"{name}.partitions").exists()
    store = PostingStore(tmp_path, size=10)
    docs, tfs = store.read(fields.BODY_FOLDED, "cong")
    assert docs.tolist() == [7, 9] and tfs.tolist() == [2.0, 1.0]
    docs, tfs = store.read(fields.BODY, "công")
    assert docs.tolist() == [7, 9]
    assert store.read(fields.BODY, "cong")[0].tolist() == []  # the accented view keeps accents
    assert store.read(fields.PAIRS, "giao_vien")[0].tolist() == [8, 9]
    assert store.read(fields.TITLE_FOLDED, "tin")[0].tolist() == [7, 8, 9]
    assert store.read(fields.BODY_FOLDED, "nothing")[0].tolist() == []
    # tokens of each view of each document, by document number
    assert store.lengths(fields.BODY).tolist() == [0] * 7 + [4, 2, 5]
    assert store.lengths(fields.PAIRS)[7] == 3  # four syllables of text: three pairs (none with "tin")
    assert len(VIEWS) == 6


def test_partitions_sorted_at_once_are_written_in_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The partitions are sorted by several threads; the early ones are made the slowest
    here, so that later ones finish first: the segment must still hold them in order."""
    sort_partition = PostingWriter._sorted_partition

    def slow_early(writer: PostingWriter, p: int) -> object:
        time.sleep(0.02 if p < 8 else 0)
        return sort_partition(writer, p)

    monkeypatch.setattr(PostingWriter, "_sorted_partition", slow_early)
    words = [f"tu{i}" for i in range(300)]  # enough terms for every partition
    writer = PostingWriter(tmp_path, first_doc=0)
    for doc in range(6):
        text = " ".join(word for i, word in enumerate(words) if i % 6 != doc)
        writer.add(document_terms(Analysed(_article(str(doc), "Tin", text), [])))
    writer.finish()
    store = PostingStore(tmp_path, size=6)
    for i, word in enumerate(words):
        assert store.read(fields.BODY, word)[0].tolist() == [d for d in range(6) if i % 6 != d]
    keys = np.load(tmp_path / "postings-0001.keys.npy")
    assert (keys[1:] >= keys[:-1]).all()


def test_a_flush_that_fails_in_its_thread_fails_the_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Partition files are written by a flushing thread; what it raises (a full disk)
    comes out of the writer, not lost in the thread."""

    def full_disk(writer: PostingWriter, buffer: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(postings, "_FLUSH_AT", 3)
    monkeypatch.setattr(PostingWriter, "_write_partitions", full_disk)
    writer = PostingWriter(tmp_path, first_doc=0)
    writer.add(document_terms(Analysed(_article("0", "Tin", "Công đoàn công đoàn"), [])))
    with pytest.raises(OSError, match="No space"):
        writer.finish()
    writer.cancel()
    assert not (tmp_path / "postings-0001.partitions").exists()


def test_an_empty_segment_reads_as_no_postings(tmp_path: Path) -> None:
    PostingWriter(tmp_path, first_doc=0).finish()
    store = PostingStore(tmp_path, size=0)
    assert store.read(fields.BODY, "công")[0].tolist() == []
    assert store.lengths(fields.BODY).shape == (0,)


def test_successive_updates_keep_every_document_on_its_own_postings(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    records = [
        {"id": "a", "title": "Tin một", "text": "Hội nghị ở Chương Mỹ."},
        {"id": "b", "title": "Tin hai", "text": "Giáo viên ở Lâm Đồng."},
        {"id": "c", "title": "Tin ba", "text": "Công nhân ở Phú Xuyên."},
    ]
    build_index([write_export(tmp_path / "v0.jsonl", records)], index_dir, workers=1)
    changes = [("a", "Đà Lạt"), ("c", "Mê Linh"), ("a", "Sóc Sơn")]
    for step, (doc_id, place) in enumerate(changes, start=1):
        records = [r if r["id"] != doc_id else {**r, "text": f"Hội nghị ở {place}."} for r in records]
        report = update_index([write_export(tmp_path / f"v{step}.jsonl", records)], index_dir, workers=1)
        assert (report.indexed, report.unchanged) == (1, 2)
    engine = LocalEngine(index_dir)
    assert _ids(engine, "sóc sơn") == ["a"]
    assert _ids(engine, "mê linh") == ["c"]
    assert _ids(engine, "lâm đồng") == ["b"]
    for gone in ("chương mỹ", "đà lạt", "phú xuyên"):  # the texts the updates replaced
        assert _ids(engine, gone) == []
    assert sorted(_ids(engine, "hội nghị")) == ["a", "c"]
    assert sorted(_ids(engine, "")) == ["a", "b", "c"]
    assert len(list(current_generation(index_dir).glob("postings-*.json"))) == 4


def test_a_phrase_needs_its_words_together_in_one_field(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    records = [
        {"id": "together", "title": "Tin", "text": "Dự án nhà công vụ cho giáo viên."},
        # every pair of the phrase is here, but never the three words in a row
        {"id": "apart", "title": "Tin", "text": "Nhà công. Công vụ của giáo viên."},
        {"id": "title", "title": "Nhà công vụ mới", "text": "Giáo viên vui mừng."},
        {"id": "across", "title": "Xây nhà công", "text": "vụ mới."},
    ]
    build_index([write_export(tmp_path / "v.jsonl", records)], index_dir, workers=1)
    engine = LocalEngine(index_dir)
    assert sorted(_ids(engine, '"nha cong vu"')) == ["title", "together"]
    assert sorted(_ids(engine, 'giáo viên -"nhà công vụ"')) == ["apart"]
    assert sorted(_ids(engine, 'giao vien -"nha cong vu"')) == ["apart"]


def test_an_index_of_another_schema_version_says_to_rebuild(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    source = write_export(tmp_path / "v.jsonl", [{"id": "a", "title": "Tin", "text": "Giáo viên."}])
    build_index([source], index_dir, workers=1)
    generation = current_generation(index_dir)
    write_meta(generation, {**read_meta(generation), "schema_version": schema.SCHEMA_VERSION - 1})
    with pytest.raises(NoIndex, match="rebuild it with: vnsearch index"):
        LocalEngine(index_dir).search(SearchRequest(query="giáo viên"))
    result = CliRunner().invoke(main, ["search", "giao vien", "--index", str(index_dir)])
    assert result.exit_code != 0 and "rebuild it with: vnsearch index" in result.output
    # an update of such an index is a full rebuild, after which it searches again
    update_index([source], index_dir, workers=1)
    assert _ids(LocalEngine(index_dir), "giao vien") == ["a"]


def test_term_keys_are_per_view() -> None:
    assert postings.term_key(fields.BODY, "công") != postings.term_key(fields.TITLE, "công")
    keys = document_terms(Analysed(_article("x", "Công", "công"), [])).keys
    assert len(np.unique(keys)) == len(keys)


def test_a_remembered_key_equals_a_fresh_one_also_after_the_memory_is_full(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fresh = hashlib.blake2b(f"{fields.BODY}\x1fcông".encode(), digest_size=12).digest()
    expected = (int.from_bytes(fresh[:8], "little"), int.from_bytes(fresh[8:], "little"))
    assert postings.term_key(fields.BODY, "công") == expected
    assert postings.term_key(fields.BODY, "công") == expected  # remembered
    monkeypatch.setattr(term_keys, "KEYS_REMEMBERED", 2)
    for word in ("một", "hai", "ba", "bốn"):  # the memory fills and is emptied
        postings.term_key(fields.BODY, word)
    assert postings.term_key(fields.BODY, "công") == expected
    assert len(term_keys._known_keys[fields.BODY]) <= 2


def _counted(terms: DocumentTerms) -> dict[tuple[int, int], int]:
    """(key, check) -> count of every term of a document's postings, all views."""
    named = zip(terms.keys.tolist(), terms.checks.tolist(), strict=True)
    return dict(zip(named, terms.tfs.tolist(), strict=True))


def test_a_documents_pairs_are_named_as_a_query_names_them() -> None:
    """The build names pairs from the folded syllables in numpy; a query names the
    pair it writes "a_b": the same key and check, counted as the pairs view counts."""
    analysed = Analysed(_article("x", "Công đoàn công đoàn", "đoàn công. Công đoàn Hà Nội, hà nội"), [])
    built = document_terms(analysed)
    pairs = analysed.pairs
    assert "cong_doan" in pairs and "doan_doan" not in pairs  # no pair across the headline's end
    keys, checks = term_keys.term_keys(fields.PAIRS, pairs)
    named = dict(zip(zip(keys.tolist(), checks.tolist(), strict=True), [0] * len(pairs), strict=True))
    for key, check in zip(keys.tolist(), checks.tolist(), strict=True):
        named[key, check] += 1
    every = _counted(built)
    assert {term: every[term] for term in named} == named
    assert named[term_keys.term_key(fields.PAIRS, "cong_doan")] == 3
    assert built.lengths[VIEWS.index(fields.PAIRS)] == len(pairs)
    assert len(built.keys) == len(set(zip(built.keys.tolist(), built.checks.tolist(), strict=True)))


def test_pair_keys_tell_order_and_repeats_apart() -> None:
    names = ["lao_dong", "dong_lao", "lao_lao", "dong_dong", "lao_dongg"]
    keys, checks = term_keys.term_keys(fields.PAIRS, names)
    assert len(set(keys.tolist())) == len(names) and len(set(checks.tolist())) == len(names)
    assert term_keys.term_key(fields.PAIRS, "lao_dong") != term_keys.term_key(fields.WORDS, "lao_dong")
    assert term_keys.term_keys(fields.PAIRS, [])[0].shape == (0,)


def test_pairs_of_a_text_that_share_a_key_are_counted_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    """If two pairs of one text had the same 64-bit key, each keeps its own count."""
    real = term_keys.pair_keys

    def one_key(*names: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        keys, checks = real(*names)
        return np.zeros_like(keys), checks

    monkeypatch.setattr(postings, "pair_keys", one_key)
    built = document_terms(Analysed(_article("x", "Tin", "lao động lao động việc làm"), []))
    pairs = {check: n for (key, check), n in _counted(built).items() if key == 0}
    expected = Counter(
        term_keys.term_keys(fields.PAIRS, ["lao_dong", "dong_lao", "lao_dong", "dong_viec", "viec_lam"])[
            1
        ].tolist()
    )
    assert pairs == dict(expected)


def test_remembered_document_counts_equal_fresh_ones_also_after_the_memory_is_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    writer = PostingWriter(tmp_path, first_doc=0)
    for i, text in enumerate(["công đoàn", "công nhân", "giáo viên công đoàn"]):
        writer.add(document_terms(Analysed(_article(str(i), "Tin", text), [])))
    writer.finish()
    store = PostingStore(tmp_path, size=3)
    words = ["công", "đoàn", "không", "công", "viên"]
    expected = [3, 2, 0, 3, 1]
    assert store.frequencies(fields.BODY, words) == expected
    assert store.frequencies(fields.BODY, words) == expected  # remembered
    assert store.frequencies(fields.BODY, ["đoàn", "nhân"]) == [2, 1]  # one remembered, one not
    assert store.frequencies(fields.BODY_FOLDED, ["cong"]) == [3]  # per view
    assert store.frequencies(fields.BODY_FOLDED, ["công"]) == [0]
    monkeypatch.setattr(postings, "FREQUENCIES_REMEMBERED", 2)
    assert store.frequency(fields.BODY, "giáo") == 1  # the memory is full: emptied first
    assert len(store._counted) == 1
    assert store.frequencies(fields.BODY, words) == expected


def _crafted(*terms: tuple[int, int]) -> DocumentTerms:
    """A document's postings made of given (key, check) terms, once each."""
    keys, checks = zip(*terms, strict=True)
    return DocumentTerms(
        np.array(keys, dtype=np.uint64),
        np.array(checks, dtype=np.uint32),
        np.ones(len(terms), dtype=np.uint16),
        (1,) * len(VIEWS),
    )


@pytest.mark.parametrize("offset", [1, -1])  # the other term's check sorts after or before
def test_terms_that_share_a_key_keep_their_own_postings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offset: int
) -> None:
    """A term whose 64-bit key another term also has is kept apart by its check: at
    build, in a lookup, and through a compaction; the collision is counted."""
    monkeypatch.setattr(postings, "_FLUSH_AT", 2)  # postings go through partition files
    key, check = postings.term_key(fields.BODY, "công")
    other = check + offset
    writer = PostingWriter(tmp_path, first_doc=0)
    writer.add(_crafted((key, other)))  # 0: only the other term
    writer.add(_crafted((key, check)))  # 1: "công"
    writer.add(_crafted((key, other), (key, check)))  # 2: both
    writer.add(_crafted((key + 1, check)))  # 3: a neighbouring key
    name = writer.finish()
    assert writer.collisions == 1
    assert json.loads((tmp_path / f"{name}.json").read_text())["collisions"] == 1
    store = PostingStore(tmp_path, size=4)
    assert store.read(fields.BODY, "công")[0].tolist() == [1, 2]
    assert store.frequencies(fields.BODY, ["công", "đoàn"]) == [2, 0]
    segment = postings._Segment(tmp_path, name)
    found = segment.read(key, other)
    assert found is not None and found[0].tolist() == [0, 2]
    assert segment.read(key, check + 2 * offset) is None  # the key alone finds nothing

    postings.merge_segments(tmp_path, np.array([True, False, True, True]))  # doc 1 deleted
    store = PostingStore(tmp_path, size=3)
    assert store.read(fields.BODY, "công")[0].tolist() == [1]
    (merged,) = postings.segment_names(tmp_path)
    found = postings._Segment(tmp_path, merged).read(key, other)
    assert found is not None and found[0].tolist() == [0, 1]
    assert json.loads((tmp_path / f"{merged}.json").read_text())["collisions"] == 1


def test_a_real_index_has_no_collisions_and_checks_aligned_with_keys(tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    build_index([Path(__file__).resolve().parent.parent / "seeds"], index_dir, workers=1)
    generation = current_generation(index_dir)
    (name,) = postings.segment_names(generation)
    keys = np.load(generation / f"{name}.keys.npy")
    checks = np.load(generation / f"{name}.checks.npy")
    assert len(keys) == len(checks) > 1000
    assert json.loads((generation / f"{name}.json").read_text())["collisions"] == 0


def _sequenced(*syllables: str) -> DocumentTerms:
    terms = _crafted((1, 1))
    terms.sequence = postings.sequence_of(list(syllables))
    return terms


def test_sequences_follow_their_documents_through_segments_and_a_merge(tmp_path: Path) -> None:
    """Each document's folded syllables (proximity reads them) are found by its number in
    whichever segment holds it, and a merge keeps those of the live documents, renumbered."""
    first = PostingWriter(tmp_path, first_doc=0)
    first.add(_sequenced("cong", "doan"))
    first.add(_sequenced())  # an empty article
    first.add(_sequenced("giao", "duc", "cong"))
    first.finish()
    second = PostingWriter(tmp_path, first_doc=3)
    second.add(_sequenced("lao", "dong"))
    second.finish()
    expected = [["cong", "doan"], [], ["giao", "duc", "cong"], ["lao", "dong"]]
    store = PostingStore(tmp_path, size=4)
    for doc, syllables in enumerate(expected):
        assert store.sequence(doc).tolist() == postings.sequence_of(syllables).tolist()
    assert store.sequence_terms(["cong"])[0] == store.sequence(0)[0] == store.sequence(2)[2]
    postings.merge_segments(tmp_path, np.array([True, True, False, True]))  # doc 2 deleted
    merged = PostingStore(tmp_path, size=3)
    for doc, syllables in enumerate([expected[0], expected[1], expected[3]]):
        assert merged.sequence(doc).tolist() == postings.sequence_of(syllables).tolist()


def test_a_built_document_keeps_its_headline_and_text_in_order(tmp_path: Path) -> None:
    export = write_export(
        tmp_path / "one.jsonl", [{"id": "a", "title": "Công đoàn", "text": "Giáo dục, lao động."}]
    )
    assert build_index([export], tmp_path / "index", workers=1).indexed == 1
    generation = current_generation(tmp_path / "index")
    assert generation is not None
    store = PostingStore(generation, size=1)
    folded = ["cong", "doan", "giao", "duc", "lao", "dong"]
    assert store.sequence(0).tolist() == postings.sequence_of(folded).tolist()


@pytest.mark.parametrize("terms", [0, 1, 3])
def test_a_documents_terms_travel_between_processes_unchanged(terms: int) -> None:
    """The segmenting workers pickle each article's terms as one packed string."""
    sent = DocumentTerms(
        np.arange(terms, dtype=np.uint64) * np.uint64(2**40),
        np.arange(terms, dtype=np.uint32) + 7,
        np.arange(terms, dtype=np.uint16) + 1,
        tuple(range(len(VIEWS))),
        np.arange(terms + 2, dtype=np.uint32) * 3,
    )
    received = pickle.loads(pickle.dumps(sent))
    for name in ("keys", "checks", "tfs", "sequence"):
        before, after = getattr(sent, name), getattr(received, name)
        assert after.dtype == before.dtype and after.tolist() == before.tolist()
        assert after.flags.aligned
    assert received.lengths == sent.lengths


@pytest.mark.parametrize(
    ("title", "body"), [("Công đoàn", "Liên đoàn Lao động huyện Chương Mỹ"), ("abc", "x y 1")]
)
def test_an_indexed_article_gives_its_compounds_and_accents_as_computed(title: str, body: str) -> None:
    article = _article("a", title, body)
    received = pickle.loads(pickle.dumps(index_terms(article)))
    compounds = article_compounds(article)
    assert received.compounds == compounds
    assert sorted(received.accented) == sorted(Analysed(article, compounds).accented_syllables())
