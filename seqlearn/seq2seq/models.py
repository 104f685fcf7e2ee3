"""Encoder-decoder networks (Sutskever et al. 2014; Cho et al. 2014), with or without attention.

The encoder reads the source (embedded, packed so that every sequence stops at its own end) and
hands its final state to the decoder; the decoder writes the target one token at a time, each step
reading the previous token. With ``attention`` the decoder also reads a weighted sum of all the
encoder's outputs at every step (Bahdanau et al. 2015; Luong et al. 2015), with weights that are
zero at padding. The recurrent layers are torch.nn's, whose equations chapters 4 and 5 check
against seqlearn.torch; they are faster on a CPU.
"""
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..torch.attention import AdditiveAttention, DotAttention, GeneralAttention
from .batch import PAD

CELLS = ("GRU", "LSTM", "BiLSTM")
ATTENTION = (None, "additive", "dot", "general")


def final_state(state, num_layers, bidirectional):
    """The last layer's final state of a torch.nn recurrent layer as one vector per sequence.

    (L·D, B, H) -> (B, D·H): torch.nn stacks the directions of layer l at rows 2l (forward) and
    2l + 1 (reverse), so the rows are viewed as (L, D, B, H) and the last layer's two directions
    concatenated per sequence. After a packed run the forward half is each sequence's state at its
    own last token and the reverse half its state after reading back to the first: both have read
    the whole source, neither a PAD. (``state.view(B, -1)`` would mix sequences of the batch.)
    """
    D = 2 if bidirectional else 1
    LD, B, H = state.shape
    last = state.view(num_layers, D, B, H)[-1]             # (D, B, H)
    return last.permute(1, 0, 2).reshape(B, D * H)          # (B, D·H)


class Encoder(nn.Module):
    """Source ids (B, S) and lengths (B,) -> outputs (B, S, D·H), zero at padding, and the final
    state: h (B, D·H) for a GRU, the pair (h, c) for an LSTM."""

    def __init__(self, vocab_size, embedding_size, hidden_size, cell="GRU", bidirectional=False,
                 num_layers=1):
        super().__init__()
        if cell not in ("GRU", "LSTM"):
            raise ValueError(f"the encoder's cell must be 'GRU' or 'LSTM'; got {cell!r}")
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=PAD)
        self.rnn = getattr(nn, cell)(embedding_size, hidden_size, num_layers=num_layers,
                                     batch_first=True, bidirectional=bidirectional)
        self.output_size = hidden_size * (2 if bidirectional else 1)

    def forward(self, src, lengths):
        x = self.embedding(src)                                          # (B, S, E)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, state = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=src.shape[1])
        args = self.rnn.num_layers, self.rnn.bidirectional
        if isinstance(state, tuple):                                     # LSTM: (h_n, c_n)
            return out, tuple(final_state(s, *args) for s in state)
        return out, final_state(state, *args)


