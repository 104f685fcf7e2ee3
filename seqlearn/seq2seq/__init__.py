"""Chapters 12 and 13: sequence to sequence on number words -> digits.

- ``numbers``: the task (English and German number words, their digits), seeded and held out;
- ``batch``: vocabularies with PAD = 0, padded batches, the source mask;
- ``models``: the encoder, the decoder (no attention, additive, dot or general), ``build``;
- ``decode``: greedy decoding and beam search with length normalisation;
- ``train``: the masked loss, ``fit`` with teacher forcing or scheduled sampling, the scores;
- ``study``: the committed runs of both chapters and the command that makes them;
- ``report`` and ``figures``: the study's tables and figures, titles and alt texts computed from the runs.

The attention modules themselves are model code and live in ``seqlearn.torch.attention`` (and their
NumPy twins, with hand-written backward passes, in ``seqlearn.numpy.attention``).
"""
