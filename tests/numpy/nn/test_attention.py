"""dlref.numpy.nn.MultiheadAttention against torch.nn.MultiheadAttention in float64 (outputs, weights, input and
parameter gradients over layouts, kdim/vdim, bias, add_bias_kv, add_zero_attn, masks and dropout with torch's
mask), finite differences, state_dict both ways, initialization, fully masked rows, extreme inputs, bad inputs;
dlref.numpy.nn.AdditiveAttention against a torch composition."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.nn.attention import SDPBackend, sdpa_kernel

from dlref.numpy import nn
from dlref.testing import assert_close, compare_modules, gradcheck

F64 = torch.float64


def to_torch(value):
    return torch.tensor(value) if isinstance(value, np.ndarray) else value


def torch_keep_mask(shape, p, seed):
    """The keep-mask torch.nn.MultiheadAttention draws after ``torch.manual_seed(seed)`` (F.dropout on the weights)."""
    torch.manual_seed(seed)
    return torch.empty(shape, dtype=F64).bernoulli_(1 - p).bool().numpy()


def compare(ours, theirs, q, k, v, forward_kw, rng, seed=0):
    """Forward and backward of both modules on the same state: outputs, weights, input and parameter gradients."""
    ours.load_state_dict(theirs.state_dict())
    leaves = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    torch.manual_seed(seed)
    with sdpa_kernel(SDPBackend.MATH):
        y_ref, w_ref = theirs(*leaves, **{a: to_torch(b) for a, b in forward_kw.items()})
    keep = None
    if theirs.training and 0 < theirs.dropout < 1:
        batched = q.ndim == 3
        N = (q.shape[0] if theirs.batch_first else q.shape[1]) if batched else 1
        L, S = (q.shape[-2], k.shape[-2]) if theirs.batch_first or not batched else (q.shape[0], k.shape[0])
        S += int(theirs.bias_k is not None) + int(theirs.add_zero_attn)
        keep = torch_keep_mask((N, theirs.num_heads, L, S), theirs.dropout, seed)
        keep = keep if batched else keep[0]
    y, w = ours(q, k, v, **forward_kw, dropout_mask=keep)
    assert_close(y, y_ref, msg="attn_output")
    assert (w is None) == (w_ref is None)
    g_y = rng.standard_normal(y.shape)
    if w is None:
        grads = ours.backward(g_y)
        y_ref.backward(torch.tensor(g_y))
    else:
        assert_close(w, w_ref, msg="attn_weights")
        g_w = rng.standard_normal(w.shape)
        grads = ours.backward((g_y, g_w))
        torch.autograd.backward([y_ref, w_ref], [torch.tensor(g_y), torch.tensor(g_w)])
    assert len(grads) == 3
    for name, g, leaf in zip(("query", "key", "value"), grads, leaves):
        assert_close(g, leaf.grad, msg=f"grad {name}")
    theirs_params = dict(theirs.named_parameters())
    assert sorted(theirs_params) == sorted(n for n, _ in ours.named_parameters())
    for name, param in ours.named_parameters():
        assert_close(param.grad, theirs_params[name].grad, msg=f"grad {name}")


@st.composite
def configs(draw):
    h, d = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    module = dict(embed_dim=h * d, num_heads=h, bias=draw(st.booleans()), add_bias_kv=draw(st.booleans()),
                  add_zero_attn=draw(st.booleans()), batch_first=draw(st.booleans()),
                  kdim=draw(st.sampled_from([None, 2, 3])), vdim=draw(st.sampled_from([None, 1, 4])),
                  dropout=draw(st.sampled_from([0.0, 0.0, 0.4])))
    shape = dict(batched=draw(st.booleans()), N=draw(st.integers(1, 3)), L=draw(st.integers(1, 4)),
                 S=draw(st.integers(1, 4)))
    masks = dict(kind=draw(st.sampled_from(["bool", "float"])), kpm=draw(st.booleans()),
                 attn=draw(st.sampled_from([None, 2, 3])))
    forward = dict(need_weights=draw(st.booleans()), average_attn_weights=draw(st.booleans()))
    return module, shape, masks, forward, draw(st.booleans()), draw(st.integers(0, 2**16))


def make_inputs(module, shape, masks, rng):
    E = module["embed_dim"]
    kdim, vdim = module["kdim"] or E, module["vdim"] or E
    N, L, S = shape["N"], shape["L"], shape["S"]

    def layout(T, D):
        if not shape["batched"]:
            return (T, D)
        return (N, T, D) if module["batch_first"] else (T, N, D)

    q, k, v = (rng.standard_normal(layout(T, D)) for T, D in ((L, E), (S, kdim), (S, vdim)))
    kw = {}

    def mask(shape_):
        blocked = rng.random(shape_) < 0.3
        blocked[..., 0] = False                   # every query keeps key 0 (no NaN from a fully masked row)
        if masks["kind"] == "bool":
            return blocked
        return np.where(blocked, -np.inf, rng.standard_normal(shape_))

    if masks["kpm"]:
        kw["key_padding_mask"] = mask((N, S) if shape["batched"] else (S,))
    if masks["attn"] == 2:
        kw["attn_mask"] = mask((L, S))
    elif masks["attn"] == 3:
        kw["attn_mask"] = mask(((N if shape["batched"] else 1) * module["num_heads"], L, S))
    return q, k, v, kw


@given(config=configs())
def test_matches_torch(config):
    module, shape, masks, forward, training, seed = config
    rng = np.random.default_rng(seed)
    ours = nn.MultiheadAttention(**module, dtype=np.float64, generator=rng)
    theirs = torch.nn.MultiheadAttention(**module, dtype=F64)
    if not training:
        ours.eval()
        theirs.eval()
    q, k, v, kw = make_inputs(module, shape, masks, rng)
    compare(ours, theirs, q, k, v, dict(kw, **forward), rng, seed)


def test_compare_modules_works_with_the_pair_of_outputs():
    # the users' path: dlref.testing.compare_modules feeds (grad_output, grad_attn_weights) to backward
    rng = np.random.default_rng(0)
    theirs = torch.nn.MultiheadAttention(6, 3, kdim=2, vdim=5, dtype=F64)
    ours = nn.MultiheadAttention(6, 3, kdim=2, vdim=5, dtype=np.float64)
    compare_modules(ours, theirs, rng.standard_normal((4, 2, 6)), rng.standard_normal((3, 2, 2)),
                    rng.standard_normal((3, 2, 5)), generator=rng)


def test_gradcheck_through_inputs_and_parameters():
    rng = np.random.default_rng(0)
    for kw in (dict(), dict(kdim=3, vdim=2, add_bias_kv=True, add_zero_attn=True, batch_first=True)):
        layer = nn.MultiheadAttention(4, 2, dropout=0.3, dtype=np.float64, generator=rng, **kw)
        names = [n for n, _ in layer.named_parameters()]
        params = dict(layer.named_parameters())
        N, L, S = 2, 2, 3
        q = rng.standard_normal((L, N, 4) if not kw else (N, L, 4))
        k = rng.standard_normal((S, N, kw.get("kdim", 4)) if not kw else (N, S, 3))
        v = rng.standard_normal((S, N, kw.get("vdim", 4)) if not kw else (N, S, 2))
        S_ = S + 2 * bool(kw)
        keep = rng.random((N, 2, L, S_)) < 0.7
        kpm = np.array([[False, True, False], [False, False, True]])
        attn_mask = rng.standard_normal((L, S))

        def forward(q, k, v, *values):
            for name, value in zip(names, values):
                params[name].data = value
            y, w = layer(q, k, v, key_padding_mask=kpm, attn_mask=attn_mask, dropout_mask=keep,
                         average_attn_weights=False)
            return np.concatenate([y.ravel(), w.ravel()])

        def backward(g, q, k, v, *values):
            layer.zero_grad()
            y, w = layer(q, k, v, key_padding_mask=kpm, attn_mask=attn_mask, dropout_mask=keep,
                         average_attn_weights=False)
            grads = layer.backward((g[:y.size].reshape(y.shape), g[y.size:].reshape(w.shape)))
            return (*grads, *(params[name].grad for name in names))

        inputs = [q, k, v, *(params[name].data.copy() for name in names)]
        assert gradcheck(forward, backward, inputs)


@pytest.mark.parametrize("kw", [dict(), dict(bias=False), dict(kdim=3, vdim=5), dict(add_bias_kv=True),
                                dict(kdim=2, bias=False, add_bias_kv=True)])
def test_state_dict_round_trips_both_ways(kw):
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(6, 2, dtype=F64, **kw)
    ours = nn.MultiheadAttention(6, 2, dtype=np.float64, generator=np.random.default_rng(1), **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [v.shape for v in ours.state_dict().values()] == [tuple(v.shape) for v in theirs.state_dict().values()]
    ours.load_state_dict(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key], value.numpy())
    fresh = nn.MultiheadAttention(6, 2, dtype=np.float64, generator=np.random.default_rng(2), **kw)
    back = torch.nn.MultiheadAttention(6, 2, dtype=F64, **kw)
    back.load_state_dict({key: torch.from_numpy(value) for key, value in fresh.state_dict().items()})
    for key, value in fresh.state_dict().items():
        np.testing.assert_array_equal(back.state_dict()[key].numpy(), value)


def test_initialization_is_torchs():
    E = 64
    layer = nn.MultiheadAttention(E, 4, add_bias_kv=True, dtype=np.float64, generator=np.random.default_rng(0))
    W = layer.in_proj_weight.data
    bound = math.sqrt(6 / (E + 3 * E))                         # xavier_uniform_ on (3E, E)
    assert np.abs(W).max() <= bound and np.abs(W).max() > 0.95 * bound
    assert abs(W.std() - bound / math.sqrt(3)) < 0.05 * bound
    assert np.all(layer.in_proj_bias.data == 0) and np.all(layer.out_proj.bias.data == 0)
    assert np.abs(layer.out_proj.weight.data).max() <= 1 / math.sqrt(E)
    assert abs(layer.bias_k.data.std() - 1 / math.sqrt(E)) < 0.35 / math.sqrt(E)   # xavier_normal_, 64 draws
    separate = nn.MultiheadAttention(8, 2, kdim=3, vdim=5, dtype=np.float64, generator=np.random.default_rng(0))
    assert separate.in_proj_weight is None
    assert separate.k_proj_weight.shape == (8, 3) and separate.v_proj_weight.shape == (8, 5)
    assert np.abs(separate.k_proj_weight.data).max() <= math.sqrt(6 / 11)


def test_self_attention_gradients_add_up_to_torchs():
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(4, 2, dtype=F64, batch_first=True)
    ours = nn.MultiheadAttention(4, 2, dtype=np.float64, batch_first=True)
    ours.load_state_dict(theirs.state_dict())
    x = rng.standard_normal((2, 5, 4))
    mask = np.triu(np.ones((5, 5), dtype=bool), 1)
    xt = torch.tensor(x, requires_grad=True)
    y_ref, _ = theirs(xt, xt, xt, attn_mask=torch.tensor(mask), need_weights=False, is_causal=True)
    y, w = ours(x, x, x, attn_mask=mask, need_weights=False, is_causal=True)
    assert w is None
    assert_close(y, y_ref)
    g = rng.standard_normal(y.shape)
    y_ref.backward(torch.tensor(g))
    assert_close(sum(ours.backward(g)), xt.grad)


def test_fully_masked_query_nan_with_weights_zeros_without_as_torch():
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    theirs = torch.nn.MultiheadAttention(4, 2, dtype=F64)
    ours = nn.MultiheadAttention(4, 2, dtype=np.float64)
    ours.load_state_dict(theirs.state_dict())
    q, k = rng.standard_normal((3, 2, 4)), rng.standard_normal((5, 2, 4))
    kpm = np.zeros((2, 5), dtype=bool)
    kpm[1] = True                                              # sequence 1 is all padding
    for need_weights in (True, False):
        y, _ = ours(q, k, k, key_padding_mask=kpm, need_weights=need_weights)
        with sdpa_kernel(SDPBackend.MATH):
            y_ref, _ = theirs(*(torch.tensor(a) for a in (q, k, k)), key_padding_mask=torch.tensor(kpm),
                              need_weights=need_weights)
        assert_close(y, y_ref)
        assert np.isnan(y[:, 1]).all() == need_weights and np.isfinite(y[:, 0]).all()


def test_dropout_draws_from_the_generator_in_training_only():
    x = np.random.default_rng(0).standard_normal((3, 2, 4))
    a = nn.MultiheadAttention(4, 2, dropout=0.5, dtype=np.float64, generator=np.random.default_rng(5))
    b = nn.MultiheadAttention(4, 2, dropout=0.5, dtype=np.float64, generator=np.random.default_rng(5))
    ya, wa = a(x, x, x, average_attn_weights=False)
    yb, wb = b(x, x, x, average_attn_weights=False)
    np.testing.assert_array_equal(ya, yb)
    assert a.dropout_mask.shape == (2, 2, 3, 3) and a.dropout_mask.dtype == bool
    assert np.all((wa == 0) == ~a.dropout_mask)                # the returned weights are after dropout
    a.eval()
    y_eval, w_eval = a(x, x, x)
    assert a.dropout_mask is None
    assert_close(w_eval.sum(axis=-1), np.ones((2, 3)))


def test_float32_default_and_gradient_accumulation():
    layer = nn.MultiheadAttention(4, 2, generator=np.random.default_rng(0))
    x = np.ones((3, 4), dtype=np.float32)                      # unbatched
    y, w = layer(x, x, x)
    assert y.dtype == w.dtype == np.float32 and y.shape == (3, 4) and w.shape == (3, 3)
    grads = layer.backward(np.ones_like(y))
    assert all(g.dtype == np.float32 for g in grads)
    once = layer.in_proj_weight.grad.copy()
    layer(x, x, x)
    layer.backward(np.ones_like(y))
    assert_close(layer.in_proj_weight.grad, 2 * once)


def test_extreme_inputs_finite():
    rng = np.random.default_rng(0)
    layer = nn.MultiheadAttention(4, 2, dtype=np.float64, generator=rng)
    x = rng.standard_normal((3, 2, 4)) * 1e4
    y, w = layer(x, x, x)
    assert np.isfinite(y).all() and np.isfinite(w).all()
    assert all(np.isfinite(g).all() for g in layer.backward((np.ones_like(y), np.ones_like(w))))


def test_bad_inputs():
    with pytest.raises(ValueError, match="embed_dim must be divisible by num_heads, got embed_dim=6 and num_heads=4"):
        nn.MultiheadAttention(6, 4)
    with pytest.raises(ValueError, match="num_heads must be >= 1"):
        nn.MultiheadAttention(6, 0)
    with pytest.raises(ValueError, match=r"dropout must be in \[0.0, 1.0\]"):
        nn.MultiheadAttention(6, 2, dropout=-0.1)
    with pytest.raises(TypeError, match="batch_first must be a bool"):
        nn.MultiheadAttention(6, 2, batch_first="yes")
    layer = nn.MultiheadAttention(4, 2, dtype=np.float64)
    x = np.ones((3, 2, 4))
    with pytest.raises(RuntimeError, match="backward called before forward"):
        layer.backward(np.ones((3, 2, 4)))
    with pytest.raises(ValueError, match=r"query must have 4 features \(embed_dim\)"):
        layer(np.ones((3, 2, 5)), x, x)
    with pytest.raises(ValueError, match=r"key must have 4 features \(kdim\)"):
        layer(x, np.ones((3, 2, 3)), x)
    with pytest.raises(ValueError, match="query, key and value must have the same batch size"):
        layer(x, np.ones((3, 1, 4)), np.ones((3, 1, 4)))
    with pytest.raises(ValueError, match="key must be 3-D like query"):
        layer(x, np.ones((3, 4)), x)
    with pytest.raises(ValueError, match=r"key_padding_mask must have shape \(2, 3\)"):
        layer(x, x, x, key_padding_mask=np.zeros((3, 2), dtype=bool))
    with pytest.raises(ValueError, match=r"attn_mask must have shape \(3, 3\) \(L, S\) or \(4, 3, 3\)"):
        layer(x, x, x, attn_mask=np.zeros((2, 3, 3), dtype=bool))
    with pytest.raises(TypeError, match="key_padding_mask must be boolean"):
        layer(x, x, x, key_padding_mask=np.zeros((2, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="is_causal=True needs attn_mask"):
        layer(x, x, x, is_causal=True)
    with pytest.raises(TypeError, match=r"query must have the dtype of the module's parameters \(float64\)"):
        layer(x.astype(np.float32), x.astype(np.float32), x.astype(np.float32))
    with pytest.raises(ValueError, match=r"dropout_mask must have the attention weights' shape \(2, 2, 3, 3\)"):
        layer(x, x, x, dropout_mask=np.ones((2, 3, 3), dtype=bool))
    y, w = layer(x, x, x)
    with pytest.raises(ValueError, match="grad_output must have the shape of attn_output"):
        layer.backward(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match="grad_attn_weights must have the shape of attn_weights"):
        layer.backward((np.ones_like(y), np.ones((2, 3, 4))))
    layer(x, x, x, need_weights=False)
    with pytest.raises(ValueError, match="need_weights=False"):
        layer.backward((np.ones_like(y), np.ones_like(w)))


# -- additive attention ------------------------------------------------------------------------------


def torch_additive(layer, q, k, v, attn_mask=None):
    """Bahdanau attention in torch ops with the NumPy layer's weights (the formula, nothing shared with dlref)."""
    W_q, W_k, w_v = (torch.tensor(layer.state_dict()[n], requires_grad=True)
                     for n in ("W_q.weight", "W_k.weight", "w_v.weight"))
    scores = (torch.tanh((q @ W_q.T).unsqueeze(-2) + (k @ W_k.T).unsqueeze(-3)) @ w_v.T).squeeze(-1)
    if attn_mask is not None:
        scores = scores.masked_fill(~attn_mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights @ v, weights, (W_q, W_k, w_v)


@given(batch=st.lists(st.integers(1, 3), max_size=2), L=st.integers(1, 4), S=st.integers(1, 4),
       sizes=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), st.integers(1, 5)),
       masked=st.booleans(), seed=st.integers(0, 2**16))
