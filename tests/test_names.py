"""The frozen surname data: what the chapters read, balanced, split once, and rebuilt from Faker."""
import collections

import pytest
import torch

from seqlearn import names


def test_frozen_file_holds_every_language_split_60_20_20():
    rows = names.load()
    count = collections.Counter((language, split) for _, language, split in rows)
    assert len(rows) == len(names.LOCALES) * names.PER_LANGUAGE
    for language in names.LOCALES.values():
        assert [count[language, s] for s in names.SPLITS] == [204, 68, 68]


def test_a_name_has_one_language_and_one_split():
    rows = names.load()
    assert len({name for name, _, _ in rows}) == len(rows)
    assert all(name and name == name.strip() for name, _, _ in rows)


def test_name_data_encodes_with_pad_0_and_unk_1_from_the_training_vocabulary():
    data = names.NameData()
    assert data.vocab[:2] == ["<pad>", "<unk>"] and len(data.languages) == len(names.LOCALES)
    seqs, labels = data.train
    assert len(seqs) == len(labels) == 2040 and labels.dtype == torch.int64
    assert all(s.dtype == torch.int64 and int(s.min()) >= 2 for s in seqs)    # no PAD, no UNK in train
    for split in names.SPLITS:
        seqs, _ = getattr(data, split)
        assert [data.decode(s).replace("<unk>", "?") for s in seqs][:5] == [
            "".join(c if c in data.vocab else "?" for c in n) for n in data.names[split][:5]]
    assert data.encode("\u263a").tolist() == [names.UNK]


def test_rebuilding_from_faker_gives_the_frozen_file():
    faker = pytest.importorskip("faker")
    if faker.VERSION != names.FAKER_VERSION:
        pytest.skip(f"the frozen file was made with Faker {names.FAKER_VERSION}, {faker.VERSION} is installed")
    assert names.from_faker() == names.load()


def test_write_and_load_round_trip(tmp_path):
    rows = [("Aho", "Finnish", "train"), ("Ó Briain", "Irish", "test")]
    names.write(rows, tmp_path / "n.tsv")
    assert names.load(tmp_path / "n.tsv") == rows
