"""Diagrams of the book, drawn with matplotlib patches from the code in this folder (no image files).

Each function returns a matplotlib Figure; chapters display it with ``seqlearn.plotting.show`` and an
alt text. One module per family of pictures, all built from the primitives of ``_draw``:

- ``rnn``: the Elman cell folded and unrolled over time, and the five input/output shapes of tasks;
- ``lstm``: one LSTM step with its four gate blocks, the cell path and the output (chapter 4);
- ``gru``: one GRU step with its two gates, the candidate and the blend (chapter 5);
- ``batching``: a padded batch and its PackedSequence (chapter 7), the graph of truncated BPTT
  with and without ``detach`` (chapter 8);
- ``lm``: truncated BPTT over a text stream read as B columns, the state carried between chunks;
- ``seq2seq``: an encoder-decoder unrolled, its bottleneck and teacher forcing (chapter 12), and
  one decoder step with attention over the encoder's states, padding masked (chapter 13);
- ``recurrence``: the linear recurrence as a loop and as a Hillis-Steele scan, and the GRU beside
  minGRU, whose gates read x_t only (chapter 14).
"""
from .batching import packed_sequence, padded_batch, tbptt_graph
from .gru import gru_cell
from .lm import tbptt_stream
from .lstm import lstm_cell
from .recurrence import min_gru_cell, scan_graph
from .rnn import task_shapes, unrolled_rnn
from .seq2seq import attention_step, encoder_decoder

__all__ = ["unrolled_rnn", "task_shapes", "lstm_cell", "gru_cell", "padded_batch", "packed_sequence",
           "tbptt_graph", "tbptt_stream", "encoder_decoder", "attention_step", "scan_graph", "min_gru_cell"]
