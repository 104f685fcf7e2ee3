"""Can a network *learn* a long memory? Remember a bit for T steps: Elman RNN against LSTM, many seeds.

    python -m seqlearn.memory                 # the committed table -> seqlearn/results/memory_cpu.{json,md}
    python -m seqlearn.memory --lengths 20 50 --seeds 2 --out DIR      # a smaller run anywhere

The task is ``seqlearn.data.remember_first`` (chapter 3): every step carries a random bit ±1 and a
marker that flags the first step; after T steps the network says what the first bit was, and the
T - 1 later bits are distractors. A run *succeeds* when its test accuracy reaches
``SUCCESS`` (0.9; chance is 0.5) after the fixed training budget ``BUDGET``, with the epoch chosen on
validation (``fit(keep_best=True)``); the test set is touched once. The networks have matched
parameter budgets (``KINDS``): a tanh RNN with 17 units and LSTMs with 8 units, 375 and 393
parameters with their readouts. They are torch.nn's fused modules in float32, for speed: this is
an experiment, not a parity check. Every kind sees the same data for a given (T, seed).
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
from torch import nn

from .data import remember_first
from .train import SequenceModel, fit
from .utils import seed_everything

RESULTS = Path(__file__).resolve().parent / "results"
SUCCESS = 0.9                                     # test accuracy that counts as learned; chance is 0.5
BUDGET = {"train": 384, "val": 256, "test": 512, "epochs": 10, "batch_size": 32, "lr": 1e-2, "clip": 1.0}


def set_forget_bias(lstm, value):
    """Make the forget-gate bias b_f = b_if + b_hf equal ``value`` in every layer and direction.

    torch keeps two biases per gate and only their sum counts: b_if is set to 0 and b_hf to value
    (a number, or a tensor of one value per unit). Returns the LSTM.
    """
    H = lstm.hidden_size
    with torch.no_grad():
        for name, p in lstm.named_parameters():
            if name.startswith("bias_"):
                p[H:2 * H] = value if name.startswith("bias_hh") else 0.0
    return lstm


def chrono_init(lstm, t_max, generator=None):
    """Chrono initialisation (Tallec & Ollivier 2018): b_f = log(u), u ~ U(1, t_max - 1), and b_i = -b_f.

    A unit whose forget gate sits at σ(log u) = u / (1 + u) keeps a memory for about 1 + u steps
    (time constant 1 / (1 - f)), so the units start with memories spread up to ``t_max`` steps;
    b_i = -b_f starts the input gate as 1 - f. Every layer and direction. Returns the LSTM.
    """
    if t_max <= 2:
        raise ValueError(f"chrono_init needs t_max > 2 steps, got {t_max}")
    H, params = lstm.hidden_size, dict(lstm.named_parameters())
    with torch.no_grad():
        for name, b_hh in params.items():
            if name.startswith("bias_hh"):
                u = 1 + (t_max - 2) * torch.rand(H, generator=generator, dtype=b_hh.dtype)
                b_f = torch.log(u).to(b_hh.device)
                b_hh[H:2 * H], b_hh[0:H] = b_f, -b_f
                params[name.replace("bias_hh", "bias_ih")][0:2 * H] = 0.0
    return lstm


def _rnn(length):
    return nn.RNN(2, 17, batch_first=True)


def _lstm_forget_bias_1(length):
    return set_forget_bias(nn.LSTM(2, 8, batch_first=True), 1.0)


def _lstm_chrono(length):
    return chrono_init(nn.LSTM(2, 8, batch_first=True), length)


# name -> the recurrent core for sequences of a given length, built after the seed is set
KINDS = {"RNN": _rnn, "LSTM, b_f = 1": _lstm_forget_bias_1, "LSTM, chrono": _lstm_chrono}


def build(kind, length, seed, device=None):
    """The model of ``kind`` for sequences of ``length`` steps: its core and a linear readout of the last step."""
    seed_everything(seed)
    return SequenceModel(KINDS[kind](length), 1).to(device)


def _bce(logits, y):
    return nn.functional.binary_cross_entropy_with_logits(logits.squeeze(-1), y)


def run_one(kind, length, seed, device=None, budget=None):
    """Train one model with ``budget`` (default ``BUDGET``); return a record with its test accuracy."""
    b = BUDGET | (budget or {})
    rng = np.random.default_rng([length, seed])   # the same data for every kind at (length, seed)
    splits = [remember_first(b[part], length, rng) for part in ("train", "val", "test")]
    (x, y), val, (x_test, y_test) = [tuple(torch.tensor(a, dtype=torch.float32, device=device) for a in s)
                                     for s in splits]
    model = build(kind, length, seed, device)
    start = time.perf_counter()
    history = fit(model, _bce, x, y, epochs=b["epochs"], batch_size=b["batch_size"], lr=b["lr"], clip=b["clip"],
                  val=val, keep_best=True, generator=torch.Generator().manual_seed(seed))
    model.eval()
    with torch.no_grad():
        accuracy = float(((model(x_test).squeeze(-1) > 0).float() == y_test).float().mean())
    return {"kind": kind, "length": length, "seed": seed, "accuracy": accuracy,
            "success": accuracy >= SUCCESS, "best_epoch": history["best_epoch"],
            "seconds": round(time.perf_counter() - start, 2)}


def run(kinds=tuple(KINDS), lengths=(20, 50, 100), seeds=range(5), device=None, budget=None, progress=None):
    """Every (kind, length, seed): a list of ``run_one`` records."""
    records = []
    for length in lengths:
        for kind in kinds:
            for seed in seeds:
                records.append(run_one(kind, length, seed, device, budget))
                if progress:
                    progress(records[-1])
    return records


def success_table(records):
    """{kind: {length: (successes, runs)}} in the order the records list them."""
    table = {}
    for r in records:
        cell = table.setdefault(r["kind"], {}).setdefault(r["length"], [0, 0])
        cell[0] += bool(r["success"])
        cell[1] += 1
    return {k: {t: tuple(c) for t, c in row.items()} for k, row in table.items()}


def format_table(records):
    """The success table as text: one row per kind, 'successes/runs' per length, and the median accuracy."""
    table = success_table(records)
    lengths = sorted({r["length"] for r in records})
    lines = [f"{'successes / runs':18s}" + "".join(f"{'T = ' + str(t):>11s}" for t in lengths)]
    for kind, row in table.items():
        lines.append(f"{kind:18s}" + "".join(f"{'%d/%d' % row[t]:>11s}" if t in row else f"{'':>11s}"
                                             for t in lengths))
    lines.append("median test accuracy")
    for kind in table:
        acc = [[r["accuracy"] for r in records if r["kind"] == kind and r["length"] == t] for t in lengths]
        lines.append(f"{kind:18s}" + "".join(f"{np.median(a):11.2f}" if a else f"{'':>11s}" for a in acc))
    return "\n".join(lines)


def load(name="memory_cpu", folder=RESULTS):
    """The committed results: (meta, records)."""
    data = json.loads((Path(folder) / f"{name}.json").read_text())
    return data["meta"], data["records"]


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m seqlearn.memory", description=__doc__.split("\n\n")[0])
    p.add_argument("--lengths", type=int, nargs="+", default=[20, 50, 100, 200, 400])
    p.add_argument("--seeds", type=int, default=10, help="seeds 0, 1, ..., N-1")
    p.add_argument("--kinds", nargs="+", choices=list(KINDS), default=list(KINDS))
    p.add_argument("--threads", type=int, default=1, help="torch threads (the chapter uses 1)")
    p.add_argument("--out", type=Path, default=RESULTS)
    p.add_argument("--name", default="memory_cpu")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    records = run(args.kinds, args.lengths, range(args.seeds),
                  progress=lambda r: print(f"{r['kind']:15s} T={r['length']:<4d} seed {r['seed']}: "
                                           f"accuracy {r['accuracy']:.3f} ({r['seconds']:.1f} s)", flush=True))
    command = " ".join(["python -m seqlearn.memory", *(argv if argv is not None else sys.argv[1:])])
    meta = {"command": command,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
            "device": "CPU", "threads": args.threads, "success": SUCCESS, "budget": BUDGET,
            "seconds": round(time.perf_counter() - start, 1)}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{args.name}.json").write_text(json.dumps({"meta": meta, "records": records}, indent=1) + "\n")
    text = format_table(records)
    (args.out / f"{args.name}.md").write_text(
        f"# Remember the first bit for T steps\n\nMade with `{meta['command']}` on {meta['date']} "
        f"(torch {meta['torch']}, {meta['threads']} thread(s), {meta['seconds']} s). Success: test "
        f"accuracy >= {SUCCESS}.\n\n```\n{text}\n```\n")
    print(text)


if __name__ == "__main__":
    main()
