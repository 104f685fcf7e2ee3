"""Time seqlearn.torch and seqlearn.numpy against torch.nn, as ratios of blocks timed in interleaved rounds.

    python -m seqlearn.bench                        # the CPU table -> bench_results/cpu.{md,json,png}
    python -m seqlearn.bench --ladder               # the book's LSTM ladder -> bench_results/ladder_cpu.*
    python -m seqlearn.bench --out seqlearn/bench_results   # refresh the tables the book shows
    python -m seqlearn.bench --quick --out DIR      # a tiny run that only proves the harness works
    python -m seqlearn.bench --device cuda          # on a GPU: CPU and GPU sizes, TF32 off, CUDA events
    python -m seqlearn.bench --render FILE.json     # rewrite the .md and .png of a run, measuring nothing

How it measures (benchmarks/README.md says more). The thread count is fixed and reported. Each
implementation is warmed up, then timed in blocks of calls; the blocks of all implementations of a
case are interleaved in rounds (their order rotates every round), so that a slow moment of a shared
machine hits all of them alike. Each round gives each implementation a ratio to torch.nn; the table
reports the median ratio over the rounds and its interquartile range, and torch.nn's median time.
seqlearn.numpy is timed in a process of its own that never imports torch (``worker``), so that
torch's and NumPy's thread pools do not share one process, and each process lets its threads go quiet
before the other's block. On CUDA a block is timed with CUDA events after a synchronisation.

The modules: ``cases`` (sizes, kinds, operation counts, models), ``harness`` (what is timed and how),
``worker`` (the NumPy process), ``table`` and ``ladder`` (the two benchmarks), ``targets`` (the speed
targets against the committed runs), ``report`` (markdown and plots), ``cli`` (the command line).
"""
import importlib

# Each public name loads with its module on first use (PEP 562), not on import: the worker process,
# ``python -m seqlearn.bench.worker``, imports this package first and must not import torch.
_MODULES = {
    "cases": ["SIZES", "GPU_SIZES", "QUICK_SIZES", "FLOAT64_SIZES", "KINDS", "MODES", "GATES", "RESULTS",
              "DEFAULT_OUT", "gemm_flops", "models"],
    "harness": ["torch_call", "numpy_call", "cuda_graph_call", "timer", "measure", "gemm_peak", "set_threads",
                "machine", "load_average", "tf32_off"],
    "worker": ["NumpyWorker"],
    "table": ["run_table"],
    "ladder": ["ladder_models", "run_ladder", "COMPILE_SCRIPT", "compile_times"],
    "report": ["markdown", "plot", "plot_ladder", "write"],
    "cli": ["main"],
}
_WHERE = {name: module for module, names in _MODULES.items() for name in names}
__all__ = list(_WHERE)


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_WHERE[name]}"), name)
    globals()[name] = value                       # the next look-up finds it directly
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
