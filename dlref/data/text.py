"""Real labelled text that ships offline, and the steps that turn it into integers.

The corpus is Debian's ``fortunes`` package (the data files of BSD ``fortune``: short
quotations, jokes and sayings sorted by their editors into files such as
``computers``, ``science``, ``politics`` or ``songs-poems``). The file a quotation sits
in is its label, so the package is a small topic-classification data set, and its text
is a character-level language-modelling corpus. Licence: BSD (University of California,
1991, per the package's ``/usr/share/doc/fortunes/copyright``); install it with
``apt-get install fortunes``. Nothing is downloaded at run time.

* Corpus: `load_fortunes` (texts, labels, category names), `fortune_categories`.
* Text to integers: `tokenize` (lower-cased words), `Vocabulary` (token <-> index,
  with padding and unknown tokens), `pad_sequences` (Keras's function: pre or post
  padding and truncation).
"""

from __future__ import annotations

import numbers
import os
import re
from collections import Counter
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from dlref._checks import check_int

__all__ = ["FORTUNES_DIR", "fortune_categories", "load_fortunes", "tokenize",
           "Vocabulary", "pad_sequences"]

FORTUNES_DIR = Path("/usr/share/games/fortunes")
"""Where Debian's ``fortunes`` puts its files (override with ``DLREF_FORTUNES_DIR``)."""

# a run of letters or digits (any script: [^\W_] is a word character other than "_"),
# then optionally an apostrophe and letters ("don't", "o'clock")
_WORD = re.compile(r"[^\W_]+(?:'[^\W\d_]+)?")


def _fortunes_dir(root) -> Path:
    if root is None:
        root = os.environ.get("DLREF_FORTUNES_DIR", FORTUNES_DIR)
    if not isinstance(root, (str, os.PathLike)):
        raise TypeError(f"root must be a path or None, got {type(root).__name__}")
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(
            f"no fortune files in {root}: install Debian's 'fortunes' package "
            "(apt-get install fortunes) or pass root= (or set DLREF_FORTUNES_DIR) to a "
            "folder that holds them")
    return root


def fortune_categories(root=None) -> list[str]:
    """The categories (file names) of the fortune files in ``root``, sorted.

    Args:
        root: the folder of the fortune files; None reads ``DLREF_FORTUNES_DIR`` or
            `FORTUNES_DIR`.

    Returns:
        The names of the files that hold quotations (not the ``.dat`` indexes, not the
        ``.u8`` duplicates, not the offensive section).

    Raises:
        FileNotFoundError: the folder does not exist (the message says what to install).
    """
    root = _fortunes_dir(root)
    return sorted(p.name for p in root.iterdir()
                  if p.is_file() and not p.suffix and p.name != "off")


def _is_index(i) -> bool:
    # an integer index: Python's or NumPy's int, not a bool (which would read as 0 or 1)
    return isinstance(i, numbers.Integral) and not isinstance(i, (bool, np.bool_))


def _index_list(sequence, rule: str) -> list[int]:
    # one sequence of integer indices as a list of ints, else TypeError/ValueError
    # stating ``rule`` (which names the argument) and what came
    if isinstance(sequence, (str, bytes)) or not isinstance(sequence, Iterable):
        raise TypeError(f"{rule}, got {type(sequence).__name__}")
    if isinstance(sequence, np.ndarray) and sequence.ndim != 1:
        raise ValueError(f"{rule}, got an array of shape {sequence.shape}")
    out = list(sequence)
    for i in out:
        if not _is_index(i):
            raise TypeError(f"{rule}, got an element of type {type(i).__name__} "
                            f"({i!r})")
    return [int(i) for i in out]


