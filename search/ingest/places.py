"""Which districts (or provinces) an article is about, from a gazetteer.

The gazetteer is the pre-2025 administrative map (63 provinces, ~700 districts) of
the maintained ``vietnamadminunits`` package; the articles predate the 2025 reform.
A district name that several provinces have ("Châu Thành") is given with its
province ("Châu Thành, Tiền Giang"), decided from the article's own text.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, cached_property

from search.text import normalize

# The words that introduce a district ("huyện Chương Mỹ", "Quận Tây Hồ", "TP. Thủ Đức").
_DISTRICT_TYPES = r"(?i:quận|huyện|thị xã|thành phố|tp\.?)"
# Ways of writing a province that its short name does not cover.
_PROVINCE_ALIASES = {
    "TP.HCM": "Hồ Chí Minh",
    "TP HCM": "Hồ Chí Minh",
    "TPHCM": "Hồ Chí Minh",
    "Thừa Thiên Huế": "Huế",
    "Thừa Thiên - Huế": "Huế",
}
# A district type that no province has: "huyện Hòa Bình" (in Bạc Liêu) is not the province.
_DISTRICT_ONLY_TYPE = re.compile(r"(?i:quận|huyện|thị xã)\s+$")
_LONGEST_TYPE = len("thị xã  ")
# How many characters after a shared district name its province may start:
# "huyện Châu Thành, tỉnh Tiền Giang", "huyện Châu Thành (Bến Tre)".
_PROVINCE_WINDOW = 40


@dataclass(frozen=True)
class Gazetteer:
    """Names of districts and provinces, and the patterns that find them in text."""

    typed_district: re.Pattern[str]
    province: re.Pattern[str]  # a province's name; where a word starts: see _provinces
    aliases: dict[str, str]
    # District name as returned ("Chương Mỹ", "Quận 1") -> the provinces that have one.
    district_provinces: dict[str, frozenset[str]]
    longest_province: int

    def district_mentions(self, text: str) -> list[tuple[str, int]]:
        """Each district named with its type word, and the offset where its name ends."""
        # Numbered districts keep their type word as the name: "Quận 1", not "1".
        return [
            (f"Quận {m.group(1)}" if m.group(1).isdigit() else m.group(1), m.end())
            for m in self.typed_district.finditer(text)
        ]

    def _provinces(self, text: str, start: int = 0, end: int | None = None) -> Iterator[re.Match[str]]:
        r"""The provinces named in ``text[start:end]``, each where a word starts: what
        ``finditer`` of the pattern with ``(?<![^\W_])`` in front finds. That lookbehind
        would be tried at every character; without it, the pattern starts with the
        names' first letters, and the search skips to those (five times faster)."""
        stop = len(text) if end is None else end
        while (match := self.province.search(text, start, stop)) is not None:
            at = match.start()
            if at and text[at - 1].isalnum():  # inside a word: look again one letter on
                start = at + 1
                continue
            yield match
            start = match.end()

    def provinces_in(self, text: str) -> Counter[str]:
        found: Counter[str] = Counter()
        for m in self._provinces(text):
            found[self.aliases.get(m.group(1), m.group(1))] += 1
        return found

    def province_after(self, text: str, end: int) -> str | None:
        """The first province written within the window after offset ``end``, if any."""
        for m in self._provinces(text, end, end + _PROVINCE_WINDOW + self.longest_province + 1):
            if m.start() - end > _PROVINCE_WINDOW:
                break
            if not _DISTRICT_ONLY_TYPE.search(text, max(end, m.start() - _LONGEST_TYPE), m.start()):
                return self.aliases.get(m.group(1), m.group(1))
        return None


