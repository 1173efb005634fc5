"""dlref.torch.nn.TransformerEncoderLayer / TransformerDecoderLayer against torch.nn's on every device (float64, eval
mode and train mode with dropout 0, post-LN and pre-LN, relu and gelu, layouts and masks): the same weights from the
same seed, outputs and gradients; agreement with the NumPy layers given the twin's dropout masks; state_dict both
ways; the mirrored ops never called; sinusoidal positional encoding against the NumPy table."""

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
    nhead, d = draw(st.integers(1, 2)), draw(st.integers(1, 3))
    module = dict(d_model=nhead * d, nhead=nhead, dim_feedforward=draw(st.integers(1, 5)),
                  activation=draw(st.sampled_from(["relu", "gelu"])), norm_first=draw(st.booleans()),
                  batch_first=draw(st.booleans()), bias=draw(st.booleans()))
    sizes = dict(batched=draw(st.booleans()), N=draw(st.integers(1, 3)), T=draw(st.integers(1, 4)),
                 S=draw(st.integers(1, 4)))
    return (module, sizes, draw(st.sampled_from(["none", "causal", "float", "padding"])), draw(st.booleans()),
            draw(st.booleans()), draw(st.integers(0, 2**16)))


def masks(kind, sizes, L, S, gen, prefix, device):
    """Masks for one attention (True = not allowed), named for the layer's forward."""
    if kind == "none":
        return {}
    if kind == "causal":
        return {f"{prefix}mask": torch.ones(L, S, dtype=torch.bool, device=device).triu(1)}
    if kind == "float":
        return {f"{prefix}mask": torch.randn(L, S, generator=gen, dtype=F64).to(device)}
    pad = torch.rand((sizes["N"], S) if sizes["batched"] else (S,), generator=gen) < 0.4
    pad[..., 0] = False
    return {f"{prefix}key_padding_mask": pad.to(device)}


def layout(module, sizes, T):
    E, N = module["d_model"], sizes["N"]
    if not sizes["batched"]:
        return (T, E)
    return (N, T, E) if module["batch_first"] else (T, N, E)


@given(config=configs())
def test_matches_torch_on_every_device(device, config):
    module, sizes, mask_kind, decoder, train, seed = config
    name = "TransformerDecoderLayer" if decoder else "TransformerEncoderLayer"
    torch.manual_seed(seed)
    theirs = getattr(torch.nn, name)(**module, dropout=0.0, dtype=F64, device=device).train(train)
    torch.manual_seed(seed)
    ours = getattr(nn, name)(**module, dropout=0.0, dtype=F64, device=device).train(train)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (key, a), b in zip(ours.state_dict().items(), theirs.state_dict().values()):
        assert torch.equal(a, b), key                              # the same weights from the same seed
    gen = torch.Generator().manual_seed(seed)
    T, S = sizes["T"], sizes["S"]
    prefix = "tgt_" if decoder else "src_"
    kw = masks(mask_kind, sizes, T, T, gen, prefix, device)
    if mask_kind == "causal":
        kw["tgt_is_causal" if decoder else "is_causal"] = True
    shapes = [layout(module, sizes, T)] + [layout(module, sizes, S)] * decoder
    if decoder:
        kw.update(masks(mask_kind if mask_kind != "causal" else "float", sizes, T, S, gen, "memory_", device))
    inputs = [torch.randn(s, generator=gen, dtype=F64).to(device) for s in shapes]
    leaves = [x.clone().requires_grad_(True) for x in inputs]
    ref_leaves = [x.clone().requires_grad_(True) for x in inputs]
    y = ours(*leaves, **kw)
    with sdpa_kernel(SDPBackend.MATH):
        y_ref = theirs(*ref_leaves, **kw)
    assert_close(y, y_ref)
    g = torch.randn(y.shape, generator=gen, dtype=F64).to(device)
    y.backward(g)
    y_ref.backward(g)
    for a, b in zip(leaves, ref_leaves):
        assert_close(a.grad, b.grad)
    theirs_params = dict(theirs.named_parameters())
    for key, param in ours.named_parameters():
        assert_close(param.grad, theirs_params[key].grad, msg=key)


@pytest.mark.parametrize("decoder", [False, True])
@pytest.mark.parametrize("norm_first", [False, True])
def test_numpy_layer_given_the_twins_dropout_masks_agrees(decoder, norm_first):
    name = "TransformerDecoderLayer" if decoder else "TransformerEncoderLayer"
    torch.manual_seed(0)
    ours = getattr(nn, name)(4, 2, dim_feedforward=6, dropout=0.4, norm_first=norm_first, dtype=F64)
    twin = getattr(npnn, name)(4, 2, dim_feedforward=6, dropout=0.4, norm_first=norm_first, dtype=np.float64)
    twin.load_state_dict(ours.state_dict())
    inputs = [torch.randn(3, 2, 4, dtype=F64, requires_grad=True)] + \
        [torch.randn(5, 2, 4, dtype=F64, requires_grad=True)] * decoder
    causal = torch.ones(3, 3, dtype=torch.bool).triu(1)
    kw = dict(tgt_mask=causal) if decoder else dict(src_mask=causal)
    y = ours(*inputs, **kw)
    keep = ours.dropout_masks
    assert set(keep) == set(ours._attention_names + ours._dropout_names)
    y_np = twin(*(x.detach().numpy() for x in inputs), **{k: v.numpy() for k, v in kw.items()},
                dropout_masks={k: v.numpy() for k, v in keep.items()})
    assert_close(y_np, y)
    g = torch.randn(y.shape, dtype=F64)
    y.backward(g)
    grads = twin.backward(g.numpy())
    for grad, x in zip(grads if decoder else (grads,), inputs):
        assert_close(grad, x.grad)
    # and the twin reuses masks it is given
    assert_close(ours(*inputs, **kw, dropout_masks=keep), y)


