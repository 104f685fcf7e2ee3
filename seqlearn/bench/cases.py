"""What the benchmark measures: the sizes, kinds of network and modes, their operation count, the models."""
from pathlib import Path

import torch

from .. import numpy as snp
from .. import torch as st

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
RESULTS = Path(__file__).resolve().parents[1] / "bench_results"
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
