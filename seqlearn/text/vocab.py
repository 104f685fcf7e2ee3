"""Characters to integer ids and back: the vocabulary of a character-level language model."""
import numpy as np


class Vocab:
    """A sorted set of characters; id j stands for ``chars[j]``. Built from training text only."""

    def __init__(self, chars):
        self.chars = sorted(set(chars))
        if not self.chars:
            raise ValueError("a vocabulary needs at least one character")
        self._codes = np.array([ord(c) for c in self.chars], dtype=np.int64)   # sorted code points

    @classmethod
    def from_text(cls, text):
        """The vocabulary of every distinct character in ``text``."""
        return cls(text)

    def __len__(self):
        return len(self.chars)

    def __repr__(self):
        return f"Vocab({len(self)} characters)"

    def encode(self, text):
        """text (a str of length N) -> ids (N,) int64; raises ValueError naming unknown characters."""
        codes = np.frombuffer(text.encode("utf-32-le"), dtype="<u4").astype(np.int64)
        ids = np.searchsorted(self._codes, codes)
        ids = np.minimum(ids, len(self.chars) - 1)
        unknown = self._codes[ids] != codes
        if unknown.any():
            missing = sorted({chr(c) for c in codes[unknown]})
            raise ValueError(f"{int(unknown.sum())} characters are not in the vocabulary: {missing!r}")
        return ids

    def decode(self, ids):
        """ids (any shape of integers in [0, len)) -> the string of their characters, in order."""
        return "".join(self.chars[i] for i in np.asarray(ids).ravel())
