"""dlref.torch.nn RNNCell, LSTMCell, RNN, LSTM against torch.nn on every device: outputs and autograd gradients,
torch's initialization from the same seed, dropout masks (same seed, given masks, to the NumPy layers),
state_dict both ways, dtype and device, extremes, errors; torch's recurrent kernels never called."""

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn as npnn
from dlref.testing import assert_close
from dlref.testing.strategies import recurrent_shapes
from dlref.torch import nn

F64 = torch.float64
NAMES = ["RNN", "LSTM", "RNNCell", "LSTMCell"]
# what torch.nn's recurrent modules call: the fused kernels (CPU and cuDNN), and their forwards
KERNELS = ["rnn_tanh", "rnn_relu", "lstm", "gru", "rnn_tanh_cell", "rnn_relu_cell", "lstm_cell", "gru_cell",
           "_cudnn_rnn", "_thnn_fused_lstm_cell"]


@pytest.fixture
def no_torch_kernels(monkeypatch):
    """Replace torch's recurrent kernels and modules' forwards with functions that raise."""
    def boom(*args, **kwargs):
        raise AssertionError("the twin called torch's own recurrent op")
    for name in KERNELS:
        for namespace in (torch._VF, torch):
            if hasattr(namespace, name):
                monkeypatch.setattr(namespace, name, boom)
    for name in NAMES + ["GRU", "GRUCell"]:
        monkeypatch.setattr(getattr(torch.nn, name), "forward", boom)


def _leaves(out):
    return torch.utils._pytree.tree_leaves(out)


def _pair(name, s, device, seed, **kw):
    """torch.nn's layer and the twin with the same weights (drawn from the same seed, as torch draws them)."""
    torch.manual_seed(seed)
    theirs = getattr(torch.nn, name)(**s.module_kwargs, dtype=F64, device=device, **kw)
    torch.manual_seed(seed)
    ours = getattr(nn, name)(**s.module_kwargs, dtype=F64, device=device, **kw)
    for (k1, a), (k2, b) in zip(theirs.state_dict().items(), ours.state_dict().items(), strict=True):
        assert k1 == k2 and torch.equal(a, b)        # torch's init, in torch's order
    return theirs, ours


def _check_against_torch(name, s, device, with_state, seed, **kw):
    theirs, ours = _pair(name, s, device, seed, **kw)
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(s.input_shape, generator=gen, dtype=F64).to(device)
    states = [torch.randn(s.hidden_shape, generator=gen, dtype=F64).to(device)
              for _ in range(2 if name == "LSTM" else 1)] if with_state else None
    results = []
    for layer in (theirs, ours):
        xl = x.clone().requires_grad_(True)
        sl = [a.clone().requires_grad_(True) for a in states] if with_state else None
        hx = None if sl is None else (tuple(sl) if name == "LSTM" else sl[0])
        out = _leaves(layer(xl, hx))
        g = torch.Generator().manual_seed(seed + 1)
        torch.autograd.backward(out, [torch.randn(o.shape, generator=g, dtype=F64).to(device) for o in out])
        results.append((out, xl.grad, [a.grad for a in sl] if sl else [], [p.grad for p in layer.parameters()]))
    (out_t, gx_t, gs_t, gp_t), (out_o, gx_o, gs_o, gp_o) = results
    for a, b in zip(out_o, out_t, strict=True):
        assert a.shape == b.shape and a.device == b.device
        assert_close(a, b)
    assert_close(gx_o, gx_t)
    for a, b in zip(gs_o + gp_o, gs_t + gp_t, strict=True):
        assert_close(a, b)


@given(s=recurrent_shapes(batched=None), nonlinearity=st.sampled_from(["tanh", "relu"]), with_state=st.booleans(),
       seed=st.integers(0, 2**16))
def test_rnn_matches_torch(device, s, nonlinearity, with_state, seed):
    _check_against_torch("RNN", s, device, with_state, seed, nonlinearity=nonlinearity)


@given(s=recurrent_shapes(batched=None), with_state=st.booleans(), seed=st.integers(0, 2**16))
def test_lstm_matches_torch(device, s, with_state, seed):
    _check_against_torch("LSTM", s, device, with_state, seed)


@given(batched=st.booleans(), N=st.integers(1, 3), I=st.integers(1, 4), H=st.integers(1, 4), bias=st.booleans(),
       lstm=st.booleans(), relu=st.booleans(), with_state=st.booleans(), seed=st.integers(0, 2**16))
