"""The command line, ``python -m seqlearn.bench [options]``: measure, then write .json, .md and .png."""
import argparse
import functools
import json
import os
import sys
import time
from pathlib import Path

import torch

from .cases import DEFAULT_OUT, GPU_SIZES, KINDS, SIZES
from .harness import gemm_peak, load_average, machine, set_threads
from .ladder import compile_times, run_ladder
from .report import write
from .table import run_table


def main(argv=None):
    """Run the benchmark that ``argv`` (default: the command line) asks for; return its result dict."""
    argv = sys.argv[1:] if argv is None else list(argv)
    p = argparse.ArgumentParser(prog="python -m seqlearn.bench",
                                description="Time seqlearn against torch.nn, as ratios of blocks of calls timed in "
                                            "interleaved rounds (benchmarks/README.md says how).")
    p.add_argument("--ladder", action="store_true",
                   help="time the LSTM variants of seqlearn.ladder instead of the table")
    p.add_argument("--quick", action="store_true", help="a tiny size and few rounds: proves it runs (seconds)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--threads", type=int,
                   default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
    p.add_argument("--sizes", nargs="*", help=f"subset of {list(SIZES) + list(GPU_SIZES)}")
    p.add_argument("--kinds", nargs="*", help=f"subset of {list(KINDS)}")
    p.add_argument("--dtypes", nargs="*", choices=["float32", "float64"])
    p.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                   help="cpu: process CPU time, steadier on a busy machine with --threads 1 (CPU only)")
    p.add_argument("--seconds", type=float, default=2.0, help="time budget per case, after warm-up")
    p.add_argument("--min-rounds", type=int, default=5)
    p.add_argument("--compile-lengths", type=int, nargs="*", default=[10, 25, 50],
                   help="with --ladder: sequence lengths at which torch.compile's first call is timed")
    p.add_argument("--no-cuda-graphs", dest="cuda_graphs", action="store_false")
    p.add_argument("--numpy-in-process", action="store_true",
                   help="time seqlearn.numpy in this process, beside torch's thread pool, instead of in a process "
                        "of its own without torch")
    p.add_argument("--render", type=Path, metavar="JSON",
                   help="rewrite the .md and .png next to a results JSON without measuring anything")
    p.add_argument("--out", type=Path, default=DEFAULT_OUT,
                   help="folder for the .md, .json and .png files (default ./bench_results; "
                        "--out seqlearn/bench_results refreshes the committed tables)")
    p.add_argument("--name", help="file name stem (default cpu, cuda, ladder_cpu, ...; quick_ prefixed)")
    args = p.parse_args(argv)
    if args.render:
        result = json.loads(args.render.read_text())
        write(result, args.render.with_suffix(""), result["benchmark"] == "ladder")
        return result
    if args.device == "cuda" and args.clock != "wall":
        p.error("--clock cpu is for CPU runs; CUDA runs are timed with CUDA events")
    if args.device == "cuda" and not torch.cuda.is_available():
        print("CUDA is not available on this machine: nothing to do for --device cuda.")
        return None
    args.harness = (dict(budget=0.05, min_rounds=3, max_rounds=3, block_time=0.0) if args.quick else
                    dict(budget=args.seconds, min_rounds=args.min_rounds))
    meta = dict(machine(args.device, set_threads(args.threads), argv), clock=args.clock)
    dtypes = args.dtypes or (["float32"] if args.ladder or args.device == "cuda" else ["float32", "float64"])
    peak = functools.partial(gemm_peak, args.device, dtypes, n=128 if args.quick else 1024,
                             repeats=2 if args.quick else 10, clock=args.clock)
    peak_before = peak()
    start = time.perf_counter()
    log = lambda line: print(line, flush=True)
    records, how = (run_ladder if args.ladder else run_table)(args, log)
    meta.update(how)
    compiled = []
    if args.ladder and args.compile_lengths and not args.quick and args.device == "cpu":
        compiled = compile_times(SIZES["medium"], sorted(args.compile_lengths), args.threads, log)
    meta["seconds"] = round(time.perf_counter() - start, 1)
    meta["load_average_at_end"] = load_average()
    stem = args.name or (("quick_" if args.quick else "") + ("ladder_" if args.ladder else "") + args.device)
    title = ("seqlearn's LSTM ladder" if args.ladder else "seqlearn against torch.nn") + f" on {args.device.upper()}"
    peak_after = peak()                           # the best of before and after the run
    result = {"benchmark": "ladder" if args.ladder else "table", "title": title, "meta": meta,
              "peak": {k: max(v, peak_after[k]) for k, v in peak_before.items()},
              "records": records}
    if compiled:
        result["compile_seconds"] = compiled
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=1) + "\n")
    write(result, args.out / stem, args.ladder)
    print(f"wrote {args.out / stem}.{{md,json,png}} in {meta['seconds']} s")
    return result
