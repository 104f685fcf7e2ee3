"""The chapter's ladder of LSTM variants against torch.nn (``--ladder``), and torch.compile's compile times."""
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import torch

from .. import ladder as rungs
from .. import torch as st
from ..torch import fast
from .cases import MODES, QUICK_SIZES, SIZES
from .harness import measure, timer, torch_call
from .table import _line, _records


class PlainLoop(torch.nn.Module):
    """A seqlearn.torch model with ``fast.py`` switched off, so that the loop of ``layers.py`` runs."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        fast.ENABLED = False
        try:
            return self.model(x)
        finally:
            fast.ENABLED = True


def ladder_models(kind, size, dtype, device, seed=0, compiled=True):
    """torch.nn, the rungs of ``seqlearn.ladder`` and seqlearn.torch's two loops for one LSTM layer.

    Returns {name: callable}: the rungs in their order, then "layers.py loop" (rung 4) and
    "seqlearn.torch" (what the package runs: fast.py), then the compiled variants.
    """
    torch.manual_seed(seed)
    bi = kind == "BiLSTM"
    ref = torch.nn.LSTM(size[2], size[3], bidirectional=bi).to(device, dtype)
    ours = st.LSTM(size[2], size[3], bidirectional=bi).to(device, dtype)
    ours.load_state_dict(ref.state_dict())
    w = [getattr(ref, f"{p}_l0") for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
    if bi:
        w_rev = [getattr(ref, f"{p}_l0_reverse") for p in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
        return {"torch.nn": ref, "layers.py loop": PlainLoop(ours), "seqlearn.torch": ours,
                "batched directions": lambda x: rungs.bidirectional_batched(x, w, w_rev)}
    out = {"torch.nn": ref}
    for name, rung in rungs.RUNGS.items():
        out[name] = (lambda r: lambda x: r(x, *w))(rung)
    out["layers.py loop"] = PlainLoop(ours)
    out["seqlearn.torch"] = ours
    variants = {"TorchScript layer": rungs.scripted()}
    if compiled:                                  # torch.compile: seconds to minutes before the first call
        variants["compiled cell"] = rungs.compiled_cell(dynamic=False)
        variants["compiled layer"] = rungs.compiled_layer(dynamic=False)
    for name, fn in variants.items():
        out[name] = (lambda f: lambda x: f(x, *w))(fn)
    return out


def run_ladder(args, log):
    """The ladder: LSTM variants of ``seqlearn.ladder`` and a BiLSTM with batched directions.

    Returns the records and, like ``run_table``, what to add to the meta (nothing: no NumPy here).
    """
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
    return records, {}


# Run by a fresh interpreter in the folder that holds this seqlearn, so that it imports the same one.
ROOT = Path(__file__).resolve().parents[2]
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
                                         check=True, cwd=ROOT)
                row[mode] = float(out.stdout.split()[-1])
            rows.append(row)
            log(f"compile {what:14s} T={T:4d}: first call {row['forward']:.1f} s (forward), "
                f"{row['forward+backward']:.1f} s (forward+backward)")
    return rows
