"""Text augmentation: the four operations of EDA (Wei and Zou, 2019) on a sentence.

Sentences (a list of words, or a string split on whitespace) get `synonym_replacement`,
`random_insertion`, `random_swap` and `random_deletion`. The synonyms come from a dict
the caller gives (EDA used WordNet). Every random draw comes from an explicit
``numpy.random.Generator``; each function returns the form it was given (a list of
words, or a string joined back with single spaces).

References: Wei, J., Zou, K. (2019). EDA: Easy Data Augmentation Techniques for Boosting
Performance on Text Classification Tasks. EMNLP. <https://arxiv.org/abs/1901.11196>.
"""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np

from dlref._checks import check_int, check_real
from dlref.data._random import check_generator

__all__ = ["synonym_replacement", "random_insertion", "random_swap", "random_deletion"]


# -- text (EDA) ------------------------------------------------------------------------


def _words(words) -> tuple[list[str], bool]:
    """A sentence as a list of words; ``True`` when it came as a string (to join it
    back)."""
    if isinstance(words, str):
        return words.split(), True
    if not isinstance(words, (list, tuple)) or not all(
        isinstance(w, str) for w in words
    ):
        raise TypeError(
            f"words must be a str or a list of str, got {type(words).__name__}"
            + ("" if not isinstance(words, (list, tuple)) else " with non-str items")
        )
    return list(words), False


def _out(words: list[str], was_string: bool):
    return " ".join(words) if was_string else words


def _synonym_table(synonyms) -> Mapping[str, list[str]]:
    if not isinstance(synonyms, Mapping):
        raise TypeError(
            f"synonyms must be a dict {{word: [synonyms]}}, got "
            f"{type(synonyms).__name__}"
        )
    table = {}
    for word, options in synonyms.items():
        if not isinstance(word, str):
            raise TypeError(
                f"synonyms must map words (str) to lists of str, got the key {word!r}"
            )
        if (
            isinstance(options, str)
            or not isinstance(options, Sequence)
            or not all(isinstance(o, str) for o in options)
        ):
            raise TypeError(
                f"synonyms[{word!r}] must be a list of str, got {options!r}"
            )
        # a word is not its own replacement
        table[word] = [o for o in options if o != word]
    return table


def synonym_replacement(
    words,
    synonyms: Mapping[str, Sequence[str]],
    n: int = 1,
    *,
    generator: np.random.Generator | None = None,
):
    """Replace ``n`` randomly chosen words that have synonyms, each by one of its
    synonyms.

    Positions are drawn without replacement among the words found in ``synonyms`` (leave
    stop words out of the dict); each chosen word gets a synonym drawn uniformly. When
    fewer than ``n`` words have synonyms, all of them are replaced. EDA sets
    $n = \\alpha\\,\\ell$ for a sentence of $\\ell$ words, with $\\alpha \\approx 0.1$.

    Args:
        words: a list of words, or a string (split on whitespace).
        synonyms: ``{word: [synonym, ...]}``.
        n: the number of words to replace, $\\ge 0$.
        generator: a ``numpy.random.Generator`` (``None``: a fresh, unseeded one).

    Returns:
        A new list of words (a string when ``words`` was a string), of the same length.

    References: Wei and Zou (2019), EDA, operation SR.
    """
    words, was_string = _words(words)
    table = _synonym_table(synonyms)
    check_int("n", n, minimum=0)
    rng = check_generator("generator", generator)
    candidates = [i for i, w in enumerate(words) if table.get(w)]
    chosen = (
        rng.choice(candidates, size=min(n, len(candidates)), replace=False)
        if candidates
        else []
    )
    out = list(words)
    for i in chosen:
        options = table[words[i]]
        out[i] = options[rng.integers(len(options))]
    return _out(out, was_string)


def random_insertion(
    words,
    synonyms: Mapping[str, Sequence[str]],
    n: int = 1,
    *,
    generator: np.random.Generator | None = None,
):
    """Insert a synonym of a random word at a random position, ``n`` times.

    Each time: a word that has synonyms is drawn from the current sentence, one of its
    synonyms is drawn, and it is inserted at a position drawn uniformly from the
    $\\ell + 1$ gaps. Without any word that has synonyms the sentence is returned
    unchanged.

    Args:
        words: a list of words, or a string (split on whitespace).
        synonyms: ``{word: [synonym, ...]}``.
        n: the number of insertions, $\\ge 0$.
        generator: a ``numpy.random.Generator`` (``None``: a fresh, unseeded one).

    Returns:
        A new list of words (a string when ``words`` was a string), ``n`` words longer.

    References: Wei and Zou (2019), EDA, operation RI.
    """
    words, was_string = _words(words)
    table = _synonym_table(synonyms)
    check_int("n", n, minimum=0)
    rng = check_generator("generator", generator)
    out = list(words)
    for _ in range(n):
        candidates = [w for w in out if table.get(w)]
        if not candidates:
            break
        options = table[candidates[rng.integers(len(candidates))]]
        out.insert(int(rng.integers(len(out) + 1)), options[rng.integers(len(options))])
    return _out(out, was_string)


def random_swap(words, n: int = 1, *, generator: np.random.Generator | None = None):
    """Swap two words at random positions, ``n`` times.

    Args:
        words: a list of words, or a string (split on whitespace).
        n: the number of swaps, $\\ge 0$.
        generator: a ``numpy.random.Generator`` (``None``: a fresh, unseeded one).

    Returns:
        A new list (or string) with the same words in a new order; unchanged if it has
        fewer than two words.

    References: Wei and Zou (2019), EDA, operation RS.
    """
    words, was_string = _words(words)
    check_int("n", n, minimum=0)
    rng = check_generator("generator", generator)
    out = list(words)
    if len(out) >= 2:
        for _ in range(n):
            i, j = rng.choice(len(out), size=2, replace=False)
            out[i], out[j] = out[j], out[i]
    return _out(out, was_string)


def random_deletion(
    words, p: float = 0.1, *, generator: np.random.Generator | None = None
):
    """Delete each word independently with probability ``p``, keeping at least one word.

    If every word is drawn for deletion, one word chosen uniformly is kept (as EDA
    does), so a non-empty sentence never becomes empty.

    Args:
        words: a list of words, or a string (split on whitespace).
        p: the deletion probability, in $[0, 1]$.
        generator: a ``numpy.random.Generator`` (``None``: a fresh, unseeded one).

    Returns:
        A new list of the kept words in their order (a string when ``words`` was a
        string).

    References: Wei and Zou (2019), EDA, operation RD.
    """
    words, was_string = _words(words)
    check_real("p", p, low=0.0, high=1.0)
    rng = check_generator("generator", generator)
    if not words:
        return _out([], was_string)
    keep = rng.random(len(words)) >= p
    if not keep.any():
        keep[rng.integers(len(words))] = True
    return _out([w for w, k in zip(words, keep) if k], was_string)
