"""dlref.numpy.nn.GRUCell and GRU against torch.nn.GRUCell and torch.nn.GRU: outputs, states, BPTT gradients
for the input, the initial state and every parameter; finite differences; dropout masks; state_dict both ways;
initialization; extreme inputs; errors."""

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn
from dlref.testing import assert_close, compare_modules, gradcheck
from dlref.testing.strategies import recurrent_shapes

F64 = torch.float64


def _pair(s, rng):
    """A float64 NumPy GRU and torch.nn.GRU with torch's weights copied into ours."""
    theirs = torch.nn.GRU(**s.module_kwargs, dtype=F64)
    torch.nn.init.uniform_(theirs.weight_ih_l0, -1, 1)          # some larger weights than the default
    ours = nn.GRU(**s.module_kwargs, dtype=np.float64, generator=rng)
    ours.load_state_dict(theirs.state_dict())
    return ours, theirs


@given(s=recurrent_shapes(batched=None), with_hx=st.booleans(), with_grad_h_n=st.booleans(),
       seed=st.integers(0, 2**16))
def test_gru_matches_torch(s, with_hx, with_grad_h_n, seed):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    ours, theirs = _pair(s, rng)
    x = rng.standard_normal(s.input_shape)
    h0 = rng.standard_normal(s.hidden_shape) if with_hx else None
    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0, requires_grad=True) if with_hx else None
    y, h_n = ours(x, h0)
    yt, h_nt = theirs(xt, h0t)
    assert y.shape == s.output_shape and h_n.shape == s.hidden_shape
    assert_close(y, yt)
    assert_close(h_n, h_nt)
    g = rng.standard_normal(y.shape)
    g_h = rng.standard_normal(h_n.shape) if with_grad_h_n else None
    loss = (yt * torch.tensor(g)).sum() + ((h_nt * torch.tensor(g_h)).sum() if with_grad_h_n else 0)
    loss.backward()
    grad_x, grad_h0 = ours.backward(g, g_h)
    assert_close(grad_x, xt.grad)
    assert grad_h0.shape == s.hidden_shape
    if with_hx:
        assert_close(grad_h0, h0t.grad)
    expected = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        assert_close(param.grad, expected[name].grad, msg=name)


@given(s=recurrent_shapes(max_num_layers=1), seed=st.integers(0, 2**16))
def test_gru_with_compare_modules(s, seed):
    # compare_modules passes the pair (grad_output, grad_h_n) as backward's one argument
    rng = np.random.default_rng(seed)
    ours = nn.GRU(**s.module_kwargs, dtype=np.float64)
    theirs = torch.nn.GRU(**s.module_kwargs, dtype=F64)
    compare_modules(ours, theirs, rng.standard_normal(s.input_shape), rng.standard_normal(s.hidden_shape),
                    generator=rng)


@given(batch=st.integers(0, 3), input_size=st.integers(1, 4), hidden_size=st.integers(1, 4), bias=st.booleans(),
       batched=st.booleans(), with_hx=st.booleans(), seed=st.integers(0, 2**16))
def test_cell_matches_torch(batch, input_size, hidden_size, bias, batched, with_hx, seed):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    theirs = torch.nn.GRUCell(input_size, hidden_size, bias=bias, dtype=F64)
    ours = nn.GRUCell(input_size, hidden_size, bias=bias, dtype=np.float64)
    ours.load_state_dict(theirs.state_dict())
    lead = (batch,) if batched else ()
    x = rng.standard_normal(lead + (input_size,))
    h = rng.standard_normal(lead + (hidden_size,)) if with_hx else None
    xt = torch.tensor(x, requires_grad=True)
    ht = torch.tensor(h, requires_grad=True) if with_hx else None
    y = ours(x, h)
    yt = theirs(xt, ht)
    assert_close(y, yt)
    g = rng.standard_normal(y.shape)
    yt.backward(torch.tensor(g))
    grad_x, grad_h = ours.backward(g)
    assert_close(grad_x, xt.grad)
    assert grad_h.shape == y.shape
    if with_hx:
        assert_close(grad_h, ht.grad)
    expected = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        assert_close(param.grad, expected[name].grad, msg=name)


def _gradcheck_module(layer, inputs, call):
    """Finite differences through ``layer`` for its inputs and every parameter (no torch involved)."""
    params = list(layer.parameters())

    def forward(*arrays):
        for param, value in zip(params, arrays[len(inputs):]):
            param.data = value
        return call(layer, *arrays[:len(inputs)])

    def backward(g, *arrays):
        layer.zero_grad()
        forward(*arrays)
        grads = layer.backward(g)[:len(inputs)]          # (grad_input, grad_hx)
        return tuple(grads) + tuple(p.grad for p in params)

    return gradcheck(forward, backward, list(inputs) + [p.data.copy() for p in params])


