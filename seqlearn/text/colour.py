"""Text coloured by a number per character: how the book shows what one hidden unit does while it reads.

``coloured_html`` returns a self-contained HTML fragment (inline styles only, dark text on a light
background, so it reads the same in Jupyter, in Colab and on the book's light and dark pages);
``ColouredText`` displays it in a notebook with a plain-text description for screen readers and for
nbval. Colours follow Karpathy, Johnson and Fei-Fei (2015): blue for positive, red for negative.
"""
import html

import numpy as np

# a diverging blue-white-red scale (ColorBrewer RdBu, readable with the common colour-vision deficiencies)
NEGATIVE, ZERO, POSITIVE = (178, 24, 43), (255, 255, 255), (33, 102, 172)
LEVELS = 10                                        # shades per side: values are rounded to multiples of 1/10


def colour_of(value):
    """The background colour of ``value`` in [-1, 1] (clipped), as '#rrggbb'."""
    v = float(np.clip(value, -1, 1))
    end = POSITIVE if v >= 0 else NEGATIVE
    rgb = [round(z + abs(v) * (e - z)) for z, e in zip(ZERO, end)]
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def coloured_html(text, values, *, scale=1.0, caption=None):
    """HTML of ``text`` with each character's background coloured by values[i] / scale.

    values: one number per character (for a tanh unit, scale=1). Shades are quantised to LEVELS per
    side and runs of one shade merged into one span, so the fragment stays small.
    """
    values = np.asarray(values, dtype=float)
    if values.shape != (len(text),):
        raise ValueError(f"need one value per character: {len(text)} characters, values of shape {values.shape}")
    shade = np.round(np.clip(values / scale, -1, 1) * LEVELS).astype(int)
    parts, start = [], 0
    for i in range(1, len(text) + 1):
        if i == len(text) or shade[i] != shade[start]:
            piece = html.escape(text[start:i])
            colour = colour_of(shade[start] / LEVELS)
            parts.append(piece if colour == "#ffffff" else f'<span style="background:{colour}">{piece}</span>')
            start = i
    legend = "".join(f'<span style="background:{colour_of(v)}">&nbsp;&nbsp;</span>' for v in np.linspace(-1, 1, 9))
    head = f"<b>{html.escape(caption)}</b><br>" if caption else ""
    return ('<div class="seqlearn-coloured" style="background:#ffffff;color:#1a1a1a;padding:6px 8px;'
            'border:1px solid #cccccc;border-radius:4px;font-size:12px;line-height:1.35">'
            f'{head}<span style="font-size:11px">{-scale:g} {legend} {scale:+g}</span>'
            '<pre style="background:#ffffff;color:#1a1a1a;margin:4px 0 0 0;padding:0;border:0;'
            f'font-size:12px;line-height:1.35;white-space:pre;overflow-x:auto">{"".join(parts)}</pre></div>')


class ColouredText:
    """A coloured text for display: HTML in the notebook and the book, ``alt`` as its plain text."""

    def __init__(self, text, values, alt, **kw):
        if not isinstance(alt, str) or not alt.strip():
            raise ValueError(f"ColouredText needs a description of what it shows, got {alt!r}")
        self.html, self.alt = coloured_html(text, values, **kw), " ".join(alt.split())

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/html": self.html, "text/plain": self.alt}
