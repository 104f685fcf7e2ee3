"""The main table (``python -m seqlearn.bench``): every size, kind, mode and dtype, torch.nn against
seqlearn.torch and seqlearn.numpy, the latter timed in its own process unless ``--numpy-in-process``.
"""
import contextlib

import torch

from .cases import FLOAT64_SIZES, GPU_SIZES, KINDS, MODES, QUICK_SIZES, SIZES, gemm_flops, models
from .harness import cuda_graph_call, measure, numpy_call, timer, torch_call
from .worker import NumpyWorker


def run_table(args, log):
    """The main table: every size x kind x mode x dtype, torch.nn against seqlearn.torch and seqlearn.numpy.

    Returns the records and, for the results' meta, how seqlearn.numpy was timed: by one worker process
    for all cases (``worker.NumpyWorker``), or in this process with ``--numpy-in-process``.
    """
    device = args.device
    in_worker = device == "cpu" and not args.numpy_in_process      # seqlearn.numpy runs on the CPU only
    block, records = timer(device, args.clock), []
    with NumpyWorker(args.threads) if in_worker else contextlib.nullcontext() as worker:
        for dtype_name, size_name, size, kind in _cases(args):
            dtype, (T, B, I, H) = getattr(torch, dtype_name), size
            ms = models(kind, size, dtype, device)
            if dtype == torch.float64:            # float64: NumPy's comparison only
                ms.pop("seqlearn.torch")
            x = torch.randn(T, B, I, device=device, dtype=dtype)
            grad = torch.randn(T, B, H * (2 if KINDS[kind][2] else 1), device=device, dtype=dtype)
            for mode in MODES:
                calls = {n: torch_call(m, x, grad, mode) for n, m in ms.items() if n != "seqlearn.numpy"}
                if "seqlearn.numpy" in ms:
                    model = ms["seqlearn.numpy"]
                    calls["seqlearn.numpy"] = (worker.setup(model, x.numpy(), grad.numpy(), mode, args.clock)
                                               if worker else numpy_call(model, x, grad, mode))
                if device == "cuda" and args.cuda_graphs and mode == "forward":
                    calls["seqlearn.torch+graph"] = cuda_graph_call(ms["seqlearn.torch"], x, grad, mode)
                stats = measure(calls, block, **args.harness)
                records += _records(stats, device, dtype_name, size_name, size, kind, mode)
                log(_line(stats, device, dtype_name, size_name, kind, mode))
    if device != "cpu":
        return records, {}
    return records, ({"numpy_timing": worker.timing, "numpy_worker": worker.info} if worker
                     else {"numpy_timing": "in process"})


def _cases(args):
    """(dtype, size name, size, kind) of every case the arguments ask for, in the table's order."""
    sizes = QUICK_SIZES if args.quick else dict(SIZES, **(GPU_SIZES if args.device == "cuda" else {}))
    sizes = {k: v for k, v in sizes.items() if not args.sizes or k in args.sizes}
    kinds = [k for k in KINDS if not args.kinds or k in args.kinds]
    for dtype in args.dtypes or (["float32"] if args.device == "cuda" else ["float32", "float64"]):
        for size_name, size in sizes.items():
            if dtype == "float64" and not (args.quick or args.sizes or size_name in FLOAT64_SIZES):
                continue
            for kind in kinds:
                yield dtype, size_name, size, kind


def _records(stats, device, dtype, size_name, size, kind, mode):
    """One record per implementation for the JSON: the case, its timings and its matrix products' GFLOP/s."""
    flops = gemm_flops(kind, size, mode)
    return [dict(impl=name, device=device, dtype=dtype, size=size_name, T=size[0], B=size[1], I=size[2],
                 H=size[3], kind=kind, mode=mode, gflop=flops / 1e9, gflops_per_s=flops / s["median_s"] / 1e9, **s)
            for name, s in stats.items()]


def _line(stats, device, dtype, size_name, kind, mode):
    """The line printed after each case: torch.nn's time and the others' ratios."""
    ref = stats["torch.nn"]["median_s"] * 1e3
    others = "  ".join(f"{n} {s['ratio']:.2f}x" for n, s in stats.items() if n != "torch.nn")
    return f"{device} {dtype} {size_name:8s} {kind:8s} {mode:17s} torch.nn {ref:9.2f} ms  {others}"
