"""The comparison study of chapter 11, one group of runs at a time.

    python -m seqlearn.compare.study --out seqlearn/results/which_cell             # the committed study
    python -m seqlearn.compare.study --out /tmp/wc --config small adding           # the notebook's size
    python -m seqlearn.compare.study --out seqlearn/results/which_cell --report    # rewrite README.md only

Groups: ``adding`` and ``copy`` (length sweeps), ``sunspots`` (forecasting), ``names``
(classification), ``ablation`` (Greff et al.'s LSTM variants and a learning-rate grid on
chapter 9's text) and ``forget_bias`` (the LSTM of adding and copy again with a forget-gate bias
of 1, as Jozefowicz et al. advise) and ``longer`` (each cell at the shortest length it failed,
with four times the steps). The last two read the adding and copy groups' results, so they run
after them. The protocol is the same in each: Adam's learning rate is chosen per cell (per
variant) on validation with seed 0 from ``LRS`` (or the group's own ``lrs``: the names first ran
with ``LRS`` and 12 epochs, every cell chose 0.003, the lowest rate, and its best epoch came late, so
the grid moved down and the epochs went up); then every seed runs at that rate, and its test set is
read once. Each group writes OUT/GROUP.json (every run, its config, the command, versions
and times); ``--report`` writes OUT/README.md from the JSON files present.
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from . import runs as R
from .models import CELLS
from ..utils import run_record

LRS = (3e-3, 1e-2, 3e-2)
CONFIGS = {
    "full": {"seeds": 5,
             "adding": {"lengths": [25, 50, 100], "steps": 1000, "budget": 4700},
             "copy": {"lengths": [5, 10, 20], "steps": 1200, "budget": 11000},
             "sunspots": {"budget": 650, "epochs": 150},
             "names": {"budget": 12000, "epochs": 20, "lrs": [1e-3, 3e-3, 1e-2]},
             "ablation": {"hidden": 64, "chars": 500_000, "epochs": 2, "grid_seeds": 2,
                          "lrs": [3e-3, 1e-2, 3e-2, 1e-1]}},
    "small": {"seeds": 2,
              "adding": {"lengths": [25], "steps": 300, "budget": 4700},
              "copy": {"lengths": [5], "steps": 300, "budget": 11000},
              "sunspots": {"budget": 650, "epochs": 60},
              "names": {"budget": 12000, "epochs": 4},
              "ablation": {"hidden": 32, "chars": 40_000, "epochs": 1, "grid_seeds": 1,
                           "lrs": [1e-2]}},
}
GROUPS = ("adding", "copy", "sunspots", "names", "ablation", "forget_bias", "longer")
LONGER = 4            # the "longer" group trains this many times the steps
VARIANTS = ("vanilla", "NIG", "NFG", "NOG", "NOAF", "CIFG")
RESULTS = Path(__file__).resolve().parents[1] / "results" / "which_cell"


def _plain(x):
    """JSON-ready: NumPy scalars and arrays become Python numbers and lists."""
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.generic):
        return x.item()
    return x


def _tuned(run, lrs, score, minimise=True):
    """Run seed 0 at every rate; return (the best rate, the tuning runs)."""
    tried = [run(lr) for lr in lrs]
    pick = (min if minimise else max)(tried, key=score)
    return pick["lr"], tried


def synthetic(task, cfg, seeds, log=print):
    """Every cell over the lengths: the rate chosen at the shortest length with seed 0, then all seeds."""
    tuning, out = [], []
    for cell in CELLS:
        shortest = cfg["lengths"][0]
        lr, tried = _tuned(lambda lr: R.synthetic(task, cell, shortest, 0, lr=lr, steps=cfg["steps"],
                                                  budget=cfg["budget"]), LRS, lambda r: r["val"][-1])
        tuning += tried
        for length in cfg["lengths"]:
            for seed in range(seeds):
                done = [r for r in tried if r["lr"] == lr] if (length, seed) == (shortest, 0) else []
                run = done[0] if done else R.synthetic(task, cell, length, seed, lr=lr, steps=cfg["steps"],
                                                       budget=cfg["budget"])
                out.append(run)
                log(f"{task} {cell} T={length} seed {seed}: test {run['test']:.4f} ({run['cpu_s']:.0f} s)")
    return {"tuning": tuning, "runs": out}


def real(task, cfg, seeds, log=print):
    """Every cell on sunspots or names: the rate chosen with seed 0 on validation, then all seeds."""
    fn = {"sunspots": R.sunspots, "names": R.names}[task]
    score = (lambda r: r["val"]) if task == "sunspots" else (lambda r: r["val_loss"])
    kwargs = {"budget": cfg["budget"], "epochs": cfg["epochs"]}
    tuning, out = [], []
    for cell in CELLS:
        lr, tried = _tuned(lambda lr: fn(cell, 0, lr=lr, **kwargs), cfg.get("lrs", LRS), score)
        tuning += tried
        for seed in range(seeds):
            run = [r for r in tried if r["lr"] == lr][0] if seed == 0 else fn(cell, seed, lr=lr, **kwargs)
            out.append(run)
            log(f"{task} {cell} seed {seed}: test {run['test']:.4f} ({run['cpu_s']:.0f} s)")
    return {"tuning": tuning, "runs": out, "baselines": baselines(task)}


def baselines(task, text=None):
    """The strongest simple models of each real task, fitted on training data, chosen on validation."""
    if task == "sunspots":
        from ..baselines import AR, persistence
        from ..data import sunspot_split
        split = sunspot_split()
        (xtr, ytr, _), (xva, yva, _), (xte, yte, _) = split.train, split.val, split.test
        ar, _ = AR.select(xtr, ytr, xva, yva, range(1, 21))
        def mse(p, y):                                                      # in sunspots squared
            return float(np.mean((p - y) ** 2)) * split.std ** 2
        return {"persistence": {"val": mse(persistence(xva), yva), "test": mse(persistence(xte), yte)},
                f"AR({ar.p})": {"val": mse(ar.predict(xva), yva), "test": mse(ar.predict(xte), yte)}}
    if task == "names":
        return names_baseline()
    if task == "ablation":
        from ..text.ngram import KneserNey, bits_per_char
        train, val, test, V = text
        kn, _ = KneserNey.select(train, val, V, range(1, 11))
        return {f"Kneser-Ney {kn.order}-gram": {"val": bits_per_char(kn.nll(val)),
                                                 "test": bits_per_char(kn.nll(test))}}
    return {}


def names_baseline():
    """Majority class, and logistic regression on character 1-3-grams with C chosen on validation."""
    from sklearn.feature_extraction.text import CountVectorizer
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    from .. import metrics
    d = R.name_data()
    grams = CountVectorizer(analyzer="char_wb", ngram_range=(1, 3), lowercase=False)
    x = {s: (grams.fit_transform if s == "train" else grams.transform)(d.names[s]) for s in ("train", "val", "test")}
    y = {s: getattr(d, s)[1].numpy() for s in ("train", "val", "test")}
    with threadpool_limits(1):
        fitted = {C: LogisticRegression(C=C, max_iter=3000).fit(x["train"], y["train"]) for C in (0.1, 1.0, 10.0)}
    C = max(fitted, key=lambda c: metrics.accuracy(y["val"], fitted[c].predict(x["val"])))
    guess = fitted[C].predict(x["test"])
    K = len(d.languages)
    majority = int(np.bincount(y["train"]).argmax())
    return {f"logistic regression, character 1-3-grams (C = {C:g})": {
                "val": metrics.accuracy(y["val"], fitted[C].predict(x["val"])),
                "test": metrics.accuracy(y["test"], guess),
                "macro_f1": metrics.precision_recall_f1(y["test"], guess, K, average="macro")[2]},
            "majority class": {"val": float(np.mean(y["val"] == majority)),
                               "test": float(np.mean(y["test"] == majority))}}


def ablation(cfg, seeds, log=print):
    """Greff et al.'s variants on a character LM: a grid of rates with ``grid_seeds`` seeds, then all
    seeds at each variant's rate that did best on mean validation bits per character."""
    text = R.lm_text(cfg["chars"])

    def run(variant, seed, lr):
        return R.char_lm(variant, seed, lr=lr, hidden=cfg["hidden"], text=text, epochs=cfg["epochs"])

    grid = []
    for variant in VARIANTS:
        for lr in cfg["lrs"]:
            for seed in range(cfg["grid_seeds"]):
                grid.append(run(variant, seed, lr))
                log(f"ablation {variant} lr {lr:g} seed {seed}: test {grid[-1]['test']:.3f} bpc "
                    f"({grid[-1]['cpu_s']:.0f} s)")
    out = []
    for variant in VARIANTS:
        mine = [r for r in grid if r["variant"] == variant]
        lr = min(cfg["lrs"], key=lambda lr: np.mean([r["val"] if np.isfinite(r["val"]) else np.inf
                                                     for r in mine if r["lr"] == lr]))
        for seed in range(seeds):
            done = [r for r in mine if r["lr"] == lr and r["seed"] == seed]
            out.append(done[0] if done else run(variant, seed, lr))
    return {"grid": grid, "runs": out, "baselines": baselines("ablation", text)}


