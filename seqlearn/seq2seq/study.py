"""The committed runs of chapters 12 and 13, one group at a time.

    python -m seqlearn.seq2seq.study --out seqlearn/results/seq2seq              # the committed study
    python -m seqlearn.seq2seq.study --out /tmp/s2s --config small cells         # a quick look
    python -m seqlearn.seq2seq.study --out seqlearn/results/seq2seq --report     # rewrite README.md only

Groups: ``cells`` (GRU, LSTM and BiLSTM encoder-decoders without attention, decoded greedily and
by beam search), ``forcing`` (the GRU trained with scheduled sampling and free running; its
teacher-forced twin is the cells group's GRU, same seeds) and ``attention`` (the GRU with
additive, dot and general attention). Every run trains on the same pairs (sources of at most
``max_words`` words), reads the held-out test set (same lengths, no source seen in training) and
the longer set (sources of more words than any in training) once each, after training. The
learning rate and the sizes were fixed before the runs, not tuned per model.
"""
import argparse
import datetime
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np
import torch

from . import numbers, train
from .batch import Vocab
from .models import build

CONFIGS = {
    "full": {"seeds": 3, "train": 12000, "test": 1000, "longer": 500, "max_words": 13, "epochs": 8,
             "lr": 3e-3, "batch_size": 64, "embedding": 32, "hidden": 128, "beam": 5},
    "small": {"seeds": 1, "train": 3000, "test": 300, "longer": 100, "max_words": 13, "epochs": 3,
              "lr": 3e-3, "batch_size": 64, "embedding": 32, "hidden": 128, "beam": 3},
}
GROUPS = ("cells", "forcing", "attention")
FORCING = {"teacher forcing": 1.0, "scheduled sampling": "linear 1 -> 0", "free running": 0.0}
RESULTS = Path(__file__).resolve().parents[1] / "results" / "seq2seq"


def split(cfg):
    """(train, test, longer) pairs, each from its own seed; test and longer never seen in training."""
    test = numbers.make_pairs(cfg["test"], np.random.default_rng(100), max_source=cfg["max_words"])
    longer = numbers.make_pairs(cfg["longer"], np.random.default_rng(101), min_source=cfg["max_words"] + 1)
    train_pairs = numbers.make_pairs(cfg["train"], np.random.default_rng(102), max_source=cfg["max_words"],
                                     exclude=[s for s, _ in test])
    return train_pairs, test, longer


def by_length(predicted, pairs):
    """{source length: [exact matches, pairs]}."""
    out = {}
    for p, (s, t) in zip(predicted, pairs):
        right, n = out.get(len(s), [0, 0])
        out[len(s)] = [right + (tuple(p) == tuple(t)), n + 1]
    return dict(sorted(out.items()))


def run(cell, attention, seed, cfg, data, forcing="teacher forcing", beams=False):
    """Train one model and score it; a JSON-ready dict."""
    train_pairs, test, longer = data
    vocabs = Vocab.for_pairs(train_pairs)
    torch.manual_seed(seed)
    model = build(cell, len(vocabs[0]), len(vocabs[1]), attention=attention,
                  embedding_size=cfg["embedding"], hidden_size=cfg["hidden"])
    tf = FORCING[forcing]
    schedule = train.linear_decay(1.0, 0.0) if isinstance(tf, str) else tf
    start = time.process_time()
    losses = train.fit(model, train_pairs, vocabs, epochs=cfg["epochs"], lr=cfg["lr"],
                       batch_size=cfg["batch_size"], teacher_forcing=schedule, seed=seed)
    cpu = time.process_time() - start
    out = {"cell": cell, "attention": attention or "none", "forcing": forcing, "seed": seed,
           "parameters": sum(p.numel() for p in model.parameters()), "losses": losses, "cpu_s": cpu}
    for name, pairs in (("test", test), ("longer", longer)):
        predicted = train.decode_all(model, pairs, vocabs)
        out[name] = train.scores(predicted, pairs) | {"by_length": by_length(predicted, pairs)}
    out["test"]["teacher_forced_token"] = train.teacher_forced_accuracy(model, test, vocabs)
    if beams:
        greedy = train.decode_all(model, test, vocabs)
        for alpha in (0.0, 1.0):
            beam = train.decode_all(model, test, vocabs, beam_size=cfg["beam"], alpha=alpha)
            out[f"beam alpha={alpha:g}"] = train.scores(beam, test) | {
                "changed": int(sum(a != b for a, b in zip(beam, greedy)))}
    return out


def group(name, cfg, log=print):
    data = split(cfg)
    runs = []
    plan = {"cells": [(c, None, "teacher forcing", True) for c in ("GRU", "LSTM", "BiLSTM")],
            "forcing": [("GRU", None, f, False) for f in ("scheduled sampling", "free running")],
            "attention": [("GRU", a, "teacher forcing", False) for a in ("additive", "dot", "general")]}[name]
    for cell, attention, forcing, beams in plan:
        for seed in range(cfg["seeds"]):
            runs.append(run(cell, attention, seed, cfg, data, forcing, beams))
            r = runs[-1]
            log(f"{name}: {cell} attention={r['attention']} {forcing} seed {seed}: exact {r['test']['exact']:.3f}"
                f", longer {r['longer']['exact']:.3f} ({r['cpu_s']:.0f} s)")
    return {"runs": runs, "sizes": {"train": len(data[0]), "test": len(data[1]), "longer": len(data[2])}}


def load(name, where=RESULTS):
    return json.loads((Path(where) / f"{name}.json").read_text())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("groups", nargs="*", help=f"any of {', '.join(GROUPS)} (default: all)")
    parser.add_argument("--out", default=str(RESULTS))
    parser.add_argument("--config", default="full", choices=list(CONFIGS))
    parser.add_argument("--report", action="store_true", help="only rewrite OUT/README.md")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    cfg = CONFIGS[args.config]
    unknown = sorted(set(args.groups) - set(GROUPS))
    if unknown:
        parser.error(f"unknown group(s) {', '.join(unknown)}; the groups are {', '.join(GROUPS)}")
    if not args.report:
        torch.set_num_threads(1)
        for name in args.groups or GROUPS:
            start, cpu = time.time(), time.process_time()
            result = group(name, cfg)
            result |= {"group": name, "config": cfg, "config_name": args.config,
                       "command": "python -m seqlearn.seq2seq.study " + " ".join(argv or sys.argv[1:]),
                       "date": datetime.date.today().isoformat(), "python": platform.python_version(),
                       "torch": torch.__version__, "numpy": np.__version__,
                       "wall_s": time.time() - start, "cpu_s": time.process_time() - cpu}
            (out / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
    from .report import write_report
    write_report(out)


if __name__ == "__main__":
    main()
