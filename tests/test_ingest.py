"""Ingest: the five seed pages, the cleaning rules, JSONL and broken input."""

from __future__ import annotations

import gzip
import json
from datetime import datetime
from pathlib import Path

import pytest

from search.ingest.article import Article, Problem
from search.ingest.dates import infer_year, parse_date_line
from search.ingest.places import places_of
from search.ingest.scraped import parse_scraped_page
from search.ingest.sources import read_sources

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed(stem: str) -> Article:
    article = parse_scraped_page((SEEDS / f"{stem}.txt").read_text(encoding="utf-8"), stem)
    assert article is not None
    return article


@pytest.mark.parametrize(
    ("stem", "title", "date", "districts", "year", "author"),
    [
        (
            "000_883de19ce3b78452",
            "Đẩy mạnh phong trào thi đua góp phần nâng cao chất lượng giáo dục",
            None,
            ("Chương Mỹ",),
            2022,  # undated: "năm học 2021 - 2022" is the year most talked about
            "Minh Khuê",
        ),
        (
            "001_87ea7937df2d375c",
            "Liên đoàn Lao động huyện Phú Xuyên: Hiệu quả trong việc phối hợp với Phòng Giáo dục và đào tạo",
            datetime(2020, 8, 31, 21, 6),
            ("Phú Xuyên",),
            2020,
            "H.D",
        ),
        (
            "002_580145f5ab2b21f1",
            "Công đoàn Giáo dục tỉnh Lâm Đồng: Góp phần nâng cao chất lượng đào tạo",
            None,
            ("Lâm Đồng",),  # the headline names a province and no district
            2024,
            "Đỗ Thiệm",
        ),
        (
            "003_9116d0a3ed22fadd",
            "Liên đoàn Lao động quận Tây Hồ: Phát huy hiệu quả phong trào thi đua yêu nước",
            None,
            ("Tây Hồ",),
            2020,
            "N. Hoa",
        ),
        (
            "004_9b8927cfa1a53773",
            "Chia sẻ kinh nghiệm trong đẩy mạnh các phong trào thi đua, cuộc vận động mang tính ngành nghề",
            None,
            ("Hà Nội", "Hải Phòng"),
            2022,
            None,
        ),
    ],
)
def test_seed_metadata(stem, title, date, districts, year, author) -> None:
    article = seed(stem)
    assert article.id == stem
    assert article.title == title
    assert article.date == date
    assert article.districts == districts
    assert article.year == year
    assert article.author == author


def test_dated_page_gives_iso_date() -> None:
    assert seed("001_87ea7937df2d375c").date_iso == "2020-08-31T21:06:00"


@pytest.mark.parametrize(
    "debris",
    [
        "Leicester",  # a football headline in the sidebar
        "Có thể bạn quan tâm",
        "Tin khác",
        "Xem thêm",
        "Phiên bản di động",
        "Ứng Hòa",  # related headline glued under the lead of 000
        "Mỹ Đức",  # related headline glued under the lead of 002
        "5745 118401042",  # image file name in 001
        "![]()",
        "Nguồn :",
        "-->",
        "Tháng Công nhân năm 2024 |",
        "Lan tỏa phong trào thi đua",  # "Tin khác" of 004
    ],
)
def test_cleaning_drops_page_furniture(debris: str) -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        article = seed(path.stem)
        assert debris not in article.body, (path.stem, debris)
        assert debris not in article.title


def test_cleaning_keeps_the_article() -> None:
    body = seed("000_883de19ce3b78452").body
    assert body.startswith("Thời gian qua, bên cạnh công tác chăm lo")
    assert "Liên đoàn Lao động (LĐLĐ) huyện Chương Mỹ" in body
    assert body.endswith("thực hiện nghiêm túc các quy định của ngành.")
    # the photo caption of 004 stays, without its table-cell bar
    assert "Tặng quà cho các học sinh vượt khó học giỏi." in seed("004_9b8927cfa1a53773").body
    # a section heading stays
    assert "Nhiều phong trào thi đua thiết thực, hiệu quả" in seed("002_580145f5ab2b21f1").body