def test_gradcheck_gru_bidirectional_two_layers():
    rng = np.random.default_rng(0)
    layer = nn.GRU(2, 2, num_layers=2, bidirectional=True, dtype=np.float64, generator=rng)
    x, h0 = rng.standard_normal((3, 2, 2)), rng.standard_normal((4, 2, 2))
    assert _gradcheck_module(layer, [x, h0], lambda m, x, h0: m(x, h0)[0])


def test_gradcheck_gru_through_h_n_batch_first():
    # the loss reads the final states only: gradients reach them through grad_h_n
    rng = np.random.default_rng(1)
    layer = nn.GRU(3, 2, num_layers=2, batch_first=True, bias=False, dtype=np.float64, generator=rng)
    x, h0 = rng.standard_normal((2, 4, 3)), rng.standard_normal((2, 2, 2))
    params = list(layer.parameters())

    def forward(x, h0, *weights):
        for param, value in zip(params, weights):
            param.data = value
        return layer(x, h0)[1]

    def backward(g, x, h0, *weights):
        layer.zero_grad()
        forward(x, h0, *weights)
        grads = layer.backward(np.zeros((2, 4, 2)), g)          # nothing reaches the outputs
        return tuple(grads) + tuple(p.grad for p in params)

    assert gradcheck(forward, backward, [x, h0] + [p.data.copy() for p in params])


def test_gradcheck_gru_with_dropout_masks():
    rng = np.random.default_rng(2)
    layer = nn.GRU(2, 3, num_layers=3, dropout=0.4, dtype=np.float64, generator=rng)
    x = rng.standard_normal((4, 2, 2))
    masks = [rng.random((4, 2, 3)) > 0.4 for _ in range(2)]
    assert _gradcheck_module(layer, [x], lambda m, x: m(x, dropout_masks=masks)[0])


@pytest.mark.parametrize("batched", [True, False])
def test_gradcheck_cell(batched):
    rng = np.random.default_rng(3)
    layer = nn.GRUCell(3, 4, dtype=np.float64, generator=rng)
    lead = (2,) if batched else ()
    x, h = rng.standard_normal(lead + (3,)), rng.standard_normal(lead + (4,))
    assert _gradcheck_module(layer, [x, h], lambda m, x, h: m(x, h))


def test_dropout_masks_given_match_torch_functional_dropout():
    # a 2-layer GRU with masks equals two 1-layer GRUs with the dropout written out between them
    rng = np.random.default_rng(4)
    layer = nn.GRU(3, 4, num_layers=2, dropout=0.25, batch_first=True, dtype=np.float64, generator=rng)
    first = nn.GRU(3, 4, batch_first=True, dtype=np.float64)
    second = nn.GRU(4, 4, batch_first=True, dtype=np.float64)
    state = layer.state_dict()
    first.load_state_dict({k: v for k, v in state.items() if k.endswith("l0")})
    second.load_state_dict({k.replace("l1", "l0"): v for k, v in state.items() if k.endswith("l1")})
    x = rng.standard_normal((2, 5, 3))
    mask = rng.random((2, 5, 4)) > 0.25
    y, h_n = layer(x, dropout_masks=[mask])
    y1, h1 = first(x)
    y2, h2 = second(y1 * mask / 0.75)
    assert_close(y, y2)
    assert_close(h_n, np.concatenate([h1, h2]))
    assert layer.dropout_masks[0] is not None and np.array_equal(layer.dropout_masks[0], mask)


def test_dropout_masks_drawn_from_the_generator():
    def run(seed):
        layer = nn.GRU(2, 3, num_layers=3, dropout=0.5, bidirectional=True, batch_first=True,
                       dtype=np.float64, generator=np.random.default_rng(seed))
        x = np.ones((4, 5, 2))
        return layer, layer(x)[0]

    a, ya = run(0)
    b, yb = run(0)
    assert [m.shape for m in a.dropout_masks] == [(4, 5, 6), (4, 5, 6)]
    assert all(m.dtype == bool for m in a.dropout_masks)
    np.testing.assert_array_equal(ya, yb)
    assert 0.3 < np.mean(a.dropout_masks[0]) < 0.7
    # the masks it drew reproduce its output when handed back
    c, _ = run(1)
    c.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(c(np.ones((4, 5, 2)), dropout_masks=a.dropout_masks)[0], ya)
    # evaluation mode: no dropout, no masks
    a.eval()
    y_eval, _ = a(np.ones((4, 5, 2)))
    assert a.dropout_masks is None
    b.eval()
    np.testing.assert_array_equal(y_eval, b(np.ones((4, 5, 2)))[0])


