"""Package hygiene and helpers: cheap imports, dependency boundaries, parameter counts, seeding."""
import subprocess
import sys

import numpy as np
import pytest
import torch

import seqlearn.numpy as snp
import seqlearn.torch as st
from seqlearn.utils import count_parameters, expected_parameters, pick_device, seed_everything


def modules_after(statement):
    code = f"import sys; {statement}; print(' '.join(sorted(sys.modules)))"
    return set(subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                              text=True).stdout.split())


def test_import_seqlearn_is_cheap():
    loaded = modules_after("import seqlearn")
    assert not {"torch", "numpy", "matplotlib"} & loaded


def test_numpy_backend_needs_no_torch_and_no_plotting():
    loaded = modules_after("import seqlearn.numpy, seqlearn.utils")
    assert "numpy" in loaded
    assert not {"torch", "matplotlib", "ipywidgets"} & loaded


def test_torch_backend_imports_no_plotting():
    assert not {"matplotlib", "ipywidgets"} & modules_after("import seqlearn.torch")


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("num_layers,bidirectional,bias", [(1, False, True), (3, True, True), (2, True, False)])
def test_parameter_counts(kind, num_layers, bidirectional, bias):
    kw = dict(num_layers=num_layers, bidirectional=bidirectional, bias=bias)
    want = count_parameters(getattr(torch.nn, kind)(10, 20, **kw))
    assert want == expected_parameters(kind, 10, 20, **kw)
    assert count_parameters(getattr(st, kind)(10, 20, **kw)) == want
    assert count_parameters(getattr(snp, kind)(10, 20, **kw)) == want


def test_lstm_count_formula():
    I, H = 10, 20
    assert expected_parameters("LSTM", I, H) == 4 * (I * H + H * H + 2 * H)


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
def test_numpy_init_is_seeded_and_like_torch(kind):
    a, b = getattr(snp, kind)(5, 16, rng=7), getattr(snp, kind)(5, 16, rng=7)
    assert all(np.array_equal(a.state_dict()[k], v) for k, v in b.state_dict().items())
    values = np.concatenate([v.ravel() for v in a.state_dict().values()])
    assert values.dtype == np.float64
    assert np.abs(values).max() <= 1 / 4 and np.abs(values).max() > 0.2   # U(-1/sqrt(16), 1/sqrt(16))


def test_seed_everything_makes_torch_and_numpy_repeat():
    seed_everything(3)
    a = (torch.randn(3), np.random.rand(3))
    seed_everything(3)
    b = (torch.randn(3), np.random.rand(3))
    assert torch.equal(a[0], b[0]) and np.array_equal(a[1], b[1])


def test_pick_device_follows_cuda_availability():
    assert pick_device().type == ("cuda" if torch.cuda.is_available() else "cpu")


def test_reprs_read_like_torch():
    assert repr(snp.GRU(3, 4, num_layers=2, reset_after=False)) == "GRU(3, 4, num_layers=2, reset_after=False)"
    assert "LSTM(3, 4, bidirectional=True)" in repr(st.LSTM(3, 4, bidirectional=True))
    assert repr(st.RNN(3, 4)) == repr(torch.nn.RNN(3, 4))
