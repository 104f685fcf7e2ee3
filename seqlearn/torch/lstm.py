"""The LSTM cell in PyTorch, gate order i, f, g, o (as torch.nn.LSTM).

Same equations as ``seqlearn.numpy.lstm``; autograd supplies the backward pass.

``variant`` removes one part of the cell, as in the ablation of Greff et al. (2017), "LSTM: A Search
Space Odyssey" (their names; torch.nn's cell, without peepholes, is their "NP" and our "vanilla"):

    NIG   no input gate          i_t = 1
    NFG   no forget gate         f_t = 1          (the LSTM of Hochreiter and Schmidhuber 1997)
    NOG   no output gate         o_t = 1
    NOAF  no output activation   h_t = o ⊙ c_t
    CIFG  coupled gates          i_t = 1 - f_t    (one gate decides both: forget and write)

The parameters keep torch.nn's shapes, so a state_dict still loads; the rows of a gate a variant
drops get no gradient (``unused_rows``).
"""
import torch
import torch.nn.functional as nnf


VARIANTS = ("vanilla", "NIG", "NFG", "NOG", "NOAF", "CIFG")
_DROPS = {"NIG": 0, "CIFG": 0, "NFG": 1, "NOG": 3}           # the gate block (i, f, g, o) a variant ignores


def unused_rows(variant, hidden_size):
    """The rows of W_ih, W_hh, b_ih and b_hh (gate blocks of H) that ``variant`` never reads, as a range."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}; got {variant!r}")
    block = _DROPS.get(variant)
    return range(0) if block is None else range(block * hidden_size, (block + 1) * hidden_size)


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


def step(gi, state, weight_hh, bias_hh=None, variant="vanilla"):
    """The step ``LSTM`` runs: ``lstm_step`` for "vanilla", else the variant's."""
    if variant == "vanilla":
        return lstm_step(gi, state, weight_hh, bias_hh)
    return _variant_step(gi, state, weight_hh, bias_hh, variant)


def _variant_step(gi, state, weight_hh, bias_hh, variant):
    """lstm_step with one part removed (see the module's docstring)."""
    h, c = state
    a = gi + nnf.linear(h, weight_hh, bias_hh)
    a_i, a_f, a_g, a_o = a.chunk(4, dim=1)
    f = torch.ones_like(a_f) if variant == "NFG" else torch.sigmoid(a_f)
    i = (torch.ones_like(a_i) if variant == "NIG" else
         1 - f if variant == "CIFG" else torch.sigmoid(a_i))
    o = torch.ones_like(a_o) if variant == "NOG" else torch.sigmoid(a_o)
    c_new = f * c + i * torch.tanh(a_g)
    h_new = o * (c_new if variant == "NOAF" else torch.tanh(c_new))
    return h_new, c_new