def _alternation(names: set[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


@cache
def gazetteer() -> Gazetteer:
    """Load the pre-2025 districts and provinces once per process."""
    from vietnamadminunits.database import get_data

    rows = get_data(fields=["provinceShort", "districtShort", "districtType"], table="admin_units_legacy")
    homes: dict[str, set[str]] = {}
    provinces: set[str] = set()
    for row in rows:
        province = normalize(row["provinceShort"])
        provinces.add(province)
        name = normalize(row["districtShort"])
        kind = row["districtType"]
        # "Quận 1" is stored with its type; the text says "quận 1".
        if name.lower().startswith(kind.lower() + " "):
            name = name[len(kind) + 1 :]
        homes.setdefault(name, set()).add(province)
    aliases = {normalize(k): normalize(v) for k, v in _PROVINCE_ALIASES.items()}
    end = r"(?![^\W_])"
    return Gazetteer(
        typed_district=re.compile(rf"(?<![^\W_]){_DISTRICT_TYPES}\s+({_alternation(set(homes))}){end}"),
        province=re.compile(rf"({_alternation(provinces | set(aliases))}){end}"),
        aliases=aliases,
        district_provinces={
            f"Quận {name}" if name.isdigit() else name: frozenset(found) for name, found in homes.items()
        },
        longest_province=max(len(name) for name in provinces | set(aliases)),
    )


def _most_mentioned(counts: Counter[str], minimum: int) -> list[str]:
    """Names mentioned at least ``minimum`` times and at least a third as often as the top one."""
    if not counts:
        return []
    top = max(counts.values())
    keep = [name for name, n in counts.items() if n >= minimum and 3 * n >= top]
    return sorted(keep, key=lambda name: (-counts[name], name))


class _Article:
    """One article's headline and body, with what its text says about places."""

    def __init__(self, places: Gazetteer, title: str, body: str) -> None:
        self.places = places
        self.title = title
        self.body = body
        self._chosen: dict[str, str | None] = {}

    @cached_property
    def title_provinces(self) -> Counter[str]:
        return self.places.provinces_in(self.title)

    @cached_property
    def body_provinces(self) -> Counter[str]:
        return self.places.provinces_in(self.body)

    @cached_property
    def title_mentions(self) -> list[tuple[str, int]]:
        return self.places.district_mentions(self.title)

    @cached_property
    def body_mentions(self) -> list[tuple[str, int]]:
        return self.places.district_mentions(self.body)

    def title_districts(self) -> Counter[str]:
        return self._districts(self.title, self.title_mentions)

    def body_districts(self) -> Counter[str]:
        return self._districts(self.body, self.body_mentions)

    def _districts(self, text: str, mentions: list[tuple[str, int]]) -> Counter[str]:
        """Districts named in ``text``; a shared name as "Name, Province", or left out."""
        found: Counter[str] = Counter()
        for name, end in mentions:
            homes = self.places.district_provinces[name]
            if len(homes) > 1:
                province = self.places.province_after(text, end)
                if province not in homes:
                    province = self._most_named(name, homes)
                if province is None:
                    continue
                name = f"{name}, {province}"
            found[name] += 1
        return found

    def _most_named(self, name: str, homes: frozenset[str]) -> str | None:
        """The province with a district ``name`` that the article names most; None on a tie."""
        if name not in self._chosen:
            counts = self.title_provinces + self.body_provinces
            if name in counts:  # "huyện Hòa Bình" names the province Hòa Bình too
                counts[name] -= sum(n == name for n, _ in self.title_mentions + self.body_mentions)
            ranked = sorted(((counts[p], p) for p in homes if counts[p] > 0), reverse=True)
            tied = len(ranked) > 1 and ranked[0][0] == ranked[1][0]
            self._chosen[name] = ranked[0][1] if ranked and not tied else None
        return self._chosen[name]


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
    names collide with people and streets ("Trần Phú"). A name several provinces have
    becomes "Châu Thành, Tiền Giang": the province written within 40 characters after
    the mention, else the one of its provinces the article names most. Undecided (none
    named, or a tie), the mention is dropped, not guessed; a step left empty passes on.
    """
    article = _Article(gazetteer(), title, body)
    title_districts = article.title_districts()
    if title_districts:
        return tuple(sorted(title_districts))
    if article.title_provinces:
        return tuple(sorted(article.title_provinces))
    body_districts = article.body_districts()
    body_provinces = article.body_provinces
    for counts, minimum in ((body_districts, 2), (body_provinces, 2)):
        found = _most_mentioned(counts, minimum)
        if found:
            return tuple(found)
    for counts in (body_districts, body_provinces):
        if counts:
            return tuple(_most_mentioned(counts, 1))
    return ()
