"""A rebuild that dies half-way: a progress wrapper that interrupts after a few items."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any


def interrupted_after(count: int) -> Any:
    """A ``progress=`` function that raises KeyboardInterrupt at item ``count``."""

    def progress(items: Iterable[Any]) -> Iterator[Any]:
        for number, item in enumerate(items):
            if number == count:
                raise KeyboardInterrupt
            yield item

    return progress
