"""dlref.numpy.nn.TransformerEncoderLayer / TransformerDecoderLayer against torch.nn's in float64 (eval mode, and
train mode with dropout 0; post-LN and pre-LN; relu and gelu; layouts and masks): outputs, input and parameter
gradients; finite differences through inputs and parameters with dropout masks; state_dict both ways; extreme inputs;
sinusoidal positional encoding against its formula."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torch.nn.attention import SDPBackend, sdpa_kernel

from dlref.numpy import nn
from dlref.testing import assert_close, gradcheck

F64 = torch.float64


@st.composite
def configs(draw):
    nhead, d = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    module = dict(d_model=nhead * d, nhead=nhead, dim_feedforward=draw(st.integers(1, 5)),
                  activation=draw(st.sampled_from(["relu", "gelu"])), norm_first=draw(st.booleans()),
                  batch_first=draw(st.booleans()), bias=draw(st.booleans()),
                  layer_norm_eps=draw(st.sampled_from([1e-5, 1e-3])))
    sizes = dict(batched=draw(st.booleans()), N=draw(st.integers(1, 3)), T=draw(st.integers(1, 4)),
                 S=draw(st.integers(1, 4)))
    return module, sizes, draw(st.sampled_from(["none", "causal", "float", "padding"])), \
        draw(st.booleans()), draw(st.integers(0, 2**16))


def layout(module, sizes, T):
    E, N = module["d_model"], sizes["N"]
    if not sizes["batched"]:
        return (T, E)
    return (N, T, E) if module["batch_first"] else (T, N, E)


def masks(kind, sizes, L, S, rng, prefix):
    """Masks for one attention (MultiheadAttention's convention: True = not allowed), named for the layer."""
    if kind == "none":
        return {}
    if kind == "causal":
        return {f"{prefix}mask": np.triu(np.ones((L, S), dtype=bool), 1)}
    if kind == "float":
        return {f"{prefix}mask": rng.standard_normal((L, S))}
    pad = rng.random((sizes["N"], S) if sizes["batched"] else (S,)) < 0.4
    pad[..., 0] = False                                            # every query keeps a key
    return {f"{prefix}key_padding_mask": pad}


def torch_args(kw):
    return {k: torch.from_numpy(v) if isinstance(v, np.ndarray) else v for k, v in kw.items()}


def check_against_torch(ours, theirs, inputs, kw, train):
    ours.load_state_dict(theirs.state_dict())
    ours.train(train)
    theirs.train(train)
    rng = np.random.default_rng(1)
    leaves = [torch.from_numpy(x).requires_grad_(True) for x in inputs]
    with sdpa_kernel(SDPBackend.MATH):
        y_ref = theirs(*leaves, **torch_args(kw))
    y = ours(*inputs, **kw)
    assert_close(y, y_ref)
    g = rng.standard_normal(y.shape)
    y_ref.backward(torch.from_numpy(g))
    grads = ours.backward(g)
    grads = grads if isinstance(grads, tuple) else (grads,)
    for grad, leaf in zip(grads, leaves):
        assert_close(grad, leaf.grad)
    theirs_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        assert_close(param.grad, theirs_params[name].grad, msg=name)


@given(config=configs())
def test_encoder_matches_torch(config):
    module, sizes, mask_kind, train, seed = config
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    theirs = torch.nn.TransformerEncoderLayer(**module, dropout=0.0, dtype=F64)
    ours = nn.TransformerEncoderLayer(**module, dropout=0.0, dtype=np.float64)
    T = sizes["T"]
    kw = masks(mask_kind, sizes, T, T, rng, "src_")
    if mask_kind == "causal":
        kw["is_causal"] = True
    check_against_torch(ours, theirs, [rng.standard_normal(layout(module, sizes, T))], kw, train)


@given(config=configs(), memory_masks=st.sampled_from(["none", "float", "padding"]))
def test_decoder_matches_torch(config, memory_masks):
    module, sizes, mask_kind, train, seed = config
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    theirs = torch.nn.TransformerDecoderLayer(**module, dropout=0.0, dtype=F64)
    ours = nn.TransformerDecoderLayer(**module, dropout=0.0, dtype=np.float64)
    T, S = sizes["T"], sizes["S"]
    kw = dict(masks(mask_kind, sizes, T, T, rng, "tgt_"), **masks(memory_masks, sizes, T, S, rng, "memory_"))
    if mask_kind == "causal":
        kw["tgt_is_causal"] = True
    inputs = [rng.standard_normal(layout(module, sizes, T)), rng.standard_normal(layout(module, sizes, S))]
    check_against_torch(ours, theirs, inputs, kw, train)


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("decoder", [False, True])
def test_gradcheck_through_inputs_and_parameters_with_dropout(norm_first, decoder):
    rng = np.random.default_rng(0)
    cls = nn.TransformerDecoderLayer if decoder else nn.TransformerEncoderLayer
    layer = cls(4, 2, dim_feedforward=3, dropout=0.3, activation="gelu", norm_first=norm_first, dtype=np.float64,
                generator=rng)
    names = [n for n, _ in layer.named_parameters()]
    params = dict(layer.named_parameters())
    N, T, S = 2, 3, 2
    x, m = rng.standard_normal((T, N, 4)), rng.standard_normal((S, N, 4))
    inputs_ = (x, m) if decoder else (x,)
    layer(*inputs_)                                                 # draws every dropout mask once ...
    keep = layer.dropout_masks                                      # ... which the check then reuses
    assert set(keep) == set(layer._attention_names + layer._dropout_names)
    causal = np.triu(np.ones((T, T), dtype=bool), 1)
    kw = dict(tgt_mask=causal, memory_key_padding_mask=np.array([[False, True], [False, False]])) if decoder \
        else dict(src_mask=causal, src_key_padding_mask=np.array([[False, False, True], [False, False, False]]))

    def forward(*values):
        *xs, = values[:len(inputs_)]
        for name, value in zip(names, values[len(inputs_):]):
            params[name].data = value
        return layer(*xs, **kw, dropout_masks=keep)

    def backward(g, *values):
        layer.zero_grad()
        forward(*values)
        grads = layer.backward(g)
        grads = grads if isinstance(grads, tuple) else (grads,)
        return (*grads, *(params[name].grad for name in names))

    assert gradcheck(forward, backward, [*inputs_, *(params[name].data.copy() for name in names)])


@pytest.mark.parametrize("cls,kw", [("TransformerEncoderLayer", dict()),
                                    ("TransformerEncoderLayer", dict(bias=False, norm_first=True)),
                                    ("TransformerDecoderLayer", dict()),
                                    ("TransformerDecoderLayer", dict(bias=False, activation="gelu"))])
def test_state_dict_round_trips_both_ways(cls, kw):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, cls)(6, 2, dim_feedforward=5, dtype=F64, **kw)
    ours = getattr(nn, cls)(6, 2, dim_feedforward=5, dtype=np.float64, generator=np.random.default_rng(1), **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [v.shape for v in ours.state_dict().values()] == [tuple(v.shape) for v in theirs.state_dict().values()]
    ours.load_state_dict(theirs.state_dict())
    for key, value in theirs.state_dict().items():
        np.testing.assert_array_equal(ours.state_dict()[key], value.numpy())
    fresh = getattr(torch.nn, cls)(6, 2, dim_feedforward=5, dtype=F64, **kw)
    fresh.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    for key, value in theirs.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value)


