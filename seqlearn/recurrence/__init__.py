"""Chapter 14, "Recurrence today": the studies and measurements behind it.

- ``study``: minGRU and minLSTM against the GRU and LSTM at matched parameters (adding, copy,
  chapter 9's text), writing ``seqlearn/results/recurrence_today/``.
- ``cost``: the linear recurrence's four schedules, and one training step of each cell, timed
  against the sequence length.
- ``streaming``: the memory and time of one new token for a recurrent state and for attention
  over a growing context.
- ``report`` and ``figures``: the chapter's tables and plots, drawn from those results.

The models themselves (scans, minGRU/minLSTM, the LRU, the sLSTM) live in ``seqlearn.torch`` and
``seqlearn.numpy``.
"""
