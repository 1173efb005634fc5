"""dlref.numpy.functional.embedding / embedding_backward and nn.Embedding against torch: lookups, the
scatter-add gradient (padding_idx, scale_grad_by_freq), max_norm renormalization, finite differences,
initialization, from_pretrained, state_dict both ways, extreme values, errors."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import functional as F
from dlref.numpy import nn
from dlref.testing import assert_close, compare_modules, gradcheck, numerical_grad


@st.composite
def embedding_calls(draw):
    num_embeddings = draw(st.integers(1, 6))
    embedding_dim = draw(st.integers(1, 4))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=3)))
    padding_idx = draw(st.none() | st.integers(-num_embeddings, num_embeddings - 1))
    max_norm = draw(st.none() | st.floats(0.0, 3.0))
    norm_type = draw(st.sampled_from([1.0, 2.0, 3.5, float("inf")]))
    scale_grad_by_freq = draw(st.booleans())
    seed = draw(st.integers(0, 2**16))
    return num_embeddings, embedding_dim, shape, dict(padding_idx=padding_idx, max_norm=max_norm,
                                                      norm_type=norm_type, scale_grad_by_freq=scale_grad_by_freq), seed


@given(embedding_calls())
def test_functional_matches_torch(call):
    num_embeddings, embedding_dim, shape, kwargs, seed = call
    rng = np.random.default_rng(seed)
    W = rng.standard_normal((num_embeddings, embedding_dim))
    i = rng.integers(0, num_embeddings, shape)
    g = rng.standard_normal(shape + (embedding_dim,))
    Wt = torch.tensor(W, requires_grad=True)
    yt = TF.embedding(torch.tensor(i), Wt, **kwargs)
    yt.backward(torch.tensor(g))
    W_ours = W.copy()
    y = F.embedding(i, W_ours, **kwargs)
    assert y.shape == shape + (embedding_dim,)
    assert_close(y, yt)
    assert_close(W_ours, Wt.detach())                  # max_norm renormalizes in place, as torch
    assert_close(F.embedding_backward(g, i, W_ours, **kwargs), Wt.grad)


def test_gradcheck_with_repeats_and_padding():
    rng = np.random.default_rng(0)
    W = rng.standard_normal((5, 3))
    i = np.array([[0, 2, 2], [4, 2, 1]])
    assert gradcheck(F.embedding, lambda g, i, W: (None, F.embedding_backward(g, i, W)), [i, W])
    # padding_idx and scale_grad_by_freq change the gradient on purpose (torch's definitions):
    # the finite differences with the padding row zeroed, each row divided by its count
    g = rng.standard_normal((2, 3, 3))
    numeric = numerical_grad(lambda W: np.sum(g * F.embedding(i, W)), W.copy())
    counts = np.bincount(i.ravel(), minlength=5)[:, None]
    expected = np.where(np.arange(5)[:, None] == 4, 0.0, numeric / np.maximum(counts, 1))
    assert_close(F.embedding_backward(g, i, W, padding_idx=-1, scale_grad_by_freq=True), expected)
    # by hand: row 2 appears three times, row 3 never
    grad = F.embedding_backward(np.ones((2, 3, 3)), i, W)
    np.testing.assert_array_equal(grad[:, 0], [1, 1, 3, 0, 1])
    assert not F.embedding_backward(np.ones((2, 3, 3)), i, W, padding_idx=2)[2].any()


@given(embedding_calls())
def test_layer_matches_torch(call):
    num_embeddings, embedding_dim, shape, kwargs, seed = call
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    theirs = torch.nn.Embedding(num_embeddings, embedding_dim, dtype=torch.float64, **kwargs)
    ours = nn.Embedding(num_embeddings, embedding_dim, dtype=np.float64, **kwargs)
    i = rng.integers(0, num_embeddings, shape)
    compare_modules(ours, theirs, i, generator=rng)       # outputs, and weight.grad (indices get none)
    assert_close(ours.weight.data, theirs.weight.detach())   # the same table after max_norm


def test_padding_row_starts_at_zero_and_gets_no_gradient():
    layer = nn.Embedding(6, 4, padding_idx=-2, generator=np.random.default_rng(0))
    assert layer.padding_idx == 4
    assert not layer.weight.data[4].any() and layer.weight.data[np.arange(6) != 4].all()
    y = layer(np.array([4, 4, 1]))
    assert not y[:2].any()
    assert layer.backward(np.ones_like(y)) is None                # indices have no gradient
    assert not layer.weight.grad[4].any() and layer.weight.grad[1].all()


def test_init_is_standard_normal_and_reproducible():
    w = nn.Embedding(1000, 100, dtype=np.float64, generator=np.random.default_rng(0)).weight.data
    assert abs(w.mean()) < 0.01 and abs(w.std() - 1) < 0.01
    a = nn.Embedding(5, 3, generator=np.random.default_rng(3)).weight.data
    np.testing.assert_array_equal(a, nn.Embedding(5, 3, generator=np.random.default_rng(3)).weight.data)
    assert a.dtype == np.float32


def test_from_pretrained_and_freeze():
    table = np.arange(12, dtype=np.float64).reshape(4, 3)
    frozen = nn.Embedding.from_pretrained(table, padding_idx=0)
    np.testing.assert_array_equal(frozen.weight.data, table)       # the padding row kept as given
    assert frozen.weight.requires_grad is False and frozen.weight.data is not table
    y = frozen(np.array([[0, 3]]))
    np.testing.assert_array_equal(y, table[[[0, 3]]])
    frozen.backward(np.ones_like(y))
    assert frozen.weight.grad is None
    trainable = nn.Embedding.from_pretrained(torch.tensor(table), freeze=False)
    trainable(np.array([1, 1]))
    trainable.backward(np.ones((2, 3)))
    np.testing.assert_array_equal(trainable.weight.grad[1], [2, 2, 2])


def test_state_dict_round_trips_both_ways():
    ours = nn.Embedding(7, 3, padding_idx=1, dtype=np.float64, generator=np.random.default_rng(0))
    theirs = torch.nn.Embedding(7, 3, padding_idx=1, dtype=torch.float64)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    i = np.array([[1, 6], [0, 3]])
    assert_close(ours(i), theirs(torch.tensor(i)))
    fresh = torch.nn.Embedding(7, 3, dtype=torch.float64)
    ours.load_state_dict(fresh.state_dict())
    assert_close(ours(i), fresh(torch.tensor(i)))


@pytest.mark.parametrize("kwargs", [dict(), dict(padding_idx=2, max_norm=1.5, norm_type=1.0,
                                                  scale_grad_by_freq=True)])
def test_repr_matches_torch(kwargs):
    assert repr(nn.Embedding(5, 3, **kwargs)) == repr(torch.nn.Embedding(5, 3, **kwargs))


def test_extreme_values_and_dtypes():
    W = np.full((3, 2), 1e4, dtype=np.float32)
    i = np.array([0, 2, 2], dtype=np.int32)
    y = F.embedding(i, W.copy(), max_norm=1.0)
    assert y.dtype == np.float32 and np.isfinite(y).all()
    assert_close(np.linalg.norm(y, axis=1), np.ones(3), rtol=1e-6, atol=0)
    grad = F.embedding_backward(np.full((3, 2), 1e30, np.float32), i, W, scale_grad_by_freq=True)
    assert grad.dtype == np.float32 and np.isfinite(grad).all()
    assert F.embedding(np.array(1, dtype=np.uint8), W).shape == (2,)   # a 0-D index: one row


def test_errors_name_the_argument():
    W = np.zeros((4, 3))
    with pytest.raises(ValueError, match=r"input must hold indices in \[0, 3\].*got values in \[-1, 2\]"):
        F.embedding(np.array([-1, 2]), W)
    with pytest.raises(ValueError, match=r"input must hold indices in \[0, 3\]"):
        F.embedding(np.array([4]), W)
    with pytest.raises(TypeError, match="input must hold integer indices, got dtype float64"):
        F.embedding(np.array([1.0]), W)
    with pytest.raises(TypeError, match="input must hold integer indices, got dtype bool"):
        F.embedding(np.array([True]), W)
    with pytest.raises(ValueError, match="weight must be 2-D"):
        F.embedding(np.array([1]), np.zeros(3))
    with pytest.raises(TypeError, match="weight must have a floating-point dtype"):
        F.embedding(np.array([1]), np.zeros((4, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="padding_idx must be within num_embeddings"):
        F.embedding(np.array([1]), W, padding_idx=4)
    with pytest.raises(ValueError, match="sparse=True"):
        F.embedding(np.array([1]), W, sparse=True)
    with pytest.raises(ValueError, match="max_norm must be in"):
        F.embedding(np.array([1]), W, max_norm=-1.0)
    with pytest.raises(ValueError, match=r"grad_output must have the shape of embedding's output \(2, 3\)"):
        F.embedding_backward(np.zeros((2, 4)), np.array([1, 2]), W)
    with pytest.raises(TypeError, match="grad_output and weight must have the same dtype"):
        F.embedding_backward(np.zeros((2, 3), np.float32), np.array([1, 2]), W)
    with pytest.raises(RuntimeError, match="before forward"):
        nn.Embedding(4, 3).backward(np.zeros((1, 3)))


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(num_embeddings=0, embedding_dim=2), ValueError, "num_embeddings must be >= 1"),
    (dict(num_embeddings=3, embedding_dim=2.0), TypeError, "embedding_dim must be an int"),
    (dict(num_embeddings=3, embedding_dim=2, padding_idx=-4), ValueError, "padding_idx must be within"),
    (dict(num_embeddings=3, embedding_dim=2, padding_idx=1.0), TypeError, "padding_idx must be None or an int"),
    (dict(num_embeddings=3, embedding_dim=2, norm_type=0), ValueError, "norm_type must be"),
    (dict(num_embeddings=3, embedding_dim=2, scale_grad_by_freq=1), TypeError, "scale_grad_by_freq must be a bool"),
    (dict(num_embeddings=3, embedding_dim=2, dtype=np.int64), TypeError, "dtype must be a floating-point dtype"),
])
def test_constructor_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        nn.Embedding(**kwargs)
