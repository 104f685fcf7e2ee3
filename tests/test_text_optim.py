"""The NumPy optimisers step by step against torch.optim in float64, and gradient clipping against torch's."""
import numpy as np
import pytest
import torch

from seqlearn.numpy.optim import Adagrad, Adam, clip_grad_norm

SHAPES = [(5, 3), (4,), (2, 2, 2)]


def run_both(make_np, make_torch, steps=60, seed=0):
    """Apply the same random gradients to NumPy and torch copies of the same parameters."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=s) for s in SHAPES]
    start = [p.copy() for p in params]
    tparams = [torch.tensor(p, requires_grad=True) for p in params]
    opt_np, opt_t = make_np(params), make_torch(tparams)
    worst = 0.0
    for _ in range(steps):
        grads = [rng.normal(size=s) * rng.uniform(0.01, 10) for s in SHAPES]
        for p, g in zip(tparams, grads):
            p.grad = torch.tensor(g)
        opt_t.step()
        opt_np.step(grads)
        worst = max(worst, max(np.abs(p - t.detach().numpy()).max() for p, t in zip(params, tparams)))
    moved = max(np.abs(p - q).max() for p, q in zip(params, start))     # the steps did something
    return worst, moved


@pytest.mark.parametrize("lr, betas, eps", [(1e-3, (0.9, 0.999), 1e-8), (0.05, (0.5, 0.9), 1e-3)])
def test_adam_takes_torchs_steps(lr, betas, eps):
    worst, moved = run_both(lambda p: Adam(p, lr=lr, betas=betas, eps=eps),
                            lambda p: torch.optim.Adam(p, lr=lr, betas=betas, eps=eps, foreach=False))
    assert worst < 1e-13 and moved > 0.01


@pytest.mark.parametrize("lr, eps", [(1e-2, 1e-10), (0.1, 1e-4)])
def test_adagrad_takes_torchs_steps(lr, eps):
    worst, moved = run_both(lambda p: Adagrad(p, lr=lr, eps=eps),
                            lambda p: torch.optim.Adagrad(p, lr=lr, eps=eps, foreach=False))
    assert worst < 1e-13 and moved > 0.01


def test_optimisers_refuse_a_wrong_number_of_gradients():
    p = [np.zeros(3), np.zeros(2)]
    for opt in (Adam(p), Adagrad(p)):
        with pytest.raises(ValueError, match="expected 2 gradients, got 1"):
            opt.step([np.zeros(3)])


@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_scales_like_torch(max_norm):
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=s) for s in SHAPES]
    tparams = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES]
    for p, g in zip(tparams, grads):
        p.grad = torch.tensor(g)
    want = float(torch.nn.utils.clip_grad_norm_(tparams, max_norm, foreach=False))
    got = clip_grad_norm(grads, max_norm)
    assert got == pytest.approx(want, rel=1e-15)
    assert max(np.abs(g - p.grad.numpy()).max() for g, p in zip(grads, tparams)) < 1e-15
    after = np.sqrt(sum((g ** 2).sum() for g in grads))
    assert after <= max_norm + 1e-9 and (after < got if max_norm < got else after == pytest.approx(got))