def _entries(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8", errors="replace")
    entries = re.split(r"^%[ \t]*$", text, flags=re.MULTILINE)
    return [e.strip("\n") for e in entries if e.strip()]


def load_fortunes(
    categories: Sequence[str] | None = None, *, root=None, max_chars: int | None = None
) -> tuple[list[str], np.ndarray, list[str]]:
    """Quotations from Debian's ``fortunes`` package, labelled by the file they are in.

    Each fortune file holds entries separated by lines with a single ``%``; entry
    ``j`` of the file ``categories[k]`` gets the label ``k``. The order is the files'
    order, so split the data with a shuffled (or stratified) split.

    Args:
        categories: the file names to read, e.g. ``["computers", "science"]``; None
            reads every category (see `fortune_categories`).
        root: the folder of the fortune files; None reads ``DLREF_FORTUNES_DIR`` or
            `FORTUNES_DIR`.
        max_chars: drop entries longer than this many characters (None keeps all).

    Returns:
        ``(texts, labels, names)``: the entries as strings, their labels as an int64
        array of the same length, and the category names (``names[label]``).

    Raises:
        FileNotFoundError: the folder is missing (install ``fortunes``) or a category
            has no file (checked for every name before any file is read).
        TypeError: ``categories`` is a string or not a sequence of strings, or
            ``max_chars`` is not an int.
        ValueError: ``categories`` is empty or repeats a name, or ``max_chars < 1``.

    PyTorch equivalent:
        None (torchtext's data sets download; this corpus is a Debian package).

    References:
        Arnold, K. and the BSD contributors, ``fortune(6)`` and its data files (BSD
        licence).
    """
    root = _fortunes_dir(root)
    if categories is None:
        categories = fortune_categories(root)
    if isinstance(categories, (str, bytes)):
        raise TypeError(f"categories must be a sequence of category names, not a "
                        f"string (got {categories!r}; write [{categories!r}])")
    if not isinstance(categories, Iterable):
        raise TypeError(f"categories must be a sequence of category names or None, "
                        f"got {type(categories).__name__}")
    categories = list(categories)
    if not categories:
        raise ValueError("categories must name at least one category")
    for name in categories:
        if not isinstance(name, str):
            raise TypeError(f"categories must hold strings, got {type(name).__name__}")
    if len(set(categories)) != len(categories):
        raise ValueError(f"categories must not repeat a name, got {categories}")
    if max_chars is not None:
        check_int("max_chars", max_chars, minimum=1)
    known = fortune_categories(root)
    for name in categories:
        if name not in known:   # also refuses the binary .dat indexes and the .u8 links
            raise FileNotFoundError(f"no fortune file {name!r} in {root} "
                                    f"(known: {', '.join(known)})")
    texts, labels = [], []
    for k, name in enumerate(categories):
        for entry in _entries(root / name):
            if max_chars is None or len(entry) <= max_chars:
                texts.append(entry)
                labels.append(k)
    return texts, np.asarray(labels, dtype=np.int64), categories


def tokenize(text: str) -> list[str]:
    """Lower-cased words: runs of letters and digits, with an apostrophe suffix kept.

    ``"Don't panic: 42 towels!"`` gives ``["don't", "panic", "42", "towels"]``.
    Punctuation (the underscore included) is dropped; letters of every script count
    (``"Café"`` gives ``["café"]``). Simple on purpose: a classifier page needs a
    tokenizer a reader can check by eye, not a linguistically careful one.

    Args:
        text: the string to split.

    Returns:
        The list of tokens.

    Raises:
        TypeError: ``text`` is not a string.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    return _WORD.findall(text.lower())


class Vocabulary:
    """A token <-> index table with a padding index 0 and an unknown-token index 1.

    Built from the training texts only (tokens seen in validation or test data but not
    in training map to ``<unk>``), keeping the ``max_size`` most frequent tokens that
    occur at least ``min_freq`` times; ties are broken by first occurrence, so the table
    is the same on every run.

    Args:
        token_lists: an iterable of token lists (e.g. ``[tokenize(t) for t in texts]``).
        max_size: the largest number of entries, the two special ones included (None: no
            limit).
        min_freq: the smallest count a token needs to get its own index.

    Raises:
        TypeError: ``token_lists`` is not an iterable of token lists, a token is not a
            string, or ``max_size``/``min_freq`` is not an int.
        ValueError: ``max_size < 2`` or ``min_freq < 1``.

    ``encode`` raises TypeError for a token that is not a string (it would otherwise map
    to ``<unk>`` silently); ``decode`` raises TypeError for an index that is not an int
    and ValueError for one out of range.

    PyTorch equivalent:
        None in torch itself (torchtext's ``vocab`` is similar; Keras's ``Tokenizer``
        and ``TextVectorization`` also reserve 0 for padding and 1 for unknown tokens).

    Example:
        >>> vocab = Vocabulary([["a", "b", "a"], ["c"]])
        >>> vocab.encode(["a", "c", "zebra"])
        [2, 4, 1]
    """

    PAD, UNK = "<pad>", "<unk>"
    pad_index, unk_index = 0, 1

    def __init__(self, token_lists: Iterable[Sequence[str]],
                 max_size: int | None = None, min_freq: int = 1):
        if max_size is not None:
            check_int("max_size", max_size, minimum=2)
        check_int("min_freq", min_freq, minimum=1)
        if (isinstance(token_lists, (str, bytes))
                or not isinstance(token_lists, Iterable)):
            raise TypeError(f"token_lists must be an iterable of token lists, "
                            f"got {type(token_lists).__name__}")
        counts: Counter = Counter()
        for tokens in token_lists:
            if isinstance(tokens, str):
                raise TypeError("token_lists must hold lists of tokens, got a string "
                                "(split it first, e.g. with tokenize)")
            if not isinstance(tokens, Iterable):
                raise TypeError(f"token_lists must hold lists of tokens, "
                                f"got {type(tokens).__name__}")
            tokens = list(tokens)
            for token in tokens:
                if not isinstance(token, str):
                    raise TypeError(f"token_lists must hold lists of strings, got a "
                                    f"token of type {type(token).__name__}")
            counts.update(tokens)
        # most frequent first, ties in first-occurrence order (most_common's sort is
        # stable); a token spelt like a special one does not get a second index
        kept = [t for t, c in counts.most_common()
                if c >= min_freq and t not in (self.PAD, self.UNK)]
        if max_size is not None:
            kept = kept[:max_size - 2]
        self.itos = [self.PAD, self.UNK] + kept
        self.stoi = {t: i for i, t in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, tokens: Sequence[str]) -> list[int]:
        """The indices of ``tokens`` (``unk_index`` for a token not in the table)."""
        if isinstance(tokens, str):
            raise TypeError("tokens must be a list of tokens, not a string "
                            "(use tokenize)")
        if not isinstance(tokens, Iterable):
            raise TypeError(f"tokens must be a list of tokens, "
                            f"got {type(tokens).__name__}")
        tokens = list(tokens)
        for t in tokens:
            if not isinstance(t, str):
                raise TypeError(f"tokens must hold strings, got {type(t).__name__} "
                                f"({t!r})")
        return [self.stoi.get(t, self.unk_index) for t in tokens]

    def decode(self, indices: Iterable[int]) -> list[str]:
        """The tokens of ``indices``; padding is dropped."""
        indices = _index_list(indices, "indices must be a 1-D sequence of int indices")
        for i in indices:
            if not 0 <= i < len(self.itos):
                raise ValueError(f"indices must be in [0, {len(self)}) for a "
                                 f"vocabulary of {len(self)} entries, got {i}")
        return [self.itos[i] for i in indices if i != self.pad_index]


def pad_sequences(sequences: Sequence[Sequence[int]], maxlen: int | None = None, *,
                  padding: str = "pre", truncating: str = "pre",
                  value: int = 0) -> np.ndarray:
    """Lists of indices to one ``(N, maxlen)`` int64 array: Keras's ``pad_sequences``.

    A sequence longer than ``maxlen`` loses its first (``truncating="pre"``) or last
    (``"post"``) elements; a shorter one gets ``value`` before (``padding="pre"``) or
    after (``"post"``) it. Keras's defaults are ``"pre"`` for both, so that the last
    steps an LSTM reads are real tokens; with ``"post"`` padding, read the state at each
    sequence's last real step instead of the final one (or pack the sequences).

    Args:
        sequences: N sequences of ints.
        maxlen: the output length; None uses the longest sequence.
        padding: ``"pre"`` or ``"post"``.
        truncating: ``"pre"`` or ``"post"``.
        value: the padding index.

    Returns:
        An int64 array of shape ``(N, maxlen)``.

    Raises:
        TypeError: ``maxlen`` or ``value`` is not an int, or ``sequences`` does not hold
            sequences of ints (a float index would otherwise be truncated silently).
        ValueError: ``padding``/``truncating`` is not ``"pre"`` or ``"post"``,
            ``maxlen < 1``, ``sequences`` holds an array that is not 1-D, or
            ``sequences`` is empty with ``maxlen=None``.

    PyTorch equivalent:
        ``torch.nn.utils.rnn.pad_sequence`` pads after (like ``padding="post"``) to the
        longest sequence and does not truncate.
    """
    for name, mode in (("padding", padding), ("truncating", truncating)):
        if mode not in ("pre", "post"):
            raise ValueError(f"{name} must be 'pre' or 'post', got {mode!r}")
    check_int("value", value)
    if isinstance(sequences, (str, bytes)) or not isinstance(sequences, Iterable):
        raise TypeError(f"sequences must be a sequence of integer sequences, "
                        f"got {type(sequences).__name__}")
    if isinstance(sequences, np.ndarray) and sequences.ndim != 2:
        raise ValueError(f"sequences must be a list of 1-D index sequences or a 2-D "
                         f"array, got an array of shape {sequences.shape}")
    rule = "sequences must hold 1-D sequences of int indices"
    sequences = [_index_list(s, rule) for s in sequences]
    if maxlen is None:
        if not sequences:
            raise ValueError("sequences is empty: pass maxlen to get an empty "
                             "(0, maxlen) array")
        maxlen = max(1, max(len(s) for s in sequences))
    else:
        check_int("maxlen", maxlen, minimum=1)
    out = np.full((len(sequences), maxlen), value, dtype=np.int64)
    for i, s in enumerate(sequences):
        s = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        if not s:
            continue
        if padding == "pre":
            out[i, maxlen - len(s):] = s
        else:
            out[i, :len(s)] = s
    return out
