"""The Linear Recurrent Unit: its three forward modes agree, the NumPy twin agrees with torch, the kernel is
the impulse response, the initialisation lands on the ring, gradients are right, and streaming matches."""
import math
import subprocess
import sys

import numpy as np
import pytest
import torch

from seqlearn._checks import InputError
from seqlearn.numpy import lru as nlru
from seqlearn.torch.lru import LRU

I, N, O, B = 3, 6, 2, 4
MODES = ["recurrent", "scan", "convolution"]


def make(dtype=torch.float64, seed=0, **kw):
    return LRU(I, N, O, dtype=dtype, generator=torch.Generator().manual_seed(seed), **kw)


def numpy_params(model):
    return {name: value.detach().cpu().numpy() for name, value in model.state_dict().items()}


def close(a, b, rtol=1e-10):
    """a equals b up to rtol times the scale of b (its largest absolute entry)."""
    a, b = (np.asarray(x.detach().cpu().numpy() if torch.is_tensor(x) else x) for x in (a, b))
    assert a.shape == b.shape
    scale = max(float(np.abs(b).max()), 1.0)
    assert float(np.abs(a - b).max()) <= rtol * scale, float(np.abs(a - b).max()) / scale


# 1. the three forms of the same map
@pytest.mark.parametrize("T", [1, 7, 64, 257])
@pytest.mark.parametrize("r_min, r_max", [(0.0, 1.0), (0.9, 0.999)])
def test_modes_agree(T, r_min, r_max):
    model = make(r_min=r_min, r_max=r_max)
    u = torch.randn(B, T, I, dtype=torch.float64)
    y = model(u, mode="recurrent")
    assert y.shape == (B, T, O) and y.dtype == torch.float64
    close(model(u, mode="scan"), y)
    close(model(u, mode="convolution"), y)


def test_time_major():
    model, u = make(), torch.randn(B, 9, I, dtype=torch.float64)
    tm = make(batch_first=False)
    for mode in MODES:
        close(tm(u.transpose(0, 1), mode=mode), model(u, mode=mode).transpose(0, 1))
    close(tm.final_state(u.transpose(0, 1)), model.final_state(u))


def test_float32_runs_in_complex64():
    model = make(dtype=torch.float32)
    assert model.eigenvalues().dtype == torch.complex64
    assert torch.isfinite(model.gamma_log).all()
    u = torch.randn(B, 33, I)
    y = model(u)
    for mode in MODES:
        close(model(u, mode=mode), y, rtol=1e-4)


def test_parameters_and_seeding():
    model = make()
    shapes = {name: tuple(p.shape) for name, p in model.named_parameters()}
    assert shapes == {"nu_log": (N,), "theta_log": (N,), "gamma_log": (N,), "B_re": (N, I), "B_im": (N, I),
                      "C_re": (O, N), "C_im": (O, N), "D": (O, I)}
    again, other = make(seed=0), make(seed=1)
    assert all(torch.equal(a, b) for a, b in zip(model.parameters(), again.parameters()))
    assert not torch.equal(model.B_re, other.B_re)
    assert LRU(4, 5).output_size == 4
    assert LRU(4, 5).nu_log.dtype == torch.get_default_dtype()


# 2. NumPy twin
@pytest.mark.parametrize("T", [1, 7, 64])
def test_numpy_matches_torch(T):
    model = make()
    params, u = numpy_params(model), torch.randn(B, T, I, dtype=torch.float64)
    y = model(u, mode="recurrent")
    close(nlru.lru_recurrent(params, u.numpy()), y)
    close(nlru.lru_convolution(params, u.numpy()), y)
    close(nlru.lru_kernel(params, T), model.kernel(T))
    close(nlru.lru_params_eigenvalues(params), model.eigenvalues())


# 3. the kernel is the impulse response of the recurrence
@pytest.mark.parametrize("T", [1, 12])
def test_kernel_is_impulse_response(T):
    model = make()
    u = torch.zeros(I, T, I, dtype=torch.float64)
    u[torch.arange(I), 0, torch.arange(I)] = 1.0             # sequence i: a unit impulse on channel i, t = 0
    y = model(u, mode="recurrent")                           # (I, T, O)  y[i, k] = K_k[:, i] + D[:, i] δ_k0
    y[:, 0] -= model.D.T
    close(model.kernel(T), y.permute(1, 2, 0))               # (T, O, I)
    params, un = numpy_params(model), u.numpy()
    yn = nlru.lru_recurrent(params, un)
    yn[:, 0] -= params["D"].T
    close(nlru.lru_kernel(params, T), yn.transpose(1, 2, 0))


