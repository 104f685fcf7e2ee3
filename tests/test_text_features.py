"""The Python-source features (string, comment, bracket depth, column, indentation) against Python's tokenizer."""
import io
import tokenize

import numpy as np
import pytest

from seqlearn.text import corpus_info, load_corpus
from seqlearn.text.features import corpus_features, python_features


def tokenizer_features(source):
    """in_string, in_comment and bracket_depth after each character, from the tokenize module."""
    starts = np.cumsum([0] + [len(line) for line in source.splitlines(keepends=True)])
    offset = lambda pos: starts[pos[0] - 1] + pos[1]
    n = len(source)
    in_string, in_comment, change = np.zeros(n, int), np.zeros(n, int), np.zeros(n, int)
    fstring, strings = [], []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        a, b = offset(tok.start), offset(tok.end)
        name = tokenize.tok_name[tok.type]
        if name == "FSTRING_START":                          # Python 3.12+: f-strings come in pieces
            fstring.append(a)
        elif name == "FSTRING_END":
            start = fstring.pop()
            if not fstring:
                strings.append((start, b))
        elif fstring:
            continue
        elif name == "STRING":
            strings.append((a, b))
        elif name == "COMMENT":
            in_comment[a:b] = 1
        elif name == "OP" and tok.string in "([{":
            change[a] += 1
        elif name == "OP" and tok.string in ")]}":
            change[a] -= 1
    for a, b in strings:
        literal = source[a:b]
        prefix = len(literal) - len(literal.lstrip("rRbBuUfF"))
        in_string[a + prefix:b - 1] = 1                      # through the last closing quote, exclusive
    return in_string, in_comment, np.cumsum(change)


@pytest.mark.parametrize("module", ["argparse.py", "ast.py", "enum.py", "tokenize.py", "uuid.py"])
def test_strings_comments_and_brackets_agree_with_the_tokenizer(module):
    entry = next(f for f in corpus_info()["files"] if f["module"] == module)
    source = load_corpus()[entry["offset"]:entry["offset"] + entry["length"]]
    ours = python_features(source)
    in_string, in_comment, depth = tokenizer_features(source)
    assert in_string.sum() > 1000 and in_comment.sum() > 100
    assert np.array_equal(ours["in_string"], in_string)
    assert np.array_equal(ours["in_comment"], in_comment)
    assert np.array_equal(ours["bracket_depth"], depth)
    assert np.array_equal(ours["in_text"], in_string | in_comment)


def test_each_feature_on_a_small_example():
    text = 'x = f(a, "b(#")  # c\n    if y:\n        s = """q\n\'"""\n'
    f = python_features(text)
    first, second = text.index('"b'), text.index('"""q')
    inside = list(range(first, first + 4)) + list(range(second, text.index("'\"\"\"") + 3))
    assert np.flatnonzero(f["in_string"]).tolist() == inside           # closing quotes are outside
    assert f["in_comment"][text.index("# c")] == 1 and f["in_comment"][text.index("if")] == 0
    assert f["bracket_depth"][text.index("f(") + 1] == 1 and f["bracket_depth"][text.index(")  #")] == 0
    assert f["column"][text.index("if")] == 5 and f["column"][text.index("\n")] == 0
    assert f["indent"][text.index("if")] == 4 and f["indent"][text.index("if") - 1] == 4
    assert f["indent"][text.index("s =")] == 8 and f["indent"][text.index("'\"\"\"")] == 0


def test_corpus_features_scan_each_module_from_its_start():
    text, files = load_corpus(), corpus_info()["files"]
    second, third = files[1], files[2]
    start, stop = second["offset"] + 1000, third["offset"] + 500        # across a module boundary
    got = corpus_features(text, start, stop)
    whole = [python_features(text[f["offset"]:f["offset"] + f["length"]]) for f in (second, third)]
    for name, values in got.items():
        want = np.concatenate([whole[0][name][1000:], whole[1][name][:500]])
        assert np.array_equal(values, want), name
