"""Shared builders: the same weights in torch.nn, seqlearn.torch and seqlearn.numpy."""
import itertools

import numpy as np
import pytest
import torch

import seqlearn.numpy as snp
import seqlearn.torch as st

KINDS = ["RNN", "LSTM", "GRU"]
I, H, T, B = 5, 7, 6, 4

# kind x num_layers x bidirectional x batch_first x bias: the grid every parity test runs over
GRID = list(itertools.product(KINDS, [1, 3], [False, True], [False, True], [False, True]))
GRID_IDS = [f"{k}-L{n}-{'bi' if d else 'uni'}-{'bf' if bf else 'tf'}-{'bias' if b else 'nobias'}"
            for k, n, d, bf, b in GRID]


def build(kind, dtype=torch.float64, **kw):
    """(torch.nn model, seqlearn.torch model, seqlearn.numpy model) sharing torch.nn's random weights."""
    ref = getattr(torch.nn, kind)(I, H, **kw).to(dtype)
    ours = getattr(st, kind)(I, H, **kw).to(dtype)
    ours.load_state_dict(ref.state_dict())
    kw.pop("dropout", None)
    npm = getattr(snp, kind)(I, H, **kw)
    npm.load_state_dict(ref.state_dict())
    return ref, ours, npm


def make_input(batch_first=False, dtype=torch.float64, batched=True):
    shape = ((B, T, I) if batch_first else (T, B, I)) if batched else (T, I)
    return torch.randn(*shape, dtype=dtype)


def make_hx(kind, num_layers, bidirectional, dtype=torch.float64, batched=True):
    shape = (num_layers * (2 if bidirectional else 1),) + ((B, H) if batched else (H,))
    h = torch.randn(*shape, dtype=dtype)
    return (h, torch.randn(*shape, dtype=dtype)) if kind == "LSTM" else h


def flat(out):
    """Flatten (output, h_n) or (output, (h_n, c_n)) into a list of tensors/arrays."""
    output, hn = out
    return [output] + (list(hn) if isinstance(hn, tuple) else [hn])


def to_numpy(x):
    if isinstance(x, tuple):
        return tuple(to_numpy(t) for t in x)
    return None if x is None else x.detach().cpu().numpy()


def max_diff(a, b):
    """Largest absolute difference between two lists of tensors/arrays."""
    return max(float(np.max(np.abs(np.asarray(to_numpy(x) if torch.is_tensor(x) else x)
                                    - np.asarray(to_numpy(y) if torch.is_tensor(y) else y))))
               for x, y in zip(a, b))


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(1234)
    np.random.seed(1234)
