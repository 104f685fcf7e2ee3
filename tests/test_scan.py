"""The linear scan h_t = a_t ⊙ h_{t-1} + b_t: four schedules agree, in NumPy and torch, with their gradients."""
import numpy as np
import pytest
import torch

import seqlearn.numpy.scan as nscan
import seqlearn.torch.scan as tscan
from seqlearn._checks import InputError

LENGTHS = [1, 2, 3, 5, 8, 33, 128]
STEP_SHAPES = [(), (3,), (2, 4)]              # a, b are (T,) + step shape
BACKENDS = {"numpy": nscan, "torch": tscan}
LINEAR = ["linear_scan_doubling", "linear_scan_tree"]


def problem(T, step, with_h0, seed=0):
    """Positive a in (0.5, 1), b in (0.1, 1) and h0 in (0.1, 1) (the log scan needs a, b, h0 > 0), float64."""
    rng = np.random.default_rng(seed + 1000 * T + len(step))
    a = rng.uniform(0.5, 1.0, (T,) + step)
    b = rng.uniform(0.1, 1.0, (T,) + step)
    h0 = rng.uniform(0.1, 1.0, step) if with_h0 else None
    return a, b, h0


def as_backend(name, *arrays):
    if name == "numpy":
        return arrays
    return tuple(None if x is None else torch.tensor(x) for x in arrays)


def to_np(x):
    return x.detach().cpu().numpy() if torch.is_tensor(x) else np.asarray(x)


def assert_close(x, y, rtol=1e-12, atol=0.0):
    """Equal to rtol, relative; atol allows rounding where y is exactly 0 (the numbers here are of order 1)."""
    np.testing.assert_allclose(to_np(x), to_np(y), rtol=rtol, atol=atol)


# ---- forward: loop == doubling == tree == log, NumPy == torch ----------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("step", STEP_SHAPES, ids=str)
@pytest.mark.parametrize("T", LENGTHS)
@pytest.mark.parametrize("with_h0", [False, True], ids=["zero", "h0"])
def test_schedules_agree(backend, step, T, with_h0):
    mod = BACKENDS[backend]
    a, b, h0 = as_backend(backend, *problem(T, step, with_h0))
    ref = mod.linear_scan_loop(a, b, h0)
    assert tuple(ref.shape) == (T,) + step
    for name in LINEAR:
        assert_close(getattr(mod, name)(a, b, h0), ref)
    log = (np.log, torch.log)[backend == "torch"]
    assert_close(mod.linear_scan_log(log(a), log(b), h0), ref)


def test_loop_is_the_definition():
    a, b, h0 = problem(5, (3,), True)
    h, expected = h0, []
    for t in range(5):
        h = a[t] * h + b[t]
        expected.append(h)
    np.testing.assert_array_equal(nscan.linear_scan_loop(a, b, h0), np.stack(expected))


@pytest.mark.parametrize("name", ["linear_scan_loop"] + LINEAR + ["linear_scan_log"])
@pytest.mark.parametrize("T", [1, 5, 33])
@pytest.mark.parametrize("with_h0", [False, True], ids=["zero", "h0"])
def test_numpy_equals_torch(name, T, with_h0):
    a, b, h0 = problem(T, (2, 4), with_h0)
    if name == "linear_scan_log":
        a, b = np.log(a), np.log(b)
    assert_close(getattr(nscan, name)(a, b, h0), getattr(tscan, name)(*as_backend("torch", a, b, h0)))


def test_numpy_inputs_are_not_changed():
    a, b, h0 = problem(8, (3,), True)
    copies = a.copy(), b.copy(), h0.copy()
    for name in ["linear_scan_loop"] + LINEAR:
        getattr(nscan, name)(a, b, h0)
    for x, y in zip((a, b, h0), copies):
        np.testing.assert_array_equal(x, y)


# ---- gradients ------------------------------------------------------------------------------------------
def torch_grads(fn, a, b, h0, dh, log=False):
    """Autograd of <fn(a, b, h0), dh> with respect to a, b (their logs when log=True) and h0."""
    a, b = (torch.tensor(x, requires_grad=True) for x in (a, b))
    h0 = None if h0 is None else torch.tensor(h0, requires_grad=True)
    h = fn(torch.log(a), torch.log(b), h0) if log else fn(a, b, h0)
    (h * torch.tensor(dh)).sum().backward()
    # with T = 1 and no h0, doubling and tree never touch a (h_1 = b_1): its gradient is 0, not None
    da = torch.zeros_like(a) if a.grad is None else a.grad
    return da, b.grad, (None if h0 is None else h0.grad), h


