"""What each character position is inside Python source: in a string, in a comment, how deep in brackets,
where in its line, how far indented. The quantities a recurrent state must track to predict code.

``python_features(text)`` scans the text once, as Python's tokenizer would (quotes and triple quotes,
backslash escapes, comments, brackets), and returns one value per character: the situation *after*
reading that character, which is what a language model's state holds at that position.
"""
import numpy as np

from .corpus import module_bounds

FEATURES = ("in_string", "in_comment", "in_text", "bracket_depth", "column", "indent")


def python_features(text):
    """A dict of arrays (len(text),), one per name in FEATURES: the state after each character.

    in_string: 1 from the first character of a literal's opening quotes to the one before its last
    closing quote (the whole literal, f-strings included; prefixes such as r or f are outside).
    in_comment: 1 from ``#`` to the end of its line. in_text: 1 in either, text written for
    people rather than for the interpreter. bracket_depth: brackets opened and not yet
    closed, outside strings and comments. column: characters since the last newline (0 right after
    it). indent: spaces at the start of the current line, counted as they are read. The scan never
    fails: a quote left open on a line of its own ends with the line, a triple quote runs on.
    """
    n = len(text)
    out = {name: np.zeros(n, np.int64) for name in FEATURES}
    line = {"column": 0, "indent": 0, "leading": True}
    depth, quote, comment = 0, None, False

    def emit(j, inside):
        """Record the state after character j."""
        if text[j] == "\n":
            line.update(column=0, indent=0, leading=True)
        else:
            line["column"] += 1
            if line["leading"] and text[j] == " ":
                line["indent"] += 1
            else:
                line["leading"] = False
        out["in_string"][j], out["in_comment"][j] = inside, comment
        out["bracket_depth"][j], out["column"][j], out["indent"][j] = depth, line["column"], line["indent"]

    i = 0
    while i < n:
        ch = text[i]
        if quote is not None:                              # inside a literal
            if ch == "\\" and i + 1 < n:                   # an escape: two characters, both inside
                emit(i, True)
                emit(i + 1, True)
                i += 2
            elif text.startswith(quote, i):                # the closing quotes: the last one is outside
                m = len(quote)
                for j in range(i, i + m - 1):
                    emit(j, True)
                emit(i + m - 1, False)
                quote = None
                i += m
            elif ch == "\n" and len(quote) == 1:           # unterminated one-line string
                quote = None
                emit(i, False)
                i += 1
            else:
                emit(i, True)
                i += 1
            continue
        if comment and ch == "\n":
            comment = False
        elif not comment:
            if ch == "#":
                comment = True
            elif ch in "'\"":
                quote = ch * 3 if text.startswith(ch * 3, i) else ch
                for j in range(i, i + len(quote)):
                    emit(j, True)
                i += len(quote)
                continue
            elif ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth = max(depth - 1, 0)
        emit(i, False)
        i += 1
    out["in_text"] = out["in_string"] | out["in_comment"]
    return out


def corpus_features(text, start, stop):
    """python_features of the corpus ``text`` for positions start .. stop-1.

    The scan begins at the start of the module that holds ``start``, so that a string or a bracket
    opened before ``start`` is known; modules are scanned one after the other.
    """
    out, a = {name: [] for name in FEATURES}, start
    while a < stop:
        first, last = module_bounds(a)
        f = python_features(text[first:min(last, stop)])
        for name in FEATURES:
            out[name].append(f[name][a - first:])
        a = min(last, stop)
    return {name: np.concatenate(parts) for name, parts in out.items()}
