"""search.tools.knownitem: known-item search sets (headline and sentence queries) in BEIR
format, deterministic, indexed and evaluated by the real ``vnsearch``."""

from __future__ import annotations

import csv
import gzip
import itertools
import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from search.analysis.analyzers import syllable_texts
from search.analysis.segment import SYLLABLE_PATTERN
from search.ingest.article import Article
from search.ingest.sources import article_from_record, read_text_page
from search.tools.knownitem import FILES, drop_words, main, sample_key, sentences, words_of
from tests.conftest import ROOT, SEEDS

VIETNEWS = Path("/work/shared/corpora/vietnews-150k.jsonl.gz")
BAOMOI = Path("/work/shared/corpora/baomoi-35k.jsonl.gz")

# Articles of other kinds than the seeds (which are all about trade unions in schools).
INLINE = [
    {
        "id": "giao-thong-1",
        "title": "Xe khách lao xuống vực trên đèo Khánh Lê, 8 người bị thương",
        "text": (
            "Khoảng 5 giờ sáng nay, một xe khách chở 30 hành khách đã mất lái và lao xuống vực "
            "trên đèo Khánh Lê, đoạn qua huyện Khánh Vĩnh, tỉnh Khánh Hòa.\n"
            "Theo người dân địa phương, trời mưa lớn suốt đêm khiến mặt đường trơn trượt, tầm nhìn "
            "của tài xế bị hạn chế. Chiếc xe đi theo hướng từ Đà Lạt về Nha Trang thì bất ngờ "
            "lấn sang làn ngược chiều rồi lao qua dải phân cách.\n"
            "Lực lượng cứu hộ đã phải dùng dây thừng để đưa những hành khách bị kẹt trong xe lên "
            "mặt đường. Tám người bị thương được chuyển đến bệnh viện đa khoa tỉnh để cấp cứu.\n"
            "Cơ quan công an đang khám nghiệm hiện trường và lấy lời khai của tài xế để làm rõ "
            "nguyên nhân vụ tai nạn."
        ),
    },
    {
        "id": "thoi-tiet-1",
        "title": "Không khí lạnh tràn về, miền Bắc rét đậm từ cuối tuần",
        "text": (
            "Trung tâm Dự báo khí tượng thủy văn quốc gia cho biết một đợt không khí lạnh mạnh đang "
            "di chuyển xuống phía nam và sẽ ảnh hưởng đến các tỉnh miền Bắc từ chiều thứ Bảy.\n"
            "Nhiệt độ thấp nhất ở vùng núi có thể xuống dưới 5 độ C, trên các đỉnh núi cao có khả "
            "năng xuất hiện băng giá và sương muối. Tại Hà Nội, trời rét đậm với nhiệt độ thấp nhất "
            "từ 10 đến 12 độ C.\n"
            "Các cơ quan chuyên môn khuyến cáo người dân giữ ấm cho trẻ nhỏ và người già, đồng thời "
            "che chắn chuồng trại cho gia súc trước khi đợt rét bắt đầu.\n"
            "Ở vùng biển vịnh Bắc Bộ, gió đông bắc mạnh cấp 6, giật cấp 8, biển động, tàu thuyền "
            "cần chủ động tránh trú."
        ),
    },
    {
        "id": "kinh-te-1",
        "title": "Giá cà phê xuất khẩu tăng mạnh nhờ nhu cầu từ châu Âu",
        "text": (
            "Trong tháng qua, giá cà phê nhân xô tại các tỉnh Tây Nguyên liên tục tăng và có lúc "
            "vượt mốc kỷ lục trong mười năm trở lại đây.\n"
            "Các doanh nghiệp xuất khẩu cho biết đơn hàng từ Đức, Ý và Tây Ban Nha tăng mạnh vì "
            "nguồn cung từ Brazil sụt giảm sau đợt hạn hán kéo dài. Nhiều nhà rang xay châu Âu "
            "chấp nhận trả giá cao hơn để giữ nguồn hàng ổn định.\n"
            "Tuy vậy, nông dân ở Đắk Lắk và Lâm Đồng lo ngại chi phí phân bón và nhân công cũng "
            "tăng theo, nên lợi nhuận thực tế không cao như giá bán.\n"
            "Hiệp hội Cà phê Ca cao Việt Nam khuyến nghị người trồng không chặt bỏ cây lâu năm để "
            "chạy theo giá trong ngắn hạn."
        ),
    },
]
USABLE = 8  # the five seeds and the three articles above


