"""dlref.data.text: the fortunes corpus, tokenize, Vocabulary and pad_sequences.

`load_fortunes` is checked on a tiny fake fortunes folder (made in ``tmp_path``, so every
entry and label is known) and, where Debian's ``fortunes`` package is installed, on the real
one. `pad_sequences` is compared with arrays written out by hand from Keras's documented
semantics (``keras.utils.pad_sequences``: pre/post padding, pre/post truncating, the longest
sequence when ``maxlen`` is None) and with ``torch.nn.utils.rnn.pad_sequence``.
"""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.data import text
from dlref.data.text import Vocabulary, fortune_categories, load_fortunes, pad_sequences, tokenize

INSTALLED = text.FORTUNES_DIR.is_dir()
needs_fortunes = pytest.mark.skipif(not INSTALLED, reason="Debian's fortunes package is not installed "
                                                          "(apt-get install fortunes)")


@pytest.fixture
def fake(tmp_path):
    """A fortunes folder with two categories, an index file, a .u8 link and the 'off' folder."""
    (tmp_path / "alpha").write_text("first alpha\nsecond line\n%\nshort\n%\n"
                                    "a third alpha entry that is long\n%\n")
    (tmp_path / "beta").write_text("one beta\n%  \n\n%\ntwo beta\n")   # '%  ' and an empty entry
    (tmp_path / "alpha.dat").write_bytes(b"\x00\x01binary index")
    (tmp_path / "alpha.u8").symlink_to(tmp_path / "alpha")
    (tmp_path / "off").mkdir()
    return tmp_path


# -- the corpus -----------------------------------------------------------------------------


def test_fake_folder_categories_and_entries(fake):
    assert fortune_categories(fake) == ["alpha", "beta"]
    texts, labels, names = load_fortunes(root=fake)
    assert names == ["alpha", "beta"]
    assert texts == ["first alpha\nsecond line", "short", "a third alpha entry that is long",
                     "one beta", "two beta"]
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, [0, 0, 0, 1, 1])


def test_labels_follow_the_order_of_categories(fake):
    texts, labels, names = load_fortunes(["beta", "alpha"], root=fake)
    assert names == ["beta", "alpha"]
    assert texts[:2] == ["one beta", "two beta"]
    np.testing.assert_array_equal(labels, [0, 0, 1, 1, 1])
    assert load_fortunes(("alpha",), root=fake)[2] == ["alpha"]     # any sequence of names


def test_max_chars_drops_longer_entries(fake):
    texts, labels, _ = load_fortunes(["alpha", "beta"], root=fake, max_chars=8)
    assert texts == ["short", "one beta", "two beta"]                 # "one beta" is exactly 8
    np.testing.assert_array_equal(labels, [0, 1, 1])
    texts, labels, _ = load_fortunes(["alpha"], root=fake, max_chars=1)
    assert texts == [] and labels.shape == (0,) and labels.dtype == np.int64


def test_environment_variable_gives_the_folder(fake, monkeypatch):
    monkeypatch.setenv("DLREF_FORTUNES_DIR", str(fake))
    assert fortune_categories() == ["alpha", "beta"]
    assert load_fortunes(["beta"])[0] == ["one beta", "two beta"]


def test_missing_folder_says_what_to_install(tmp_path):
    missing = tmp_path / "nowhere"
    for call in (lambda: load_fortunes(["computers"], root=missing), lambda: fortune_categories(missing)):
        with pytest.raises(FileNotFoundError, match=r"apt-get install fortunes") as info:
            call()
        assert "nowhere" in str(info.value)


def test_missing_category_names_it_and_the_known_ones(fake):
    with pytest.raises(FileNotFoundError, match=r"'gamma'.*known: alpha, beta"):
        load_fortunes(["alpha", "gamma"], root=fake)
    # the index files and the .u8 links are not categories
    for name in ("alpha.dat", "alpha.u8", "off"):
        with pytest.raises(FileNotFoundError, match=name.replace(".", r"\.")):
            load_fortunes([name], root=fake)


