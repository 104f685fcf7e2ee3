"""Diagrams of the book, drawn with matplotlib patches from the code in this folder (no image files).

Each function returns a matplotlib Figure; chapters display it with ``seqlearn.plotting.show`` and an
alt text. One module per family of pictures, all built from the primitives of ``_draw``:

- ``rnn``: the Elman cell folded and unrolled over time, and the five input/output shapes of tasks;
- ``lm``: truncated BPTT over a text stream read as B columns, the state carried between chunks.
"""
from .lm import tbptt_stream
from .rnn import task_shapes, unrolled_rnn

__all__ = ["unrolled_rnn", "task_shapes", "tbptt_stream"]
