"""Time seqlearn against torch.nn, as ratios measured in the same process: ``python -m seqlearn.bench``.

    python -m seqlearn.bench                        # the CPU table -> bench_results/cpu.{md,json,png}
    python -m seqlearn.bench --ladder               # the book's LSTM ladder -> bench_results/ladder_cpu.*
    python -m seqlearn.bench --out seqlearn/bench_results   # refresh the tables the book shows
    python -m seqlearn.bench --quick --out DIR      # a tiny run that only proves the harness works
    python -m seqlearn.bench --device cuda          # on a GPU: CPU and GPU sizes, TF32 off, CUDA events

How it measures (benchmarks/README.md says more). The thread count is fixed and reported. Each
implementation is warmed up, then timed in blocks of calls; the blocks of all implementations of a
case are interleaved in rounds (their order rotates every round), so that a slow moment of a shared
machine hits all of them alike. Each round gives each implementation a ratio to torch.nn; the table
reports the median ratio over the rounds and its interquartile range, and torch.nn's median time.
On CUDA a block is timed with CUDA events after a synchronisation.
"""
import argparse
import datetime
import functools
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

from . import ladder
from . import numpy as snp
from . import torch as st

SIZES = {"char-rnn": (25, 1, 65, 100), "small": (50, 32, 32, 64),        # (T, B, I, H)
         "medium": (100, 32, 128, 256), "large": (100, 64, 512, 512)}
GPU_SIZES = {"xlarge": (100, 128, 1024, 1024), "long": (1000, 32, 256, 256)}
QUICK_SIZES = {"tiny": (5, 2, 3, 4)}
FLOAT64_SIZES = ("char-rnn", "small", "medium")    # float64 (NumPy's default) unless --sizes asks for more
KINDS = {"RNN": ("RNN", 1, False), "LSTM": ("LSTM", 1, False), "GRU": ("GRU", 1, False),   # (cell, L, bi)
         "LSTM-2L": ("LSTM", 2, False), "BiLSTM": ("LSTM", 1, True)}
MODES = ("forward", "forward+backward")
GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}
# The committed tables live inside the package, so the chapter finds them wherever seqlearn is installed
# (Colab too). A run writes to ./bench_results unless --out says otherwise, so that measuring never
# overwrites them by accident.
RESULTS = Path(__file__).resolve().parent / "bench_results"
DEFAULT_OUT = Path("bench_results")


def gemm_flops(kind, size, mode="forward"):
    """Floating-point operations of the matrix products of one call (multiply and add count as two).

    Forward, per layer and direction: the input projection 2*T*B*In*G*H and the recurrent products
    2*T*B*H*G*H. Backward repeats each product twice (for the gradient of each factor), except the
    gradient of the zero initial state, which is not needed. Elementwise gate arithmetic is left out.
    """
    cell, L, bi = KINDS[kind]
    T, B, I, H = size
    D, GH = (2 if bi else 1), GATES[cell] * H
    forward = sum(D * 2 * T * B * (In + H) * GH for In in [I] + [D * H] * (L - 1))
    return forward if mode == "forward" else 3 * forward - L * D * 2 * B * H * GH


# ------------------------------------------------------------------------------------------------
# What is timed: one call of a model, forward under no_grad, or forward and backward of a fixed loss

def torch_call(model, x, grad, mode, params=None):
    """A no-argument function that runs ``model`` once on x (T, B, I); ``params`` get their grads reset."""
    if mode == "forward":
        def run():
            with torch.no_grad():
                model(x)
        return run
    x = x.detach().requires_grad_()              # dx is computed by every implementation
    params = list(model.parameters()) if params is None else params

    def run():
        for p in params:                          # what zero_grad(set_to_none=True) does
            p.grad = None
        x.grad = None
        out = model(x)
        torch.autograd.backward(out[0] if isinstance(out, tuple) else out, grad)
    return run


