"""Bad inputs to dlref.data.text (the fortunes corpus, tokenize, Vocabulary, pad_sequences).

`pad_sequences` without ``maxlen`` does what ``torch.nn.utils.rnn.pad_sequence`` does
(``batch_first=True``; ``padding="pre"`` is ``padding_side="left"``), so torch judges it.
The rest has no reference library (torch has no corpus reader, tokenizer or vocabulary),
so every hostile call must raise ``ValueError`` or ``TypeError`` naming an argument unless
`Case.accepts` lists it as fine, with the reason beside it. The corpus cases read a tiny
fake fortunes folder, so they run where Debian's ``fortunes`` is not installed. A missing
folder or category is a ``FileNotFoundError`` (the message says what to install), tested
in tests/data/test_text.py.
"""

import atexit
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch

from badinput.framework import Case, check_valid_call, expand, ids, judge, keep
from dlref.data import text

FAKE = Path(tempfile.mkdtemp(prefix="dlref-fortunes-"))
atexit.register(shutil.rmtree, FAKE, ignore_errors=True)
(FAKE / "alpha").write_text("first alpha\n%\nsecond alpha, longer\n%\n")
(FAKE / "beta").write_text("one beta\n%\ntwo beta\n")

VOCAB = text.Vocabulary([["b", "a", "b"], ["c"]])
SEQS = [np.array([1, 2, 3]), np.array([4]), np.array([5, 6])]

# -- the corpus -------------------------------------------------------------------------------

ROOT_EXTRAS = [("root=5", {"root": 5}), ("root=1.5", {"root": 1.5}), ("root=list", {"root": [str(FAKE)]}),
               ("root=bytes", {"root": bytes(FAKE)})]

CORPUS_CASES = [
    Case("dlref.data.text.fortune_categories", text.fortune_categories, dict(root=FAKE), hostile=(),
         extra=ROOT_EXTRAS + [("root=str", {"root": str(FAKE)})],
         accepts=("root=str",)),   # a str path is a path
    Case("dlref.data.text.load_fortunes", text.load_fortunes, dict(categories=["alpha", "beta"], root=FAKE),
         hostile=(), extra=ROOT_EXTRAS + [
             ("categories='alpha'", {"categories": "alpha"}), ("categories=b'alpha'", {"categories": b"alpha"}),
             ("categories=5", {"categories": 5}), ("categories=[]", {"categories": []}),
             ("categories=repeated", {"categories": ["alpha", "alpha"]}),
             ("categories=[1]", {"categories": [1]}), ("categories=[None]", {"categories": [None]}),
             ("categories=[['alpha']]", {"categories": [["alpha"]]}),
             ("categories=[alpha, 1]", {"categories": ["alpha", 1]}),
             ("categories=array", {"categories": np.array(["alpha", "beta"])}),
             ("categories=tuple", {"categories": ("beta", "alpha")}),
             ("categories=None", {"categories": None}),
             ("max_chars=0", {"max_chars": 0}), ("max_chars=-5", {"max_chars": -5}),
             ("max_chars=1.5", {"max_chars": 1.5}), ("max_chars=True", {"max_chars": True}),
             ("max_chars='10'", {"max_chars": "10"}), ("max_chars=1", {"max_chars": 1}),
             ("max_chars=int64", {"max_chars": np.int64(12)})],
         # a tuple and a NumPy array of str are sequences of names (np.str_ is a str); None
         # reads every category; max_chars=1 keeps nothing (empty results); NumPy ints are ints
         accepts=("categories=tuple", "categories=array", "categories=None", "max_chars=1",
                  "max_chars=int64")),
]

# -- tokenize and Vocabulary ------------------------------------------------------------------

TOKEN_LISTS_EXTRAS = [
    ("token_lists='ab'", {"token_lists": "ab"}), ("token_lists=None", {"token_lists": None}),
    ("token_lists=5", {"token_lists": 5}), ("token_lists=[strings]", {"token_lists": ["ab", "c"]}),
    ("token_lists=[[1]]", {"token_lists": [[1]]}), ("token_lists=[5]", {"token_lists": [5]}),
    ("token_lists=[[None]]", {"token_lists": [["a", None]]}), ("token_lists=[]", {"token_lists": []}),
    ("token_lists=generator", {"token_lists": (t for t in [["a"], ["b"]])}),
    ("token_lists=tuples", {"token_lists": (("a", "b"), ("b",))}),
    ("max_size=1", {"max_size": 1}), ("max_size=0", {"max_size": 0}), ("max_size=2.0", {"max_size": 2.0}),
    ("max_size=True", {"max_size": True}), ("max_size='3'", {"max_size": "3"}), ("max_size=2", {"max_size": 2}),
    ("min_freq=0", {"min_freq": 0}), ("min_freq=-1", {"min_freq": -1}), ("min_freq=None", {"min_freq": None}),
    ("min_freq=1.0", {"min_freq": 1.0}), ("min_freq=100", {"min_freq": 100}),
]