def test_masthead_tag_and_repeated_headline_are_removed() -> None:
    body = seed("001_87ea7937df2d375c").body
    assert not body.startswith("(LĐTĐ)")
    first = seed("000_883de19ce3b78452")
    assert first.title not in first.body


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("31/08/2020 21:06", datetime(2020, 8, 31, 21, 6)),
        ("M", None),
        ("31/02/2020 10:00", None),  # no such day
        ("Hoạt động 13/03/2025 21:28", None),
    ],
)
def test_parse_date_line(line: str, expected) -> None:
    assert parse_date_line(line) == expected


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("Trong năm học 2021 - 2022, và năm học 2020 - 2021", 2022),
        ("Năm 2020 ... trong năm 2020 ... năm 2021", 2020),
        ("từ tháng 12/2022", 2022),
        ("không có năm nào", None),
        ("năm 2019 và năm 2020", 2020),  # tie: the latest
    ],
)
def test_infer_year(text: str, year: int | None) -> None:
    assert infer_year(text) == year


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        ("LĐLĐ huyện Phú Xuyên họp", "", ("Phú Xuyên",)),
        ("Tin tỉnh Lâm Đồng", "huyện Di Linh, huyện Đức Trọng", ("Lâm Đồng",)),
        ("Tin", "huyện Chương Mỹ ... huyện Chương Mỹ ... quận Tây Hồ", ("Chương Mỹ",)),
        ("Tin", "Trường Trần Phú ở Hà Nội", ("Hà Nội",)),  # "Trần Phú" is not a district
        ("Tin", "Không có địa danh", ()),
        ("Quận 1 đón khách", "", ("Quận 1",)),
        ("Hội nghị", "1 người ở quận 12 và quận 12", ("Quận 12",)),
    ],
)
def test_places_of(title: str, body: str, expected: tuple[str, ...]) -> None:
    assert places_of(title, body) == expected


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_broken_text_files_are_reported_and_skipped(tmp_path: Path) -> None:
    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "good.txt").write_text((SEEDS / "001_87ea7937df2d375c.txt").read_text(encoding="utf-8"))
    _write(folder / "latin1.txt", "Tiêu đề\n\nnội dung".encode("cp1258", errors="replace") + b"\xff\xfe")
    _write(folder / "empty.txt", b"   \n")
    _write(folder / "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00")
    _write(folder / "utf16.txt", "Tiêu đề\n\nNội dung bài".encode("utf-16"))
    items = list(read_sources([folder]))
    articles = [i for i in items if isinstance(i, Article)]
    problems = {Path(p.source).name: p.reason for p in items if isinstance(p, Problem)}
    assert [a.id for a in articles] == ["good"]
    assert problems["empty.txt"] == "empty file"
    assert "not UTF-8" in problems["latin1.txt"]
    assert "binary" in problems["binary.txt"]
    assert "UTF-16" in problems["utf16.txt"] or "not UTF-8" in problems["utf16.txt"]


def test_jsonl_lines_are_read_and_bad_lines_reported_with_their_number(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "title": "Tin huyện Chương Mỹ", "text": "Nội dung", "date": "2021-05-04"}),
        "{not json",
        json.dumps({"id": "b", "title": "Không có text"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "a", "title": "Trùng", "text": "Trùng id"}),
        json.dumps({"id": 7, "title": "Số", "text": "id là số", "district": ["Ba Đình"], "url": "http://x"}),
    ]
    path = tmp_path / "export.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        stream.write("\n".join(lines) + "\n")
    items = list(read_sources([path]))
    articles = [i for i in items if isinstance(i, Article)]
    problems = [i for i in items if isinstance(i, Problem)]
    assert [a.id for a in articles] == ["a", "7"]
    assert articles[0].year == 2021
    assert articles[0].date_iso == "2021-05-04"
    assert articles[0].districts == ("Chương Mỹ",)
    assert articles[1].districts == ("Ba Đình",)
    assert articles[1].url == "http://x"
    assert [(p.line, p.reason.split(" (")[0]) for p in problems] == [
        (2, "bad JSON"),
        (3, 'missing "title" or "text"'),
        (4, "not a JSON object"),
        (5, "duplicate id 'a' skipped"),
    ]
    assert str(problems[0]).startswith(f"{path}:2: ")


def test_missing_source_is_reported(tmp_path: Path) -> None:
    items = list(read_sources([tmp_path / "nope"]))
    assert len(items) == 1 and isinstance(items[0], Problem)
    assert "no such file" in items[0].reason


def test_oversized_input_is_reported_and_skipped(tmp_path: Path) -> None:
    from search.ingest.sources import MAX_ARTICLE_BYTES

    folder = tmp_path / "pages"
    folder.mkdir()
    (folder / "huge.txt").write_text("Tiêu đề\n\n" + "chữ " * (MAX_ARTICLE_BYTES // 4), encoding="utf-8")
    (folder / "ok.txt").write_text("Tiêu đề bình thường\n\nNội dung bài báo.", encoding="utf-8")
    export = tmp_path / "export.jsonl"
    huge = json.dumps({"id": "big", "title": "x", "text": "y" * (MAX_ARTICLE_BYTES + 10)})
    export.write_text(huge + "\n" + json.dumps({"id": "small", "title": "t", "text": "z"}) + "\n")
    items = list(read_sources([folder, export]))
    assert sorted(i.id for i in items if isinstance(i, Article)) == ["ok", "small"]
    problems = [p for p in items if isinstance(p, Problem)]
    assert [(Path(p.source).name, p.line) for p in problems] == [("huge.txt", None), ("export.jsonl", 1)]
    assert all("too large" in p.reason for p in problems)