# 4. initialisation on the ring
@pytest.mark.parametrize("r_min, r_max, max_phase", [(0.0, 1.0, 2 * math.pi), (0.4, 0.9, math.pi / 10),
                                                     (0.99, 0.999, 0.5), (0.5, 0.5, 1.0)])
def test_eigenvalues_on_the_ring(r_min, r_max, max_phase):
    model = LRU(2, 4000, r_min=r_min, r_max=r_max, max_phase=max_phase, dtype=torch.float64,
                generator=torch.Generator().manual_seed(3))
    radius, phase = model.eigenvalues().abs().detach(), model.theta_log.exp().detach()
    assert radius.min() >= r_min - 1e-12 and radius.max() <= r_max + 1e-12
    assert phase.min() >= 0 and phase.max() <= max_phase
    # uniform on the ring: |λ|² uniform in [r_min², r_max²], phase uniform in [0, max_phase]
    assert abs(float((radius ** 2).mean()) - (r_min ** 2 + r_max ** 2) / 2) < 0.02
    assert abs(float(phase.mean()) - max_phase / 2) < 0.02 * max_phase
    # γ starts at sqrt(1 - |λ|²)
    close(model.gamma_log.exp(), torch.sqrt(1 - radius ** 2))


def test_initial_scales():
    model = LRU(50, 400, 60, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    # the paper's B ~ N(0, 1/(2I)) and C ~ N(0, 1/N) per real part; our full D ~ N(0, 1/I)
    variances = {"B_re": 1 / 100, "B_im": 1 / 100, "C_re": 1 / 400, "C_im": 1 / 400, "D": 1 / 50}
    for name, var in variances.items():
        assert abs(float(getattr(model, name).detach().var()) / var - 1) < 0.1, name


# 5. gradients
def _functional(model, mode):
    names = [name for name, _ in model.named_parameters()]

    def f(u, *params):
        return torch.func.functional_call(model, dict(zip(names, params)), (u,), {"mode": mode})
    return f


@pytest.mark.parametrize("mode", MODES)
def test_gradcheck(mode):
    model = LRU(2, 3, 2, r_min=0.5, r_max=0.95, dtype=torch.float64,
                generator=torch.Generator().manual_seed(0))
    u = torch.randn(2, 5, 2, dtype=torch.float64, requires_grad=True)
    params = [p.detach().clone().requires_grad_() for p in model.parameters()]
    assert torch.autograd.gradcheck(_functional(model, mode), (u, *params))


def test_gradients_of_modes_agree():
    model, u = make(r_min=0.8, r_max=0.99), torch.randn(B, 40, I, dtype=torch.float64, requires_grad=True)
    weight = torch.randn(B, 40, O, dtype=torch.float64)
    grads = {mode: torch.autograd.grad((model(u, mode=mode) * weight).sum(), [u, *model.parameters()])
             for mode in MODES}
    for mode in ("scan", "convolution"):
        for g, ref in zip(grads[mode], grads["recurrent"]):
            close(g, ref)


# 6. bad input
@pytest.mark.parametrize("make_args, error", [
    ({"r_min": 0.9, "r_max": 0.5}, InputError), ({"r_min": -0.1}, InputError), ({"r_max": 1.5}, InputError),
    ({"r_min": 1.0}, InputError), ({"r_max": 0.0}, InputError), ({"max_phase": -1.0}, InputError),
    ({"max_phase": math.inf}, InputError), ({"r_min": "0"}, InputError),
    ({"dtype": torch.float16}, InputError), ({"batch_first": 1}, TypeError)])
def test_bad_constructor(make_args, error):
    with pytest.raises(error):
        make(**make_args)


@pytest.mark.parametrize("args", [(0, 4), (3, 0), (3, 4, 0), (3.0, 4), (True, 4)])
def test_bad_sizes(args):
    with pytest.raises((TypeError, ValueError)):
        LRU(*args)


U = torch.zeros(B, 5, I, dtype=torch.float64)
BAD_INPUTS = {                                  # name: a call on make() and U that must raise InputError
    "feature size": lambda m: m(torch.randn(B, 5, I + 1, dtype=torch.float64)),
    "2-D input": lambda m: m(U[0]), "4-D input": lambda m: m(U[None]),
    "no time steps": lambda m: m(U[:, :0]), "float32 input": lambda m: m(U.float()),
    "NumPy input": lambda m: m(U.numpy()), "unknown mode": lambda m: m(U, mode="parallel"),
    "kernel(0)": lambda m: m.kernel(0), "kernel(2.0)": lambda m: m.kernel(2.0),
    "final_state 2-D": lambda m: m.final_state(U[0]),
    "step 3-D": lambda m: m.step(U), "step feature size": lambda m: m.step(U[:, 0, :2]),
    "step state size": lambda m: m.step(U[:, 0], torch.zeros(B, N + 1, dtype=torch.complex128)),
    "step state batch": lambda m: m.step(U[:, 0], torch.zeros(B + 1, N, dtype=torch.complex128)),
    "step real state": lambda m: m.step(U[:, 0], torch.zeros(B, N, dtype=torch.float64)),
    "step state list": lambda m: m.step(U[:, 0], [0.0] * N),
    "numpy 2-D": lambda m: nlru.lru_recurrent(numpy_params(m), U.numpy()[0]),
    "numpy feature size": lambda m: nlru.lru_convolution(numpy_params(m), U.numpy()[..., :2]),
    "numpy kernel(0)": lambda m: nlru.lru_kernel(numpy_params(m), 0),
    "numpy missing params": lambda m: nlru.lru_recurrent({"nu_log": np.zeros(N)}, U.numpy()),
    "numpy D shape": lambda m: nlru.lru_recurrent(dict(numpy_params(m), D=np.zeros((O, I + 1))), U.numpy()),
}


@pytest.mark.parametrize("case", BAD_INPUTS, ids=list(BAD_INPUTS))
def test_bad_input(case):
    with pytest.raises(InputError):
        BAD_INPUTS[case](make())


def test_error_messages_name_what_came():
    model = make()
    with pytest.raises(InputError, match=r"3-D tensor \(B, T, I\), got a 2-D tensor of shape \(5, 3\)"):
        model(torch.randn(5, I, dtype=torch.float64))
    with pytest.raises(InputError, match="expected input_size=3, got 4"):
        model(torch.randn(B, 5, 4, dtype=torch.float64))
    with pytest.raises(InputError, match="recurrent, scan, convolution; got 'fft'"):
        model(torch.randn(B, 5, I, dtype=torch.float64), mode="fft")
    with pytest.raises(InputError, match="r_min=0.9 and r_max=0.5"):
        make(r_min=0.9, r_max=0.5)


def test_empty_batch():
    model = make()
    for mode in MODES:
        assert model(torch.zeros(0, 5, I, dtype=torch.float64), mode=mode).shape == (0, 5, O)
    assert nlru.lru_convolution(numpy_params(model), np.zeros((0, 5, I))).shape == (0, 5, O)


# 7. NumPy alone
def test_numpy_module_does_not_import_torch():
    code = "import seqlearn.numpy.lru, sys; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


# 8. CUDA
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    model, u = make(), torch.randn(B, 65, I, dtype=torch.float64)
    gpu = make(device="cuda")
    close(gpu.B_re, model.B_re)                                  # same draws, sampled on the CPU generator
    for mode in MODES:
        close(gpu(u.cuda(), mode=mode), model(u, mode=mode))
    close(gpu.final_state(u.cuda()), model.final_state(u))
    y, x = gpu.step(u[:, 0].cuda())
    close(y, model(u[:, :1])[:, 0])
    close(x, model.final_state(u[:, :1]))
    with pytest.raises(InputError):
        gpu(u)                                                   # input on the wrong device


# 9. streaming
@pytest.mark.parametrize("T", [1, 30])
def test_step_reproduces_forward_and_final_state(T):
    model, u = make(), torch.randn(B, T, I, dtype=torch.float64)
    x, ys = None, []
    for t in range(T):
        y_t, x = model.step(u[:, t], x)
        ys.append(y_t)
    close(torch.stack(ys, dim=1), model(u, mode="recurrent"))
    assert x.shape == (B, N) and x.dtype == torch.complex128
    close(x, model.final_state(u))


def test_streaming_continues_from_a_prefix():
    model, u = make(), torch.randn(B, 20, I, dtype=torch.float64)
    x, ys = model.final_state(u[:, :12]), []                     # read a prompt in one go, then stream
    for t in range(12, 20):
        y_t, x = model.step(u[:, t], x)
        ys.append(y_t)
    close(torch.stack(ys, dim=1), model(u, mode="scan")[:, 12:])
