"""Chapter 11's comparison study: which recurrent cell, when?

- ``models``: the four contestants (RNN, LSTM, GRU, BiLSTM) at one parameter budget.
- ``runs``: one training run per task (adding, copy, sunspots, names, character LM), returning
  its numbers and its CPU time.
- ``summary``: mean and spread over seeds, success rates with intervals, variance shares.
- ``study``: the command line that runs the full study and writes ``seqlearn/results/which_cell/``.
"""