def forget_bias(cfg, seeds, where, log=print):
    """Jozefowicz et al.'s advice, paired: the LSTM of the adding and copy groups (read from ``where``)
    again with b_f = 1, at the same rate, seeds and lengths, so each run differs from its twin in
    the forget gate's bias alone."""
    out = []
    for task in ("adding", "copy"):
        lr = [r for r in load(task, where)["runs"] if r["cell"] == "LSTM"][0]["lr"]
        for length in cfg[task]["lengths"]:
            for seed in range(seeds):
                out.append(R.synthetic(task, "LSTM", length, seed, lr=lr, steps=cfg[task]["steps"],
                                       budget=cfg[task]["budget"], forget_bias=1.0))
                log(f"forget bias 1: {task} T={length} seed {seed}: test {out[-1]['test']:.4f}")
    return {"runs": out}


def first_failure(result):
    """{cell: the shortest length at which most of its runs were not solved} (cells that always solve left out)."""
    out = {}
    for r in sorted(result["runs"], key=lambda r: r["length"]):
        rs = [q for q in result["runs"] if q["cell"] == r["cell"] and q["length"] == r["length"]]
        if r["cell"] not in out and 2 * sum(q["solved"] for q in rs) <= len(rs):
            out[r["cell"]] = r["length"]
    return out


