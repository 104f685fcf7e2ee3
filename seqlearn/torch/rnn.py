"""The Elman cell in PyTorch: h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh).

Same equations as ``seqlearn.numpy.rnn``; autograd supplies the backward pass.
"""
import torch
import torch.nn.functional as nnf


def rnn_step(gi, state, weight_hh, bias_hh=None, nonlinearity="tanh"):
    """One step. gi (B, H) is x_t W_ih^T + b_ih, state = (h,) with h (B, H); returns (h_new,)."""
    (h,) = state
    a = gi + nnf.linear(h, weight_hh, bias_hh)    # (B, H)  pre-activation
    return (torch.tanh(a) if nonlinearity == "tanh" else torch.relu(a),)