def test_cells_match_torch(device, batched, N, I, H, bias, lstm, relu, with_state, seed):
    name = "LSTMCell" if lstm else "RNNCell"
    kw = {} if lstm else {"nonlinearity": "relu" if relu else "tanh"}
    torch.manual_seed(seed)
    theirs = getattr(torch.nn, name)(I, H, bias=bias, dtype=F64, device=device, **kw)
    torch.manual_seed(seed)
    ours = getattr(nn, name)(I, H, bias=bias, dtype=F64, device=device, **kw)
    assert all(torch.equal(a, b) for a, b in zip(theirs.state_dict().values(), ours.state_dict().values()))
    lead = (N,) if batched else ()
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(lead + (I,), generator=gen, dtype=F64).to(device)
    states = [torch.randn(lead + (H,), generator=gen, dtype=F64).to(device) for _ in range(2 if lstm else 1)]
    grads = []
    for layer in (theirs, ours):
        xl = x.clone().requires_grad_(True)
        sl = [a.clone().requires_grad_(True) for a in states]
        hx = (tuple(sl) if lstm else sl[0]) if with_state else None
        out = _leaves(layer(xl, hx))
        torch.autograd.backward(out, [torch.ones_like(o) for o in out])
        grads.append((out, [xl.grad] + ([a.grad for a in sl] if with_state else []) +
                      [p.grad for p in layer.parameters()]))
    for a, b in zip(grads[1][0] + grads[1][1], grads[0][0] + grads[0][1], strict=True):
        assert_close(a, b)


@pytest.mark.parametrize("name", NAMES)
def test_torch_kernels_are_never_called(device, name, no_torch_kernels):
    stacked = name in ("RNN", "LSTM")
    kw = dict(num_layers=2, bidirectional=True, dropout=0.5) if stacked else {}
    x = torch.randn((5, 2, 3) if stacked else (2, 3), dtype=F64, device=device, requires_grad=True)
    with pytest.raises(AssertionError, match="called torch's own"):
        getattr(torch.nn, name)(3, 4, dtype=F64, device=device, **kw)(x)    # the patch is in force
    out = _leaves(getattr(nn, name)(3, 4, dtype=F64, device=device, **kw)(x))
    sum(o.sum() for o in out).backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()


# -- dropout between layers --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["RNN", "LSTM"])
@pytest.mark.parametrize("batch_first", [False, True])
def test_same_seed_same_dropout_as_torch_on_cpu(name, batch_first):
    torch.manual_seed(0)
    theirs = getattr(torch.nn, name)(3, 4, num_layers=3, dropout=0.5, bidirectional=True, batch_first=batch_first,
                                     dtype=F64)
    ours = getattr(nn, name)(3, 4, num_layers=3, dropout=0.5, bidirectional=True, batch_first=batch_first,
                             dtype=F64)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(6, 2, 3, dtype=F64)
    for _ in range(2):                                  # two calls, two sets of masks
        torch.manual_seed(7)
        expected = _leaves(theirs(x))
        torch.manual_seed(7)
        for a, b in zip(_leaves(ours(x)), expected, strict=True):
            assert_close(a, b, rtol=1e-14, atol=1e-15)
    assert len(ours.dropout_masks) == 2 and ours.dropout_masks[0].shape == (6, 2, 8)


@pytest.mark.parametrize("name", ["RNN", "LSTM"])
def test_given_masks_and_the_numpy_layer(device, name):
    torch.manual_seed(1)
    twin = getattr(nn, name)(3, 4, num_layers=2, dropout=0.3, batch_first=True, dtype=F64, device=device)
    gen = torch.Generator(device=device).manual_seed(3)
    masks = [torch.rand(2, 5, 4, generator=gen, device=device) > 0.3]
    x = torch.randn(2, 5, 3, dtype=F64, device=device, requires_grad=True)
    y, _ = twin(x, dropout_masks=masks)
    assert torch.equal(twin.dropout_masks[0], masks[0])
    g = torch.randn(y.shape, dtype=F64, device=device)
    y.backward(g)
    ours = getattr(npnn, name)(3, 4, num_layers=2, dropout=0.3, batch_first=True, dtype=np.float64)
    ours.load_state_dict(twin.state_dict())
    y_np = ours(x.detach().cpu().numpy(), dropout_masks=[m.cpu().numpy() for m in masks])[0]
    assert_close(y_np, y)
    assert_close(ours.backward(g.cpu().numpy())[0], x.grad)


def test_generator_draws_the_masks(device):
    def masks(seed):
        layer = nn.LSTM(3, 4, num_layers=2, dropout=0.5, device=device,
                        generator=torch.Generator(device=device).manual_seed(seed))
        layer(torch.ones(5, 2, 3, device=device))
        return layer.dropout_masks[0]
    assert torch.equal(masks(0), masks(0)) and not torch.equal(masks(0), masks(1))
    assert masks(0).dtype == torch.bool and masks(0).device.type == torch.device(device).type


def test_eval_mode_applies_no_dropout(device):
    layer = nn.RNN(3, 4, num_layers=2, dropout=0.9, device=device).eval()
    x = torch.randn(5, 2, 3, device=device)
    assert torch.equal(layer(x)[0], layer(x)[0]) and layer.dropout_masks is None


# -- state_dict, init, repr, dtype, device --------------------------------------------------------


@pytest.mark.parametrize("name,kw", [("RNN", dict(num_layers=2, bidirectional=True, nonlinearity="relu")),
                                     ("LSTM", dict(num_layers=2, bidirectional=True, bias=False)),
                                     ("RNNCell", {}), ("LSTMCell", dict(bias=False))])
