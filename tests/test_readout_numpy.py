"""The NumPy readout and loss against torch.nn.Linear and F.cross_entropy (float64), and the public tape."""
import numpy as np
import pytest
import torch

import seqlearn.numpy as snp


def test_linear_forward_and_backward_match_torch():
    ref = torch.nn.Linear(6, 4, dtype=torch.float64)
    ours = snp.Linear(6, 4)
    ours.load_state_dict(ref.state_dict())
    x = torch.randn(3, 5, 6, dtype=torch.float64, requires_grad=True)    # any leading axes
    y = ref(x)
    dy = torch.randn_like(y)
    y.backward(dy)
    np.testing.assert_allclose(ours(x.detach().numpy()), y.detach().numpy(), rtol=0, atol=1e-14)
    dx = ours.backward(dy.numpy())
    np.testing.assert_allclose(dx, x.grad.numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(ours.grads["weight"], ref.weight.grad.numpy(), rtol=0, atol=1e-13)
    np.testing.assert_allclose(ours.grads["bias"], ref.bias.grad.numpy(), rtol=0, atol=1e-13)


def test_linear_without_bias_and_its_errors():
    ours = snp.Linear(3, 2, bias=False, rng=0)
    assert set(ours.params) == {"weight"}
    with pytest.raises(RuntimeError, match="forward"):
        ours.backward(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="expected 3, got 4"):
        ours(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="keys do not match"):
        ours.load_state_dict({"weight": np.zeros((2, 3)), "bias": np.zeros(2)})
    with pytest.raises(ValueError, match=r"weight has the wrong shape: expected \(2, 3\), got \(3, 2\)"):
        ours.load_state_dict({"weight": np.zeros((3, 2))})


def test_cross_entropy_and_its_gradient_match_torch():
    logits = torch.randn(7, 5, dtype=torch.float64, requires_grad=True)
    target = torch.randint(0, 5, (7,))
    loss = torch.nn.functional.cross_entropy(logits, target)
    loss.backward()
    ours, dlogits = snp.cross_entropy(logits.detach().numpy(), target.numpy())
    assert ours == pytest.approx(loss.item(), rel=1e-14)
    np.testing.assert_allclose(dlogits, logits.grad.numpy(), rtol=0, atol=1e-15)


def test_cross_entropy_is_stable_for_huge_scores():
    loss, dlogits = snp.cross_entropy(np.array([[1000.0, 0.0], [0.0, -1000.0]]), np.array([1, 0]))
    assert np.isfinite(loss) and loss == pytest.approx(500.0)
    assert np.isfinite(dlogits).all()


def test_cross_entropy_names_bad_input():
    with pytest.raises(ValueError, match=r"class indices in \[0, 3\), got values in \[0, 3\]"):
        snp.cross_entropy(np.zeros((2, 3)), np.array([0, 3]))
    with pytest.raises(ValueError, match=r"logits \(N, C\) and target \(N,\), got \(2, 3\) and \(3,\)"):
        snp.cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2]))


@pytest.mark.parametrize("mode,per_step", [("RNN", lambda I, H: I + H), ("LSTM", lambda I, H: I + 7 * H),
                                           ("GRU", lambda I, H: I + 7 * H)])
def test_saved_arrays_grow_by_what_one_step_caches(mode, per_step):
    B, I, H = 3, 4, 5
    model = getattr(snp, mode)(I, H, rng=0)
    sizes = {}
    for T in (10, 20):
        model(np.zeros((T, B, I)))
        arrays = model.saved_arrays()
        assert len({id(a) for a in arrays}) == len(arrays) and all(a.base is None for a in arrays)
        sizes[T] = sum(a.nbytes for a in arrays)
    assert (sizes[20] - sizes[10]) / 10 == 8 * B * per_step(I, H)   # float64: 8 bytes a number