INDICES = np.array([2, 3, 0, 4])

TEXT_CASES = [
    Case("dlref.data.text.tokenize", text.tokenize, dict(text="Don't panic!"), hostile=(),
         extra=[("text=None", {"text": None}), ("text=5", {"text": 5}), ("text=bytes", {"text": b"abc"}),
                ("text=list", {"text": ["a b"]}), ("text=array", {"text": np.array(["a b"])}),
                ("text=''", {"text": ""}), ("text=punctuation", {"text": "!?%"})],
         accepts=("text=''", "text=punctuation")),     # no words: an empty token list
    Case("dlref.data.text.Vocabulary", lambda token_lists, **kw: text.Vocabulary(token_lists, **kw).itos,
         dict(token_lists=[["b", "a", "b"], ["c"]]), hostile=(), extra=TOKEN_LISTS_EXTRAS,
         # empty input gives the two special entries; any iterable of token sequences is fine;
         # max_size=2 keeps only the specials, min_freq=100 too
         accepts=("token_lists=[]", "token_lists=generator", "token_lists=tuples", "max_size=2", "min_freq=100"),
         aliases=("tokens",)),
    Case("dlref.data.text.Vocabulary", lambda tokens: VOCAB.encode(tokens), dict(tokens=["a", "zebra"]),
         hostile=(), id="Vocabulary-encode",
         extra=[("tokens='a b'", {"tokens": "a b"}), ("tokens=None", {"tokens": None}), ("tokens=5", {"tokens": 5}),
                ("tokens=[1]", {"tokens": [1]}), ("tokens=[a, None]", {"tokens": ["a", None]}),
                ("tokens=[[a]]", {"tokens": [["a"]]}), ("tokens=[]", {"tokens": []}),
                ("tokens=tuple", {"tokens": ("a", "b")}), ("tokens=array", {"tokens": np.array(["a", "b"])})],
         # no tokens, a tuple of tokens, a NumPy array of str (np.str_ is a str)
         accepts=("tokens=[]", "tokens=tuple", "tokens=array")),
    # the generated variants of an int array: None, list, one dimension more or fewer, empty,
    # one entry more (a zero: padding)
    Case("dlref.data.text.Vocabulary", lambda indices: VOCAB.decode(indices), dict(indices=INDICES),
         id="Vocabulary-decode",
         extra=[("indices=[9]", {"indices": [9]}), ("indices=[5]", {"indices": [5]}),
                ("indices=[-1]", {"indices": [-1]}), ("indices=[1.0]", {"indices": [1.0]}),
                ("indices=float array", {"indices": INDICES.astype(np.float64)}),
                ("indices=['a']", {"indices": ["a"]}), ("indices='23'", {"indices": "23"}),
                ("indices=[True]", {"indices": [True]}), ("indices=[None]", {"indices": [None]}),
                ("indices=5", {"indices": 5}), ("indices=int32", {"indices": INDICES.astype(np.int32)}),
                ("indices=tensor", {"indices": torch.tensor([2, 3])})],
         # a list or an empty array of ints, one more padding index, any integer dtype; a torch
         # tensor is refused (TypeError): its elements are 0-d tensors, not ints
         accepts=("list", "empty", "wrong_size", "indices=int32")),
]

# -- pad_sequences ----------------------------------------------------------------------------

FEATURES = ("dlref's pad_sequences takes sequences of integer indices only (a TypeError/ValueError "
            "naming sequences); torch's pad_sequence also pads floats and sequences of vectors")


def pad_reference(sequences, padding="post", value=0):
    """torch.nn.utils.rnn.pad_sequence as pad_sequences without maxlen: batch-first, to the longest."""
    side = {"pre": "left", "post": "right"}[padding]
    tensors = sequences if isinstance(sequences, torch.Tensor) else [torch.as_tensor(s) for s in sequences]
    return torch.nn.utils.rnn.pad_sequence(tensors, batch_first=True, padding_value=value, padding_side=side)


