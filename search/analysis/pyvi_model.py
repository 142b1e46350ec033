"""pyvi's segmentation model, read from pyvi's own package files without importing pyvi.

``pyvi.ViTokenizer`` unpickles a ``sklearn_crfsuite.CRF``, and importing sklearn costs
about 1.7 s, most of an ``--update``'s start. The pickle holds the python-crfsuite model
file's bytes (sklearn-crfsuite's ``FileResource`` state); we read those with the
sklearn-crfsuite classes stood in for by plain attribute holders, and read the model's
weights from them (:mod:`search.analysis.crf_model`; no temporary file). The bigram and
trigram lists are read from ``words.txt`` as pyvi reads them. pyvi stays the reference:
tests/test_segment_identity.py compares labels with ``ViTokenizer``'s own.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from importlib.resources import files
from typing import Any

from search.analysis.crf_model import CrfModel, read_model

_MODEL_FILE = "models/pyvi3.pkl"  # the file pyvi loads on Python 3
_WORDS_FILE = "models/words.txt"
_FILE_DATA = "__FILE_RESOURCE_DATA__"  # where sklearn-crfsuite pickles the model file


class _Attributes:
    """Stands in for a pickled sklearn-crfsuite object: its state becomes attributes."""


class _ModelUnpickler(pickle.Unpickler):
    """Unpickles pyvi's model with sklearn-crfsuite's classes replaced by _Attributes."""

    def find_class(self, module: str, name: str) -> Any:
        if module.split(".")[0] in ("sklearn_crfsuite", "pycrfsuite"):
            return _Attributes
        return super().find_class(module, name)


@dataclass(frozen=True)
class PyviModel:
    """pyvi's CRF and the n-gram lists its features test."""

    crf: CrfModel
    bi_grams: frozenset[str]
    tri_grams: frozenset[str]


def _grams(text: str) -> tuple[frozenset[str], frozenset[str]]:
    """pyvi's bigrams and trigrams: the lines of ``words.txt`` of two and three words."""
    lines = text.split("\n")
    return (
        frozenset(line for line in lines if len(line.split(" ")) == 2),
        frozenset(line for line in lines if len(line.split(" ")) == 3),
    )


def load() -> PyviModel:
    """pyvi's model, from the installed pyvi package's files."""
    package = files("pyvi")
    with (package / _MODEL_FILE).open("rb") as stream:
        crf = _ModelUnpickler(stream).load()
    model = read_model(crf.modelfile.__dict__[_FILE_DATA])
    bi_grams, tri_grams = _grams((package / _WORDS_FILE).read_text(encoding="utf-8"))
    return PyviModel(model, bi_grams, tri_grams)