def _seed_records() -> list[dict[str, str]]:
    records = []
    for path in sorted(SEEDS.glob("*.txt")):
        article = read_text_page(path)
        assert isinstance(article, Article)
        records.append({"id": article.id, "title": article.title, "text": article.body})
    return records


def _unusable() -> list[str]:
    """Lines no known item may come from: too short, repeated, not records at all."""
    repeated = {**INLINE[0], "title": "Một tin được đăng hai lần dưới hai địa chỉ khác nhau"}
    lines = [
        {"id": "ngan-1", "title": "Tin vắn", "text": "Hôm nay trời nắng."},
        {"id": "ngan-2", "title": "Một tin có tiêu đề đủ dài nhưng không có nội dung", "text": "Ảnh."},
        {**repeated, "id": "lap-1", "text": "Bản thứ nhất.\n" + INLINE[1]["text"]},
        {**repeated, "id": "lap-2", "text": "Bản thứ hai.\n" + INLINE[2]["text"]},
        {
            "id": "lap-3",
            "title": "Một bài có mã trùng với một bài khác",
            "text": "Bản ba.\n" + INLINE[0]["text"],
        },
        {
            "id": "lap-3",
            "title": "Một bài khác có cùng mã với bài trên",
            "text": "Bản bốn.\n" + INLINE[1]["text"],
        },
        {"id": "khong-chu", "title": "Tiêu đề của một bài không có chữ nào", "text": 42},
    ]
    return [json.dumps(line, ensure_ascii=False) for line in lines] + ["{not json", ""]


def _write_source(path: Path, reverse: bool = False) -> Path:
    records = [json.dumps(r, ensure_ascii=False) for r in _seed_records() + INLINE] + _unusable()
    lines = records[::-1] if reverse else records
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture()
def source(tmp_path: Path) -> Path:
    return _write_source(tmp_path / "source.jsonl")


def _generate(source: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "search.tools.knownitem", str(source), "--out", str(out), *extra]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return done


def _jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _qrels(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream, delimiter="\t"))


def _files(folder: Path) -> dict[str, bytes]:
    return {name: (folder / name).read_bytes() for name in FILES}


def _is_subsequence(part: list[str], whole: list[str]) -> bool:
    rest = iter(whole)
    return all(word in rest for word in part)


def test_sentences_words_and_clauses() -> None:
    text = "Sáng 11-4, tổ tuần tra của Đồn biên phòng TP. Đà Nẵng phát hiện 6 tàu cá. Họ bị phạt!\nẢnh"
    assert sentences(text) == [
        "Sáng 11-4, tổ tuần tra của Đồn biên phòng TP. Đà Nẵng phát hiện 6 tàu cá.",
        "Họ bị phạt!",
        "Ảnh",
    ]
    words = words_of("Sáng 11-4, tổ tuần tra (của Đồn) “biên phòng”: Sơn Trà")
    starts = [" ".join(syllables) for syllables, clause in words if clause]
    assert starts == ["sáng", "tổ", "của", "biên phòng", "sơn trà"]  # not "4" after "11-"
    assert [syllables for syllables, _ in words][:4] == [["sáng"], ["11"], ["4"], ["tổ"]]


def test_words_are_dropped_whole_function_words_first_and_three_syllables_stay() -> None:
    words = words_of("Giá cà phê của Tây Nguyên tăng mạnh")
    assert drop_words(words, 0.1, random.Random(0)) == "giá cà phê tây nguyên tăng mạnh"
    words = words_of("Đội tuyển Tây Ban Nha thắng Đức")
    whole = {
        " ".join(" ".join(syllables) for (syllables, _), keep in zip(words, kept, strict=True) if keep)
        for kept in itertools.product((False, True), repeat=len(words))
    }
    for seed in range(20):
        kept = drop_words(words, 0.9, random.Random(seed))
        assert kept in whole and len(kept.split()) >= 3


