"""What every backend's rebuild shares: the report it gives, the progress it shows."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.ingest.article import Article, Problem, Unchanged
from search.ingest.sources import Unparsed

# Wraps the stream of sources' items (a progress bar); returns the same items.
Progress = Callable[[Iterable[Any]], Iterable[Any]]


def no_progress(items: Iterable[Any]) -> Iterable[Any]:
    return items


@dataclass
class BuildReport:
    """What a rebuild did: shown to the operator and stored in the generation's meta."""

    indexed: int = 0
    unchanged: int = 0  # an update skipped them: same fingerprint as in the index
    deleted: int = 0  # an update removed them: no source has them any more
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    generation: Path | None = None  # where the new index is (a Typesense collection: its name)
    abbreviations: int = 0
    collisions: int = 0  # terms whose hash key another term had, kept apart (local backend)

    @property
    def skipped(self) -> int:
        return len(self.problems)


def changed_items(items: Iterable[Any], seen: set[str], report: BuildReport) -> Iterator[Any]:
    """The new and changed articles (and problems) of an update's ``items``; the ids of
    all the articles go into ``seen``, and the unchanged ones are counted."""
    for item in items:
        if isinstance(item, (Article, Unchanged, Unparsed)):
            seen.add(item.id)
        if isinstance(item, Unchanged):
            report.unchanged += 1
            continue
        yield item
