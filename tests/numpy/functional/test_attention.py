"""dlref.numpy.functional attention: scaled_dot_product_attention (and its backward) against torch's math path
in float64 over broadcast batch shapes, masks (boolean, float, causal), scales and dropout (the mask torch draws
from a seed); finite differences; fully masked rows; extreme inputs; additive (Bahdanau) attention against a torch
composition and finite differences; bad arguments."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st
from torch.nn.attention import SDPBackend, sdpa_kernel

from dlref.numpy import functional as F
from dlref.testing import assert_close, gradcheck


def _sub_shape(draw, shape):
    """A shape that broadcasts to ``shape``: some leading dimensions dropped, some sizes set to 1."""
    kept = shape[draw(st.integers(0, len(shape))):]
    return tuple(1 if draw(st.booleans()) else n for n in kept)


@st.composite
def sdpa_cases(draw):
    batch = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))
    L, S, E, Ev = (draw(st.integers(1, 4)) for _ in range(4))
    shapes = [_sub_shape(draw, batch) + tail for tail in ((L, E), (S, E), (S, Ev))]
    # the weights (*, L, S) come from query and key: their leading dimensions broadcast
    weights_shape = tuple(np.broadcast_shapes(shapes[0][:-2], shapes[1][:-2])) + (L, S)
    mask_kind = draw(st.sampled_from(["none", "bool", "float", "causal"]))
    mask_shape = _sub_shape(draw, weights_shape)
    scale = draw(st.one_of(st.none(), st.floats(-2.0, 2.0)))
    dropout_p = draw(st.sampled_from([0.0, 0.0, 0.3, 1.0]))
    return dict(shapes=shapes, weights_shape=weights_shape, mask_kind=mask_kind, mask_shape=mask_shape,
                scale=scale, dropout_p=dropout_p, seed=draw(st.integers(0, 2**16)))


def make_inputs(case):
    rng = np.random.default_rng(case["seed"])
    q, k, v = (rng.standard_normal(s) for s in case["shapes"])
    kw = dict(scale=case["scale"], dropout_p=case["dropout_p"])
    if case["mask_kind"] == "bool":
        kw["attn_mask"] = np.asarray(rng.random(case["mask_shape"]) < 0.7)
    elif case["mask_kind"] == "float":
        u, z = rng.random(case["mask_shape"]), rng.standard_normal(case["mask_shape"])
        kw["attn_mask"] = np.asarray(np.where(u < 0.2, -np.inf, z))
    elif case["mask_kind"] == "causal":
        kw["is_causal"] = True
    return q, k, v, kw


def torch_sdpa(q, k, v, seed, **kw):
    """torch's math path (the float64 CPU path), with torch's global generator seeded as given."""
    kw = {a: torch.tensor(b) if isinstance(b, np.ndarray) else b for a, b in kw.items()}
    torch.manual_seed(seed)
    with sdpa_kernel(SDPBackend.MATH):
        return TF.scaled_dot_product_attention(q, k, v, **kw)


def torch_keep_mask(shape, p, seed):
    """The keep-mask torch's math path draws after ``torch.manual_seed(seed)`` (bernoulli_(1 - p) on the weights)."""
    torch.manual_seed(seed)
    return torch.empty(shape, dtype=torch.float64).bernoulli_(1 - p).bool().numpy()


@given(case=sdpa_cases())
def test_matches_torch_forward_and_backward(case):
    q, k, v, kw = make_inputs(case)
    p = kw["dropout_p"]
    keep = torch_keep_mask(case["weights_shape"], p, case["seed"]) if 0 < p < 1 else None
    out = F.scaled_dot_product_attention(q, k, v, **kw, dropout_mask=keep)
    qt, kt, vt = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    ref = torch_sdpa(qt, kt, vt, case["seed"], **kw)
    assert out.shape == tuple(ref.shape) and out.dtype == np.float64
    assert_close(out, ref)
    g = np.random.default_rng(1).standard_normal(out.shape)
    grads = F.scaled_dot_product_attention_backward(g, q, k, v, **kw, dropout_mask=keep)
    ref_grads = torch.autograd.grad(ref, (qt, kt, vt), torch.tensor(g))
    for name, ours, theirs, x in zip("qkv", grads, ref_grads, (q, k, v)):
        assert ours.shape == x.shape
        assert_close(ours, theirs, msg=f"grad {name}")


