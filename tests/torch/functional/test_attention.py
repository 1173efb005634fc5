"""dlref.torch.functional attention (matmul, exp, sums, where) against torch.nn.functional.scaled_dot_product_attention
(math path) on every device: outputs and gradients over broadcast shapes and masks, the same dropout from the same
seed on the CPU, agreement with the NumPy backend given one mask, gradcheck, fully masked rows without NaN gradients,
extreme inputs, the mirrored op never called; additive attention against the NumPy backend; bad arguments."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st
from torch.nn.attention import SDPBackend, sdpa_kernel

from dlref.numpy import functional as NF
from dlref.testing import assert_close
from dlref.torch import functional as F

F64 = torch.float64


def reference(*args, seed=0, **kwargs):
    torch.manual_seed(seed)
    with sdpa_kernel(SDPBackend.MATH):
        return TF.scaled_dot_product_attention(*args, **kwargs)


@st.composite
def cases(draw):
    batch = tuple(draw(st.lists(st.integers(1, 3), max_size=2)))

    def sub(shape):
        kept = shape[draw(st.integers(0, len(shape))):]
        return tuple(1 if draw(st.booleans()) else n for n in kept)

    L, S, E, Ev = (draw(st.integers(1, 4)) for _ in range(4))
    shapes = [sub(batch) + tail for tail in ((L, E), (S, E), (S, Ev))]
    # the weights (*, L, S) come from query and key: their leading dimensions broadcast
    weights_shape = tuple(np.broadcast_shapes(shapes[0][:-2], shapes[1][:-2])) + (L, S)
    return dict(shapes=shapes, weights_shape=weights_shape, mask_shape=sub(weights_shape),
                mask=draw(st.sampled_from(["none", "bool", "float", "causal"])),
                scale=draw(st.one_of(st.none(), st.floats(-2.0, 2.0))), seed=draw(st.integers(0, 2**16)))


@given(case=cases())
def test_matches_torch_on_every_device(device, case):
    gen = torch.Generator().manual_seed(case["seed"])
    q, k, v = (torch.randn(s, generator=gen, dtype=F64).to(device) for s in case["shapes"])
    kw = {"scale": case["scale"]}
    if case["mask"] == "bool":
        kw["attn_mask"] = (torch.rand(case["mask_shape"], generator=gen) < 0.7).to(device)
    elif case["mask"] == "float":
        kw["attn_mask"] = torch.randn(case["mask_shape"], generator=gen, dtype=F64).to(device)
    elif case["mask"] == "causal":
        kw["is_causal"] = True
    leaves = [x.clone().requires_grad_(True) for x in (q, k, v)]
    ref_leaves = [x.clone().requires_grad_(True) for x in (q, k, v)]
    out = F.scaled_dot_product_attention(*leaves, **kw)
    ref = reference(*ref_leaves, **kw)
    assert out.dtype == F64 and out.device == q.device
    assert_close(out, ref)
    g = torch.randn(out.shape, generator=gen, dtype=F64).to(device)
    out.backward(g)
    ref.backward(g)
    for ours, theirs in zip(leaves, ref_leaves):
        assert_close(ours.grad, theirs.grad)


@given(shape=st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 4)), p=st.sampled_from([0.2, 0.5, 0.9]),
       causal=st.booleans(), seed=st.integers(0, 2**31 - 1))
def test_same_seed_drops_what_torch_drops_on_cpu(shape, p, causal, seed):
    N, L, S = shape
    gen = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(N, T, 3, generator=gen, dtype=F64) for T in (L, S, S))
    ref = reference(q, k, v, dropout_p=p, is_causal=causal, seed=seed)
    torch.manual_seed(seed)
    out = F.scaled_dot_product_attention(q, k, v, dropout_p=p, is_causal=causal)
    assert_close(out, ref)


def test_given_mask_matches_numpy(device):
    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(s, generator=gen, dtype=F64).to(device) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 6)))
    mask = (torch.rand(3, 5, generator=gen) < 0.6).to(device)
    keep = (torch.rand(2, 3, 5, generator=gen) < 0.7).to(device)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=0.3, dropout_mask=keep)
    expected = NF.scaled_dot_product_attention(*(x.cpu().numpy() for x in (q, k, v)), attn_mask=mask.cpu().numpy(),
                                               dropout_p=0.3, dropout_mask=keep.cpu().numpy())
    assert_close(out, expected)


def test_gradcheck(device):
    gen = torch.Generator().manual_seed(0)
    q, k, v = (torch.randn(s, generator=gen, dtype=F64).to(device).requires_grad_(True)
               for s in ((2, 3, 4), (1, 5, 4), (2, 5, 3)))
    mask = (torch.rand(3, 5, generator=gen) < 0.6).to(device)
    keep = (torch.rand(2, 3, 5, generator=gen) < 0.7).to(device)
    assert torch.autograd.gradcheck(
        lambda q, k, v: F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=0.2, dropout_mask=keep),
        (q, k, v))


def test_fully_masked_rows_give_zeros_and_finite_gradients(device):
    q, k, v = (torch.randn(s, dtype=F64, device=device, requires_grad=True) for s in ((2, 3, 4), (2, 5, 4), (2, 5, 6)))
    mask = torch.ones(2, 3, 5, dtype=torch.bool, device=device)
    mask[1, 2] = False
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert torch.all(out[1, 2] == 0)
    out.sum().backward()
    assert all(torch.isfinite(x.grad).all() for x in (q, k, v))
    assert_close(out, reference(q, k, v, attn_mask=mask))


def test_extreme_inputs_stay_finite(device):
    q, k, v = (torch.randn(s, dtype=F64, device=device) * 1e4 for s in ((2, 3, 4), (2, 5, 4), (2, 5, 6)))
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    assert torch.isfinite(out).all()
    assert_close(out, reference(q, k, v, is_causal=True))


def test_dtype_and_device_kept(device):
    q = torch.randn(2, 3, 4, device=device)
    out = F.scaled_dot_product_attention(q, q, q, dropout_p=0.5, generator=torch.Generator(device=device))
    assert out.dtype == torch.float32 and out.device == q.device


def test_never_calls_torch_attention_or_softmax(device, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a mirrored torch op was called")

    for namespace, name in ((TF, "scaled_dot_product_attention"), (torch._C._nn, "scaled_dot_product_attention"),
                            (TF, "softmax"), (torch, "softmax"), (torch.Tensor, "softmax"),
                            (torch, "_safe_softmax")):
        monkeypatch.setattr(namespace, name, forbidden)
    q = torch.randn(2, 3, 4, device=device, requires_grad=True)
    F.scaled_dot_product_attention(q, q, q, is_causal=True, dropout_p=0.3).sum().backward()
    w = torch.randn(5, 4, device=device)
    F.additive_attention(q, q, q, w, w, torch.randn(5, device=device)).sum().backward()
    with pytest.raises(AssertionError, match="a mirrored torch op was called"):
        TF.scaled_dot_product_attention(q, q, q)                   # the patch is in force


@given(batch=st.lists(st.integers(1, 3), max_size=2), L=st.integers(1, 4), S=st.integers(1, 4),
       H=st.integers(1, 4), masked=st.booleans(), p=st.sampled_from([0.0, 0.4]), seed=st.integers(0, 2**16))
def test_additive_matches_numpy(device, batch, L, S, H, masked, p, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in ((*batch, L, 2), (*batch, S, 3), (S, 4), (H, 2), (H, 3), (H,))]
    mask = rng.random((L, S)) < 0.6 if masked else None
    keep = rng.random((*batch, L, S)) < 0.7 if p else None
    kw = dict(attn_mask=mask, dropout_p=p, dropout_mask=keep)
    expected = NF.additive_attention(*arrays, **kw)
    leaves = [torch.tensor(a, device=device, requires_grad=True) for a in arrays]
    kw_t = {a: torch.tensor(b, device=device) if isinstance(b, np.ndarray) else b for a, b in kw.items()}
    out = F.additive_attention(*leaves, **kw_t)
    assert_close(out, expected)
    g = rng.standard_normal(expected.shape)
    out.backward(torch.tensor(g, device=device))
    for ours, theirs in zip(leaves, NF.additive_attention_backward(g, *arrays, **kw)):
        assert_close(ours.grad, theirs)


def test_bad_arguments():
    q = torch.ones(2, 3, 4, dtype=F64)
    with pytest.raises(TypeError, match="query must be a torch.Tensor"):
        F.scaled_dot_product_attention(np.ones((2, 3, 4)), q, q)
    with pytest.raises(ValueError, match="attn_mask and is_causal cannot both be set"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=torch.ones(3, 3, dtype=torch.bool), is_causal=True)
    with pytest.raises(ValueError, match="does not broadcast to the attention weights' shape"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(TypeError, match="attn_mask must be a torch.Tensor"):
        F.scaled_dot_product_attention(q, q, q, attn_mask=np.ones((3, 3), dtype=bool))
    with pytest.raises(TypeError, match="generator must be a torch.Generator"):
        F.scaled_dot_product_attention(q, q, q, dropout_p=0.5, generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match="query and key must have the same feature size"):
        F.scaled_dot_product_attention(q, torch.ones(2, 3, 5, dtype=F64), q)