@pytest.mark.parametrize("categories,error,match", [
    ("alpha", TypeError, "write \\['alpha'\\]"), (5, TypeError, "categories"), ([], ValueError, "categories"),
    (["alpha", "alpha"], ValueError, "repeat"), ([1], TypeError, "categories"), ([["alpha"]], TypeError, "categories"),
])
def test_bad_categories(fake, categories, error, match):
    with pytest.raises(error, match=match):
        load_fortunes(categories, root=fake)


@pytest.mark.parametrize("max_chars,error", [(0, ValueError), (1.5, TypeError), (True, TypeError), ("9", TypeError)])
def test_bad_max_chars(fake, max_chars, error):
    with pytest.raises(error, match="max_chars"):
        load_fortunes(["alpha"], root=fake, max_chars=max_chars)


def test_bad_root_type():
    with pytest.raises(TypeError, match="root"):
        load_fortunes(["alpha"], root=5)


@needs_fortunes
def test_installed_package():
    names = fortune_categories()
    assert {"computers", "science", "politics", "songs-poems"} <= set(names)
    assert not any(n.endswith((".dat", ".u8")) for n in names)
    texts, labels, cats = load_fortunes(["computers", "science"], max_chars=300)
    assert cats == ["computers", "science"]
    assert len(texts) == len(labels) > 1000
    assert set(np.unique(labels)) == {0, 1}
    assert all(0 < len(t) <= 300 for t in texts)
    # no separator line inside an entry, no blank line around one
    assert not any(line.strip() == "%" for t in texts for line in t.split("\n"))
    assert not any(t.startswith("\n") or t.endswith("\n") for t in texts)
    assert np.all(np.diff(labels) >= 0)          # in the files' order: shuffle before splitting


# -- tokenize -------------------------------------------------------------------------------


@pytest.mark.parametrize("string,tokens", [
    ("Don't panic: 42 towels!", ["don't", "panic", "42", "towels"]),
    ("Hello, WORLD... hello", ["hello", "world", "hello"]),
    ("It's 5 o'clock -- x_y", ["it's", "5", "o'clock", "x", "y"]),
    ("'quoted' words'", ["quoted", "words"]),
    ("Café naïve", ["café", "naïve"]),
    ("", []), ("  \n%\t ", []),
])
def test_tokenize(string, tokens):
    assert tokenize(string) == tokens


@pytest.mark.parametrize("bad", [None, 5, b"bytes", ["a"]])
def test_tokenize_takes_a_string(bad):
    with pytest.raises(TypeError, match="text"):
        tokenize(bad)


# -- Vocabulary -----------------------------------------------------------------------------

DOCS = [["b", "a", "b"], ["c", "a", "d"], ["e"]]   # counts: b 2, a 2, c 1, d 1, e 1


def test_vocabulary_specials_and_order():
    vocab = Vocabulary(DOCS)
    assert vocab.itos == ["<pad>", "<unk>", "b", "a", "c", "d", "e"]
    assert (vocab.pad_index, vocab.unk_index) == (0, 1)
    assert vocab.stoi == {t: i for i, t in enumerate(vocab.itos)}
    assert len(vocab) == 7


def test_vocabulary_ties_in_first_occurrence_order():
    # same counts, other order of appearance: the tie order follows the texts, nothing random
    assert Vocabulary([["a", "b", "b", "a"]]).itos[2:] == ["a", "b"]
    assert Vocabulary([["b", "a", "a", "b"]]).itos[2:] == ["b", "a"]
    assert Vocabulary(DOCS).itos == Vocabulary([list(d) for d in DOCS]).itos


def test_vocabulary_max_size_counts_the_specials():
    assert Vocabulary(DOCS, max_size=4).itos == ["<pad>", "<unk>", "b", "a"]
    assert Vocabulary(DOCS, max_size=2).itos == ["<pad>", "<unk>"]
    assert len(Vocabulary(DOCS, max_size=100)) == 7


def test_vocabulary_min_freq():
    assert Vocabulary(DOCS, min_freq=2).itos == ["<pad>", "<unk>", "b", "a"]
    assert Vocabulary(DOCS, min_freq=3).itos == ["<pad>", "<unk>"]
    assert Vocabulary(DOCS, max_size=3, min_freq=2).itos == ["<pad>", "<unk>", "b"]


