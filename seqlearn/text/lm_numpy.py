"""A character-level language model in NumPy alone, trained by truncated BPTT: min-char-rnn, from the package.

One-hot characters enter a ``seqlearn.numpy`` RNN, LSTM or GRU; a ``Linear`` readout gives one score
per character; ``cross_entropy`` is the loss. Parameter names are those of ``seqlearn.text.lm.CharLM``
(``core.weight_ih_l0``, ..., ``readout.weight``, ``readout.bias``), so one state_dict drives both.
"""
import numpy as np

from .. import numpy as snp
from ..numpy.optim import clip_grad_norm
from .stream import chunks


class CharLM:
    """One-hot input (T, B) ids -> recurrent core -> readout: scores (T, B, V) for the next character."""

    def __init__(self, mode, vocab_size, hidden_size, num_layers=1, *, rng=None, dtype=np.float64):
        rng = np.random.default_rng(rng)
        self.vocab_size = vocab_size
        self.core = getattr(snp, mode)(vocab_size, hidden_size, num_layers, rng=rng, dtype=dtype)
        self.readout = snp.Linear(hidden_size, vocab_size, rng=rng, dtype=dtype)

    def state_dict(self):
        return {**{f"core.{k}": v for k, v in self.core.state_dict().items()},
                **{f"readout.{k}": v.copy() for k, v in self.readout.params.items()}}

    def load_state_dict(self, state):
        """Load a state_dict keyed like CharLM's (arrays or torch tensors, e.g. from the torch twin)."""
        self.core.load_state_dict({k[5:]: v for k, v in state.items() if k.startswith("core.")})
        self.readout.load_state_dict({k[8:]: v for k, v in state.items() if k.startswith("readout.")})

    def parameters(self):
        return [*self.core.params.values(), *self.readout.params.values()]

    def gradients(self):
        return [*self.core.grads.values(), *self.readout.grads.values()]

    def forward(self, x, state=None):
        """x (T, B) character ids, state from the previous chunk (None: zeros) -> (logits (T, B, V), state)."""
        onehot = np.eye(self.vocab_size, dtype=self.core.dtype)[x]    # (T, B, V): x_t W_ih^T picks a column
        out, state = self.core(onehot, state)                          # (T, B, H)
        return self.readout(out), state

    def backward(self, dlogits):
        """BPTT through the last forward. The final state gets no gradient: the cut of truncated BPTT."""
        dh = self.readout.backward(dlogits)                             # (T, B, H)
        self.core.backward(dh)                                          # grad_hn=None: zero from the future


def train_tbptt(model, data, *, k, optimizer, clip=None):
    """One pass of truncated BPTT over data (T, B) ids: chunks of k steps, the state carried between them.

    Per chunk: forward from the carried state, mean cross-entropy over the chunk's k·B predictions,
    backward within the chunk, clip (global norm), one optimiser step. Returns the chunk losses (nats).
    """
    losses, state, V = [], None, model.vocab_size
    for x, y in chunks(data, k):
        logits, state = model.forward(x, state)                        # state: values only, no graph
        loss, dlogits = snp.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
        model.backward(dlogits.reshape(logits.shape))
        grads = model.gradients()
        if clip is not None:
            clip_grad_norm(grads, clip)
        optimizer.step(grads)
        losses.append(loss)
    return losses
