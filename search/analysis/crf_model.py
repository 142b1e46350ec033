"""A crfsuite model's weights, read from its file, and Viterbi decoding with them.

python-crfsuite's tagger spends most of its time turning each token's attribute names
into the C library's form and looking them up (about 2.5 us a token on pyvi's model),
not scoring. We read the model file's weights once instead: the state weight of each
attribute for each label and the transition weights, and add them up ourselves exactly
as crfsuite's tagger does (``crf1dt_state_score``: from 0.0, attribute after attribute,
in the item's order, in double precision), then decode as its ``crf1dc_viterbi`` does,
ties included (the lower label wins). The sums and comparisons are the same operations
on the same doubles, so the labels are the tagger's, bit for bit;
tests/test_segment_identity.py compares them with pyvi's own on real articles.

The file layout is crfsuite's ``crf1d_model.c`` and ``cqdb.c``: a 48-byte header of
little-endian fields, the features chunk (type, source, destination, weight), and the
label and attribute names as constant quark databases, each record ``id, size, name``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

_HEADER = struct.Struct("<4sI4sI8I")  # magic, size, type, version, 4 counts, 5 offsets
_CHUNK = struct.Struct("<4sII")  # id, size, number of items
_FEATURE = struct.Struct("<IIId")  # type, source, destination, weight
_QUARK_RECORD = struct.Struct("<iI")  # id, size of the name with its NUL
_QUARK_DATA = 24 + 256 * 8  # a quark database's records follow its header and 256 table refs
_STATE, _TRANSITION = 0, 1
Weights = tuple[float, float]  # by label
NO_WEIGHT: Weights = (0.0, 0.0)


class NotACrfModel(ValueError):
    """The bytes are not a crfsuite model of two labels."""


@dataclass(frozen=True)
class CrfModel:
    """A first-order linear-chain CRF of two labels."""

    labels: tuple[str, str]
    attributes: dict[bytes, Weights]  # each attribute's state weight for each label
    transitions: tuple[Weights, Weights]  # [from label][to label]

    def weights(self, attribute: bytes) -> Weights:
        """The state weights of ``attribute``; none for an attribute the model does not
        know (crfsuite's tagger drops those)."""
        return self.attributes.get(attribute, NO_WEIGHT)


def _names(data: bytes, offset: int, count: int) -> dict[int, bytes]:
    """The ``count`` names of the quark database at ``offset``, by id."""
    names: dict[int, bytes] = {}
    position = offset + _QUARK_DATA
    for _ in range(count):
        number, size = _QUARK_RECORD.unpack_from(data, position)
        position += _QUARK_RECORD.size
        names[number] = data[position : position + size - 1]
        position += size
    return names


def read_model(data: bytes) -> CrfModel:
    """The model in ``data``, a crfsuite model file's bytes (crf1d, two labels)."""
    if len(data) < _HEADER.size:
        raise NotACrfModel("too short for a crfsuite model")
    magic, _, kind, _, _, labels, attributes, features, label_names, attribute_names, *_ = (
        _HEADER.unpack_from(data)
    )
    if (magic, kind) != (b"lCRF", b"FOMC") or labels != 2:
        raise NotACrfModel(f"not a crfsuite CRF of two labels ({magic!r}, {kind!r}, {labels} labels)")
    label_text = _names(data, label_names, labels)
    attribute_text = _names(data, attribute_names, attributes)
    chunk, _, count = _CHUNK.unpack_from(data, features)
    if chunk != b"FEAT":
        raise NotACrfModel("no features chunk")
    state: dict[bytes, list[float]] = {}
    transitions = [[0.0, 0.0], [0.0, 0.0]]
    for feature_type, source, label, weight in _FEATURE.iter_unpack(
        data[features + _CHUNK.size : features + _CHUNK.size + count * _FEATURE.size]
    ):
        if feature_type == _STATE:
            state.setdefault(attribute_text[source], [0.0, 0.0])[label] = weight
        elif feature_type == _TRANSITION:
            transitions[source][label] = weight
    return CrfModel(
        labels=(label_text[0].decode(), label_text[1].decode()),
        attributes={name: (w[0], w[1]) for name, w in state.items()},
        transitions=((transitions[0][0], transitions[0][1]), (transitions[1][0], transitions[1][1])),
    )


def best_path(first: list[float], second: list[float], transitions: tuple[Weights, Weights]) -> list[int]:
    """The labels (0 or 1) of the best path through a line's state scores, ``first[t]``
    and ``second[t]`` for the two labels at position ``t`` (at least one position),
    computed as crfsuite's Viterbi computes them: the same sums, and on a tie the lower
    label."""
    (t00, t01), (t10, t11) = transitions
    a0, a1 = first[0], second[0]
    steps: list[int] = []  # per position after the first: bit j set when label j came from label 1
    step = steps.append
    # The four cases written out: a third faster than choosing each label's source apart.
    for x0, x1 in zip(first[1:], second[1:], strict=True):
        u, v, w, z = a0 + t00, a1 + t10, a0 + t01, a1 + t11
        if u < v:
            if w < z:
                step(3)
                a0, a1 = v + x0, z + x1
            else:
                step(1)
                a0, a1 = v + x0, w + x1
        elif w < z:
            step(2)
            a0, a1 = u + x0, z + x1
        else:
            step(0)
            a0, a1 = u + x0, w + x1
    label = 1 if a0 < a1 else 0
    path = [label] * len(first)
    for position in range(len(steps), 0, -1):
        label = steps[position - 1] >> label & 1
        path[position - 1] = label
    return path