def pad_ours(sequences, padding="post", value=0):
    return text.pad_sequences(sequences, padding=padding, value=value)


PAD_CASES = [
    # a 2-D array is N sequences of one length; its generated variants (None, list, 3-D, 1-D,
    # empty, one step more) go to both libraries
    Case("dlref.data.text.pad_sequences", pad_ours, dict(sequences=np.array([[1, 2, 3], [4, 5, 6]]), padding="post"),
         reference=pad_reference, convert=keep, id="pad_sequences-torch",
         stricter={"extra_dim": FEATURES, "sequences=floats": FEATURES, "sequences=vectors": FEATURES,
                   "sequences=bool": FEATURES},
         extra=[("sequences=ragged", {"sequences": [[1, 2, 3], [4]]}),
                ("sequences=ragged arrays", {"sequences": SEQS}),
                ("sequences=ragged pre", {"sequences": SEQS, "padding": "pre"}),
                ("sequences=one", {"sequences": [[7]]}),
                ("sequences=floats", {"sequences": [[1.5, 2.0], [3.0]]}),
                ("sequences=bool", {"sequences": [[True, False]]}),
                ("sequences=vectors", {"sequences": [np.ones((2, 3), dtype=np.int64)]}),
                ("sequences=strings", {"sequences": [["a", "b"]]}),
                ("sequences=scalars", {"sequences": [1, 2]}),
                ("sequences=[]", {"sequences": []}),
                ("value=-1", {"value": -1}), ("value=7", {"value": 7})]),
    Case("dlref.data.text.pad_sequences",
         lambda sequences, **kw: text.pad_sequences(sequences, **kw), dict(sequences=SEQS, maxlen=2),
         hostile=(), id="pad_sequences-maxlen",
         extra=[("maxlen=0", {"maxlen": 0}), ("maxlen=-1", {"maxlen": -1}), ("maxlen=1.5", {"maxlen": 1.5}),
                ("maxlen='2'", {"maxlen": "2"}), ("maxlen=True", {"maxlen": True}),
                ("maxlen=1", {"maxlen": 1}), ("maxlen=100", {"maxlen": 100}),
                ("maxlen=int64", {"maxlen": np.int64(2)}), ("maxlen=None", {"maxlen": None}),
                ("padding='both'", {"padding": "both"}), ("padding=None", {"padding": None}),
                ("padding='PRE'", {"padding": "PRE"}), ("truncating='mid'", {"truncating": "mid"}),
                ("truncating=1", {"truncating": 1}), ("truncating='post'", {"truncating": "post"}),
                ("value=0.5", {"value": 0.5}), ("value=None", {"value": None}), ("value='0'", {"value": "0"}),
                ("sequences=None", {"sequences": None}), ("sequences='abc'", {"sequences": "abc"}),
                ("sequences=5", {"sequences": 5}), ("sequences=[]", {"sequences": []}),
                ("sequences=[[None]]", {"sequences": [[None]]}),
                ("sequences=3-D array", {"sequences": np.zeros((2, 2, 2), dtype=np.int64)}),
                ("sequences=[[]]", {"sequences": [[]]})],
         # every maxlen >= 1 (a NumPy int included) and None are fine, so is truncating='post';
         # an empty list with maxlen gives a (0, maxlen) array; [[]] gives one row of padding
         accepts=("maxlen=1", "maxlen=100", "maxlen=int64", "maxlen=None", "truncating='post'", "sequences=[]",
                  "sequences=[[]]")),
]

CASES = CORPUS_CASES + TEXT_CASES + PAD_CASES
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("case", CASES, ids=[c.id or c.name.split(".")[-1] for c in CASES])
def test_valid_call(case):
    check_valid_call(case)


def test_the_torch_reference_pads_like_keras_pre_and_post():
    """The reference itself: torch's left padding is Keras's "pre", right padding "post"."""
    ragged = [[1, 2, 3], [4]]
    np.testing.assert_array_equal(pad_reference(ragged, "pre").numpy(), text.pad_sequences(ragged))
    np.testing.assert_array_equal(pad_reference(ragged, "post").numpy(), text.pad_sequences(ragged, padding="post"))