def test_one_layer_dropout_does_nothing_and_p_one_zeroes_between_layers():
    rng = np.random.default_rng(5)
    x = rng.standard_normal((3, 2, 2))
    plain = nn.GRU(2, 3, dtype=np.float64, generator=np.random.default_rng(0))
    dropped = nn.GRU(2, 3, dropout=0.9, dtype=np.float64, generator=np.random.default_rng(0))
    np.testing.assert_array_equal(plain(x)[0], dropped(x)[0])
    # p = 1: layer 1 sees zeros, as torch's
    torch.manual_seed(0)
    theirs = torch.nn.GRU(2, 3, num_layers=2, dropout=1.0, dtype=F64)
    ours = nn.GRU(2, 3, num_layers=2, dropout=1.0, dtype=np.float64)
    ours.load_state_dict(theirs.state_dict())
    xt = torch.tensor(x, requires_grad=True)
    yt, _ = theirs(xt)
    y, _ = ours(x)
    assert_close(y, yt)
    yt.sum().backward()
    grad_x, _ = ours.backward(np.ones_like(y))
    assert_close(grad_x, xt.grad)


def test_state_dict_round_trips_both_ways():
    rng = np.random.default_rng(6)
    kwargs = dict(input_size=3, hidden_size=4, num_layers=2, bidirectional=True)
    theirs = torch.nn.GRU(**kwargs, dtype=F64)
    ours = nn.GRU(**kwargs, dtype=np.float64, generator=rng)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [(n, p.shape) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    x = rng.standard_normal((5, 2, 3))
    # ours -> torch
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    assert_close(ours(x)[0], theirs(torch.tensor(x))[0])
    # torch -> ours
    fresh = torch.nn.GRU(**kwargs, dtype=F64)
    ours.load_state_dict(fresh.state_dict())
    assert_close(ours(x)[1], fresh(torch.tensor(x))[1])
    cell, torch_cell = nn.GRUCell(3, 4, bias=False), torch.nn.GRUCell(3, 4, bias=False)
    assert list(cell.state_dict()) == list(torch_cell.state_dict()) == ["weight_ih", "weight_hh"]
    torch_cell.load_state_dict({k: torch.from_numpy(v) for k, v in cell.state_dict().items()})
    cell.load_state_dict(torch_cell.state_dict())


def test_init_is_torchs_uniform():
    layer = nn.GRU(50, 64, num_layers=2, generator=np.random.default_rng(0), dtype=np.float64)
    bound = 1 / math.sqrt(64)
    values = np.concatenate([p.data.ravel() for p in layer.parameters()])
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.999 * bound
    assert abs(values.var() / (bound**2 / 3) - 1) < 0.02
    cell = nn.GRUCell(30, 40, generator=np.random.default_rng(0))
    assert np.abs(cell.weight_hh.data).max() <= np.float32(1 / math.sqrt(40))
    # reproducible with a generator
    a = nn.GRU(3, 4, generator=np.random.default_rng(7))
    b = nn.GRU(3, 4, generator=np.random.default_rng(7))
    np.testing.assert_array_equal(a.weight_hh_l0.data, b.weight_hh_l0.data)


@pytest.mark.parametrize("kwargs", [dict(), dict(num_layers=2, bias=False, batch_first=True, dropout=0.5,
                                                  bidirectional=True)])
def test_repr_matches_torch(kwargs):
    assert repr(nn.GRU(3, 4, **kwargs)) == repr(torch.nn.GRU(3, 4, **kwargs))
    bias = kwargs.get("bias", True)
    assert repr(nn.GRUCell(3, 4, bias=bias)) == repr(torch.nn.GRUCell(3, 4, bias=bias))


def test_float32_kept_and_close_to_torch_float32():
    ours, theirs = nn.GRU(3, 4, num_layers=2), torch.nn.GRU(3, 4, num_layers=2)
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(0).standard_normal((6, 2, 3)).astype(np.float32)
    y, h_n = ours(x)
    assert y.dtype == h_n.dtype == np.float32
    grad_x, grad_h0 = ours.backward(np.ones_like(y))
    assert grad_x.dtype == grad_h0.dtype == ours.weight_ih_l0.grad.dtype == np.float32
    assert_close(y, theirs(torch.from_numpy(x))[0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("scale", [1e4, -1e4])
def test_extreme_inputs_finite_like_torch(scale):
    rng = np.random.default_rng(8)
    theirs = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True, dtype=F64)
    ours = nn.GRU(3, 4, num_layers=2, bidirectional=True, dtype=np.float64)
    ours.load_state_dict(theirs.state_dict())
    x = scale * np.sign(rng.standard_normal((5, 2, 3)))
    h0 = np.clip(scale, -1, 1) * np.ones((4, 2, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y, h_n = ours(x, h0)
        grad_x, grad_h0 = ours.backward(np.ones_like(y), np.ones_like(h_n))
    xt, h0t = torch.tensor(x, requires_grad=True), torch.tensor(h0, requires_grad=True)
    yt, h_nt = theirs(xt, h0t)
    (yt.sum() + h_nt.sum()).backward()
    for a, b in ((y, yt), (h_n, h_nt), (grad_x, xt.grad), (grad_h0, h0t.grad)):
        assert np.isfinite(a).all()
        assert_close(a, b, rtol=1e-7, atol=1e-9)
    for name, param in theirs.named_parameters():
        assert np.isfinite(getattr(ours, name).grad).all()
        assert_close(getattr(ours, name).grad, param.grad, atol=1e-6, msg=name)


def test_gradients_accumulate():
    rng = np.random.default_rng(9)
    layer = nn.GRU(2, 3, dtype=np.float64, generator=rng)
    x = rng.standard_normal((4, 1, 2))
    for _ in range(2):
        y, _ = layer(x)
        layer.backward(np.ones_like(y))
    once = layer.weight_hh_l0.grad / 2
    layer.zero_grad()
    layer(x)
    layer.backward(np.ones_like(y))
    assert_close(layer.weight_hh_l0.grad, once)


def test_errors_name_the_argument():
    layer = nn.GRU(3, 4, num_layers=2, dtype=np.float64)
    with pytest.raises(ValueError, match="input must have 3 features"):
        layer(np.zeros((5, 2, 2)))
    with pytest.raises(ValueError, match="input must be 3-D"):
        layer(np.zeros((5, 2, 1, 3)))
    with pytest.raises(ValueError, match=r"hx must have shape .* = \(2, 2, 4\)"):
        layer(np.zeros((5, 2, 3)), np.zeros((1, 2, 4)))
    with pytest.raises(ValueError, match=r"hx must have shape .*unbatched"):
        layer(np.zeros((5, 3)), np.zeros((2, 1, 4)))
    with pytest.raises(TypeError, match="input must have the dtype of the layer's parameters"):
        layer(np.zeros((5, 2, 3), dtype=np.float32))
    with pytest.raises(TypeError, match="input must have a floating-point dtype"):
        layer(np.zeros((5, 2, 3), dtype=np.int64))
    with pytest.raises(ValueError, match=r"dropout_masks must hold num_layers - 1 = 1"):
        layer(np.zeros((5, 2, 3)), dropout_masks=[])
    with pytest.raises(ValueError, match=r"dropout_masks\[0\] must have the shape of output"):
        layer(np.zeros((5, 2, 3)), dropout_masks=[np.ones((5, 2, 3), bool)])
    with pytest.raises(RuntimeError, match="before forward"):
        nn.GRU(3, 4).backward(np.zeros((5, 2, 4)))
    y, h_n = layer(np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match=r"grad_output must have the shape of output \(5, 2, 4\)"):
        layer.backward(np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match=r"grad_h_n must have the shape of h_n \(2, 2, 4\)"):
        layer.backward(np.zeros_like(y), np.zeros((2, 4)))
    with pytest.raises(TypeError, match="grad_output"):
        layer.backward(np.zeros_like(y, dtype=np.float32))
    cell = nn.GRUCell(3, 4, dtype=np.float64)
    with pytest.raises(ValueError, match=r"hx must have shape \(N, H_out\)"):
        cell(np.zeros((2, 3)), np.zeros((3, 4)))
    with pytest.raises(ValueError, match="input must have 3 features"):
        cell(np.zeros((2, 4)))


@pytest.mark.parametrize("kwargs,error,match", [
    (dict(input_size=0, hidden_size=2), ValueError, "input_size must be >= 1"),
    (dict(input_size=2, hidden_size=2.0), TypeError, "hidden_size must be an int"),
    (dict(input_size=2, hidden_size=2, num_layers=0), ValueError, "num_layers must be >= 1"),
    (dict(input_size=2, hidden_size=2, dropout=1.5), ValueError, "dropout must be in"),
    (dict(input_size=2, hidden_size=2, dropout=True), TypeError, "dropout must be a real number"),
    (dict(input_size=2, hidden_size=2, bias=1), TypeError, "bias must be a bool"),
    (dict(input_size=2, hidden_size=2, batch_first="yes"), TypeError, "batch_first must be a bool"),
    (dict(input_size=2, hidden_size=2, bidirectional=None), TypeError, "bidirectional must be a bool"),
    (dict(input_size=2, hidden_size=2, dtype=np.int32), TypeError, "dtype must be a floating-point dtype"),
    (dict(input_size=2, hidden_size=2, generator=0), TypeError, "generator must be a numpy.random.Generator"),
])
def test_constructor_errors(kwargs, error, match):
    with pytest.raises(error, match=match):
        nn.GRU(**kwargs)