@pytest.mark.parametrize("name", LINEAR + ["linear_scan_log"])
@pytest.mark.parametrize("T", [1, 2, 5, 33])
@pytest.mark.parametrize("with_h0", [False, True], ids=["zero", "h0"])
def test_torch_gradients_equal_the_loop(name, T, with_h0):
    a, b, h0 = problem(T, (2, 4), with_h0)
    dh = np.random.default_rng(T).standard_normal(a.shape)
    expected = torch_grads(tscan.linear_scan_loop, a, b, h0, dh)[:3]
    got = torch_grads(getattr(tscan, name), a, b, h0, dh, log=name == "linear_scan_log")[:3]
    for x, y in zip(got, expected):
        assert (x is None) == (y is None)
        if x is not None:                     # dL/da_1 = 0 without h0: the log scan gives rounding there
            assert_close(x, y, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("step", STEP_SHAPES, ids=str)
@pytest.mark.parametrize("T", [1, 2, 3, 8, 33])
@pytest.mark.parametrize("with_h0", [False, True], ids=["zero", "h0"])
def test_numpy_backward_equals_autograd(step, T, with_h0):
    a, b, h0 = problem(T, step, with_h0)
    dh = np.random.default_rng(T).standard_normal(a.shape)
    da_t, db_t, dh0_t, _ = torch_grads(tscan.linear_scan_loop, a, b, h0, dh)
    h = nscan.linear_scan_loop(a, b, h0)
    da, db, dh0 = nscan.linear_scan_backward(a, h, dh, h0)
    assert_close(da, da_t)
    assert_close(db, db_t)
    assert (dh0 is None) == (h0 is None)
    if h0 is not None:
        assert dh0.shape == step
        assert_close(dh0, dh0_t)


@pytest.mark.parametrize("T", [1, 4, 33])
@pytest.mark.parametrize("with_h0", [False, True], ids=["zero", "h0"])
def test_numpy_log_backward_equals_autograd(T, with_h0):
    a, b, h0 = problem(T, (3,), with_h0)
    dh = np.random.default_rng(T).standard_normal(a.shape)
    dla_t, dlb_t, dh0_t, _ = torch_grads(tscan.linear_scan_log, a, b, h0, dh, log=True)
    h = nscan.linear_scan_log(np.log(a), np.log(b), h0)
    dla, dlb, dh0 = nscan.linear_scan_log_backward(np.log(a), np.log(b), h, dh, h0)
    # autograd's leaves are a and b, the chain rule (d/d log a = a d/da) puts them in log terms
    assert_close(dla, dla_t.numpy() * a, rtol=1e-10, atol=1e-12)
    assert_close(dlb, dlb_t.numpy() * b, rtol=1e-10)
    if h0 is not None:
        assert_close(dh0, dh0_t, rtol=1e-10)


def test_numpy_backward_finite_differences():
    a, b, h0 = problem(6, (2,), True)
    dh = np.random.default_rng(5).standard_normal(a.shape)

    def loss(a, b, h0):
        return float(np.sum(nscan.linear_scan_loop(a, b, h0) * dh))

    da, db, dh0 = nscan.linear_scan_backward(a, nscan.linear_scan_loop(a, b, h0), dh, h0)
    eps = 1e-6
    for grad, which in [(da, 0), (db, 1), (dh0, 2)]:
        for index in [(0, 0), (3, 1), (5, 0)] if which < 2 else [(0,), (1,)]:
            args = [a.copy(), b.copy(), h0.copy()]
            args[which][index] += eps
            up = loss(*args)
            args[which][index] -= 2 * eps
            numeric = (up - loss(*args)) / (2 * eps)
            assert abs(numeric - grad[index]) < 1e-8 * max(1.0, abs(numeric))


def test_backward_of_any_schedule_is_the_same():
    """The backward takes the forward's output only: h from the tree or the log scan gives the same grads."""
    a, b, h0 = problem(33, (3,), True)
    dh = np.ones_like(a)
    ref = nscan.linear_scan_backward(a, nscan.linear_scan_loop(a, b, h0), dh, h0)
    for h in [nscan.linear_scan_tree(a, b, h0), nscan.linear_scan_log(np.log(a), np.log(b), h0)]:
        for x, y in zip(nscan.linear_scan_backward(a, h, dh, h0), ref):
            assert_close(x, y, rtol=1e-11)


# ---- bad input ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", ["linear_scan_loop"] + LINEAR + ["linear_scan_log"])
def test_bad_input_raises(backend, name):
    fn = getattr(BACKENDS[backend], name)
    a, b, h0 = as_backend(backend, *problem(4, (3,), True))
    with pytest.raises(InputError, match="same shape"):
        fn(a, b[:, :2])
    with pytest.raises(InputError, match="at least one step"):
        fn(a[:0], b[:0])
    with pytest.raises(InputError, match="at least one step"):
        fn(a[0, 0], b[0, 0])                  # 0-d: no time axis
    with pytest.raises(InputError, match="h0 must have the shape of one step"):
        fn(a, b, h0[:2])
    with pytest.raises(InputError, match="h0 must have the shape of one step"):
        fn(a, b, a[:1])                       # (1, 3): a step with a time axis left on
    with pytest.raises(RuntimeError):         # InputError is a RuntimeError too, as torch.nn raises
        fn(a, b[:3])


def test_bad_backward_input_raises():
    a, b, h0 = problem(4, (3,), True)
    h = nscan.linear_scan_loop(a, b, h0)
    with pytest.raises(InputError, match="same shape"):
        nscan.linear_scan_backward(a, h, h[:, :2], h0)
    with pytest.raises(InputError, match="same shape"):
        nscan.linear_scan_backward(a, h[:3], h[:3], h0)
    with pytest.raises(InputError, match="h0 must have the shape"):
        nscan.linear_scan_backward(a, h, h, h0[:1])


# ---- honest limits --------------------------------------------------------------------------------------
@pytest.mark.parametrize("backend", BACKENDS)
def test_log_scan_loses_accuracy_as_the_cumulative_log_grows(backend):
    """In float32, with a ≈ 0.9 over T = 4096 steps, a*_t = Σ log a_s reaches about -430: log h_t is then
    the difference of two numbers of that size, and float32's relative error of about 6e-8 on each becomes
    an absolute error in log h, a relative error in h. The loop's own float32 error stays at rounding level."""
    rng = np.random.default_rng(0)
    T = 4096
    a = rng.uniform(0.88, 0.92, (T, 8))
    b = rng.uniform(0.05, 0.15, (T, 8))
    a32, b32 = a.astype(np.float32), b.astype(np.float32)
    exact = nscan.linear_scan_loop(a32.astype(np.float64), b32.astype(np.float64))   # the same inputs, float64
    log = (np.log, torch.log)[backend == "torch"]
    a32, b32 = as_backend(backend, a32, b32)
    mod = BACKENDS[backend]

    def rel_err(h, steps=slice(None)):
        h = to_np(h).astype(np.float64)[steps]
        assert np.all(np.isfinite(h))
        return np.max(np.abs(h - exact[steps]) / np.abs(exact[steps]))

    h_log = mod.linear_scan_log(log(a32), log(b32))
    loop_err, log_err = rel_err(mod.linear_scan_loop(a32, b32)), rel_err(h_log)
    assert log_err > 10 * loop_err            # the log scan's error dwarfs the loop's rounding ...
    # ... and grows with t, with the size of a*_t: the first 64 steps (a*_t > -7) are far better off
    assert rel_err(h_log, slice(T - 256, T)) > 10 * rel_err(h_log, slice(0, 64))


# ---- CUDA -----------------------------------------------------------------------------------------------
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    a, b, h0 = as_backend("torch", *problem(33, (2, 4), True))
    for name in ["linear_scan_loop"] + LINEAR:
        fn = getattr(tscan, name)
        assert_close(fn(a.cuda(), b.cuda(), h0.cuda()), fn(a, b, h0), rtol=1e-10)
    got = tscan.linear_scan_log(a.log().cuda(), b.log().cuda(), h0.cuda())
    assert got.is_cuda
    assert_close(got, tscan.linear_scan_loop(a, b, h0), rtol=1e-10)
