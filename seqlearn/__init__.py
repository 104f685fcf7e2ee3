"""seqlearn: recurrent sequence models (RNN, LSTM, GRU) written from scratch.

Two backends mirror ``torch.nn``'s API and parameter names, so one ``state_dict``
drives all three implementations:

- ``seqlearn.numpy``: NumPy only, with backpropagation through time written by hand;
- ``seqlearn.torch``: ``torch.nn.Module``s built from the gate equations (autograd, CPU or CUDA).

Importing ``seqlearn`` loads neither backend, seeds nothing and touches no GPU.
"""

__version__ = "0.1.0"
