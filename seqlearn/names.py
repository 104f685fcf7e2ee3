"""Surnames and the language they belong to: a classification task with real, varying lengths.

The names are the surname lists of Faker's person providers, one locale per language (``LOCALES``).
They were drawn once and frozen into ``seqlearn/datasets/names.tsv`` (name, language, split), so
every machine reads the same data and nothing is downloaded. The frozen file was made with
Faker ``FAKER_VERSION`` by ``python -m seqlearn.names``, which rebuilds it from the installed
Faker: per language, the surnames that occur in no other chosen locale, sorted, shuffled with a
seeded NumPy generator, the first ``PER_LANGUAGE`` kept and split 60/20/20 into train, val, test.
Faker's lists change between releases, which is why the chapters read the frozen copy.
Faker is MIT-licensed; its licence and the file's provenance are in ``seqlearn/datasets/``
(``LICENSE-faker.txt``, ``README.md``).

``load()`` returns the rows; ``NameData`` encodes them as sequences of character ids for a model:
id 0 is padding (``PAD``), id 1 stands for a character the training names never use (``UNK``).
"""
import csv
import sys
from pathlib import Path

import numpy as np

FAKER_VERSION = "40.63.0"
LOCALES = {"de_DE": "German", "en_GB": "English", "es_ES": "Spanish", "fi_FI": "Finnish",
           "fr_FR": "French", "ga_IE": "Irish", "hr_HR": "Croatian", "it_IT": "Italian",
           "nl_NL": "Dutch", "sk_SK": "Slovak"}
PER_LANGUAGE = 340                                # the smallest list, fr_FR, keeps 342 names
SPLITS = {"train": 0.6, "val": 0.2, "test": 0.2}
FROZEN = Path(__file__).resolve().parent / "datasets" / "names.tsv"
PAD, UNK = 0, 1


def load(path=FROZEN):
    """The frozen rows as a list of (name, language, split) tuples, in the file's order."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    if rows[0] != ["name", "language", "split"]:
        raise ValueError(f"{path}: expected the header name, language, split; got {rows[0]}")
    return [tuple(r) for r in rows[1:]]


def from_faker(per_language=PER_LANGUAGE, seed=0):
    """Draw the rows again from the installed Faker: what ``load()`` returns, if Faker's lists match."""
    import importlib

    surnames = {}
    for locale in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        surnames[locale] = set(provider.last_names)      # a tuple, or a dict of name -> weight
    rows, rng = [], np.random.default_rng(seed)
    for locale, language in LOCALES.items():
        others = set().union(*(s for k, s in surnames.items() if k != locale))
        own = sorted(surnames[locale] - others)           # a name of two languages has no single label
        if len(own) < per_language:
            raise ValueError(f"{locale} has {len(own)} surnames of its own, fewer than {per_language}")
        chosen = [own[i] for i in rng.permutation(len(own))[:per_language]]
        cut = np.cumsum([round(share * per_language) for share in SPLITS.values()])
        for i, name in enumerate(chosen):
            rows.append((name, language, list(SPLITS)[int(np.searchsorted(cut, i, side="right"))]))
    return rows


def write(rows, path=FROZEN):
    """Write rows of (name, language, split) as the tab-separated file that ``load`` reads."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        out = csv.writer(f, delimiter="\t", lineterminator="\n")
        out.writerow(["name", "language", "split"])
        out.writerows(rows)


class NameData:
    """The frozen names as tensors: ``train``, ``val``, ``test`` are (sequences, labels).

    sequences: a list of 1-D int64 tensors of character ids, one per name, of the name's length;
    labels: an int64 tensor of language indices into ``languages``. The vocabulary comes from the
    training names only (``vocab[i]`` is the character of id i; ids 0 and 1 are PAD and UNK), so
    the validation and test names are encoded as a model that never saw them would see them.
    ``names`` holds the strings of each split, in the same order.
    """

    def __init__(self, rows=None):
        import torch

        rows = load() if rows is None else rows
        self.languages = sorted({language for _, language, _ in rows})
        train_chars = sorted({c for name, _, split in rows if split == "train" for c in name})
        self.vocab = ["<pad>", "<unk>"] + train_chars
        self._ids = {c: i for i, c in enumerate(self.vocab)}
        self.names = {}
        for split in SPLITS:
            part = [(name, language) for name, language, s in rows if s == split]
            self.names[split] = [name for name, _ in part]
            labels = torch.tensor([self.languages.index(lang) for _, lang in part], dtype=torch.int64)
            setattr(self, split, ([self.encode(name) for name, _ in part], labels))

    def encode(self, name):
        """A name -> 1-D int64 tensor of character ids (UNK for a character not in the vocabulary)."""
        import torch
        return torch.tensor([self._ids.get(c, UNK) for c in name], dtype=torch.int64)

    def decode(self, ids):
        """Character ids -> the string, PAD ids dropped."""
        return "".join(self.vocab[int(i)] for i in ids if int(i) != PAD)


if __name__ == "__main__":                        # python -m seqlearn.names: rebuild the frozen file
    import faker
    if faker.VERSION != FAKER_VERSION:
        print(f"note: Faker {faker.VERSION} is installed; the committed file was made with "
              f"{FAKER_VERSION}; update FAKER_VERSION if you keep the new file", file=sys.stderr)
    write(from_faker())
    print(f"wrote {FROZEN}")