def test_state_dict_both_ways(device, name, kw):
    theirs = getattr(torch.nn, name)(3, 4, dtype=F64, device=device, **kw)
    ours = getattr(nn, name)(3, 4, dtype=F64, device=device, **kw)
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == \
        [(k, v.shape) for k, v in theirs.state_dict().items()]
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn((5, 2, 3) if name in ("RNN", "LSTM") else (2, 3), dtype=F64, device=device)
    for a, b in zip(_leaves(ours(x)), _leaves(theirs(x)), strict=True):
        assert_close(a, b)
    fresh = getattr(torch.nn, name)(3, 4, dtype=F64, device=device, **kw)
    fresh.load_state_dict(ours.state_dict())
    for a, b in zip(_leaves(ours(x)), _leaves(fresh(x)), strict=True):
        assert_close(a, b)


def test_init_bounds_and_reset_parameters():
    layer = nn.LSTM(20, 100, num_layers=2)
    bound = 1 / math.sqrt(100)
    values = torch.cat([p.detach().flatten() for p in layer.parameters()])
    assert values.abs().max() <= bound and values.abs().max() > 0.99 * bound
    torch.manual_seed(4)
    layer.reset_parameters()
    torch.manual_seed(4)
    reference = torch.nn.LSTM(20, 100, num_layers=2)
    assert all(torch.equal(a, b) for a, b in zip(layer.state_dict().values(), reference.state_dict().values()))


@pytest.mark.parametrize("name,kw", [
    ("RNN", dict(num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)),
    ("LSTM", {}), ("RNNCell", dict(nonlinearity="relu")), ("LSTMCell", dict(bias=False)),
])
def test_repr_matches_torch(name, kw):
    assert repr(getattr(nn, name)(3, 4, **kw)) == repr(getattr(torch.nn, name)(3, 4, **kw))


def test_default_dtype_and_device_follow_the_parameters(device):
    layer = nn.LSTM(3, 4, device=device)
    assert layer.weight_ih_l0.dtype == torch.float32 and layer.weight_ih_l0.device.type == torch.device(device).type
    y, (h_n, c_n) = layer(torch.randn(5, 3, device=device))          # unbatched
    assert y.shape == (5, 4) and h_n.shape == c_n.shape == (1, 4)
    assert y.dtype == torch.float32 and y.device == h_n.device
    layer.flatten_parameters()                                       # accepted, as torch's is


@pytest.mark.parametrize("name", NAMES)
def test_extreme_inputs_are_finite(device, name):
    stacked = name in ("RNN", "LSTM")
    kw = dict(num_layers=2, bidirectional=True) if stacked else {}
    theirs = getattr(torch.nn, name)(3, 4, device=device, **kw)
    ours = getattr(nn, name)(3, 4, device=device, **kw)
    ours.load_state_dict(theirs.state_dict())
    x = 1e4 * torch.randn((5, 2, 3) if stacked else (2, 3), device=device).sign()
    x.requires_grad_(True)
    out = _leaves(ours(x))
    sum(o.sum() for o in out).backward()
    for a, b in zip(out, _leaves(theirs(x)), strict=True):
        assert torch.isfinite(a).all()
        assert_close(a, b, rtol=1e-4, atol=1e-4)
    assert torch.isfinite(x.grad).all()


# -- bad inputs --------------------------------------------------------------------------------


def test_bad_inputs_name_the_argument():
    x = torch.zeros(5, 2, 3)
    with pytest.raises(ValueError, match=r"input must have 3 features in its last dimension"):
        nn.LSTM(3, 4)(torch.zeros(5, 2, 4))
    with pytest.raises(ValueError, match=r"h_0 \(hx\[0\]\) must have shape"):
        nn.LSTM(3, 4)(x, (torch.zeros(2, 2, 4), torch.zeros(1, 2, 4)))
    with pytest.raises(TypeError, match=r"c_0 \(hx\[1\]\) must be an array or tensor, got None"):
        nn.LSTM(3, 4)(x, (torch.zeros(1, 2, 4), None))
    with pytest.raises(TypeError, match="input must be a torch.Tensor"):
        nn.RNN(3, 4)(x.numpy())
    with pytest.raises(TypeError, match="input must have the dtype of the layer's parameters"):
        nn.RNN(3, 4)(x.double())
    with pytest.raises(ValueError, match=r"hx must have shape \(N, H_out\) = \(2, 4\)"):
        nn.RNNCell(3, 4)(x[0], torch.zeros(3, 4))
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        nn.RNN(3, 4, nonlinearity="sigmoid")
    with pytest.raises(TypeError, match="dtype must be a floating-point torch.dtype"):
        nn.LSTM(3, 4, dtype=torch.int64)
    with pytest.raises(TypeError, match="generator must be a torch.Generator"):
        nn.LSTM(3, 4, generator=np.random.default_rng(0))