def test_state_dict_round_trips_both_ways(device):
    for name, kw in (("TransformerEncoderLayer", dict()), ("TransformerDecoderLayer", dict(bias=False))):
        theirs = getattr(torch.nn, name)(6, 3, 8, device=device, **kw)
        ours = getattr(nn, name)(6, 3, 8, device=device, **kw)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        ours.load_state_dict(theirs.state_dict())
        fresh = getattr(torch.nn, name)(6, 3, 8, device=device, **kw)
        fresh.load_state_dict(ours.state_dict())
        for a, b in zip(fresh.state_dict().values(), theirs.state_dict().values()):
            assert torch.equal(a, b)


def test_dtype_and_device_kept(device):
    layer = nn.TransformerDecoderLayer(4, 2, 8, dropout=0.5, batch_first=True, device=device)
    x, m = torch.randn(2, 3, 4, device=device), torch.randn(2, 5, 4, device=device)
    y = layer(x, m)
    assert y.dtype == torch.float32 and y.device == x.device and y.shape == (2, 3, 4)
    assert all(mask.device == x.device for mask in layer.dropout_masks.values())


def test_extreme_inputs_finite(device):
    for norm_first in (False, True):
        layer = nn.TransformerEncoderLayer(4, 2, 8, norm_first=norm_first, dtype=F64, device=device)
        x = (torch.randn(3, 2, 4, dtype=F64, device=device) * 1e4).requires_grad_(True)
        y = layer(x)
        y.sum().backward()
        assert torch.isfinite(y).all() and torch.isfinite(x.grad).all()


def test_never_calls_torch_transformer_or_attention(device, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("a mirrored torch op was called")

    for namespace, name in ((torch.nn.TransformerEncoderLayer, "forward"),
                            (torch.nn.TransformerDecoderLayer, "forward"),
                            (torch, "_transformer_encoder_layer_fwd"), (torch.nn.MultiheadAttention, "forward"),
                            (TF, "multi_head_attention_forward"), (TF, "scaled_dot_product_attention"),
                            (torch, "_native_multi_head_attention"), (TF, "layer_norm"), (torch, "layer_norm"),
                            (TF, "linear"), (TF, "dropout"), (TF, "relu"), (TF, "gelu"), (TF, "softmax")):
        monkeypatch.setattr(namespace, name, forbidden)
    for activation in ("relu", "gelu"):
        enc = nn.TransformerEncoderLayer(4, 2, 8, activation=activation, device=device)
        dec = nn.TransformerDecoderLayer(4, 2, 8, activation=activation, norm_first=True, device=device)
        x = torch.randn(3, 2, 4, device=device, requires_grad=True)
        causal = torch.ones(3, 3, dtype=torch.bool, device=device).triu(1)
        dec(x, enc(x, src_mask=causal, is_causal=True), tgt_mask=causal).sum().backward()
        nn.PositionalEncoding(4, dropout=0.1)(x).sum().backward()
    with pytest.raises(AssertionError, match="a mirrored torch op was called"):
        torch.nn.TransformerEncoderLayer.forward()                  # the patch is in force


@pytest.mark.parametrize("dtype", [torch.float32, F64])
def test_sinusoidal_table_matches_numpy(device, dtype):
    np_dtype = np.float32 if dtype == torch.float32 else np.float64
    for max_len, d in ((1, 2), (7, 6), (50, 16)):
        table = nn.sinusoidal_positional_encoding(max_len, d, dtype=dtype, device=device)
        assert table.dtype == dtype and table.device.type == torch.device(device).type
        assert_close(table.cpu().numpy(), npnn.sinusoidal_positional_encoding(max_len, d, dtype=np_dtype))


def test_positional_encoding_layouts_and_dropout_mask(device):
    x = torch.randn(5, 2, 6, dtype=F64, device=device)
    pe = nn.sinusoidal_positional_encoding(5, 6, dtype=F64, device=device)
    assert_close(nn.PositionalEncoding(6)(x), x + pe[:, None])
    assert_close(nn.PositionalEncoding(6, batch_first=True)(x.transpose(0, 1)), (x + pe[:, None]).transpose(0, 1))
    assert_close(nn.PositionalEncoding(6)(x[:, 0]), x[:, 0] + pe)
    layer = nn.PositionalEncoding(6, dropout=0.5)
    y = layer(x)
    keep = layer.dropout.mask
    assert_close(y, (x + pe[:, None]) * keep / 0.5)
    twin = npnn.PositionalEncoding(6, dropout=0.5)
    assert_close(twin(x.cpu().numpy(), keep.cpu().numpy()), y.cpu())
    assert nn.PositionalEncoding(6).state_dict() == {}
