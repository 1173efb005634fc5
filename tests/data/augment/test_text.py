"""dlref.data.augment.text: the EDA operations (synonym replacement, insertion, swap, deletion)."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dlref.data import augment as A

Z = 6.0  # standard errors allowed in the statistical tests


# -- text -----------------------------------------------------------------------------------

SYNONYMS = {"quick": ["fast", "rapid", "swift"], "jumps": ["leaps", "hops"], "lazy": ["idle"],
            "dog": ["hound"], "the": []}
SENTENCE = "the quick brown fox jumps over the lazy dog".split()
words_strategy = st.lists(st.sampled_from(SENTENCE + ["a", "b"]), min_size=0, max_size=15)


@given(words_strategy, st.integers(0, 6), st.integers(0, 2**32 - 1))
def test_synonym_replacement(words, n, seed):
    out = A.synonym_replacement(words, SYNONYMS, n, generator=np.random.default_rng(seed))
    assert len(out) == len(words)
    changed = [i for i, (a, b) in enumerate(zip(words, out)) if a != b]
    candidates = [i for i, w in enumerate(words) if SYNONYMS.get(w)]
    assert len(changed) == min(n, len(candidates))
    for i in changed:
        assert out[i] in SYNONYMS[words[i]]
    assert out == A.synonym_replacement(words, SYNONYMS, n, generator=np.random.default_rng(seed))


@given(words_strategy, st.floats(0, 1), st.integers(0, 2**32 - 1))
def test_random_deletion_keeps_order_and_at_least_one_word(words, p, seed):
    out = A.random_deletion(words, p, generator=np.random.default_rng(seed))
    if words:
        assert 1 <= len(out) <= len(words)
    else:
        assert out == []
    it = iter(words)
    assert all(w in it for w in out)                             # a subsequence: order kept
    assert A.random_deletion(words, 0.0, generator=np.random.default_rng(seed)) == words
    if words:
        assert len(A.random_deletion(words, 1.0, generator=np.random.default_rng(seed))) == 1


def test_random_deletion_rate():
    words = ["w"] * 20000
    kept = len(A.random_deletion(words, 0.3, generator=np.random.default_rng(0)))
    assert abs(1 - kept / len(words) - 0.3) < Z * np.sqrt(0.3 * 0.7 / len(words))


@given(words_strategy, st.integers(0, 5), st.integers(0, 2**32 - 1))
def test_random_swap_and_insertion(words, n, seed):
    swapped = A.random_swap(words, n, generator=np.random.default_rng(seed))
    assert sorted(swapped) == sorted(words)
    inserted = A.random_insertion(words, SYNONYMS, n, generator=np.random.default_rng(seed))
    has_synonyms = any(SYNONYMS.get(w) for w in words)
    assert len(inserted) == len(words) + (n if has_synonyms else 0)
    extra = list(inserted)
    for w in words:                                              # remove the originals, once each
        extra.remove(w)
    all_synonyms = {s for options in SYNONYMS.values() for s in options}
    assert set(extra) <= all_synonyms


def test_text_strings_in_strings_out():
    rng = np.random.default_rng(0)
    sentence = "the quick brown fox jumps over the lazy dog"
    out = A.synonym_replacement(sentence, SYNONYMS, 2, generator=rng)
    assert isinstance(out, str) and len(out.split()) == 9
    assert isinstance(A.random_deletion(sentence, 0.5, generator=rng), str)
    assert isinstance(A.random_swap(sentence, generator=rng), str)
    assert A.synonym_replacement("dog", {"dog": ["dog"]}, 1, generator=rng) == "dog"   # a word is not its own synonym


def test_text_bad_inputs():
    rng = np.random.default_rng(0)
    with pytest.raises(TypeError, match="words must be a str or a list of str"):
        A.random_deletion(42, generator=rng)
    with pytest.raises(TypeError, match="with non-str items"):
        A.random_swap(["a", 1], generator=rng)
    with pytest.raises(TypeError, match="synonyms must be a dict"):
        A.synonym_replacement(["a"], [("a", "b")], generator=rng)
    with pytest.raises(TypeError, match=r"synonyms\['a'\] must be a list of str"):
        A.synonym_replacement(["a"], {"a": "b"}, generator=rng)
    with pytest.raises(ValueError, match="n must be >= 0"):
        A.random_insertion(["a"], {}, -1, generator=rng)
    with pytest.raises(TypeError, match="n must be an int"):
        A.random_swap(["a"], 1.5, generator=rng)
    with pytest.raises(ValueError, match=r"p must be in \[0.0, 1.0\]"):
        A.random_deletion(["a"], -0.1, generator=rng)
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        A.random_deletion(["a"], generator=np.random.RandomState(0))
