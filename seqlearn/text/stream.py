"""A text as a stream for truncated BPTT: B parallel columns, cut into chunks of k steps (NumPy or torch).

``batchify`` lays the ids of one long text out as B columns side by side, so that row t holds the
t-th character of every column; ``chunks`` walks down the rows k at a time and pairs each chunk of
inputs with its targets, the next characters. A model that carries its state from one chunk to the
next reads every column as one unbroken text.
"""
import numpy as np


def batchify(ids, batch):
    """ids (N,) -> (N // batch, batch): column b is ids[b L : (b + 1) L] with L = N // batch.

    The last N mod batch ids are dropped. Works on NumPy arrays; pass the result to torch.as_tensor
    for a torch model.
    """
    ids = np.asarray(ids)
    L = len(ids) // batch
    if L < 2:
        raise ValueError(f"{len(ids)} ids are too few for {batch} columns of at least 2")
    return ids[:L * batch].reshape(batch, L).T.copy()


def chunks(data, k):
    """Yield (x, y) over the rows of data (T, B): x = data[s : s + k], y = data[s + 1 : s + k + 1].

    Every row but the first is a target exactly once; the last chunk may be shorter than k.
    """
    if k < 1:
        raise ValueError(f"the chunk length k must be at least 1, got {k}")
    for start in range(0, len(data) - 1, k):
        y = data[start + 1:start + k + 1]
        yield data[start:start + len(y)], y


def num_chunks(steps, k):
    """How many chunks ``chunks`` yields for data with ``steps`` rows."""
    return -(-(steps - 1) // k)
