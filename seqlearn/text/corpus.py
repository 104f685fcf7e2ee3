"""The corpus of the language-model chapter: CPython 3.11.7 standard-library source, frozen in the package.

The text was written by ``tools/make_corpus.py`` from a fixed list of pure-Python modules (recorded in
``data/stdlib.json`` with their offsets and digests) and is shipped xz-compressed, so that every
machine, and every Python version, reads the same 1,076,846 characters without a download. The
Python Software Foundation licence of that source is in ``data/LICENSE-PSF.txt``.
"""
import hashlib
import json
import lzma
from pathlib import Path
from typing import NamedTuple

DATA = Path(__file__).resolve().parent / "data"


def corpus_info():
    """The corpus's record: Python version, number of characters, SHA-256, and per module its
    ``offset``, ``length`` and ``sha256``."""
    return json.loads((DATA / "stdlib.json").read_text())


def load_corpus():
    """The whole corpus as one string, checked against the digest in its record."""
    data = lzma.decompress((DATA / "stdlib.txt.xz").read_bytes())
    if hashlib.sha256(data).hexdigest() != corpus_info()["sha256"]:
        raise RuntimeError("the shipped corpus does not match its recorded SHA-256: the package is damaged")
    return data.decode("ascii")


def licence():
    """The text of the PSF licence under which the corpus's source code is distributed."""
    return (DATA / "LICENSE-PSF.txt").read_text()


def module_at(offset):
    """The name of the module whose source holds character ``offset`` of the corpus."""
    return _entry(offset)["module"]


def module_bounds(offset):
    """(start, stop) of the module whose source holds character ``offset``: where a scan of its
    syntax (strings, brackets) must begin to know the state at ``offset``."""
    entry = _entry(offset)
    return entry["offset"], entry["offset"] + entry["length"]


def _entry(offset):
    for entry in corpus_info()["files"]:
        if entry["offset"] <= offset < entry["offset"] + entry["length"]:
            return entry
    raise IndexError(f"offset {offset} is outside the corpus")


class Split(NamedTuple):
    """Three consecutive pieces of one text: ``train, val, test = split``."""
    train: str
    val: str
    test: str

    @property
    def starts(self):
        """Where each piece starts in the text that was split."""
        return 0, len(self.train), len(self.train) + len(self.val)


def split_by_position(text, val=0.05, test=0.05):
    """Cut ``text`` by position into training, validation and test text (fractions of the length).

    The pieces are consecutive and in this order, so no piece shares a position with another:
    the test text is the end of the corpus, text that nothing was fitted or chosen on.
    """
    if not (0 < val < 1 and 0 < test < 1 and val + test < 1):
        raise ValueError(f"val and test must be fractions in (0, 1) that leave text to train on, got {val}, {test}")
    n = len(text)
    a, b = round(n * (1 - val - test)), round(n * (1 - test))
    return Split(text[:a], text[a:b], text[b:])
