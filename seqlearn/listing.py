"""Show the package's own source in a chapter, so that prose, code and tests cannot drift apart.

``show_source(fn)`` displays the source of a function, class or method as a highlighted code block
that renders the same in Jupyter, in Colab and in the HTML book (a ``{literalinclude}`` directive
shows as raw text in a notebook). The listing is read from the installed package when the cell
runs, so it is always the code that the chapter's other cells call.
"""
import inspect
import textwrap
from pathlib import Path

PACKAGE_ROOT = Path(__file__).resolve().parent


class Listing:
    """Source text of one object and where it lives; shows as Markdown (a fenced code block)."""

    def __init__(self, obj):
        try:
            lines, _ = inspect.getsourcelines(obj)
            # the file of the function itself, not of a decorator's wrapper (torch.no_grad)
            path = Path(inspect.getsourcefile(inspect.unwrap(obj))).resolve()
        except (TypeError, OSError) as e:
            raise TypeError(f"show_source needs a function, class or method written in Python, "
                            f"got {obj!r}") from e
        self.source = textwrap.dedent("".join(lines)).rstrip("\n")
        try:
            self.where = "seqlearn/" + path.relative_to(PACKAGE_ROOT).as_posix()
        except ValueError:
            self.where = path.name
        self.name = getattr(obj, "__qualname__", getattr(obj, "__name__", repr(obj)))

    @property
    def caption(self):
        return f"`{self.name}` in `{self.where}`"

    def _repr_markdown_(self):
        return f"{self.caption}\n\n```python\n{self.source}\n```"

    def __repr__(self):
        return f"# {self.name} in {self.where}\n{self.source}"


def show_source(*objects):
    """Display the source of each object (function, class, method) as a code block, with its file.

    (No line numbers: they would change whenever code above the object changes.)
    """
    from IPython.display import display
    for obj in objects:
        display(Listing(obj))
