"""Which districts (or provinces) an article is about, from a gazetteer.

The gazetteer is the pre-2025 administrative map (63 provinces, ~700 districts) of
the maintained ``vietnamadminunits`` package; the articles predate the 2025 reform.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache

from search.text import normalize

# The words that introduce a district ("huyện Chương Mỹ", "Quận Tây Hồ", "TP. Thủ Đức").
_DISTRICT_TYPES = r"(?i:quận|huyện|thị xã|thành phố|tp\.?)"
_PROVINCE_TYPES = r"(?i:tỉnh|thành phố|tp\.?)"
# Ways of writing a province that its short name does not cover.
_PROVINCE_ALIASES = {
    "TP.HCM": "Hồ Chí Minh",
    "TP HCM": "Hồ Chí Minh",
    "TPHCM": "Hồ Chí Minh",
    "Thừa Thiên Huế": "Huế",
    "Thừa Thiên - Huế": "Huế",
}


@dataclass(frozen=True)
class Gazetteer:
    """Names of districts and provinces, and the patterns that find them in text."""

    typed_district: re.Pattern[str]
    typed_province: re.Pattern[str]
    province: re.Pattern[str]
    aliases: dict[str, str]

    def districts_in(self, text: str) -> Counter[str]:
        # Numbered districts keep their type word as the name: "Quận 1", not "1".
        return Counter(
            f"Quận {m.group(1)}" if m.group(1).isdigit() else m.group(1)
            for m in self.typed_district.finditer(text)
        )

    def provinces_in(self, text: str) -> Counter[str]:
        found: Counter[str] = Counter()
        for m in self.province.finditer(text):
            found[self.aliases.get(m.group(1), m.group(1))] += 1
        return found


def _alternation(names: set[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


@cache
def gazetteer() -> Gazetteer:
    """Load the pre-2025 districts and provinces once per process."""
    from vietnamadminunits.database import get_data

    rows = get_data(fields=["provinceShort", "districtShort", "districtType"], table="admin_units_legacy")
    districts: set[str] = set()
    provinces: set[str] = set()
    for row in rows:
        provinces.add(normalize(row["provinceShort"]))
        name = normalize(row["districtShort"])
        kind = row["districtType"]
        # "Quận 1" is stored with its type; the text says "quận 1".
        if name.lower().startswith(kind.lower() + " "):
            name = name[len(kind) + 1 :]
        districts.add(name)
    aliases = {normalize(k): normalize(v) for k, v in _PROVINCE_ALIASES.items()}
    end = r"(?![^\W_])"
    return Gazetteer(
        typed_district=re.compile(rf"(?<![^\W_]){_DISTRICT_TYPES}\s+({_alternation(districts)}){end}"),
        typed_province=re.compile(rf"(?<![^\W_]){_PROVINCE_TYPES}\s+({_alternation(provinces)}){end}"),
        province=re.compile(rf"(?<![^\W_])({_alternation(provinces | set(aliases))}){end}"),
        aliases=aliases,
    )


def _most_mentioned(counts: Counter[str], minimum: int) -> list[str]:
    """Names mentioned at least ``minimum`` times and at least a third as often as the top one."""
    if not counts:
        return []
    top = max(counts.values())
    keep = [name for name, n in counts.items() if n >= minimum and 3 * n >= top]
    return sorted(keep, key=lambda name: (-counts[name], name))


def places_of(title: str, body: str) -> tuple[str, ...]:
    """The districts an article is about; a province when it names no district.

    Rule, first that gives an answer:
    1. districts named in the headline ("huyện Phú Xuyên", "quận Tây Hồ");
    2. provinces named in the headline ("tỉnh Lâm Đồng");
    3. districts named (with their type word) at least twice in the body, keeping those
       mentioned at least a third as often as the most mentioned;
    4. provinces named at least twice in the body, by the same measure;
    5. districts, then provinces, named once in the body.
    A district must come with its type word (huyện/quận/thị xã/thành phố), because bare
    names collide with people and streets ("Trần Phú").
    """
    places = gazetteer()
    title_districts = places.districts_in(title)
    if title_districts:
        return tuple(sorted(title_districts))
    title_provinces = places.provinces_in(title)
    if title_provinces:
        return tuple(sorted(title_provinces))
    body_districts = places.districts_in(body)
    body_provinces = places.provinces_in(body)
    for counts, minimum in ((body_districts, 2), (body_provinces, 2)):
        found = _most_mentioned(counts, minimum)
        if found:
            return tuple(found)
    for counts in (body_districts, body_provinces):
        if counts:
            return tuple(_most_mentioned(counts, 1))
    return ()