def test_the_set_is_valid_beir_and_every_answer_is_in_the_corpus(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "set"
    main([str(source), "--out", str(out), "--articles", "20"])
    assert sorted(path.name for path in out.iterdir()) == sorted(FILES)
    corpus = _jsonl(out / "corpus.jsonl")
    assert len(corpus) == USABLE  # fewer usable than asked: all of them
    assert all(list(doc) == ["_id", "title", "text"] for doc in corpus)
    assert all(isinstance(article_from_record(doc), Article) for doc in corpus)  # what the indexer reads
    ids = [doc["_id"] for doc in corpus]
    assert len(set(ids)) == len(ids)
    headline = _jsonl(out / "queries-headline.jsonl")
    sentence = _jsonl(out / "queries-sentence.jsonl")
    assert [q["_id"] for q in headline] == [f"{i}:headline" for i in ids]
    assert [q["_id"] for q in sentence] == [f"{i}:sentence" for i in ids]
    assert all(list(q) == ["_id", "text"] and q["text"] for q in headline + sentence)
    rows = _qrels(out / "qrels.tsv")
    assert rows[0] == ["query-id", "corpus-id", "score"]
    assert sorted(rows[1:]) == sorted(
        [f"{i}:{kind}", i, "1"] for i in ids for kind in ("headline", "sentence")
    )
    readme = (out / "README.md").read_text(encoding="utf-8")
    assert "python -m search.tools.knownitem" in readme and "--seed 0" in readme
    assert "not for tuning" in readme


def test_too_short_repeated_and_broken_records_are_left_out(source: Path, tmp_path: Path) -> None:
    out = tmp_path / "set"
    printed = _generate(source, out, "--articles", "20").stdout
    ids = {doc["_id"] for doc in _jsonl(out / "corpus.jsonl")}
    assert ids == {r["id"] for r in _seed_records() + INLINE}
    assert "8 articles" in printed and "only 8 usable" in printed


def test_the_sample_is_in_key_order_and_a_smaller_one_is_its_prefix(source: Path, tmp_path: Path) -> None:
    main([str(source), "--out", str(tmp_path / "all"), "--articles", "8"])
    main([str(source), "--out", str(tmp_path / "three"), "--articles", "3"])
    every = _jsonl(tmp_path / "all" / "corpus.jsonl")
    assert [d["_id"] for d in every] == sorted((d["_id"] for d in every), key=lambda i: sample_key(0, i))
    for name in ("corpus.jsonl", "queries-headline.jsonl", "queries-sentence.jsonl"):
        three = (tmp_path / "three" / name).read_text(encoding="utf-8").splitlines()
        assert three == (tmp_path / "all" / name).read_text(encoding="utf-8").splitlines()[:3]


def test_headline_queries_are_the_headline_lowercased_with_words_left_out(
    source: Path, tmp_path: Path
) -> None:
    main([str(source), "--out", str(tmp_path / "set"), "--articles", "20"])
    titles = {doc["_id"]: doc["title"] for doc in _jsonl(tmp_path / "set" / "corpus.jsonl")}
    for query in _jsonl(tmp_path / "set" / "queries-headline.jsonl"):
        words = query["text"].split(" ")
        headline = syllable_texts(titles[query["_id"].removesuffix(":headline")])
        assert query["text"] == query["text"].lower()
        assert all(SYLLABLE_PATTERN.fullmatch(word) for word in words)  # no punctuation
        assert _is_subsequence(words, headline)
        assert 3 <= len(words) < len(headline)


def test_sentence_queries_are_a_phrase_of_a_later_sentence_of_the_body(source: Path, tmp_path: Path) -> None:
    main([str(source), "--out", str(tmp_path / "set"), "--articles", "20"])
    texts = {doc["_id"]: doc["text"] for doc in _jsonl(tmp_path / "set" / "corpus.jsonl")}
    for query in _jsonl(tmp_path / "set" / "queries-sentence.jsonl"):
        words = query["text"].split(" ")
        body = sentences(texts[query["_id"].removesuffix(":sentence")])
        assert query["text"] == query["text"].lower()
        assert all(SYLLABLE_PATTERN.fullmatch(word) for word in words)
        assert 3 <= len(words) <= 12
        later = [syllable_texts(s) for s in body[1:]]
        assert any(_is_subsequence(words, sentence) for sentence in later), query


def test_two_runs_give_byte_identical_files_whatever_the_order_of_the_source(
    source: Path, tmp_path: Path
) -> None:
    out = tmp_path / "set"
    _generate(source, out, "--articles", "6", "--seed", "3")
    first = _files(out)
    _generate(source, out, "--articles", "6", "--seed", "3")
    assert _files(out) == first
    reversed_source = _write_source(tmp_path / "reversed.jsonl", reverse=True)
    main([str(reversed_source), "--out", str(tmp_path / "other"), "--articles", "6", "--seed", "3"])
    other = _files(tmp_path / "other")
    assert {k: v for k, v in other.items() if k != "README.md"} == {
        k: v for k, v in first.items() if k != "README.md"
    }
    main([str(source), "--out", str(tmp_path / "seed4"), "--articles", "6", "--seed", "4"])
    assert _files(tmp_path / "seed4")["queries-sentence.jsonl"] != first["queries-sentence.jsonl"]


def test_skip_ids_files_keep_their_articles_out(source: Path, tmp_path: Path) -> None:
    seeds = _seed_records()
    distractors = tmp_path / "distractors.jsonl.gz"
    with gzip.open(distractors, "wt", encoding="utf-8") as sink:
        sink.write(json.dumps(seeds[0], ensure_ascii=False) + "\n")  # the same id
        renamed = {**INLINE[1], "id": "9999"}  # another id, the same article
        sink.write(json.dumps(renamed, ensure_ascii=False) + "\n")
    more = tmp_path / "more.jsonl"
    more.write_text(json.dumps({"_id": seeds[1]["id"], "title": "x", "text": "y"}) + "\n", encoding="utf-8")
    out = tmp_path / "set"
    printed = _generate(source, out, "--articles", "20", "--skip-ids", str(distractors), str(more)).stdout
    ids = {doc["_id"] for doc in _jsonl(out / "corpus.jsonl")}
    assert ids == {r["id"] for r in [*seeds[2:], INLINE[0], INLINE[2]]}
    assert "3 skipped" in printed
    qrels = {row[1] for row in _qrels(out / "qrels.tsv")[1:]}
    assert qrels == ids
    assert "--skip-ids" in (out / "README.md").read_text(encoding="utf-8")


def _eval(queries: Path, qrels: Path, index: Path) -> dict[str, Any]:
    command = [sys.executable, "-m", "search.cli", "eval", "--queries", str(queries), "--qrels", str(qrels)]
    command += ["--index", str(index), "--no-baselines", "--json", "-"]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout[done.stdout.index("[") :])
    assert [f["system"] for f in figures] == ["vnsearch"]
    return dict(figures[0])


