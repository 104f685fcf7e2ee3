"""Small helpers the chapters share: seeding, picking a device, counting parameters.

torch is imported inside the functions that need it, so this module works without it.
"""
import random

import numpy as np

GATES = {"RNN": 1, "LSTM": 4, "GRU": 3}


def seed_everything(seed):
    """Seed Python's, NumPy's and (when installed) torch's generators; return a NumPy Generator."""
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:
        pass
    else:
        torch.manual_seed(seed)                   # also seeds every CUDA device
    return np.random.default_rng(seed)


def pick_device():
    """``torch.device('cuda')`` when a GPU is available, else ``torch.device('cpu')``."""
    import torch
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def count_parameters(model):
    """Number of scalar parameters of a torch.nn.Module or a seqlearn.numpy model."""
    if hasattr(model, "parameters"):
        return sum(p.numel() for p in model.parameters())
    return sum(int(v.size) for v in model.state_dict().values())


def expected_parameters(mode, input_size, hidden_size, num_layers=1, bias=True, bidirectional=False, proj_size=0):
    """The closed form: per layer and direction G(I·H + H² + 2H), G = 1, 4, 3 for RNN, LSTM, GRU.

    Layer k > 0 sees D·H inputs (D = 2 when bidirectional); without biases the 2H term drops.
    With an LSTM projection of size R = proj_size > 0, H² becomes H·R, layer k > 0 sees D·R inputs,
    and W_hr adds R·H.
    """
    G, H, D = GATES[mode], hidden_size, 2 if bidirectional else 1
    S = proj_size or H                            # the size of h
    total = 0
    for layer in range(num_layers):
        I = input_size if layer == 0 else D * S
        total += D * (G * (I * H + S * H + (2 * H if bias else 0)) + proj_size * H)
    return total


def run_record(module, argv=None):
    """Where and how a committed result was made: the command (``python -m module ARGS``), the UTC
    date, the versions of torch, NumPy and Python, torch's thread count, the CPUs and the load
    average at the end. ``argv``: the arguments given to ``main`` (None: the command line's)."""
    import datetime
    import os
    import platform
    import sys

    import torch
    args = sys.argv[1:] if argv is None else list(argv)
    return {"command": " ".join(["python -m", module] + args),
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "torch": torch.__version__, "numpy": np.__version__, "python": platform.python_version(),
            "threads": torch.get_num_threads(), "cpus": os.cpu_count(), "load_end": list(os.getloadavg())}