def test_additive_attention_matches_a_torch_composition(batch, L, S, sizes, masked, seed):
    Dq, Dk, Dv, H = sizes
    rng = np.random.default_rng(seed)
    layer = nn.AdditiveAttention(Dq, Dk, H, dtype=np.float64, generator=rng)
    q, k, v = (rng.standard_normal((*batch, T, D)) for T, D in ((L, Dq), (S, Dk), (S, Dv)))
    mask = None
    if masked:
        mask = rng.random((L, S)) < 0.6
        mask[:, -1] = True
    y, w = layer(q, k, v, attn_mask=mask)
    leaves = [torch.tensor(a, requires_grad=True) for a in (q, k, v)]
    y_ref, w_ref, params = torch_additive(layer, *leaves, None if mask is None else torch.tensor(mask))
    assert_close(y, y_ref)
    assert_close(w, w_ref)
    g_y, g_w = rng.standard_normal(y.shape), rng.standard_normal(w.shape)
    grads = layer.backward((g_y, g_w))
    ref = torch.autograd.grad([y_ref, w_ref], [*leaves, *params], [torch.tensor(g_y), torch.tensor(g_w)])
    for ours, theirs in zip(grads, ref[:3]):
        assert_close(ours, theirs)
    for sub, theirs in zip((layer.W_q, layer.W_k, layer.w_v), ref[3:]):
        assert_close(sub.weight.grad, theirs)