def test_defaults_are_torchs():
    ours, theirs = nn.TransformerEncoderLayer(8, 2), torch.nn.TransformerEncoderLayer(8, 2)
    assert ours.linear1.weight.shape == tuple(theirs.linear1.weight.shape) == (2048, 8)
    assert ours.dropout.p == theirs.dropout.p == 0.1 and ours.self_attn.dropout == theirs.self_attn.dropout
    assert ours.norm1.eps == theirs.norm1.eps and ours.norm_first is theirs.norm_first is False
    assert ours.batch_first is theirs.self_attn.batch_first is False
    assert ours.linear1.weight.dtype == np.float32


def test_dropout_masks_drawn_recorded_and_reused():
    rng = np.random.default_rng(0)
    layer = nn.TransformerDecoderLayer(4, 2, dim_feedforward=3, dropout=0.5, dtype=np.float64, generator=rng)
    x, m = rng.standard_normal((3, 2, 4)), rng.standard_normal((5, 2, 4))
    y = layer(x, m)
    keep = layer.dropout_masks
    assert keep["self_attn"].shape == (2, 2, 3, 3) and keep["multihead_attn"].shape == (2, 2, 3, 5)
    assert keep["dropout"].shape == (3, 2, 3) and keep["dropout3"].shape == (3, 2, 4)
    assert not np.array_equal(layer(x, m), y)                       # fresh masks each call
    assert_close(layer(x, m, dropout_masks=keep), y)                # the recorded ones give the same output
    layer.eval()
    assert_close(layer(x, m), layer(x, m))
    assert layer.dropout_masks == {}                                # an evaluation-mode forward drops none