def longer(cfg, seeds, where, log=print):
    """Each cell again at the shortest length it failed (read from the adding and copy groups in
    ``where``), with LONGER times the steps at the same rate and seeds: failure or slowness?"""
    out = []
    for task in ("adding", "copy"):
        base = load(task, where)
        for cell, length in first_failure(base).items():
            lr = [r for r in base["runs"] if r["cell"] == cell][0]["lr"]
            for seed in range(seeds):
                out.append(R.synthetic(task, cell, length, seed, lr=lr, steps=LONGER * cfg[task]["steps"],
                                       budget=cfg[task]["budget"]))
                log(f"longer: {task} {cell} T={length} seed {seed}: test {out[-1]['test']:.4f}")
    return {"runs": out}


def run_group(name, config="small", seeds=None, log=print, where=RESULTS):
    """One group of the study at a named size ("small" or "full"); returns its dict (see the module)."""
    if name not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}; got {name!r}")
    cfg = CONFIGS[config]
    seeds = cfg["seeds"] if seeds is None else seeds
    start, cpu = time.perf_counter(), time.process_time()
    if name in ("adding", "copy"):
        result = synthetic(name, cfg[name], seeds, log)
    elif name == "ablation":
        result = ablation(cfg[name], seeds, log)
    elif name == "forget_bias":
        result = forget_bias(cfg, seeds, where, log)
    elif name == "longer":
        result = longer(cfg, seeds, where, log)
    else:
        result = real(name, cfg[name], seeds, log)
    result.update({"group": name, "config": config, "settings": cfg.get(name, {}), "seeds": seeds,
                   "lrs": list(cfg.get(name, {}).get("lrs", LRS)),
                   "wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu})
    return _plain(result)


def load(name, where=RESULTS):
    """A group's committed results (``seqlearn/results/which_cell/NAME.json``) as a dict."""
    return json.loads((Path(where) / f"{name}.json").read_text())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", metavar="GROUP", help=f"any of {', '.join(GROUPS)} (default: all)")
    parser.add_argument("--out", default=str(RESULTS), help="folder for GROUP.json and README.md")
    parser.add_argument("--config", default="full", choices=sorted(CONFIGS))
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    parser.add_argument("--report", action="store_true", help="only rewrite OUT/README.md from the JSON files")
    args = parser.parse_args(argv)
    unknown = [g for g in args.groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group {unknown[0]!r}: choose from {', '.join(GROUPS)}")
    args.groups = args.groups or list(GROUPS)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if not args.report:
        torch.set_num_threads(args.threads)
        for name in args.groups:
            result = run_group(name, args.config, log=lambda s: print(s, flush=True), where=out)
            result.update(run_record("seqlearn.compare.study", argv))
            (out / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
            print(f"wrote {out / (name + '.json')} ({result['wall_s']:.0f} s)", flush=True)
    from .report import write_report
    print(f"wrote {write_report(out)}")


if __name__ == "__main__":
    main()
