"""dlref.torch.nn.MultiheadAttention (matmuls, softmax from exp, where) against torch.nn.MultiheadAttention on every
device: outputs, weights and gradients over layouts, kdim/vdim, bias, add_bias_kv, add_zero_attn and masks; the same
weights and the same dropout from the same seed on the CPU; state_dict both ways; agreement with the NumPy layer given
the twin's dropout mask; the mirrored ops never called; bad inputs. dlref.torch.nn.AdditiveAttention against the
NumPy layer."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st
from torch.nn.attention import SDPBackend, sdpa_kernel

from dlref.numpy import nn as npnn
from dlref.testing import assert_close
from dlref.torch import nn

F64 = torch.float64


@st.composite
def configs(draw):
    h, d = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    module = dict(embed_dim=h * d, num_heads=h, bias=draw(st.booleans()), add_bias_kv=draw(st.booleans()),
                  add_zero_attn=draw(st.booleans()), batch_first=draw(st.booleans()),
                  kdim=draw(st.sampled_from([None, 2])), vdim=draw(st.sampled_from([None, 3])))
    sizes = dict(batched=draw(st.booleans()), N=draw(st.integers(1, 3)), L=draw(st.integers(1, 4)),
                 S=draw(st.integers(1, 4)))
    forward = dict(need_weights=draw(st.booleans()), average_attn_weights=draw(st.booleans()))
    return module, sizes, draw(st.sampled_from(["none", "bool", "float"])), forward, draw(st.integers(0, 2**16))


def inputs(module, sizes, mask_kind, gen, device):
    E = module["embed_dim"]
    N, L, S = sizes["N"], sizes["L"], sizes["S"]

    def layout(T, D):
        if not sizes["batched"]:
            return (T, D)
        return (N, T, D) if module["batch_first"] else (T, N, D)

    q, k, v = (torch.randn(layout(T, D), generator=gen, dtype=F64).to(device)
               for T, D in ((L, E), (S, module["kdim"] or E), (S, module["vdim"] or E)))
    kw = {}
    if mask_kind != "none":
        kpm = torch.rand((N, S) if sizes["batched"] else (S,), generator=gen) < 0.3
        attn = torch.rand(L, S, generator=gen) < 0.3
        kpm[..., 0] = attn[:, 0] = False                  # every query keeps key 0
        if mask_kind == "float":
            kpm, attn = (torch.where(m, float("-inf"), torch.randn(m.shape, generator=gen, dtype=F64))
                         for m in (kpm, attn))
        kw = dict(key_padding_mask=kpm.to(device), attn_mask=attn.to(device))
    return q, k, v, kw


@given(config=configs())
def test_matches_torch_on_every_device(device, config):
    module, sizes, mask_kind, forward, seed = config
    torch.manual_seed(seed)
    theirs = torch.nn.MultiheadAttention(**module, dtype=F64, device=device)
    torch.manual_seed(seed)
    ours = nn.MultiheadAttention(**module, dtype=F64, device=device)
    for (name, a), (other, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert name == other and torch.equal(a, b), name          # the same weights from the same seed
    gen = torch.Generator().manual_seed(seed)
    q, k, v, kw = inputs(module, sizes, mask_kind, gen, device)
    leaves = [x.clone().requires_grad_(True) for x in (q, k, v)]
    ref_leaves = [x.clone().requires_grad_(True) for x in (q, k, v)]
    y, w = ours(*leaves, **kw, **forward)
    with sdpa_kernel(SDPBackend.MATH):
        y_ref, w_ref = theirs(*ref_leaves, **kw, **forward)
    assert_close(y, y_ref)
    outputs, refs = [y], [y_ref]
    if forward["need_weights"]:
        assert_close(w, w_ref)
        outputs, refs = [y, w], [y_ref, w_ref]
    else:
        assert w is None and w_ref is None
    grads = [torch.randn(o.shape, generator=gen, dtype=F64).to(device) for o in outputs]
    torch.autograd.backward(outputs, grads)
    torch.autograd.backward(refs, grads)
    for a, b in zip(leaves, ref_leaves):
        assert_close(a.grad, b.grad)
    theirs_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        assert_close(param.grad, theirs_params[name].grad, msg=name)


@given(need_weights=st.booleans(), batched=st.booleans(), p=st.sampled_from([0.2, 0.5, 0.9]),
       seed=st.integers(0, 2**31 - 1))
def test_same_seed_same_dropout_as_torch_on_cpu(need_weights, batched, p, seed):
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(4, 2, dropout=p, dtype=F64, add_zero_attn=True)
    ours = nn.MultiheadAttention(4, 2, dropout=p, dtype=F64, add_zero_attn=True)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn((3, 2, 4) if batched else (3, 4), generator=torch.Generator().manual_seed(seed), dtype=F64)
    torch.manual_seed(seed)
    with sdpa_kernel(SDPBackend.MATH):
        y_ref, w_ref = theirs(x, x, x, need_weights=need_weights, average_attn_weights=False)
    torch.manual_seed(seed)
    y, w = ours(x, x, x, need_weights=need_weights, average_attn_weights=False)
    assert_close(y, y_ref)
    if need_weights:
        assert_close(w, w_ref)
    assert ours.dropout_mask.shape == ((2, 2, 3, 4) if batched else (2, 3, 4))
    # the NumPy layer, given the twin's mask, computes the same
    twin = npnn.MultiheadAttention(4, 2, dropout=p, dtype=np.float64, add_zero_attn=True)
    twin.load_state_dict(ours.state_dict())
    y_np, _ = twin(*(x.numpy(),) * 3, dropout_mask=ours.dropout_mask.numpy())
    assert_close(y_np, y)


@pytest.mark.parametrize("batched", [True, False])
def test_3d_masks_causal_hint_and_fully_masked_rows_as_torch(device, batched):
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(4, 2, dtype=F64, device=device)
    ours = nn.MultiheadAttention(4, 2, dtype=F64, device=device)
    ours.load_state_dict(theirs.state_dict())
    N = 3 if batched else 1
    x = torch.randn((4, N, 4) if batched else (4, 4), dtype=F64, device=device)
    causal = torch.ones(4, 4, dtype=torch.bool, device=device).triu(1)       # True = not allowed
    float_3d = torch.randn(N * 2, 4, 4, dtype=F64, device=device)
    kpm = torch.zeros((N, 4) if batched else (4,), dtype=torch.bool, device=device)
    kpm[..., 1:] = True                                                       # query 0 keeps key 0 only ...
    blocked = causal.clone()
    blocked[0, 0] = True                                                      # ... and here not even that
    for kw in (dict(attn_mask=float_3d, average_attn_weights=False), dict(attn_mask=causal, is_causal=True),
               dict(attn_mask=causal, is_causal=True, need_weights=False),
               dict(attn_mask=blocked, key_padding_mask=kpm), dict(attn_mask=blocked, key_padding_mask=kpm,
                                                                    need_weights=False)):
        y, w = ours(x, x, x, **kw)
        with sdpa_kernel(SDPBackend.MATH):
            y_ref, w_ref = theirs(x, x, x, **kw)
        assert_close(y, y_ref)
        if w_ref is not None:
            assert_close(w, w_ref)
    # a query with no key to attend to: NaN with the weights (torch's softmax), zeros without (its SDPA)
    assert torch.isnan(ours(x, x, x, attn_mask=blocked, key_padding_mask=kpm)[0][0]).all()
    assert torch.all(ours(x, x, x, attn_mask=blocked, key_padding_mask=kpm, need_weights=False)[0][0]
                     == ours.out_proj.bias)


def test_state_dict_round_trips_both_ways(device):
    for kw in (dict(), dict(kdim=3, vdim=5, bias=False, add_bias_kv=True)):
        theirs = torch.nn.MultiheadAttention(6, 3, device=device, **kw)
        ours = nn.MultiheadAttention(6, 3, device=device, **kw)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        ours.load_state_dict(theirs.state_dict())
        fresh = torch.nn.MultiheadAttention(6, 3, device=device, **kw)
        fresh.load_state_dict(ours.state_dict())
        for a, b in zip(fresh.state_dict().values(), theirs.state_dict().values()):
            assert torch.equal(a, b)


def test_dtype_and_device_kept(device):
    layer = nn.MultiheadAttention(4, 2, dropout=0.5, batch_first=True, device=device,
                                  generator=torch.Generator(device=device).manual_seed(0))
    x = torch.randn(2, 3, 4, device=device)
    y, w = layer(x, x, x)
    assert y.dtype == torch.float32 and y.device == x.device and w.shape == (2, 3, 3)
    assert layer.dropout_mask.device == x.device


def test_extreme_inputs_finite(device):
    layer = nn.MultiheadAttention(4, 2, dtype=F64, device=device)
    x = (torch.randn(3, 2, 4, dtype=F64, device=device) * 1e4).requires_grad_(True)
    y, w = layer(x, x, x)
    (y.sum() + w.sum()).backward()
    assert torch.isfinite(y).all() and torch.isfinite(x.grad).all()


def test_never_calls_torch_attention(device, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a mirrored torch op was called")

    for namespace, name in ((TF, "multi_head_attention_forward"), (TF, "scaled_dot_product_attention"),
                            (torch, "_native_multi_head_attention"), (torch.nn.MultiheadAttention, "forward"),
                            (TF, "softmax"), (torch, "softmax"), (torch.Tensor, "softmax"), (TF, "dropout")):
        monkeypatch.setattr(namespace, name, forbidden)
    layer = nn.MultiheadAttention(4, 2, dropout=0.2, device=device, kdim=3, vdim=3)
    x, kv = torch.randn(3, 2, 4, device=device), torch.randn(5, 2, 3, device=device)
    y, w = layer(x, kv, kv, key_padding_mask=torch.zeros(2, 5, dtype=torch.bool, device=device))
    (y.sum() + w.sum()).backward()
    layer.eval()
    layer(x, kv, kv, need_weights=False)
    with pytest.raises(AssertionError, match="a mirrored torch op was called"):
        TF.multi_head_attention_forward()                           # the patch is in force


def test_bad_inputs():
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads"):
        nn.MultiheadAttention(6, 4)
    with pytest.raises(TypeError, match="dtype must be a floating-point torch.dtype"):
        nn.MultiheadAttention(4, 2, dtype=torch.int64)
    layer = nn.MultiheadAttention(4, 2, dtype=F64)
    x = torch.ones(3, 2, 4, dtype=F64)
    with pytest.raises(TypeError, match="query must be a torch.Tensor"):
        layer(np.ones((3, 2, 4)), x, x)
    with pytest.raises(ValueError, match=r"value must have 4 features \(vdim\)"):
        layer(x, x, torch.ones(3, 2, 5, dtype=F64))
    with pytest.raises(ValueError, match="attn_mask must have shape"):
        layer(x, x, x, attn_mask=torch.zeros(3, 4, dtype=torch.bool))
    with pytest.raises(TypeError, match="key_padding_mask must be a torch.Tensor"):
        layer(x, x, x, key_padding_mask=np.zeros((2, 3), dtype=bool))
    with pytest.raises(TypeError, match="query must have the dtype of the module's parameters"):
        layer(x.float(), x.float(), x.float())


def test_additive_attention_matches_numpy(device):
    rng = np.random.default_rng(0)
    ours = npnn.AdditiveAttention(3, 2, 5, dtype=np.float64, generator=rng)
    twin = nn.AdditiveAttention(3, 2, 5, dtype=F64, device=device)
    assert list(twin.state_dict()) == list(ours.state_dict())
    twin.load_state_dict({k: torch.tensor(v) for k, v in ours.state_dict().items()})
    q, k, v = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 6, 2)), rng.standard_normal((2, 6, 3))
    mask = rng.random((4, 6)) < 0.6
    keep = rng.random((2, 4, 6)) < 0.7
    ours.dropout = twin.dropout = 0.3
    y, w = ours(q, k, v, attn_mask=mask, dropout_mask=keep)
    leaves = [torch.tensor(a, device=device, requires_grad=True) for a in (q, k, v)]
    y_t, w_t = twin(*leaves, attn_mask=torch.tensor(mask, device=device),
                    dropout_mask=torch.tensor(keep, device=device))
    assert_close(y_t, y)
    assert_close(w_t, w)
    g_y, g_w = rng.standard_normal(y.shape), rng.standard_normal(w.shape)
    grads = ours.backward((g_y, g_w))
    torch.autograd.backward([y_t, w_t], [torch.tensor(g_y, device=device), torch.tensor(g_w, device=device)])
    for a, b in zip(leaves, grads):
        assert_close(a.grad, b)
    for name in ("W_q", "W_k", "w_v"):
        assert_close(getattr(twin, name).weight.grad, getattr(ours, name).weight.grad)
