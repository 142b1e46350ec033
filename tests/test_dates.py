"""The inferred year of an undated article: targets, numbers, ranges, history, the bound."""

from __future__ import annotations

from datetime import date

import pytest

from search.ingest.dates import infer_year

BUILD = date(2026, 12, 1)


@pytest.mark.parametrize(
    ("text", "year"),
    [
        # Planning targets do not count.
        ("Năm 2020, tỉnh đặt mục tiêu đến năm 2030 và đến năm 2030 trở thành...", 2020),
        ("Quy hoạch tầm nhìn 2045 ... tầm nhìn đến năm 2045; năm 2021 khởi công", 2021),
        ("Phấn đấu tới năm 2025 ... tới năm 2025 ... trong năm 2022", 2022),
        ("Mục tiêu năm 2025 và mục tiêu năm 2025, nhiệm vụ năm 2023", 2023),
        ("Chiến lược năm 2030, định hướng năm 2030, năm 2021", 2021),
        ("Dự kiến năm 2024 ... dự kiến năm 2024 hoàn thành; cuối năm 2022", 2022),
        ("Trước năm 2025 ... trước năm 2025 phải xong; năm 2023", 2023),
        ("đến năm 2030", None),
        # Document numbers do not count; month/year and day/month/year do.
        ("Nghị định số 15/2020/NĐ-CP và 15/2020/NĐ-CP; năm 2021", 2021),
        ("Thông tư 01/2021/TT-BGDĐT, Thông tư 01/2021/TT-BGDĐT, tháng 3/2022", 2022),
        ("Quyết định 115/2020/QĐ-UBND ... Quyết định 115/2020/QĐ-UBND, 12/2022", 2022),
        ("văn bản số 11/2020 và số 11/2020 ngày 4/5/2021", 2021),
        ("chỉ thị 115/2020, chỉ thị 115/2020, năm 2021", 2021),
        ("115/2020", None),
        # Dates written with dashes count too; a word before the dash is no day.
        ("tháng 9-2018 và tháng 10-2018, năm 2017", 2018),
        ("ngày 1-1-2019", 2019),
        ("Vostok-2018, năm 2015", 2015),
        # Ranges count once, as their start.
        ("Đại hội nhiệm kỳ 2020 - 2025, nhiệm kỳ 2020 - 2025; năm 2019", 2020),
        ("giai đoạn 2021/2025 và năm 2021", 2021),  # never the future end
        ("nhiệm kỳ 2020 - 2025", 2020),
        ("kế hoạch 2016–2020", 2016),
        ("giai đoạn 2016–2020 và giai đoạn 2016—2020, năm 2015", 2016),
        # School years count as their end, unless that end is after the bound.
        ("năm học 2021 - 2022, năm học 2021-2022; đến năm 2025, đến năm 2025, đến năm 2025", 2022),
        ("năm học 2026 - 2027 ... năm học 2026-2027", 2026),
        # Years more than a few before the latest counted one are history.
        ("thành lập năm 1930, năm 1930; năm 1930 và năm 2020", 2020),
        ("Bác sinh năm 1945, năm 1945, năm 1945; ngày 2/9/2020", 2020),
        ("kỷ niệm 75 năm (1945 - 2020): năm 1945, năm 1945; ngày 2/9/2020", 2020),
        ("năm 2014, năm 2014, năm 2014, năm 2015, năm 2015, năm 2018", 2015),  # 2015 is near enough
        # Nothing after the bound counts.
        ("năm 2027, năm 2027, năm 2027 và năm 2026", 2026),
        ("ngày 15/12/2026 và ngày 15/12/2026, năm 2025", 2025),
        ("ngày 2/12/2026, ngày 3/12/2026, năm 2025", 2025),
        ("năm 2070 và năm 2099", None),
        # Ties: the latest.
        ("năm 2019, năm 2020, giai đoạn 2021-2025", 2021),
        ("năm 2021 và năm 2022, tầm nhìn đến năm 2030", 2022),
    ],
)
def test_infer_year(text: str, year: int | None) -> None:
    assert infer_year(text, not_after=BUILD) == year


def test_bound_defaults_to_today() -> None:
    next_year = date.today().year + 1
    assert infer_year(f"năm {next_year}, năm {next_year} và năm {next_year - 1}") == next_year - 1


def test_bound_is_a_date_not_only_a_year() -> None:
    text = "ngày 20/6/2024, ngày 20/6/2024 và năm 2023"
    assert infer_year(text, not_after=date(2024, 6, 1)) == 2023
    assert infer_year(text, not_after=date(2024, 6, 20)) == 2024
    assert infer_year("tháng 12/2026", not_after=BUILD) == 2026  # December begins on the bound


@pytest.mark.parametrize(
    ("text", "year"),
    [
        ("Hội nghị năm 2019. Tầm nhìn đến năm 2030.", 2019),
        ("Theo Nghị định 15/2020/NĐ-CP-sửa-đổi-bổ-sung, năm 2018 đã qua.", 2018),
        ("Năm học mới\n2021 - 2022 bắt đầu.", 2022),
    ],
)
def test_only_the_text_around_years_is_read_and_it_decides_the_same(text: str, year: int) -> None:
    padding = "Công đoàn huyện họp bàn việc chăm lo cho người lao động. " * 200
    padded = f"{padding}{text}{padding}"
    assert infer_year(text, not_after=BUILD) == infer_year(padded, not_after=BUILD) == year
