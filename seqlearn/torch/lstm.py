"""The LSTM cell in PyTorch, gate order i, f, g, o (as torch.nn.LSTM).

Same equations as ``seqlearn.numpy.lstm``; autograd supplies the backward pass.
"""
import torch
import torch.nn.functional as nnf


def lstm_step(gi, state, weight_hh, bias_hh=None):
    """One step. gi (B, 4H) is x_t W_ih^T + b_ih, state = (h, c), each (B, H); returns (h_new, c_new)."""
    h, c = state
    a = gi + nnf.linear(h, weight_hh, bias_hh)    # (B, 4H)  pre-activations of i, f, g, o
    a_i, a_f, a_g, a_o = a.chunk(4, dim=1)
    i = torch.sigmoid(a_i)                        # input gate      i_t = σ(a_i)
    f = torch.sigmoid(a_f)                        # forget gate     f_t = σ(a_f)
    g = torch.tanh(a_g)                           # candidate       g_t = tanh(a_g)
    o = torch.sigmoid(a_o)                        # output gate     o_t = σ(a_o)
    c_new = f * c + i * g                         # c_t = f ⊙ c_{t-1} + i ⊙ g
    h_new = o * torch.tanh(c_new)                 # h_t = o ⊙ tanh(c_t)
    return h_new, c_new
