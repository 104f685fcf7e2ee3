"""The task of chapters 12 and 13: a number written in English or German words -> its digits.

"three hundred and forty two" -> "342", "drei hundert zwei und vierzig" -> "342". The source is a
sequence of words (German compounds split at their parts, so "zweiundvierzig" is "zwei und
vierzig"), the target a sequence of digits. The task has what translation has, on a scale a laptop
trains in minutes: variable lengths on both sides, two languages for one meaning, several surface
forms for one number ("and" or not, "ein hundert" or "hundert"), and a word order that is not the
output's order (German says the ones before the tens). Correctness is exact: the digits are right or
they are not.
"""
import numpy as np

LANGUAGES = ("en", "de")

EN_ONES = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
           "fifteen sixteen seventeen eighteen nineteen").split()
EN_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()
DE_ONES = ("null eins zwei drei vier fünf sechs sieben acht neun zehn elf zwölf dreizehn vierzehn "
           "fünfzehn sechzehn siebzehn achtzehn neunzehn").split()
DE_TENS = "_ _ zwanzig dreißig vierzig fünfzig sechzig siebzig achtzig neunzig".split()


def _english_below_1000(n, use_and):
    words = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += [EN_ONES[hundreds], "hundred"]
        if rest and use_and:
            words.append("and")
    if rest >= 20:
        words.append(EN_TENS[rest // 10])
        if rest % 10:
            words.append(EN_ONES[rest % 10])
    elif rest:
        words.append(EN_ONES[rest])
    return words


def _german_below_1000(n, short_ein, final):
    """German 1..999; "ein" in compounds, "eins" only when it ends the number (final)."""
    words = []
    hundreds, rest = divmod(n, 100)
    if hundreds:
        words += ([] if hundreds == 1 and short_ein else ["ein" if hundreds == 1 else DE_ONES[hundreds]])
        words.append("hundert")
    ones, tens = rest % 10, rest // 10
    if rest >= 20:
        if ones:
            words += ["ein" if ones == 1 else DE_ONES[ones], "und"]
        words.append(DE_TENS[tens])
    elif rest == 1:
        words.append("eins" if final else "ein")
    elif rest:
        words.append(DE_ONES[rest])
    return words


def to_words(n, lang="en", *, rng=None):
    """The words of 0 <= n < 10**12 in ``lang`` ("en" or "de"), a list of str.

    rng: a NumPy Generator that picks among the surface forms (English "and" after "hundred",
    German "ein hundert" or "hundert", "ein tausend" or "tausend"); None picks the first form,
    English without "and" and German with "ein".
    """
    n = int(n)
    if lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {LANGUAGES}; got {lang!r}")
    if not 0 <= n < 10**12:
        raise ValueError(f"n must be in [0, 10**12); got {n}")
    variant = bool(rng.integers(2)) if rng is not None else False
    if n == 0:
        return [EN_ONES[0] if lang == "en" else DE_ONES[0]]
    groups = [(n // 10**9) % 1000, (n // 10**6) % 1000, (n // 1000) % 1000, n % 1000]
    words = []
    if lang == "en":
        for value, scale in zip(groups, ("billion", "million", "thousand", None)):
            if value:
                words += _english_below_1000(value, use_and=variant)
                words += [scale] if scale else []
        return words
    for k, (value, scale) in enumerate(zip(groups, ("milliarde", "million", "tausend", None))):
        if not value:
            continue
        if scale in ("milliarde", "million"):
            # eine Million, zwei Millionen: a noun with an article and a plural
            words += ["eine"] if value == 1 else _german_below_1000(value, False, final=False)
            words.append(scale if value == 1 else scale + ("n" if scale == "milliarde" else "en"))
        elif scale == "tausend":
            words += [] if value == 1 and variant else _german_below_1000(value, variant, final=False)
            words.append("tausend")
        else:
            words += _german_below_1000(value, variant, final=True)
    return words


def parse(words):
    """The number that English or German ``words`` spell: the rule-based solution of the task.

    A hand-written reader of some twenty lines that is right on every number ``to_words`` writes; it is the
    ceiling against which the chapters' learned models are read (they learn the same map from
    examples alone, as a translation model must).
    """
    value = {w: i for i, w in enumerate(EN_ONES)} | {w: i for i, w in enumerate(DE_ONES)}
    for tens in (EN_TENS, DE_TENS):
        value |= {w: 10 * i for i, w in enumerate(tens) if w != "_"}
    value |= {"ein": 1, "eine": 1}
    scale = {"thousand": 10**3, "million": 10**6, "billion": 10**9, "tausend": 10**3,
             "millionen": 10**6, "milliarde": 10**9, "milliarden": 10**9}
    total = group = 0
    for w in words:
        if w in ("and", "und"):
            continue
        if w in ("hundred", "hundert"):
            group = 100 * (group or 1)            # German "hundert" alone is one hundred
        elif w in scale:
            total, group = total + (group or 1) * scale[w], 0
        elif w in value:
            group += value[w]
        else:
            raise ValueError(f"not a number word of this task: {w!r}")
    return total + group


def sample_number(rng, max_digits=9, zero_group=0.3):
    """A number with 1..max_digits digits (the count uniform), each 3-digit group below the
    leading one set to zero with probability zero_group, so that "two million and five" occurs."""
    d = int(rng.integers(1, max_digits + 1))
    n = int(rng.integers(0 if d == 1 else 10 ** (d - 1), 10**d))
    for k in range(3, d, 3):
        if rng.random() < zero_group:
            n -= (n // 10**(k - 3) % 1000) * 10**(k - 3)
    return n


def make_pairs(count, rng, *, max_digits=9, languages=LANGUAGES, exclude=(), max_source=None,
               min_source=0):
    """``count`` distinct (source words, target digits) pairs, both tuples of str.

    exclude: source tuples that must not occur (a held-out set). min_source/max_source: keep only
    sources of that many words (inclusive), for a length split. Raises when the space runs dry.
    """
    excluded, pairs, tries = set(exclude), {}, 0
    while len(pairs) < count:
        tries += 1
        if tries > 50 * count + 1000:
            raise ValueError(f"found only {len(pairs)} distinct pairs of the {count} asked for; "
                             "widen max_digits or the source lengths")
        n = sample_number(rng, max_digits)
        lang = languages[int(rng.integers(len(languages)))]
        source = tuple(to_words(n, lang, rng=rng))
        if source in excluded or source in pairs or not min_source <= len(source) <= (max_source or 10**9):
            continue
        pairs[source] = tuple(str(n))
    return list(pairs.items())
