"""District names that several provinces have: "Châu Thành, Tiền Giang", decided from the text."""

from __future__ import annotations

import re

import pytest

from search.ingest.places import gazetteer, places_of

# More than the 40-character window between a district name and a province.
_FAR = " " + "thu hoạch lúa đông xuân sớm hơn mọi năm" * 2 + ". "


@pytest.mark.parametrize(
    ("title", "body", "expected"),
    [
        # the province written right after the name
        ("Tin", "Ông A ở huyện Châu Thành, tỉnh Tiền Giang.", ("Châu Thành, Tiền Giang",)),
        ("Tin", "Trẻ ở huyện Châu Thành, An Giang nhập viện.", ("Châu Thành, An Giang",)),
        ("Tin", "Học sinh huyện Châu Thành (Bến Tre) đạt giải.", ("Châu Thành, Bến Tre",)),
        ("Huyện Châu Thành (Tiền Giang) ra quân", "", ("Châu Thành, Tiền Giang",)),
        ("Tin", "xã Điềm Hy, huyện Châu Thành, tỉnh Tiền Giang, giáp Bến Tre", ("Châu Thành, Tiền Giang",)),
        # two districts of one name in one article
        (
            "Tin",
            "huyện Châu Thành (Tiền Giang) và huyện Châu Thành (Bến Tre)",
            ("Châu Thành, Bến Tre", "Châu Thành, Tiền Giang"),
        ),
        # else the province (with a district of that name) the article names most
        (
            "Nông dân huyện Châu Thành trúng mùa",
            "Nông dân An Giang phấn khởi. Lúa tỉnh An Giang được giá hơn Đồng Tháp.",
            ("Châu Thành, An Giang",),
        ),
        (  # TP.HCM has no Châu Thành, so it does not count
            "Huyện Châu Thành họp",
            "Đoàn TP.HCM, TP.HCM, TP.HCM thăm Bến Tre.",
            ("Châu Thành, Bến Tre",),
        ),
        (  # too far after the name to qualify it; Bến Tre is named more
            "Tin",
            "huyện Châu Thành" + _FAR + "Tiền Giang. Bến Tre, Bến Tre. huyện Châu Thành",
            ("Châu Thành, Bến Tre",),
        ),
        (  # "huyện Hòa Bình" is in Bạc Liêu: the district mentions are not the province
            "Tin",
            "Nông dân huyện Hòa Bình thu hoạch lúa sớm." + _FAR + "Lãnh đạo huyện Hòa Bình và tỉnh Bạc Liêu.",
            ("Hòa Bình, Bạc Liêu",),
        ),
        (  # the next district's name is not the province after the first
            "Lúa ở huyện Phước Long, huyện Hòa Bình (Bạc Liêu) được giá",
            "Thương lái từ Bình Phước, Bình Phước đến mua.",
            ("Hòa Bình, Bạc Liêu", "Phước Long, Bạc Liêu"),
        ),
        ("BVĐK thành phố Hòa Bình, tỉnh Hòa Bình", "", ("Hòa Bình, Hòa Bình",)),
        # province aliases
        ("Tin", "Anh Vũ, nhà ở quận Tân Phú, TP.HCM cho biết", ("Tân Phú, Hồ Chí Minh",)),
        ("Tin", "xã Trà Cổ (huyện Tân Phú, Đồng Nai)", ("Tân Phú, Đồng Nai",)),
        ("Cháy nhà ở quận Bình Tân", "Cảnh sát PCCC TP.HCM đã có mặt." + _FAR, ("Bình Tân, Hồ Chí Minh",)),
        ("Tin", "huyện Phong Điền, tỉnh Thừa Thiên Huế", ("Phong Điền, Huế",)),
        # undecidable: dropped, and the rule goes on
        ("Huyện Châu Thành ra quân", "Đoàn từ Tiền Giang và Bến Tre", ("Bến Tre", "Tiền Giang")),
        ("Tin", "huyện Châu Thành và huyện Chương Mỹ ... huyện Châu Thành", ("Chương Mỹ",)),
        ("Tin", "Lãnh đạo huyện Châu Thành cho biết", ()),
        ("Tin", "quận Bình Tân và quận 6, Sài Gòn", ("Quận 6",)),
        # names only one province has stay as they are
        ("Tin", "huyện Chương Mỹ ... huyện Chương Mỹ", ("Chương Mỹ",)),
        ("Liên đoàn Lao động quận Tây Hồ", "quận Tây Hồ, Hà Nội", ("Tây Hồ",)),
        ("Quận 1 đón khách", "", ("Quận 1",)),
        ("Tin", "phường Bến Nghé, quận 1, TP.HCM", ("Quận 1",)),
    ],
)
def test_shared_district_names(title: str, body: str, expected: tuple[str, ...]) -> None:
    assert places_of(title, body) == expected


def test_chau_thanh_is_shared_by_many_provinces() -> None:
    provinces = gazetteer().district_provinces["Châu Thành"]
    assert len(provinces) >= 5
    assert {"Tiền Giang", "Bến Tre", "An Giang"} <= provinces


@pytest.mark.parametrize(("name", "province"), [("Chương Mỹ", "Hà Nội"), ("Quận 1", "Hồ Chí Minh")])
def test_unique_names_have_one_province(name: str, province: str) -> None:
    assert gazetteer().district_provinces[name] == {province}


def test_gazetteer_is_built_once() -> None:
    assert gazetteer() is gazetteer()


@pytest.mark.parametrize(
    "text",
    [
        "Hà Nội, Hải Phòng và TP.HCM",
        "XHà Nội, 5Hà Nội, _Hà Nội, (Hà Nội), Hà Nộii, Hà Nội1",
        "Hà Nội",
        "tỉnh Thừa Thiên Huế; Thừa Thiên - Huế; Bà Rịa - Vũng Tàu.",
        "ĐàNẵng, Đà Nẵng, Quảng NamĐà Nẵng",
        "",
    ],
)
def test_provinces_are_found_where_a_word_starts(text: str) -> None:
    """The province search finds what the pattern with a word-start lookbehind finds."""
    places = gazetteer()
    reference = re.compile(rf"(?<![^\W_]){places.province.pattern}")
    assert [m.span() for m in places._provinces(text)] == [m.span() for m in reference.finditer(text)]
    for start in range(len(text)):
        window = [m.span() for m in places._provinces(text, start, start + 20)]
        assert window == [m.span() for m in reference.finditer(text, start, start + 20)]