def test_additive_attention_layer_basics():
    layer = nn.AdditiveAttention(3, 2, 5, dropout=0.5, dtype=np.float64, generator=np.random.default_rng(0))
    assert list(layer.state_dict()) == ["W_k.weight", "W_q.weight", "w_v.weight"]       # d2l's keys
    assert layer.w_v.weight.shape == (1, 5)
    q, k, v = np.ones((2, 4, 3)), np.ones((2, 6, 2)), np.arange(2 * 6 * 3.0).reshape(2, 6, 3)
    y, w = layer(q, k, v)
    assert y.shape == (2, 4, 3) and layer.dropout_mask.shape == (2, 4, 6)
    assert np.all((w == 0) == ~layer.dropout_mask)
    layer.eval()
    y, w = layer(q, k, v)
    assert_close(w, np.full((2, 4, 6), 1 / 6))            # equal keys: equal weights
    with pytest.raises(TypeError, match="query must have the dtype of the module's parameters"):
        layer(q.astype(np.float32), k, v)
    with pytest.raises(ValueError, match=r"weight_q must have shape \(num_hiddens, query's feature size\)"):
        layer(np.ones((2, 4, 2)), k, v)
    with pytest.raises(ValueError, match="dropout must be in"):
        nn.AdditiveAttention(3, 2, 5, dropout=2.0)
