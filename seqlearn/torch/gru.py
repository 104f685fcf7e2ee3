"""The GRU cell in PyTorch, gate order r, z, n (as torch.nn.GRU).

Same equations as ``seqlearn.numpy.gru``, both variants; autograd supplies the backward pass.
"""
import torch
import torch.nn.functional as nnf


def gru_step(gi, state, weight_hh, bias_hh=None, reset_after=True):
    """One step. gi (B, 3H) is x_t W_ih^T + b_ih, state = (h,) with h (B, H); returns (h_new,)."""
    (h,) = state
    H = h.shape[-1]
    gi_r, gi_z, gi_n = gi.chunk(3, dim=1)
    if reset_after:
        gh_r, gh_z, gh_n = nnf.linear(h, weight_hh, bias_hh).chunk(3, dim=1)
    else:
        b_rz, b_n = (None, None) if bias_hh is None else (bias_hh[:2 * H], bias_hh[2 * H:])
        gh_r, gh_z = nnf.linear(h, weight_hh[:2 * H], b_rz).chunk(2, dim=1)
    r = torch.sigmoid(gi_r + gh_r)                # reset gate    r_t = σ(a_r)
    z = torch.sigmoid(gi_z + gh_z)                # update gate   z_t = σ(a_z)
    if reset_after:
        n = torch.tanh(gi_n + r * gh_n)           # n_t = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
    else:
        n = torch.tanh(gi_n + nnf.linear(r * h, weight_hh[2 * H:], b_n))  # Cho et al.: W_hn (r ⊙ h)
    return ((1 - z) * n + z * h,)                 # h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}
