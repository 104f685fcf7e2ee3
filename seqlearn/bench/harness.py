"""The stopwatch: what one timed call is, how blocks of calls are timed in interleaved rounds, and the
machine's state (threads, versions, load) that the results record.
"""
import datetime
import os
import platform
import statistics

import numpy as np
import torch

from . import worker

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
    """The same for a seqlearn.numpy model in this process (``worker.call``, which the worker process runs too)."""
    return worker.call(model, x.cpu().numpy(), grad.cpu().numpy(), mode)


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


# ------------------------------------------------------------------------------------------------
# The harness

def timer(device, clock="wall"):
    """block(fn, n) -> seconds per call of fn, timed over n calls.

    CPU: wall-clock time (``perf_counter``) or, with clock="cpu", the process's CPU time, which on a
    shared machine leaves out the time slices other programs took (with 1 thread; with more threads
    it also counts threads waiting for each other). CUDA: CUDA events after a synchronisation.
    """
    if device == "cpu":
        return worker.cpu_timer(clock)          # the same loop times seqlearn.numpy in its own process

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
    A block is timed by ``block(fn, n)``, or by ``fn.block(n)`` where fn has that method: a case that
    runs in another process (``worker.NumpyWorker``), which times itself while this one waits.
    """
    names = list(calls)

    def timed(name, n):                           # seconds per call, over a block of n calls
        fn = calls[name]
        return fn.block(n) if hasattr(fn, "block") else block(fn, n)

    first = {n: timed(n, 1) for n in names}
    single = {n: timed(n, 1) for n in names}
    per_block = {n: max(1, round(block_time / max(single[n], 1e-9))) for n in names}
    round_time = sum(single[n] * per_block[n] for n in names)
    rounds = int(min(max_rounds, max(min_rounds, budget // max(round_time, 1e-9))))
    times = {n: [] for n in names}
    for r in range(rounds):
        for n in names[r % len(names):] + names[:r % len(names)]:     # each round starts one name later
            times[n].append(timed(n, per_block[n]))
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
    """Fix torch's and the BLAS libraries' thread counts in this process; return what is set, for the report.

    torch's inter-op pool is left as it is (it can be set only before its first use, and one model call
    does not use it); it is reported with the intra-op count and the parallel backend.
    """
    torch.set_num_threads(n)
    try:
        from threadpoolctl import threadpool_limits
        threadpool_limits(n)                      # NumPy's BLAS and the OpenMP runtimes loaded so far
    except ImportError:                           # then NumPy's BLAS follows OPENBLAS_NUM_THREADS etc.
        pass
    backend = next((line.split(":", 1)[1].strip() for line in torch.__config__.parallel_info().splitlines()
                    if line.startswith("ATen parallel backend")), "unknown")
    return {"torch_threads": torch.get_num_threads(), "torch_interop_threads": torch.get_num_interop_threads(),
            "torch_parallel_backend": backend, "blas": worker.blas_threads()}


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