def test_vocabulary_from_an_iterator_and_empty():
    assert Vocabulary(iter(DOCS)).itos == Vocabulary(DOCS).itos
    assert Vocabulary((t for t in ())).itos == ["<pad>", "<unk>"]


def test_tokens_spelt_like_specials_get_no_second_index():
    vocab = Vocabulary([["<pad>", "x", "<unk>", "<unk>"]])
    assert vocab.itos == ["<pad>", "<unk>", "x"]
    assert vocab.encode(["<pad>", "<unk>", "x"]) == [0, 1, 2]


def test_encode_decode():
    vocab = Vocabulary(DOCS)
    assert vocab.encode(["a", "zebra", "e", "b"]) == [3, 1, 6, 2]
    assert vocab.encode(("a",)) == [3] and vocab.encode([]) == []
    assert vocab.decode([3, 1, 6, 2]) == ["a", "<unk>", "e", "b"]
    assert vocab.decode(np.array([0, 0, 4, 5])) == ["c", "d"]            # padding dropped
    assert vocab.decode(np.array([2], dtype=np.int32)) == ["b"]
    tokens = tokenize("b a zebra c")
    assert vocab.decode(vocab.encode(tokens)) == ["b", "a", "<unk>", "c"]


@pytest.mark.parametrize("bad,error", [
    ("b a", TypeError), (None, TypeError), ([1], TypeError), (["a", None], TypeError), (5, TypeError)])
def test_encode_bad(bad, error):
    with pytest.raises(error, match="tokens"):
        Vocabulary(DOCS).encode(bad)


@pytest.mark.parametrize("bad,error", [
    ([7], ValueError), ([-1], ValueError), ([1.0], TypeError), (["a"], TypeError), ([True], TypeError),
    (None, TypeError), (np.array(2), ValueError), (np.array([[2, 3]]), ValueError), ("23", TypeError)])
def test_decode_bad(bad, error):
    with pytest.raises(error, match="indices"):
        Vocabulary(DOCS).decode(bad)


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(token_lists="abc"), TypeError, "token_lists"), (dict(token_lists=None), TypeError, "token_lists"),
    (dict(token_lists=[["a"], 5]), TypeError, "token_lists"), (dict(token_lists=[["a", 1]]), TypeError, "token_lists"),
    (dict(token_lists=["ab", "c"]), TypeError, "token_lists"),
    (dict(token_lists=DOCS, max_size=1), ValueError, "max_size"),
    (dict(token_lists=DOCS, max_size=2.0), TypeError, "max_size"),
    (dict(token_lists=DOCS, min_freq=0), ValueError, "min_freq"),
    (dict(token_lists=DOCS, min_freq=None), TypeError, "min_freq"),
])
def test_vocabulary_bad(kwargs, error, match):
    with pytest.raises(error, match=match):
        Vocabulary(**kwargs)


# -- pad_sequences --------------------------------------------------------------------------

SEQS = [[1, 2, 3], [4, 5], [6]]

# Keras's semantics, written out by hand: keras.utils.pad_sequences(SEQS, maxlen=2, ...)
KERAS_MAXLEN_2 = {
    ("pre", "pre"): [[2, 3], [4, 5], [0, 6]],     # Keras's default: drop the first, pad before
    ("post", "pre"): [[2, 3], [4, 5], [6, 0]],
    ("pre", "post"): [[1, 2], [4, 5], [0, 6]],    # drop the last
    ("post", "post"): [[1, 2], [4, 5], [6, 0]],
}


@pytest.mark.parametrize("padding,truncating", list(KERAS_MAXLEN_2))
def test_pad_sequences_like_keras(padding, truncating):
    out = pad_sequences(SEQS, 2, padding=padding, truncating=truncating)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, KERAS_MAXLEN_2[padding, truncating])


def test_pad_sequences_longest_by_default_and_longer_maxlen():
    np.testing.assert_array_equal(pad_sequences(SEQS), [[1, 2, 3], [0, 4, 5], [0, 0, 6]])
    np.testing.assert_array_equal(pad_sequences(SEQS, padding="post"), [[1, 2, 3], [4, 5, 0], [6, 0, 0]])
    np.testing.assert_array_equal(pad_sequences(SEQS, 4), [[0, 1, 2, 3], [0, 0, 4, 5], [0, 0, 0, 6]])
    np.testing.assert_array_equal(pad_sequences(SEQS, 4, padding="post", truncating="post"),
                                  [[1, 2, 3, 0], [4, 5, 0, 0], [6, 0, 0, 0]])