@pytest.mark.parametrize("mask", ["none", "bool", "float", "causal"])
def test_gradcheck(mask):
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((1, 5, 4)), rng.standard_normal((2, 5, 3))
    kw = {"none": {}, "bool": {"attn_mask": rng.random((3, 5)) < 0.6},
          "float": {"attn_mask": rng.standard_normal((2, 3, 5))}, "causal": {"is_causal": True}}[mask]
    keep = rng.random((2, 3, 5)) < 0.7
    kw = dict(kw, dropout_p=0.25, dropout_mask=keep, scale=0.8)
    assert gradcheck(lambda q, k, v: F.scaled_dot_product_attention(q, k, v, **kw),
                     lambda g, q, k, v: F.scaled_dot_product_attention_backward(g, q, k, v, **kw), [q, k, v])


def test_formula_on_a_small_example():
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((3, 4)), rng.standard_normal((5, 4)), rng.standard_normal((5, 2))
    scores = q @ k.T / 2.0                                             # sqrt(E) = 2
    weights = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    assert_close(F.scaled_dot_product_attention(q, k, v), weights @ v)
    # a boolean mask keeps the keys marked True; causal = lower triangle
    causal = np.tril(np.ones((3, 5), dtype=bool))
    assert_close(F.scaled_dot_product_attention(q, k, v, is_causal=True),
                 F.scaled_dot_product_attention(q, k, v, attn_mask=causal))
    assert_close(F.scaled_dot_product_attention(q, k, v, attn_mask=causal),
                 F.scaled_dot_product_attention(q, k, v, attn_mask=np.where(causal, 0.0, -np.inf)))
    # row 0 attends to key 0 only: it returns value 0
    assert_close(F.scaled_dot_product_attention(q, k, v, is_causal=True)[0], v[0])


def test_fully_masked_rows_give_zeros_as_torch():
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 5, 6))
    mask = rng.random((2, 3, 5)) < 0.5
    mask[0, 1] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert np.all(out[0, 1] == 0) and np.isfinite(out).all()
    qt, kt, vt = (torch.tensor(a, requires_grad=True) for a in (q, k, v))
    ref = torch_sdpa(qt, kt, vt, 0, attn_mask=mask)
    assert_close(out, ref)
    g = np.ones_like(out)
    for ours, theirs in zip(F.scaled_dot_product_attention_backward(g, q, k, v, attn_mask=mask),
                            torch.autograd.grad(ref, (qt, kt, vt), torch.tensor(g))):
        assert np.isfinite(ours).all()
        assert_close(ours, theirs)


def test_dropout_from_a_generator_and_from_a_mask():
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5, 4)), rng.standard_normal((2, 5, 6))
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5, generator=np.random.default_rng(7))
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5, generator=np.random.default_rng(7))
    np.testing.assert_array_equal(a, b)
    keep = np.random.default_rng(7).random((2, 3, 5)) >= 0.5         # what that generator draws
    np.testing.assert_array_equal(a, F.scaled_dot_product_attention(q, k, v, dropout_p=0.5, dropout_mask=keep))
    # the formula: the weights are dropped and rescaled before the values are averaged
    s = q @ k.transpose(0, 2, 1) / 2.0
    w = np.exp(s - s.max(-1, keepdims=True))
    w /= w.sum(-1, keepdims=True)
    assert_close(a, (w * keep / 0.5) @ v)
    # p = 1 drops everything
    assert np.all(F.scaled_dot_product_attention(q, k, v, dropout_p=1.0) == 0)
    with pytest.raises(ValueError, match="dropout_mask is required"):
        F.scaled_dot_product_attention_backward(np.ones((2, 3, 6)), q, k, v, dropout_p=0.5)


def test_empty_keys_and_queries_as_torch():
    q, k, v = np.ones((2, 3, 4)), np.ones((2, 0, 4)), np.ones((2, 0, 6))
    out = F.scaled_dot_product_attention(q, k, v)
    assert_close(out, torch_sdpa(*(torch.tensor(a) for a in (q, k, v)), 0))
    assert F.scaled_dot_product_attention(np.ones((2, 0, 4)), np.ones((2, 5, 4)), np.ones((2, 5, 6))).shape == (2, 0, 6)


def test_extreme_inputs_finite_and_as_torch():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal(s) * 1e4 for s in ((2, 3, 4), (2, 5, 4), (2, 5, 6)))
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert np.isfinite(out).all()
    assert_close(out, torch_sdpa(*(torch.tensor(a) for a in (q, k, v)), 0, is_causal=True))
    grads = F.scaled_dot_product_attention_backward(np.ones_like(out), q, k, v, is_causal=True)
    assert all(np.isfinite(g).all() for g in grads)


