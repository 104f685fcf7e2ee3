"""Build the frozen text corpus of the language-model chapter from CPython 3.11.7's standard library.

    python tools/make_corpus.py            # writes seqlearn/text/data/stdlib.txt.xz and stdlib.json

The corpus is the source of a fixed list of pure-Python, ASCII-only modules, concatenated in the order
below, unchanged (docstrings, comments, indentation and all: the structure the chapter looks for). It
is shipped compressed inside the package with the PSF licence beside it, so that every machine, and
every Python version on Colab, reads the same characters. The sidecar ``stdlib.json`` records the
Python version, each module's offset, length and SHA-256, and the digest of the whole text.

Run it only with CPython 3.11.7 (it refuses otherwise): another version's modules differ.
"""
import hashlib
import json
import lzma
import platform
import shutil
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "seqlearn" / "text" / "data"
PYTHON = "3.11.7"

# Pure-Python modules of the standard library, alphabetical; the split by position (90 / 5 / 5 %)
# puts the last of them into validation and test, so those are files the models never saw.
MODULES = [
    "argparse.py", "ast.py", "base64.py", "bisect.py", "calendar.py", "cmd.py", "code.py",
    "codecs.py", "colorsys.py", "configparser.py", "contextlib.py", "copy.py", "csv.py",
    "dataclasses.py", "enum.py", "fnmatch.py", "gettext.py", "glob.py", "graphlib.py",
    "keyword.py", "linecache.py", "numbers.py", "operator.py", "os.py", "pathlib.py",
    "pprint.py", "queue.py", "random.py", "reprlib.py", "sched.py", "secrets.py", "shutil.py",
    "string.py", "tempfile.py", "textwrap.py", "threading.py", "tokenize.py", "traceback.py",
    "uuid.py", "warnings.py", "weakref.py",
]


def main():
    if platform.python_implementation() != "CPython" or platform.python_version() != PYTHON:
        raise SystemExit(f"run this with CPython {PYTHON} (this is {platform.python_implementation()} "
                         f"{platform.python_version()}): the corpus is that version's standard library")
    lib = Path(sysconfig.get_paths()["stdlib"])
    parts, files, offset = [], [], 0
    for name in MODULES:
        raw = (lib / name).read_bytes()
        text = raw.decode("ascii")                # refuses a module with any non-ASCII byte
        parts.append(text)
        files.append({"module": name, "offset": offset, "length": len(text),
                      "sha256": hashlib.sha256(raw).hexdigest()})
        offset += len(text)
    corpus = "".join(parts)
    OUT.mkdir(parents=True, exist_ok=True)
    data = corpus.encode("ascii")
    # preset 9 and a fixed container: the same bytes on every run
    (OUT / "stdlib.txt.xz").write_bytes(lzma.compress(data, format=lzma.FORMAT_XZ, preset=9))
    meta = {"python": PYTHON, "source": "CPython standard library (Lib/)", "licence": "LICENSE-PSF.txt",
            "characters": len(corpus), "sha256": hashlib.sha256(data).hexdigest(),
            "command": "python tools/make_corpus.py", "files": files}
    (OUT / "stdlib.json").write_text(json.dumps(meta, indent=1) + "\n")
    shutil.copyfile(lib / "LICENSE.txt", OUT / "LICENSE-PSF.txt")
    print(f"{len(MODULES)} modules, {len(corpus):,} characters, "
          f"{(OUT / 'stdlib.txt.xz').stat().st_size:,} bytes compressed")


if __name__ == "__main__":
    main()