def numpy_call(model, x, grad, mode):
    x, grad = x.cpu().numpy(), grad.cpu().numpy()
    if mode == "forward":
        return lambda: model(x)

    def run():
        model(x)
        model.backward(grad)
    return run


def cuda_graph_call(model, x, grad, mode):
    """seqlearn.torch replayed from a CUDA graph: one launch for the whole sequence (forward only)."""
    if mode != "forward":
        return None
    static_x = x.clone()
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side), torch.no_grad():
        for _ in range(3):                        # warm up on a side stream, as torch's docs do
            model(static_x)
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph), torch.no_grad():
        model(static_x)
    return graph.replay


def models(kind, size, dtype, device, seed=0):
    """torch.nn's model and ours with the same weights: {name: model}."""
    cell, L, bi = KINDS[kind]
    torch.manual_seed(seed)
    ref = getattr(torch.nn, cell)(size[2], size[3], L, bidirectional=bi).to(device, dtype)
    out = {"torch.nn": ref, "seqlearn.torch": getattr(st, cell)(size[2], size[3], L, bidirectional=bi)}
    out["seqlearn.torch"].load_state_dict(ref.state_dict())
    out["seqlearn.torch"].to(device, dtype)
    if device == "cpu":
        out["seqlearn.numpy"] = getattr(snp, cell)(size[2], size[3], L, bidirectional=bi)
        out["seqlearn.numpy"].load_state_dict(ref.state_dict())
    return out