def test_float32_is_kept():
    rng = np.random.default_rng(0)
    q, k, v = (rng.standard_normal(s).astype(np.float32) for s in ((3, 4), (5, 4), (5, 2)))
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=np.zeros((3, 5), dtype=np.float32))
    assert out.dtype == np.float32
    assert all(g.dtype == np.float32 for g in F.scaled_dot_product_attention_backward(np.ones_like(out), q, k, v))
    assert_close(out, torch_sdpa(*(torch.tensor(a) for a in (q, k, v)), 0))


def test_bad_arguments():
    q, k, v = np.ones((2, 3, 4)), np.ones((2, 5, 4)), np.ones((2, 5, 6))
    with pytest.raises(ValueError, match="attn_mask and is_causal cannot both be set"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=np.ones((3, 5), dtype=bool), is_causal=True)
    with pytest.raises(ValueError, match=r"attn_mask of shape \(4, 5\) does not broadcast"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=np.ones((4, 5), dtype=bool))
    with pytest.raises(ValueError, match=r"attn_mask of shape \(3, 2, 3, 5\) does not broadcast"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=np.ones((3, 2, 3, 5), dtype=bool))
    with pytest.raises(ValueError, match="query and key must have the same feature size"):
        F.scaled_dot_product_attention(q, np.ones((2, 5, 3)), v)
    with pytest.raises(ValueError, match="key and value must have the same sequence length"):
        F.scaled_dot_product_attention(q, k, np.ones((2, 4, 6)))
    with pytest.raises(ValueError, match=r"batch dimensions of query and key must broadcast, got query \(3,\)"):
        F.scaled_dot_product_attention(np.ones((3, 3, 4)), k, v)
    with pytest.raises(ValueError, match="batch dimensions of query and key and value must broadcast"):
        F.scaled_dot_product_attention(q, k, np.ones((3, 5, 6)))
    with pytest.raises(ValueError, match="query must be at least 2-D"):
        F.scaled_dot_product_attention(np.ones(4), k, v)
    with pytest.raises(TypeError, match="query and key must have the same dtype"):
        F.scaled_dot_product_attention(q.astype(np.float32), k, v)
    with pytest.raises(TypeError, match="attn_mask and query must have the same dtype"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=np.zeros((3, 5), dtype=np.float32))
    with pytest.raises(TypeError, match="attn_mask must be boolean or floating point"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=np.zeros((3, 5), dtype=np.int64))
    with pytest.raises(TypeError, match="attn_mask must be a numpy.ndarray"):
        F.scaled_dot_product_attention(q, k, v, attn_mask=torch.ones(3, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"dropout_p must be in \[0.0, 1.0\]"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=1.5)
    with pytest.raises(TypeError, match="dropout_p must be a real number"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=True)
    with pytest.raises(TypeError, match="is_causal must be a bool"):
        F.scaled_dot_product_attention(q, k, v, is_causal=1)
    with pytest.raises(ValueError, match="scale must be finite"):
        F.scaled_dot_product_attention(q, k, v, scale=float("nan"))
    with pytest.raises(TypeError, match="dropout_mask must be boolean"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=0.5, dropout_mask=np.ones((2, 3, 5)))
    with pytest.raises(ValueError, match=r"dropout_mask must have the attention weights' shape \(2, 3, 5\)"):
        F.scaled_dot_product_attention(q, k, v, dropout_p=0.5, dropout_mask=np.ones((3, 5), dtype=bool))
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        F.scaled_dot_product_attention(q, k, v, generator=0)
    with pytest.raises(ValueError, match=r"grad_output must have the shape of scaled_dot_product_attention's output"):
        F.scaled_dot_product_attention_backward(np.ones((2, 3, 5)), q, k, v)


# -- additive attention ------------------------------------------------------------------------------


def torch_additive(q, k, v, W_q, W_k, w_v, attn_mask=None, keep=None, p=0.0):
    """Bahdanau attention written directly in torch ops (the formula, nothing shared with dlref)."""
    scores = torch.einsum("...lsh,h->...ls", torch.tanh((q @ W_q.T)[..., :, None, :] + (k @ W_k.T)[..., None, :, :]),
                          w_v)
    if attn_mask is not None:
        scores = scores.masked_fill(~attn_mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    if keep is not None:
        weights = weights * keep / (1 - p)
    return weights @ v


@given(batch=st.lists(st.integers(1, 3), max_size=2), L=st.integers(1, 4), S=st.integers(1, 4),
       Dq=st.integers(1, 4), Dk=st.integers(1, 4), Dv=st.integers(1, 4), H=st.integers(1, 5),
       masked=st.booleans(), p=st.sampled_from([0.0, 0.4]), seed=st.integers(0, 2**16))
def test_additive_matches_a_torch_composition(batch, L, S, Dq, Dk, Dv, H, masked, p, seed):
    rng = np.random.default_rng(seed)
    q, k, v = rng.standard_normal((*batch, L, Dq)), rng.standard_normal((*batch, S, Dk)), rng.standard_normal((S, Dv))
    W_q, W_k, w_v = rng.standard_normal((H, Dq)), rng.standard_normal((H, Dk)), rng.standard_normal(H)
    mask = None
    if masked:
        mask = rng.random((L, S)) < 0.7
        mask[:, 0] = True                           # every query keeps a key (torch.softmax would give NaN)
    keep = rng.random((*batch, L, S)) < 0.6 if p else None
    out = F.additive_attention(q, k, v, W_q, W_k, w_v, attn_mask=mask, dropout_p=p, dropout_mask=keep)
    leaves = [torch.tensor(a, requires_grad=True) for a in (q, k, v, W_q, W_k, w_v)]
    ref = torch_additive(*leaves, None if mask is None else torch.tensor(mask),
                         None if keep is None else torch.tensor(keep), p)
    assert_close(out, ref)
    g = rng.standard_normal(out.shape)
    grads = F.additive_attention_backward(g, q, k, v, W_q, W_k, w_v, attn_mask=mask, dropout_p=p, dropout_mask=keep)
    for ours, theirs in zip(grads, torch.autograd.grad(ref, leaves, torch.tensor(g))):
        assert_close(ours, theirs)


def test_additive_gradcheck():
    rng = np.random.default_rng(0)
    inputs = [rng.standard_normal(s) for s in ((2, 3, 2), (2, 4, 3), (2, 4, 2), (5, 2), (5, 3), (5,))]
    kw = dict(attn_mask=rng.random((3, 4)) < 0.7, dropout_p=0.2, dropout_mask=rng.random((2, 3, 4)) < 0.8)
    assert gradcheck(lambda *a: F.additive_attention(*a, **kw),
                     lambda g, *a: F.additive_attention_backward(g, *a, **kw), inputs)


def test_additive_fully_masked_row_and_extremes():
    rng = np.random.default_rng(0)
    q, k, v = rng.standard_normal((3, 2)) * 1e4, rng.standard_normal((4, 2)) * 1e4, rng.standard_normal((4, 3))
    W_q, W_k, w_v = rng.standard_normal((5, 2)), rng.standard_normal((5, 2)), rng.standard_normal(5)
    mask = np.ones((3, 4), dtype=bool)
    mask[1] = False
    out = F.additive_attention(q, k, v, W_q, W_k, w_v, attn_mask=mask)
    assert np.isfinite(out).all() and np.all(out[1] == 0)
    grads = F.additive_attention_backward(np.ones_like(out), q, k, v, W_q, W_k, w_v, attn_mask=mask)
    assert all(np.isfinite(g).all() for g in grads)


def test_additive_bad_arguments():
    q, k, v = np.ones((3, 2)), np.ones((4, 3)), np.ones((4, 5))
    W_q, W_k, w_v = np.ones((6, 2)), np.ones((6, 3)), np.ones(6)
    with pytest.raises(ValueError, match=r"weight_q must have shape \(num_hiddens, query's feature size\)"):
        F.additive_attention(q, k, v, np.ones((6, 3)), W_k, w_v)
    with pytest.raises(ValueError, match=r"weight_k must have shape"):
        F.additive_attention(q, k, v, W_q, np.ones((5, 3)), w_v)
    with pytest.raises(ValueError, match=r"weight_v must be 1-D"):
        F.additive_attention(q, k, v, W_q, W_k, np.ones((1, 6)))
    with pytest.raises(TypeError, match="query and weight_v must have the same dtype"):
        F.additive_attention(q, k, v, W_q, W_k, w_v.astype(np.float32))
    with pytest.raises(ValueError, match="attn_mask of shape"):
        F.additive_attention(q, k, v, W_q, W_k, w_v, attn_mask=np.ones((4, 3), dtype=bool))
