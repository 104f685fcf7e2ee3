"""Text for the language-model chapter: a frozen corpus, its vocabulary, n-gram baselines, char-level LMs.

- ``corpus``: the shipped corpus (CPython 3.11.7's standard-library source) and its split by position;
- ``vocab``: characters to integer ids and back;
- ``ngram``: the unigram and the interpolated Kneser-Ney n-gram baselines (NumPy only);
- ``lm`` (torch) and ``lm_numpy`` (NumPy only): a recurrent character-level language model, trained by
  truncated BPTT over a stream, evaluated in bits per character, and sampled;
- ``features``, ``colour``: what a character position is inside Python source (string, brackets,
  indentation), and text coloured by a unit's activation;
- ``sweep``: the full comparison of cells and depths (``python -m seqlearn.text.sweep``).

Importing ``seqlearn.text`` loads the NumPy-only pieces; the torch ones are imported on their own.
"""
from .corpus import Split, corpus_info, load_corpus, split_by_position
from .vocab import Vocab

__all__ = ["Split", "corpus_info", "load_corpus", "split_by_position", "Vocab"]