class Decoder(nn.Module):
    """One step at a time: the previous token (B,), the state and the encoder's outputs ->
    logits (B, V), the new state and the attention weights (B, S) (None without attention).

    attention=None: s_t = cell(e(y_{t-1}), s_{t-1}), logits = W_o s_t; the source reaches the
    decoder only through s_0, the encoder's final state.
    "additive" (Bahdanau et al. 2015): the query is the previous state,
    c_t = Σ_j α_tj h_j with α_t = softmax_j(v^T tanh(W_q s_{t-1} + W_k h_j)),
    s_t = cell([e(y_{t-1}); c_t], s_{t-1}), logits = W_o [s_t; c_t; e(y_{t-1})].
    "dot" or "general" (Luong et al. 2015, global attention without input feeding): the query is
    the new state, s_t = cell(e(y_{t-1}), s_{t-1}), α_t = softmax_j(s_t · h_j) or
    softmax_j(s_t^T W_a h_j), h̃_t = tanh(W_c [c_t; s_t]), logits = W_o h̃_t.
    """

    def __init__(self, vocab_size, embedding_size, hidden_size, memory_size, cell="GRU",
                 attention=None):
        super().__init__()
        if cell not in ("GRU", "LSTM"):
            raise ValueError(f"the decoder's cell must be 'GRU' or 'LSTM'; got {cell!r}")
        if attention not in ATTENTION:
            raise ValueError(f"attention must be one of {ATTENTION}; got {attention!r}")
        if attention == "dot" and memory_size != hidden_size:
            raise ValueError(f"dot attention needs the encoder's outputs ({memory_size}) as wide "
                             f"as the decoder's state ({hidden_size})")
        self.kind, self.is_lstm = attention, cell == "LSTM"
        self.embedding = nn.Embedding(vocab_size, embedding_size, padding_idx=PAD)
        extra = memory_size if attention == "additive" else 0
        self.cell = getattr(nn, cell + "Cell")(embedding_size + extra, hidden_size)
        if attention == "additive":
            self.attention = AdditiveAttention(hidden_size, memory_size, hidden_size)
            self.out = nn.Linear(hidden_size + memory_size + embedding_size, vocab_size)
        elif attention in ("dot", "general"):
            self.attention = (DotAttention() if attention == "dot"
                              else GeneralAttention(hidden_size, memory_size))
            self.combine = nn.Linear(memory_size + hidden_size, hidden_size)
            self.out = nn.Linear(hidden_size, vocab_size)
        else:
            self.attention = None
            self.out = nn.Linear(hidden_size, vocab_size)

    def prepare(self, memory):
        """What a step reuses: W_k h_j for every source position, computed once per sequence."""
        return self.attention.key_proj(memory) if self.kind == "additive" else None

    def forward(self, y_prev, state, memory, mask, prepared=None):
        e = self.embedding(y_prev)                                       # (B, E)
        h_prev = state[0] if self.is_lstm else state                     # (B, H)
        weights = None
        if self.kind == "additive":
            context, weights = self.attention(h_prev, memory, mask, keys_projected=prepared)
            state = self.cell(torch.cat([e, context], -1), state)
            h = state[0] if self.is_lstm else state
            return self.out(torch.cat([h, context, e], -1)), state, weights
        state = self.cell(e, state)
        h = state[0] if self.is_lstm else state
        if self.kind is None:
            return self.out(h), state, None
        context, weights = self.attention(h, memory, mask)               # (B, D·H), (B, S)
        h_tilde = torch.tanh(self.combine(torch.cat([context, h], -1)))  # (B, H)
        return self.out(h_tilde), state, weights


class Seq2Seq(nn.Module):
    """An Encoder and a Decoder; ``forward(batch)`` gives logits (B, T, V) and weights (B, T, S).

    teacher_forcing: the probability that a step reads the true previous token (1: teacher
    forcing, 0: free running on the model's own argmax, between: scheduled sampling, Bengio et al.
    2015), drawn per sequence and step from ``generator``.
    """

    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder

    def encode(self, src, lengths):
        memory, state = self.encoder(src, lengths)
        return memory, src != PAD, state

    def forward(self, batch, teacher_forcing=1.0, generator=None):
        memory, mask, state = self.encode(batch.src, batch.src_lengths)
        prepared = self.decoder.prepare(memory)
        y, logits, weights = batch.tgt_in[:, 0], [], []
        for t in range(batch.tgt_in.shape[1]):
            step, state, w = self.decoder(y, state, memory, mask, prepared)
            logits.append(step)
            weights.append(w)
            if t + 1 < batch.tgt_in.shape[1]:
                y = batch.tgt_in[:, t + 1]
                if teacher_forcing < 1:
                    own = step.argmax(-1)
                    coin = torch.rand(y.shape, generator=generator).to(y.device) < teacher_forcing
                    y = torch.where(coin, y, own)
        attn = None if weights[0] is None else torch.stack(weights, 1)
        return torch.stack(logits, 1), attn


def build(cell, src_vocab_size, tgt_vocab_size, *, attention=None, embedding_size=32, hidden_size=128):
    """A Seq2Seq: cell "GRU" or "LSTM" on both sides, or "BiLSTM" (a bidirectional LSTM encoder
    of hidden_size // 2 per direction, so that its two final states side by side are the LSTM
    decoder's hidden_size)."""
    if cell not in CELLS:
        raise ValueError(f"cell must be one of {CELLS}; got {cell!r}")
    bi = cell == "BiLSTM"
    if bi and hidden_size % 2:
        raise ValueError(f"a BiLSTM encoder needs an even hidden_size; got {hidden_size}")
    rnn = "LSTM" if bi else cell
    encoder = Encoder(src_vocab_size, embedding_size, hidden_size // 2 if bi else hidden_size, rnn, bi)
    decoder = Decoder(tgt_vocab_size, embedding_size, hidden_size, encoder.output_size, rnn, attention)
    return Seq2Seq(encoder, decoder)