def test_pad_sequences_value_empty_and_arrays():
    np.testing.assert_array_equal(pad_sequences(SEQS, 2, value=-1), [[2, 3], [4, 5], [-1, 6]])
    np.testing.assert_array_equal(pad_sequences([[], [7]], 2), [[0, 0], [0, 7]])
    np.testing.assert_array_equal(pad_sequences([[], []]), [[0], [0]])      # at least one step
    assert pad_sequences([], 3).shape == (0, 3)
    np.testing.assert_array_equal(pad_sequences([np.array([1, 2], dtype=np.int32), (3,)], 1), [[2], [3]])
    np.testing.assert_array_equal(pad_sequences(np.array([[1, 2], [3, 4]]), 3), [[0, 1, 2], [0, 3, 4]])


@given(st.lists(st.lists(st.integers(1, 50), max_size=6), min_size=1, max_size=5),
       st.sampled_from(["pre", "post"]), st.integers(-3, 3))
def test_pad_sequences_matches_torch_pad_sequence(seqs, padding, value):
    # torch pads to the longest sequence and never truncates: padding_side "left" is "pre"
    ours = pad_sequences(seqs, padding=padding, value=value)
    if max(len(s) for s in seqs) == 0:
        return                          # torch gives (N, 0); dlref keeps one step (see above)
    theirs = torch.nn.utils.rnn.pad_sequence(
        [torch.tensor(s, dtype=torch.int64) for s in seqs], batch_first=True, padding_value=value,
        padding_side="left" if padding == "pre" else "right")
    np.testing.assert_array_equal(ours, theirs.numpy())


@given(st.lists(st.lists(st.integers(1, 50), max_size=8), max_size=5), st.integers(1, 6),
       st.sampled_from(["pre", "post"]), st.sampled_from(["pre", "post"]))
def test_pad_sequences_properties(seqs, maxlen, padding, truncating):
    out = pad_sequences(seqs, maxlen, padding=padding, truncating=truncating)
    assert out.shape == (len(seqs), maxlen)
    for row, s in zip(out, seqs):
        kept = s[-maxlen:] if truncating == "pre" else s[:maxlen]
        real = row[row != 0]                           # indices are >= 1 here
        assert real.tolist() == kept
        if kept and padding == "pre":
            assert row[-1] == kept[-1]                 # the last step is a real token
        if kept and padding == "post":
            assert row[0] == kept[0]


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(padding="both"), ValueError, "padding"), (dict(truncating="mid"), ValueError, "truncating"),
    (dict(padding=None), ValueError, "padding"), (dict(maxlen=0), ValueError, "maxlen"),
    (dict(maxlen=2.0), TypeError, "maxlen"), (dict(maxlen=True), TypeError, "maxlen"),
    (dict(value=0.5), TypeError, "value"), (dict(value=None), TypeError, "value"),
    (dict(sequences=[]), ValueError, "sequences"), (dict(sequences=None), TypeError, "sequences"),
    (dict(sequences="123"), TypeError, "sequences"), (dict(sequences=[1, 2]), TypeError, "sequences"),
    (dict(sequences=[[1.5]]), TypeError, "sequences"), (dict(sequences=[["a"]]), TypeError, "sequences"),
    (dict(sequences=[[True]]), TypeError, "sequences"), (dict(sequences=[[[1, 2]]]), TypeError, "sequences"),
    (dict(sequences=[np.zeros((2, 2), dtype=np.int64)]), ValueError, "sequences"),
    (dict(sequences=np.zeros((2, 2, 2), dtype=np.int64)), ValueError, "sequences"),
])
def test_pad_sequences_bad(kwargs, error, match):
    kwargs = dict(dict(sequences=SEQS), **kwargs)
    with pytest.raises(error, match=match):
        pad_sequences(**kwargs)
