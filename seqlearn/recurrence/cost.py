"""What the linear recurrence's schedules cost, counted and timed against the sequence length T.

    python -m seqlearn.recurrence.cost --out seqlearn/results/recurrence_today/cost.json

``counts(T)`` gives each schedule's depth (steps that must run one after another) and work
(combines of two affine steps), from the code's own loops. ``time_scans`` times the four
schedules of ``seqlearn.torch.scan`` and ``seqlearn.numpy.scan`` on the same (T, B, H) inputs;
``time_training_step`` times one Adam step of each cell of chapter 14's study at its budget. Every
timing is the median of ``repeats`` runs of the wall clock in one process, the thread count fixed.
"""
import argparse
import json
import math
import time
from pathlib import Path

import numpy as np
import torch

from ..numpy import scan as nscan
from ..torch import scan as tscan
from ..utils import run_record

SCHEDULES = ("loop", "doubling", "tree", "log")
LENGTHS = (16, 64, 256, 1024, 4096, 16384)


def counts(T):
    """{schedule: (depth, work)} for T steps: sequential steps and combines (additions for "log")."""
    levels = math.ceil(math.log2(T)) if T > 1 else 0
    doubling = sum(T - 2 ** k for k in range(levels))          # level k: every t ≥ 2^k combines once

    def tree(n):                                                # pairs, the half problem, the evens
        if n == 1:
            return 0, 0
        n += n % 2                                              # an odd length is padded by one
        depth, work = tree(n // 2)
        return depth + 2, work + n // 2 + (n // 2 - 1)
    # log: two prefix sums (cumsum, logcumsumexp) of T terms; each is itself a scan, of depth
    # ceil(log2 T) on parallel hardware (a CPU runs it as a loop in C)
    return {"loop": (T, T), "doubling": (levels, doubling), "tree": tree(T), "log": (2 * levels, 2 * T)}


def _median_time(fn, repeats):
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def time_scans(lengths=LENGTHS, batch=4, hidden=64, repeats=5, seed=0):
    """Seconds per call of every schedule in both backends (float64), and the largest difference to the loop."""
    rng = np.random.default_rng(seed)
    rows = []
    for T in lengths:
        a = rng.uniform(0.5, 1.0, (T, batch, hidden))            # a decay in (0.5, 1), b > 0 for the log scan
        b = rng.uniform(0.0, 1.0, (T, batch, hidden))
        ta, tb = torch.from_numpy(a), torch.from_numpy(b)
        reference = nscan.linear_scan_loop(a, b)
        for backend, module, (x, y) in (("numpy", nscan, (a, b)), ("torch", tscan, (ta, tb))):
            log = np.log if backend == "numpy" else torch.log
            for name in SCHEDULES:
                fn = getattr(module, f"linear_scan_{name}")
                args = (log(x), log(y)) if name == "log" else (x, y)
                with torch.no_grad():
                    out = np.asarray(fn(*args))
                    seconds = _median_time(lambda: fn(*args), repeats)
                rows.append({"T": T, "backend": backend, "schedule": name, "seconds": seconds,
                             "max_abs_diff": float(np.max(np.abs(out - reference))),
                             "depth": counts(T)[name][0], "work": counts(T)[name][1]})
    return rows


def time_training_step(cells=("GRU", "LSTM", "minGRU", "minLSTM", "minGRU-2", "minLSTM-2"), length=100,
                       budget=4700, batch=64, repeats=5, modes=("scan", "log", "sequential")):
    """Seconds per Adam step (forward, backward, update) on the adding problem at ``budget`` parameters."""
    import torch.nn.functional as nnf

    from ..compare.models import MIN_CELLS, build
    from ..data import adding_problem
    x, y = (torch.tensor(v, dtype=torch.float32) for v in adding_problem(batch, length, np.random.default_rng(0)))
    rows = []
    for cell in cells:
        torch.manual_seed(0)
        model, hidden = build(cell, 2, 1, budget)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)

        def step():
            loss = nnf.mse_loss(model(x).squeeze(-1), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        for mode in (modes if cell in MIN_CELLS else (None,)):
            if mode is not None:
                model.core.mode = mode
            step()                                              # warm-up
            rows.append({"cell": cell, "mode": mode, "hidden": hidden, "T": length,
                         "params": sum(p.numel() for p in model.parameters()),
                         "seconds": _median_time(step, repeats)})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="the JSON file to write")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    result = {"scans": time_scans(repeats=args.repeats), "training_step": time_training_step(repeats=args.repeats),
              **run_record("seqlearn.recurrence.cost", argv)}
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