def test_vnsearch_indexes_the_corpus_and_finds_the_known_items(source: Path, tmp_path: Path) -> None:
    out, index = tmp_path / "set", tmp_path / "index"
    main([str(source), "--out", str(out), "--articles", "20"])
    command = [sys.executable, "-m", "search.cli", "index", str(out / "corpus.jsonl")]
    done = subprocess.run(
        [*command, "--index", str(index), "--quiet"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"Indexed {USABLE} documents" in done.stdout
    for kind in ("headline", "sentence"):
        figures = _eval(out / f"queries-{kind}.jsonl", out / "qrels.tsv", index)
        assert figures["nDCG@10"] > 0.5, (kind, figures)
        assert figures["Recall@100"] == 1.0, (kind, figures)


def test_a_set_from_the_real_news_corpus(tmp_path: Path) -> None:
    if not VIETNEWS.is_file() or not BAOMOI.is_file():
        pytest.skip(f"the news corpora are not on this machine ({VIETNEWS}, {BAOMOI})")
    started = time.perf_counter()
    out = tmp_path / "vietnews"
    _generate(VIETNEWS, out, "--articles", "50", "--skip-ids", str(BAOMOI))
    corpus = _jsonl(out / "corpus.jsonl")
    assert len(corpus) == 50
    assert len(_jsonl(out / "queries-headline.jsonl")) == len(_jsonl(out / "queries-sentence.jsonl")) == 50
    assert len(_qrels(out / "qrels.tsv")) == 1 + 100
    distractors: set[str] = set()
    with gzip.open(BAOMOI, "rt", encoding="utf-8") as lines:
        for line in lines:
            distractors.add(str(json.loads(line)["id"]))
    assert not distractors & {doc["_id"] for doc in corpus}
    assert all(len(syllable_texts(q["text"])) >= 3 for q in _jsonl(out / "queries-sentence.jsonl"))
    # Byte-identical again, on a slice of the corpus (a second pass over all of it would
    # take as long again).
    piece = tmp_path / "piece.jsonl.gz"
    with gzip.open(VIETNEWS, "rb") as whole, gzip.open(piece, "wb") as sink:
        for number, raw in enumerate(whole):
            if number == 3000:
                break
            sink.write(raw)
    _generate(piece, tmp_path / "piece", "--articles", "50")
    first = _files(tmp_path / "piece")
    _generate(piece, tmp_path / "piece", "--articles", "50")
    assert _files(tmp_path / "piece") == first
    assert len(_jsonl(tmp_path / "piece" / "corpus.jsonl")) == 50
    assert time.perf_counter() - started < 60