def ladder_models(kind, size, dtype, device, seed=0, compiled=True):
    """torch.nn, the rungs of ``seqlearn.ladder`` and seqlearn.torch for one LSTM layer: {name: callable}."""
    torch.manual_seed(seed)
    bi = kind == "BiLSTM"
    ref = torch.nn.LSTM(size[2], size[3], bidirectional=bi).to(device, dtype)
    ours = st.LSTM(size[2], size[3], bidirectional=bi).to(device, dtype)
    ours.load_state_dict(ref.state_dict())
    w = [getattr(ref, f"{p}_l0") for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    if bi:
        w_rev = [getattr(ref, f"{p}_l0_reverse") for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        return {"torch.nn": ref, "seqlearn.torch": ours,
                "batched directions": lambda x: ladder.bidirectional_batched(x, w, w_rev)}
    out = {"torch.nn": ref}
    for name, rung in ladder.RUNGS.items():
        out[name] = (lambda r: lambda x: r(x, *w))(rung)
    out["seqlearn.torch"] = ours
    variants = {"TorchScript layer": ladder.scripted()}
    if compiled:                                  # torch.compile: seconds to minutes before the first call
        variants["compiled cell"] = ladder.compiled_cell(dynamic=False)
        variants["compiled layer"] = ladder.compiled_layer(dynamic=False)
    for name, fn in variants.items():
        out[name] = (lambda f: lambda x: f(x, *w))(fn)
    return out


# ------------------------------------------------------------------------------------------------
# The harness

def timer(device, clock="wall"):
    """block(fn, n) -> seconds per call of fn, timed over n calls.

    CPU: wall-clock time (``perf_counter``) or, with clock="cpu", the process's CPU time, which on a
    shared machine leaves out the time slices other programs took (with 1 thread; with more threads
    it also counts threads waiting for each other). CUDA: CUDA events after a synchronisation.
    """
    if device == "cpu":
        now = time.perf_counter if clock == "wall" else time.process_time

        def block(fn, n):
            start = now()
            for _ in range(n):
                fn()
            return (now() - start) / n
        return block

    def block(fn, n):
        torch.cuda.synchronize()
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(n):
            fn()
        end.record()
        torch.cuda.synchronize()
        return start.elapsed_time(end) / 1e3 / n
    return block


def measure(calls, block, *, budget=2.0, min_rounds=5, max_rounds=30, block_time=0.05, ref="torch.nn"):
    """Time {name: fn} in interleaved rounds; return {name: stats} with ratios to ``ref`` per round.

    Each fn runs once to warm up (its time, minus the steady time, is reported as ``first_call_extra_s``:
    compilation, allocation), once more to size its block (enough calls for ``block_time`` seconds),
    then in rounds until ``budget`` seconds are spent (at least ``min_rounds``, at most ``max_rounds``).
    """
    names = list(calls)
    first = {n: block(calls[n], 1) for n in names}
    single = {n: block(calls[n], 1) for n in names}
    per_block = {n: max(1, round(block_time / max(single[n], 1e-9))) for n in names}
    round_time = sum(single[n] * per_block[n] for n in names)
    rounds = int(min(max_rounds, max(min_rounds, budget // max(round_time, 1e-9))))
    times = {n: [] for n in names}
    for r in range(rounds):
        for n in names[r % len(names):] + names[:r % len(names)]:     # each round starts one name later
            times[n].append(block(calls[n], per_block[n]))
    stats = {}
    for n in names:
        ratios = [a / b for a, b in zip(times[n], times[ref])]
        stats[n] = {"median_s": statistics.median(times[n]), "q25_s": _quantile(times[n], 0.25),
                    "q75_s": _quantile(times[n], 0.75), "ratio": statistics.median(ratios),
                    "ratio_q25": _quantile(ratios, 0.25), "ratio_q75": _quantile(ratios, 0.75),
                    "rounds": rounds, "calls_per_block": per_block[n],
                    "first_call_extra_s": max(0.0, first[n] - statistics.median(times[n]))}
    return stats


def _quantile(values, q):
    return float(np.quantile(np.asarray(values), q))


def gemm_peak(device, dtypes, n=1024, repeats=5, clock="wall"):
    """GFLOP/s of one large square matrix product (best of ``repeats`` blocks of 2), per library and dtype.

    This is the practical peak that the recurrent layers' matrix products are compared with; ``main``
    measures it before and after the run and keeps the better of the two.
    """
    block, peaks = timer(device, clock), {}
    for dtype in dtypes:
        a = torch.randn(n, n, device=device, dtype=getattr(torch, dtype))
        fns = {"torch": lambda: a @ a}
        if device == "cpu":
            an = a.numpy()
            fns["numpy"] = lambda: an @ an
        for lib, fn in fns.items():
            peaks[f"{lib} {dtype}"] = 2 * n ** 3 / min(block(fn, 2) for _ in range(repeats)) / 1e9
    return peaks


def set_threads(n):
    """Fix torch's and the BLAS libraries' thread counts; return what was set, for the report."""
    torch.set_num_threads(n)
    info = {"torch_threads": torch.get_num_threads()}
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
        threadpool_limits(n)
        info["blas"] = [f"{d['internal_api']} {d.get('version') or d['prefix']} ({d['num_threads']} threads)"
                        for d in threadpool_info()]
    except ImportError:
        info["blas"] = ["threadpoolctl not installed: NumPy's BLAS threads follow OMP_NUM_THREADS/OPENBLAS_NUM_THREADS"]
    return info


def machine(device, threads_info, argv):
    """Everything the table depends on apart from the code: versions, CPU, threads, load, date, command."""
    cpu = platform.processor() or platform.machine()
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "command": "python -m seqlearn.bench " + " ".join(argv), "python": platform.python_version(),
            "torch": torch.__version__, "numpy": np.__version__, "cpu": cpu, "cpu_count": os.cpu_count(),
            "torch_backends": f"MKL {torch.backends.mkl.is_available()}, oneDNN {torch.backends.mkldnn.is_available()}",
            "load_average_at_start": load_average(), **threads_info}
    if device == "cuda":
        meta["gpu"] = torch.cuda.get_device_name(0)
        meta["cudnn"] = torch.backends.cudnn.version()
        meta["fp32_precision"] = tf32_off()
    return meta


def load_average():
    """The 1, 5 and 15 minute load averages: how busy the machine was (a busy machine times badly)."""
    return [round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg") else None


def tf32_off():
    """Make cuDNN's RNNs and cuBLAS's matmuls use IEEE float32, not TF32 (cuDNN RNNs default to TF32)."""
    if hasattr(torch.backends.cudnn, "rnn") and hasattr(torch.backends.cudnn.rnn, "fp32_precision"):
        torch.backends.cudnn.rnn.fp32_precision = "ieee"
        torch.backends.cuda.matmul.fp32_precision = "ieee"
        return {"cudnn.rnn": torch.backends.cudnn.rnn.fp32_precision,
                "cuda.matmul": torch.backends.cuda.matmul.fp32_precision}
    torch.backends.cudnn.allow_tf32 = False       # torch before the fp32_precision API
    torch.backends.cuda.matmul.allow_tf32 = False
    return {"cudnn.allow_tf32": False, "cuda.matmul.allow_tf32": False}


# ------------------------------------------------------------------------------------------------
# The two benchmarks

def run_table(args, log):
    """The main table: every size x kind x mode x dtype, torch.nn against seqlearn.torch and seqlearn.numpy."""
    device = args.device
    sizes = QUICK_SIZES if args.quick else dict(SIZES, **(GPU_SIZES if device == "cuda" else {}))
    sizes = {k: v for k, v in sizes.items() if not args.sizes or k in args.sizes}
    kinds = [k for k in KINDS if not args.kinds or k in args.kinds]
    dtypes = args.dtypes or (["float32"] if device == "cuda" else ["float32", "float64"])
    block, records = timer(device, args.clock), []
    for dtype_name in dtypes:
        dtype = getattr(torch, dtype_name)
        for size_name, size in sizes.items():
            if dtype_name == "float64" and not (args.quick or args.sizes or size_name in FLOAT64_SIZES):
                continue
            T, B, I, H = size
            for kind in kinds:
                ms = models(kind, size, dtype, device)
                if dtype == torch.float64:        # float64: NumPy's comparison only
                    ms.pop("seqlearn.torch")
                x = torch.randn(T, B, I, device=device, dtype=dtype)
                grad = torch.randn(T, B, ms["torch.nn"].hidden_size * (2 if KINDS[kind][2] else 1),
                                   device=device, dtype=dtype)
                for mode in MODES:
                    calls = {n: (numpy_call if n == "seqlearn.numpy" else torch_call)(m, x, grad, mode)
                             for n, m in ms.items()}
                    if device == "cuda" and args.cuda_graphs and mode == "forward":
                        calls["seqlearn.torch+graph"] = cuda_graph_call(ms["seqlearn.torch"], x, grad, mode)
                    stats = measure(calls, block, **args.harness)
                    records += _records(stats, device, dtype_name, size_name, size, kind, mode)
                    log(_line(stats, device, dtype_name, size_name, kind, mode))
    return records


def run_ladder(args, log):
    """The ladder: LSTM variants of ``seqlearn.ladder`` and a BiLSTM with batched directions."""
    device = args.device
    sizes = QUICK_SIZES if args.quick else {k: SIZES[k] for k in (args.sizes or ["medium"])}
    dtype_name = (args.dtypes or ["float32"])[0]
    dtype, block, records = getattr(torch, dtype_name), timer(device, args.clock), []
    for size_name, size in sizes.items():
        T, B, I, H = size
        for kind in [k for k in ("LSTM", "BiLSTM") if not args.kinds or k in args.kinds]:
            ms = ladder_models(kind, size, dtype, device, compiled=not args.quick)
            params = list(ms["torch.nn"].parameters())     # the functional rungs use torch.nn's weights
            x = torch.randn(T, B, I, device=device, dtype=dtype)
            grad = torch.randn(T, B, H * (2 if kind == "BiLSTM" else 1), device=device, dtype=dtype)
            for mode in MODES:
                calls = {n: torch_call(m, x, grad, mode, None if isinstance(m, torch.nn.Module) else params)
                         for n, m in ms.items()}
                stats = measure(calls, block, **args.harness)
                records += _records(stats, device, dtype_name, size_name, size, kind, mode)
                log(_line(stats, device, dtype_name, size_name, kind, mode))
    return records


COMPILE_SCRIPT = """
import sys, time, torch
import seqlearn.ladder as ladder
what, T, B, I, H, mode, threads = sys.argv[1], *map(int, sys.argv[2:6]), sys.argv[6], int(sys.argv[7])
torch.set_num_threads(threads)
torch.manual_seed(0)
ref = torch.nn.LSTM(I, H)
w = [getattr(ref, p + "_l0") for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
fn = (ladder.compiled_layer if what == "compiled layer" else ladder.compiled_cell)(dynamic=False)
warm = torch.randn(4, requires_grad=True)    # pay the compiler's one-off start-up costs first
torch.compile(lambda a: torch.sigmoid(a) * a)(warm).sum().backward()
x = torch.randn(T, B, I, requires_grad=mode != "forward")
start = time.perf_counter()
if mode == "forward":
    with torch.no_grad():
        fn(x, *w)
else:
    fn(x, *w).sum().backward()
print(time.perf_counter() - start)
"""


def compile_times(size, lengths, threads, log):
    """Seconds until torch.compile's first call returns, compilation included, per sequence length.

    Dynamo unrolls the Python loop over time, so the graph holds T copies of the step (more with
    backward) and compiling takes longer as T grows; the compiled cell is one step whatever T is.
    Each number comes from a fresh Python process with an empty inductor cache, after a tiny warm-up
    compile that pays the compiler's one-off start-up costs (seconds), so what remains depends on T.
    """
    import subprocess
    import tempfile
    _, B, I, H = size
    rows = []
    for what, Ts in [("compiled cell", lengths[-1:]), ("compiled layer", lengths)]:
        for T in Ts:
            row = {"T": T, "what": what}
            for mode in MODES:
                with tempfile.TemporaryDirectory() as cache:
                    env = dict(os.environ, TORCHINDUCTOR_CACHE_DIR=cache)
                    out = subprocess.run([sys.executable, "-c", COMPILE_SCRIPT, what, str(T), str(B), str(I),
                                          str(H), mode, str(threads)], env=env, capture_output=True, text=True,
                                         check=True, cwd=Path(__file__).resolve().parents[1])
                row[mode] = float(out.stdout.split()[-1])
            rows.append(row)
            log(f"compile {what:14s} T={T:4d}: first call {row['forward']:.1f} s (forward), "
                f"{row['forward+backward']:.1f} s (forward+backward)")
    return rows


def _records(stats, device, dtype, size_name, size, kind, mode):
    flops = gemm_flops(kind, size, mode)
    return [dict(impl=name, device=device, dtype=dtype, size=size_name, T=size[0], B=size[1], I=size[2],
                 H=size[3], kind=kind, mode=mode, gflop=flops / 1e9, gflops_per_s=flops / s["median_s"] / 1e9, **s)
            for name, s in stats.items()]


def _line(stats, device, dtype, size_name, kind, mode):
    ref = stats["torch.nn"]["median_s"] * 1e3
    others = "  ".join(f"{n} {s['ratio']:.2f}x" for n, s in stats.items() if n != "torch.nn")
    return f"{device} {dtype} {size_name:8s} {kind:8s} {mode:17s} torch.nn {ref:9.2f} ms  {others}"


# ------------------------------------------------------------------------------------------------
# Output: JSON (everything), markdown (the table), PNG (the ratios)

def markdown(result):
    meta, records = result["meta"], result["records"]
    lines = [f"# {result['title']}", "",
             f"Measured {meta['date']} with `{meta['command']}`", "",
             f"torch {meta['torch']}, NumPy {meta['numpy']}, Python {meta['python']}; {meta['cpu']}"
             f" ({meta['cpu_count']} CPUs), {meta['torch_threads']} torch threads ({meta['torch_backends']}),"
             f" {meta['clock']} clock;"
             f" NumPy's BLAS: {'; '.join(meta['blas'])}.",
             f"Load average (1, 5, 15 min) at start {meta['load_average_at_start']}, at end"
             f" {meta['load_average_at_end']}; the run took {meta['seconds']} s."
             + (f" GPU: {meta['gpu']}, cuDNN {meta['cudnn']}, float32 precision {meta['fp32_precision']}."
                if "gpu" in meta else ""), "",
             "Each cell: the median over rounds of time / torch.nn's time in the same round, with the"
             " interquartile range in brackets; below 1 is faster than torch.nn. GEMM peak (GFLOP/s, one"
             " large matrix product): " + ", ".join(f"{k} {v:.0f}" for k, v in result["peak"].items()) + "."]
    impls = list(dict.fromkeys(r["impl"] for r in records if r["impl"] != "torch.nn"))
    for device, dtype in dict.fromkeys((r["device"], r["dtype"]) for r in records):
        rows = [r for r in records if (r["device"], r["dtype"]) == (device, dtype)]
        cols = [i for i in impls if any(r["impl"] == i for r in rows)]
        for mode in MODES:
            lines += ["", f"## {device}, {dtype}, {mode}", "",
                      "| size (T, B, I, H) | kind | torch.nn ms | torch.nn GFLOP/s | "
                      + " | ".join(cols) + " |", "|---|---|--:|--:|" + "--:|" * len(cols)]
            for size, kind in dict.fromkeys((r["size"], r["kind"]) for r in rows if r["mode"] == mode):
                cell = {r["impl"]: r for r in rows if (r["size"], r["kind"], r["mode"]) == (size, kind, mode)}
                ref = cell["torch.nn"]
                lines.append(f"| {size} {ref['T'], ref['B'], ref['I'], ref['H']} | {kind} | "
                             f"{ref['median_s'] * 1e3:.2f} | {ref['gflops_per_s']:.1f} | " + " | ".join(
                                 f"{cell[i]['ratio']:.2f} [{cell[i]['ratio_q25']:.2f}, {cell[i]['ratio_q75']:.2f}]"
                                 if i in cell else "" for i in cols) + " |")
    if result.get("compile_seconds"):
        lines += ["", "## torch.compile: seconds until the first call returns (compilation included)", "",
                  "| T | what | forward | forward+backward |", "|--:|---|--:|--:|"]
        lines += [f"| {r['T']} | {r['what']} | {r['forward']:.1f} | {r['forward+backward']:.1f} |"
                  for r in result["compile_seconds"]]
    return "\n".join(lines) + "\n"


def plot(result, path):
    """Bars of the median ratio per size and kind, one panel per mode and implementation."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, FuncFormatter, NullFormatter
    from .plotting import PALETTE, use_book_style
    use_book_style()
    records = result["records"]
    series = list(dict.fromkeys((r["impl"], r["dtype"]) for r in records if r["impl"] != "torch.nn"))
    sizes = list(dict.fromkeys(r["size"] for r in records))
    kinds = list(dict.fromkeys(r["kind"] for r in records))
    fig, axes = plt.subplots(len(series), 2, figsize=(11, 2.6 * len(series) + 0.6), squeeze=False, sharey=True)
    width = 0.8 / len(kinds)
    for row, (impl, dtype) in enumerate(series):
        for col, mode in enumerate(MODES):
            ax = axes[row, col]
            for k, kind in enumerate(kinds):
                got = {r["size"]: r for r in records if (r["impl"], r["dtype"], r["kind"], r["mode"]) == (impl, dtype, kind, mode)}
                xs = [j + (k - (len(kinds) - 1) / 2) * width for j, s in enumerate(sizes) if s in got]
                ys = [got[s]["ratio"] for s in sizes if s in got]
                err = [[got[s]["ratio"] - got[s]["ratio_q25"] for s in sizes if s in got],
                       [got[s]["ratio_q75"] - got[s]["ratio"] for s in sizes if s in got]]
                ax.bar(xs, ys, width, yerr=err, color=PALETTE[k % len(PALETTE)], label=kind, capsize=2)
            ax.axhline(1.0, color="black", lw=1)
            ax.set_yscale("log")
            ax.yaxis.set_major_locator(FixedLocator([0.25, 0.5, 1, 2, 4, 8, 16]))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
            ax.yaxis.set_minor_formatter(NullFormatter())
            ax.set_xticks(range(len(sizes)), sizes)
            ax.set_title(f"{impl} ({dtype}), {mode}", fontsize=10)
            if col == 0:
                ax.set_ylabel("time / torch.nn time")
    axes[0, 0].legend(ncol=len(kinds), fontsize=8, loc="upper right")
    fig.suptitle(f"{result['title']}: ratio to torch.nn in the same process (1 = as fast; bars: IQR)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_ladder(result, path):
    """Horizontal bars: each variant's ratio to torch.nn, one panel per kind and mode."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from .plotting import PALETTE, use_book_style
    use_book_style()
    records = result["records"]
    panels = list(dict.fromkeys((r["size"], r["kind"]) for r in records))
    heights = [len({r["impl"] for r in records if (r["size"], r["kind"]) == pk}) for pk in panels]
    fig, axes = plt.subplots(len(panels), 2, figsize=(11, 0.35 * sum(heights) + 1.2 * len(panels)),
                             squeeze=False, gridspec_kw={"height_ratios": heights})
    for row, (size, kind) in enumerate(panels):
        for col, mode in enumerate(MODES):
            ax = axes[row, col]
            got = [r for r in records if (r["size"], r["kind"], r["mode"]) == (size, kind, mode)]
            ys = range(len(got))[::-1]
            ax.barh(ys, [r["ratio"] for r in got], color=[PALETTE[1] if r["impl"] == "torch.nn" else
                    PALETTE[0] if r["impl"] == "seqlearn.torch" else PALETTE[2] for r in got],
                    xerr=[[r["ratio"] - r["ratio_q25"] for r in got], [r["ratio_q75"] - r["ratio"] for r in got]])
            for y, r in zip(ys, got):
                ax.text(r["ratio_q75"] + 0.05, y, f"{r['ratio']:.2f}", va="center", fontsize=8)
            ax.set_yticks(list(ys), [r["impl"] for r in got], fontsize=9)
            ax.set_xlim(0, 1.15 * max(r["ratio_q75"] for r in got) + 0.2)
            ax.axvline(1.0, color="black", lw=1)
            ax.set_xlabel("time / torch.nn time")
            ax.set_title(f"{kind} {size} {got[0]['T'], got[0]['B'], got[0]['I'], got[0]['H']}, {mode}", fontsize=10)
    fig.suptitle(f"{result['title']}: median ratio to torch.nn over interleaved rounds (bars: IQR)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    p = argparse.ArgumentParser(prog="python -m seqlearn.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--ladder", action="store_true", help="time the LSTM variants of seqlearn.ladder instead of the table")
    p.add_argument("--quick", action="store_true", help="a tiny size and few rounds: proves it runs (seconds)")
    p.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    p.add_argument("--threads", type=int, default=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count())
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
    records = (run_ladder if args.ladder else run_table)(args, log)
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


def write(result, stem, ladder):
    """The markdown table and the plot of ``result``, as stem.md and stem.png."""
    Path(f"{stem}.md").write_text(markdown(result))
    (plot_ladder if ladder else plot)(result, Path(f"{stem}.png"))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:                     # Ctrl-C: stop cleanly, no traceback, nothing half-written
        print("\ninterrupted: no results written", file=sys.stderr)
        sys.exit(130)
