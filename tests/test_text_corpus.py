"""The frozen corpus, its split by position and the vocabulary: the same characters on every machine."""
import hashlib
import platform
import sysconfig
from pathlib import Path

import numpy as np
import pytest

from seqlearn.text import Vocab, corpus_info, load_corpus, split_by_position
from seqlearn.text.corpus import DATA, licence, module_at, module_bounds

ROOT = Path(__file__).resolve().parents[1]


def test_corpus_matches_its_record_module_by_module():
    text, info = load_corpus(), corpus_info()
    assert len(text) == info["characters"] and hashlib.sha256(text.encode()).hexdigest() == info["sha256"]
    files = info["files"]
    assert files[0]["offset"] == 0
    for a, b in zip(files, files[1:]):                 # contiguous, in the recorded order
        assert a["offset"] + a["length"] == b["offset"]
    assert files[-1]["offset"] + files[-1]["length"] == len(text)
    for f in files:
        piece = text[f["offset"]:f["offset"] + f["length"]]
        assert hashlib.sha256(piece.encode()).hexdigest() == f["sha256"], f["module"]
    assert module_at(0) == files[0]["module"] and module_at(len(text) - 1) == files[-1]["module"]
    second = files[1]
    assert module_bounds(second["offset"] + 5) == (second["offset"], second["offset"] + second["length"])
    with pytest.raises(IndexError):
        module_at(len(text))


@pytest.mark.skipif(platform.python_version() != "3.11.7", reason="the corpus is CPython 3.11.7's standard library")
def test_corpus_is_the_standard_library_it_says_it_is():
    lib = Path(sysconfig.get_paths()["stdlib"])
    for f in corpus_info()["files"]:
        assert hashlib.sha256((lib / f["module"]).read_bytes()).hexdigest() == f["sha256"], f["module"]


def test_licence_ships_beside_the_corpus_and_in_the_package_data():
    assert "PYTHON SOFTWARE FOUNDATION LICENSE" in licence()
    assert (DATA / "stdlib.txt.xz").exists()
    pyproject = (ROOT / "pyproject.toml").read_text()
    for pattern in ["text/data/*.xz", "text/data/*.json", "text/data/*.txt"]:
        assert pattern in pyproject                   # a pip install (Colab) ships the corpus


def test_split_by_position_is_consecutive_and_in_order():
    text = "abcdefghijklmnopqrstuvwxyz" * 4
    split = split_by_position(text, val=0.1, test=0.2)
    train, val, test = split
    assert train + val + test == text
    assert (len(train), len(val), len(test)) == (73, 10, 21)
    assert split.starts == (0, 73, 83)
    with pytest.raises(ValueError):
        split_by_position(text, val=0.5, test=0.5)


def test_every_character_of_validation_and_test_is_in_the_training_vocabulary():
    train, val, test = split_by_position(load_corpus())
    vocab = Vocab.from_text(train)
    for piece in (val, test):
        assert vocab.decode(vocab.encode(piece)) == piece


def test_vocab_encodes_sorted_ids_and_refuses_unknown_characters():
    vocab = Vocab.from_text("hello world")
    assert vocab.chars == [" ", "d", "e", "h", "l", "o", "r", "w"] and len(vocab) == 8
    ids = vocab.encode("hold")
    assert ids.dtype == np.int64 and ids.tolist() == [3, 5, 4, 1]
    assert vocab.decode(ids) == "hold" and vocab.decode(ids[:, None]) == "hold"
    with pytest.raises(ValueError, match=r"2 characters are not in the vocabulary: \['!', 'z'\]"):
        vocab.encode("z!o")
    assert Vocab.from_text("\u00e9\u4e2d").decode(Vocab.from_text("\u00e9\u4e2d").encode("\u4e2d\u00e9")) == "\u4e2d\u00e9"