def test_extreme_inputs_finite():
    for layer, inputs in ((nn.TransformerEncoderLayer(4, 2, 8, dtype=np.float64), (np.full((3, 2, 4), 1e4),)),
                          (nn.TransformerDecoderLayer(4, 2, 8, norm_first=True, dtype=np.float64),
                           (np.random.default_rng(0).standard_normal((3, 2, 4)) * 1e4, np.full((2, 2, 4), -1e4)))):
        y = layer(*inputs)
        grads = layer.backward(np.ones_like(y))
        assert np.isfinite(y).all()
        assert all(np.isfinite(g).all() for g in (grads if isinstance(grads, tuple) else (grads,)))


def test_dtype_kept_float32():
    layer = nn.TransformerEncoderLayer(4, 2, 8, batch_first=True)
    x = np.ones((2, 3, 4), dtype=np.float32)
    y = layer(x)
    assert y.dtype == np.float32 and layer.backward(np.ones_like(y)).dtype == np.float32


@given(max_len=st.integers(1, 20), half=st.integers(1, 8))
def test_sinusoidal_table_is_the_formula(max_len, half):
    d = 2 * half
    pe = nn.sinusoidal_positional_encoding(max_len, d, dtype=np.float64)
    assert pe.shape == (max_len, d)
    for pos in range(max_len):
        for i in range(half):
            angle = pos / 10000 ** (2 * i / d)
            assert math.isclose(pe[pos, 2 * i], math.sin(angle), abs_tol=1e-12)
            assert math.isclose(pe[pos, 2 * i + 1], math.cos(angle), abs_tol=1e-12)
    assert nn.sinusoidal_positional_encoding(max_len, d).dtype == np.float32


def test_positional_encoding_adds_the_table_and_backward_is_dropout():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 2, 6))
    pe = nn.sinusoidal_positional_encoding(5, 6, np.float64)
    layer = nn.PositionalEncoding(6)
    assert_close(layer(x), x + pe[:, None])
    assert_close(nn.PositionalEncoding(6, batch_first=True)(x.transpose(1, 0, 2)), (x + pe[:, None]).transpose(1, 0, 2))
    assert_close(layer(x[:, 0]), x[:, 0] + pe)
    assert layer.state_dict() == {}
    dropped = nn.PositionalEncoding(6, dropout=0.5, generator=rng)
    keep = rng.random(x.shape) < 0.5
    assert_close(dropped(x, keep), (x + pe[:, None]) * keep / 0.5)
    assert gradcheck(lambda x: dropped(x, keep), lambda g, x: dropped.backward(g), [x])
    with pytest.raises(ValueError, match="max_len"):
        nn.PositionalEncoding(6, max_len=4)(x)
