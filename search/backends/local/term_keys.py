"""The posting store's name for a term of a view: a 64-bit key and a 32-bit check.

A term of most views is named by 96 bits of BLAKE2b of the view and the term. A pair
("lao_dong", the ``pairs`` view) is named from its two syllables' own names, mixed
with numpy: pairs are most of an article's distinct terms and keep coming (a build
meets new ones to its last article), and hashing each as a new string was the largest
part of counting an article's terms. Both sides use :func:`term_keys`, so a query's
pair finds the postings the build wrote.
"""

from __future__ import annotations

import hashlib

import numpy as np

from search import fields
from search.analysis.analyzers import COMPOUND_JOINER

KEY = np.dtype("<u8")
CHECK = np.dtype("<u4")
_DIGEST = np.dtype([("key", KEY), ("check", CHECK)])  # one term's hash, as computed
KEYS_REMEMBERED = 200_000  # terms of a view whose key a process keeps (text repeats its words)

# splitmix64's finaliser (Steele, Lea and Flood): every bit of the result depends on
# every bit of the input, so a pair's key is as spread as a hash.
_SHIFTS = (np.uint64(30), np.uint64(27), np.uint64(31))
_MULTIPLIERS = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))
_SECOND = np.uint64(0x9E3779B97F4A7C15)  # keeps "a_b" and "b_a" (and "a_a") apart
_HIGH = np.uint64(32)
_LOW_BITS = np.uint64(0xFFFFFFFF)


class _KnownKeys(dict[str, bytes]):
    """The key and check bytes of a view's terms, computed on first use (a lookup that
    misses calls :meth:`__missing__`, so a known term costs one dictionary lookup)."""

    def __init__(self, view: str) -> None:
        super().__init__()
        self.view = view

    def __missing__(self, term: str) -> bytes:
        if len(self) >= KEYS_REMEMBERED:
            self.clear()
        digest = self[term] = hashlib.blake2b(
            f"{self.view}\x1f{term}".encode(), digest_size=_DIGEST.itemsize
        ).digest()
        return digest


_known_keys: dict[str, _KnownKeys] = {}


def _known(view: str) -> _KnownKeys:
    known = _known_keys.get(view)
    if known is None:
        known = _known_keys[view] = _KnownKeys(view)
    return known


def hashed(view: str, terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The BLAKE2b keys and checks of ``terms`` as terms of ``view`` (memoised)."""
    digests = np.frombuffer(b"".join(map(_known(view).__getitem__, terms)), dtype=_DIGEST)
    return np.ascontiguousarray(digests["key"]), np.ascontiguousarray(digests["check"])


def _mix(values: np.ndarray) -> np.ndarray:
    first, second, third = _SHIFTS
    values = (values ^ (values >> first)) * _MULTIPLIERS[0]
    values = (values ^ (values >> second)) * _MULTIPLIERS[1]
    return values ^ (values >> third)


def pair_keys(
    first_keys: np.ndarray, first_checks: np.ndarray, second_keys: np.ndarray, second_checks: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The keys and checks of pairs from their syllables' :func:`hashed` names in the
    pairs view: the key from the two keys, the check from the two checks and the key."""
    keys = _mix(first_keys ^ _mix(second_keys ^ _SECOND))
    both_checks = (first_checks.astype(KEY) << _HIGH) | second_checks.astype(KEY)
    checks = (_mix(both_checks ^ keys) & _LOW_BITS).astype(CHECK)
    return keys, checks


def term_keys(view: str, terms: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The keys and checks of many terms of one view (the one place they are computed;
    a pair is written ``first_second``)."""
    if view != fields.PAIRS:
        return hashed(view, terms)
    if not terms:
        return np.zeros(0, KEY), np.zeros(0, CHECK)
    halves = [term.partition(COMPOUND_JOINER) for term in terms]
    first_keys, first_checks = hashed(view, [first for first, _, _ in halves])
    second_keys, second_checks = hashed(view, [second for _, _, second in halves])
    return pair_keys(first_keys, first_checks, second_keys, second_checks)


def term_key(view: str, term: str) -> tuple[int, int]:
    """The key and check of one term of one view (for a term of most views, 64 + 32
    bits of BLAKE2b: with ten million distinct terms, the chance that two share a key
    is about one in 300,000, and that they share both, one in 10^15). What
    :func:`term_keys` gives, in Python integers: a query reads its terms one at a time,
    and a dozen numpy operations on arrays of one cost 15 microseconds a pair."""
    if view != fields.PAIRS:
        return _named(view, term)
    first, _, second = term.partition(COMPOUND_JOINER)
    (first_key, first_check), (second_key, second_check) = _named(view, first), _named(view, second)
    key = _mix_int(first_key ^ _mix_int(second_key ^ int(_SECOND)))
    check = _mix_int(((first_check << int(_HIGH)) | second_check) ^ key) & int(_LOW_BITS)
    return key, check


def _named(view: str, term: str) -> tuple[int, int]:
    """:func:`hashed` of one term, as integers."""
    digest = _known(view)[term]
    return int.from_bytes(digest[: KEY.itemsize], "little"), int.from_bytes(digest[KEY.itemsize :], "little")


_UINT64 = (1 << 64) - 1


def _mix_int(value: int) -> int:
    """:func:`_mix` of one 64-bit integer (numpy's uint64 products wrap around)."""
    first, second, third = map(int, _SHIFTS)
    value = ((value ^ (value >> first)) * int(_MULTIPLIERS[0])) & _UINT64
    value = ((value ^ (value >> second)) * int(_MULTIPLIERS[1])) & _UINT64
    return value ^ (value >> third)
