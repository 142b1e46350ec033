"""How the inferred-year rule spreads over an undated corpus (figures in BENCHMARKS.md).

    python -m search.tools.yearstats FILE [FILE...] [--not-after YYYY-MM-DD]

FILE is .jsonl or .jsonl.gz, one {"id", "title", "text"} article a line. Every year is
inferred from f"{title}\\n{text}", as ingest does for an undated article.
"""

from __future__ import annotations

import argparse
import gzip
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from search.ingest.dates import infer_year


@dataclass
class YearStats:
    """The years the rule gave a corpus."""

    articles: int = 0
    years: Counter[int] = field(default_factory=Counter)

    @property
    def with_year(self) -> int:
        return sum(self.years.values())

    def after(self, bound: date) -> int:
        return sum(n for year, n in self.years.items() if year > bound.year)

    def lines(self, bound: date) -> list[str]:
        share = 100 * self.with_year / self.articles if self.articles else 0.0
        out = [f"  articles: {self.articles}", f"  with a year: {self.with_year} ({share:.1f}%)"]
        if self.years:
            out.append(f"  min: {min(self.years)}  max: {max(self.years)}")
        out.append(f"  after {bound.isoformat()}: {self.after(bound)}")
        out.append("  by year: " + ", ".join(f"{y}: {n}" for y, n in sorted(self.years.items())))
        return out


def read_articles(path: Path) -> Iterator[str]:
    """Each article's f"{title}\\n{text}", streamed from a .jsonl or .jsonl.gz file."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                record = json.loads(line)
                yield f"{record.get('title') or ''}\n{record.get('text') or ''}"


def year_stats(paths: list[Path], not_after: date) -> YearStats:
    """The years the rule gives the articles of ``paths``."""
    stats = YearStats()
    for path in paths:
        for text in read_articles(path):
            stats.articles += 1
            year = infer_year(text, not_after=not_after)
            if year is not None:
                stats.years[year] += 1
    return stats


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m search.tools.yearstats", description=__doc__.splitlines()[0]
    )
    parser.add_argument("files", nargs="+", type=Path, help=".jsonl or .jsonl.gz article files")
    parser.add_argument("--not-after", type=date.fromisoformat, default=date.today(), help="YYYY-MM-DD")
    args = parser.parse_args(argv)
    stats = year_stats(args.files, args.not_after)
    print(", ".join(str(path) for path in args.files))
    print("\n".join(stats.lines(args.not_after)))


if __name__ == "__main__":
    main()
