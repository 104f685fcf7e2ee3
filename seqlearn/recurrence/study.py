"""minGRU and minLSTM against the GRU and the LSTM, at matched parameter counts, over seeds.

    python -m seqlearn.recurrence.study --out seqlearn/results/recurrence_today            # everything
    python -m seqlearn.recurrence.study --out /tmp/rt --config small char_lm              # a quick look

Groups:

- ``adding`` and ``copy``: chapter 11's adding problem (T = 100) and copy task (delay 20), with
  chapter 11's budgets, steps and protocol (``seqlearn.compare.runs.synthetic``: Adam's rate chosen
  from ``LRS`` on validation with seed 0, then every seed at that rate, the test set read once).
  The GRU and LSTM runs are chapter 11's committed ones (``seqlearn/results/which_cell/``, same
  seeds); only the minimal cells run here, two layers deep ("minGRU-2", "minLSTM-2"). One layer at
  the same budget is 470-670 units wide, and a training step costs several times the GRU's on a
  CPU (``cost`` measures it), so it is left out of these two groups.
- ``char_lm``: chapter 11's character LM setting (500,000 characters of chapter 9's text, two
  epochs of truncated BPTT), every cell at the parameter count of its 64-unit LSTM, one and two
  layers of the minimal cells, and a Kneser-Ney n-gram as the baseline.

The minimal cells train with ``mode="scan"``: the same numbers as the log-space schedule, which is
the slowest of the three on a CPU (its ``logcumsumexp`` backward).
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..compare import runs as R
from ..compare import study as which_cell
from ..compare.models import MIN_CELLS, hidden_for_budget
from ..torch.minrnn import MinRNN
from ..utils import run_record

LRS = which_cell.LRS
CONFIGS = {
    "full": {"seeds": 5,
             "adding": {"length": 100, "steps": 1000, "budget": 4700},
             "copy": {"length": 20, "steps": 1200, "budget": 11000},
             "char_lm": {"seeds": 3, "chars": 500_000, "epochs": 2, "budget": 47_712,
                         "lrs": [1e-2, 3e-2, 1e-1]}},
    "small": {"seeds": 2,
              "adding": {"length": 25, "steps": 200, "budget": 4700},
              "copy": {"length": 5, "steps": 200, "budget": 11000},
              "char_lm": {"seeds": 1, "chars": 30_000, "epochs": 1, "budget": 47_712, "lrs": [3e-2]}},
}
GROUPS = ("adding", "copy", "char_lm")
SYNTHETIC_CELLS = ("minGRU-2", "minLSTM-2")
LM_CELLS = ("GRU", "LSTM", "minGRU", "minLSTM", "minGRU-2", "minLSTM-2")
RESULTS = Path(__file__).resolve().parents[1] / "results" / "recurrence_today"


def synthetic(task, cfg, seeds, log=print):
    """The minimal cells at one length, chapter 11's protocol; chapter 11's GRU and LSTM runs beside them."""
    length, tuning, out = cfg["length"], [], []
    for cell in SYNTHETIC_CELLS:
        def run(seed, lr):
            return R.synthetic(task, cell, length, seed, lr=lr, steps=cfg["steps"], budget=cfg["budget"])
        lr, tried = which_cell._tuned(lambda lr: run(0, lr), LRS, lambda r: r["val"][-1])
        tuning += tried
        for seed in range(seeds):
            r = [t for t in tried if t["lr"] == lr][0] if seed == 0 else run(seed, lr)
            out.append(r)
            log(f"{task} {cell} T={length} seed {seed}: test {r['test']:.4f} ({r['cpu_s']:.0f} s)")
    theirs = which_cell.load(task)["runs"]
    reference = [r for r in theirs if r["cell"] in ("GRU", "LSTM") and r["length"] == length and r["seed"] < seeds]
    return {"tuning": tuning, "runs": reference + out, "from_chapter_11": ["GRU", "LSTM"]}


def lm_core(cell, vocab_size, budget, device=None):
    """The recurrent core of a CharLM of ``cell`` at ``budget`` parameters (readout included), and its width."""
    H = hidden_for_budget(cell, vocab_size, vocab_size, budget)
    if cell in MIN_CELLS:
        kind, layers = MIN_CELLS[cell]
        return MinRNN(kind, vocab_size, H, layers, mode="scan", device=device), H
    return getattr(nn, cell)(vocab_size, H, device=device), H


def char_lm(cell, seed, *, lr, budget, text, epochs, batch=32, k=32, clip=1.0, device=None):
    """One CharLM run by truncated BPTT (chapter 9's loop), the epoch chosen on validation; bits per character."""
    from ..text import lm
    train, val, test, V = text
    torch.manual_seed(seed)
    core, H = lm_core(cell, V, budget, device)
    model = lm.CharLM(core, V)
    data = torch.as_tensor(lm.batchify(train, batch), device=device)
    hist = lm.train_tbptt(model, data, k=k, lr=lr, epochs=epochs, clip=clip, val=val, keep_best=True)
    finite = [v for v in hist["val_bpc"] if np.isfinite(v)]
    return {"task": "char_lm", "cell": cell, "seed": seed, "lr": lr, "hidden": H,
            "params": sum(p.numel() for p in model.parameters()),
            "val": min(finite) if finite else float("nan"), "val_curve": hist["val_bpc"],
            "test": lm.bits(lm.evaluate(model, test, batch=16)), "best_epoch": hist["best_epoch"],
            "cpu_s": float(sum(hist["cpu_seconds"])), "cpu_s_per_epoch": float(np.mean(hist["cpu_seconds"]))}


def language_model(cfg, log=print):
    """Every cell of ``LM_CELLS``: a rate per cell from ``lrs`` with seed 0 on validation, then all seeds."""
    text = R.lm_text(cfg["chars"])
    tuning, out = [], []
    for cell in LM_CELLS:
        def run(seed, lr):
            return char_lm(cell, seed, lr=lr, budget=cfg["budget"], text=text, epochs=cfg["epochs"])
        lr, tried = which_cell._tuned(lambda lr: run(0, lr), cfg["lrs"],
                                      lambda r: r["val"] if np.isfinite(r["val"]) else np.inf)
        tuning += tried
        for seed in range(cfg["seeds"]):
            r = [t for t in tried if t["lr"] == lr][0] if seed == 0 else run(seed, lr)
            out.append(r)
            log(f"char_lm {cell} seed {seed}: test {r['test']:.3f} bpc ({r['cpu_s']:.0f} s)")
    return {"tuning": tuning, "runs": out, "baselines": which_cell.baselines("ablation", text)}


def run_group(name, config="small", log=print):
    """One group at a named size ("small" or "full"); returns its dict (see the module docstring)."""
    if name not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)}; got {name!r}")
    cfg = CONFIGS[config]
    start, cpu = time.perf_counter(), time.process_time()
    if name == "char_lm":
        result = language_model(cfg[name], log)
    else:
        result = synthetic(name, cfg[name], cfg["seeds"], log)
    result.update({"group": name, "config": config, "settings": cfg[name], "seeds": cfg[name].get("seeds", cfg["seeds"]),
                   "wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu})
    return which_cell._plain(result)


def load(name, where=RESULTS):
    """A group's committed results (``seqlearn/results/recurrence_today/NAME.json``) as a dict."""
    return json.loads((Path(where) / f"{name}.json").read_text())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("groups", nargs="*", metavar="GROUP", help=f"any of {', '.join(GROUPS)} (default: all)")
    parser.add_argument("--out", default=str(RESULTS), help="folder for GROUP.json")
    parser.add_argument("--config", default="full", choices=sorted(CONFIGS))
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default 1)")
    args = parser.parse_args(argv)
    unknown = [g for g in args.groups if g not in GROUPS]
    if unknown:
        parser.error(f"unknown group {unknown[0]!r}: choose from {', '.join(GROUPS)}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(args.threads)
    for name in args.groups or GROUPS:
        result = run_group(name, args.config, log=lambda s: print(s, flush=True))
        result.update(run_record("seqlearn.recurrence.study", argv))
        (out / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n")
        print(f"wrote {out / (name + '.json')} ({result['wall_s']:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
