"""dlref.numpy.nn RNNCell, LSTMCell, RNN, LSTM against torch.nn: outputs, BPTT gradients (input, initial
states, every parameter), finite differences, dropout masks, state_dict both ways, init, extremes, errors."""

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


def _torch_layer(name, s, **kw):
    return getattr(torch.nn, name)(**s.module_kwargs, dtype=F64, **kw)


def _ours_like(name, theirs, s, **kw):
    ours = getattr(nn, name)(**s.module_kwargs, dtype=np.float64, **kw)
    ours.load_state_dict(theirs.state_dict())
    return ours


def _check_layer_against_torch(name, s, with_state, seed, **kw):
    """Forward and BPTT of our layer against torch's autograd, with random output and state gradients."""
    rng = np.random.default_rng(seed)
    theirs = _torch_layer(name, s, **kw)
    ours = _ours_like(name, theirs, s, **kw)
    x = rng.standard_normal(s.input_shape)
    states = [rng.standard_normal(s.hidden_shape) for _ in range(2 if name == "LSTM" else 1)] if with_state else None
    xt = torch.tensor(x, requires_grad=True)
    st_t = [torch.tensor(a, requires_grad=True) for a in states] if with_state else None
    if name == "LSTM":
        y, (h_n, c_n) = ours(x, None if states is None else tuple(states))
        yt, (h_nt, c_nt) = theirs(xt, None if st_t is None else tuple(st_t))
        pairs = [(y, yt), (h_n, h_nt), (c_n, c_nt)]
    else:
        y, h_n = ours(x, None if states is None else states[0])
        yt, h_nt = theirs(xt, None if st_t is None else st_t[0])
        pairs = [(y, yt), (h_n, h_nt)]
    for k, (a, b) in enumerate(pairs):
        assert a.shape == tuple(b.shape)
        assert_close(a, b, msg=f"output {k}")
    grads = [rng.standard_normal(a.shape) for a, _ in pairs]
    torch.autograd.backward([b for _, b in pairs], [torch.tensor(g) for g in grads])
    result = ours.backward(*grads)
    grad_x, grad_states = result[0], result[1] if name == "LSTM" else (result[1],)
    assert_close(grad_x, xt.grad, msg="grad input")
    if with_state:
        for g, t in zip(grad_states, st_t):
            assert_close(g, t.grad, msg="grad state")
    for param_name, p in ours.named_parameters():
        assert_close(p.grad, dict(theirs.named_parameters())[param_name].grad, msg=param_name)


@given(s=recurrent_shapes(batched=None), nonlinearity=st.sampled_from(["tanh", "relu"]), with_state=st.booleans(),
       seed=st.integers(0, 2**16))
def test_rnn_matches_torch(s, nonlinearity, with_state, seed):
    _check_layer_against_torch("RNN", s, with_state, seed, nonlinearity=nonlinearity)


@given(s=recurrent_shapes(batched=None), with_state=st.booleans(), seed=st.integers(0, 2**16))
def test_lstm_matches_torch(s, with_state, seed):
    _check_layer_against_torch("LSTM", s, with_state, seed)


@given(batched=st.booleans(), N=st.integers(1, 3), I=st.integers(1, 4), H=st.integers(1, 4), bias=st.booleans(),
       nonlinearity=st.sampled_from(["tanh", "relu"]), with_state=st.booleans(), seed=st.integers(0, 2**16))
def test_rnn_cell_matches_torch(batched, N, I, H, bias, nonlinearity, with_state, seed):
    rng = np.random.default_rng(seed)
    theirs = torch.nn.RNNCell(I, H, bias=bias, nonlinearity=nonlinearity, dtype=F64)
    ours = nn.RNNCell(I, H, bias=bias, nonlinearity=nonlinearity, dtype=np.float64)
    ours.load_state_dict(theirs.state_dict())
    lead = (N,) if batched else ()
    x, h = rng.standard_normal(lead + (I,)), rng.standard_normal(lead + (H,))
    xt, ht = torch.tensor(x, requires_grad=True), torch.tensor(h, requires_grad=True)
    y, yt = ours(x, h if with_state else None), theirs(xt, ht if with_state else None)
    assert_close(y, yt)
    g = rng.standard_normal(y.shape)
    yt.backward(torch.tensor(g))
    grad_x, grad_h = ours.backward(g)
    assert_close(grad_x, xt.grad)
    assert grad_h.shape == h.shape
    if with_state:
        assert_close(grad_h, ht.grad)
    for name, p in ours.named_parameters():
        assert_close(p.grad, dict(theirs.named_parameters())[name].grad, msg=name)


@given(batched=st.booleans(), N=st.integers(1, 3), I=st.integers(1, 4), H=st.integers(1, 4), bias=st.booleans(),
       with_state=st.booleans(), seed=st.integers(0, 2**16))
def test_lstm_cell_matches_torch(batched, N, I, H, bias, with_state, seed):
    rng = np.random.default_rng(seed)
    theirs = torch.nn.LSTMCell(I, H, bias=bias, dtype=F64)
    ours = nn.LSTMCell(I, H, bias=bias, dtype=np.float64)
    ours.load_state_dict(theirs.state_dict())
    lead = (N,) if batched else ()
    x, h, c = (rng.standard_normal(lead + (n,)) for n in (I, H, H))
    xt, ht, ct = (torch.tensor(a, requires_grad=True) for a in (x, h, c))
    h1, c1 = ours(x, (h, c) if with_state else None)
    h1t, c1t = theirs(xt, (ht, ct) if with_state else None)
    assert_close(h1, h1t)
    assert_close(c1, c1t)
    g_h, g_c = rng.standard_normal(h1.shape), rng.standard_normal(c1.shape)
    torch.autograd.backward([h1t, c1t], [torch.tensor(g_h), torch.tensor(g_c)])
    grad_x, (grad_h, grad_c) = ours.backward(g_h, g_c)
    assert_close(grad_x, xt.grad)
    if with_state:
        assert_close(grad_h, ht.grad)
        assert_close(grad_c, ct.grad)
    for name, p in ours.named_parameters():
        assert_close(p.grad, dict(theirs.named_parameters())[name].grad, msg=name)


# -- finite differences (no torch) -------------------------------------------------------------


def _gradcheck_layer(layer, x, states, masks):
    """Finite differences of (output, final states) w.r.t. the input, the initial states and two weights."""
    names = list(layer.state_dict())
    picked = [names[1], names[-1]]                      # a recurrent weight of layer 0, a bias or weight on top
    lstm = isinstance(layer, nn.LSTM)
    n_states = len(states)

    def run(x, *rest):
        states, weights = rest[:n_states], rest[n_states:]
        for name, w in zip(picked, weights):
            getattr(layer, name).data = w
        hx = tuple(states) if lstm else states[0]
        y, final = layer(x, hx, dropout_masks=masks)
        final = final if lstm else (final,)
        return y, final

    def forward(*args):
        y, final = run(*args)
        return np.concatenate([y.ravel()] + [f.ravel() for f in final])

    def backward(g, *args):
        layer.zero_grad()
        y, final = run(*args)
        pieces = np.split(g, np.cumsum([y.size] + [f.size for f in final])[:-1])
        grads = [pieces[0].reshape(y.shape)] + [p.reshape(f.shape) for p, f in zip(pieces[1:], final)]
        grad_x, grad_states = layer.backward(*grads)
        grad_states = grad_states if lstm else (grad_states,)
        return (grad_x, *grad_states, *(getattr(layer, n).grad for n in picked))

    inputs = [x, *states, *(getattr(layer, n).data.copy() for n in picked)]
    assert gradcheck(forward, backward, inputs)


@pytest.mark.parametrize("name,kw", [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {})])
@pytest.mark.parametrize("batch_first", [False, True])
def test_bptt_by_finite_differences(name, kw, batch_first):
    rng = np.random.default_rng(0)
    layer = getattr(nn, name)(3, 4, num_layers=2, bidirectional=True, batch_first=batch_first, dropout=0.3,
                              dtype=np.float64, generator=rng, **kw)
    x = rng.standard_normal((2, 5, 3) if batch_first else (5, 2, 3))
    states = [rng.standard_normal((4, 2, 4)) for _ in range(2 if name == "LSTM" else 1)]
    masks = [rng.random((2, 5, 8) if batch_first else (5, 2, 8)) > 0.3]   # fixed, so the function is fixed
    _gradcheck_layer(layer, x, states, masks)


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell"])
def test_cell_backward_by_finite_differences(name):
    rng = np.random.default_rng(1)
    cell = getattr(nn, name)(3, 4, dtype=np.float64, generator=rng)
    lstm = name == "LSTMCell"
    x, h, c = rng.standard_normal((2, 3)), rng.standard_normal((2, 4)), rng.standard_normal((2, 4))

    def forward(x, h, c, W):
        cell.weight_hh.data = W
        out = cell(x, (h, c)) if lstm else (cell(x, h),)
        return np.concatenate([o.ravel() for o in out])

    def backward(g, x, h, c, W):
        cell.zero_grad()
        forward(x, h, c, W)
        if lstm:
            grad_x, (grad_h, grad_c) = cell.backward(g[:8].reshape(2, 4), g[8:].reshape(2, 4))
        else:
            (grad_x, grad_h), grad_c = cell.backward(g.reshape(2, 4)), None
        return grad_x, grad_h, grad_c, cell.weight_hh.grad

    assert gradcheck(forward, backward, [x, h, c, cell.weight_hh.data.copy()])


# -- BPTT facts --------------------------------------------------------------------------------


def test_backward_with_only_grad_output_treats_final_state_gradients_as_zero():
    rng = np.random.default_rng(2)
    theirs = torch.nn.LSTM(3, 4, dtype=F64)
    ours = nn.LSTM(3, 4, dtype=np.float64)
    ours.load_state_dict(theirs.state_dict())
    x = rng.standard_normal((6, 2, 3))
    xt = torch.tensor(x, requires_grad=True)
    g = rng.standard_normal((6, 2, 4))
    ours(x)
    grad_x, (grad_h, grad_c) = ours.backward(g)
    theirs(xt)[0].backward(torch.tensor(g))
    assert_close(grad_x, xt.grad)
    assert grad_h.shape == grad_c.shape == (1, 2, 4)


def test_the_last_output_is_h_n():
    rng = np.random.default_rng(3)
    for layer in (nn.RNN(3, 4, num_layers=2, dtype=np.float64, generator=rng),
                  nn.LSTM(3, 4, num_layers=2, dtype=np.float64, generator=rng)):
        y, state = layer(rng.standard_normal((5, 2, 3)))
        h_n = state[0] if isinstance(state, tuple) else state
        assert_close(y[-1], h_n[-1])                  # the top layer's last step


def test_bidirectional_reverse_half_ends_at_step_zero():
    rng = np.random.default_rng(4)
    layer = nn.LSTM(3, 4, bidirectional=True, batch_first=True, dtype=np.float64, generator=rng)
    y, (h_n, _) = layer(rng.standard_normal((2, 5, 3)))
    assert_close(y[:, -1, :4], h_n[0])                 # forward direction: its last step is t = L
    assert_close(y[:, 0, 4:], h_n[1])                  # reverse direction: its last step is t = 1


def test_cell_loop_equals_layer():
    """The layer is the cell applied at every step: same weights, same outputs and gradients."""
    rng = np.random.default_rng(5)
    layer = nn.LSTM(3, 4, dtype=np.float64, generator=rng)
    cell = nn.LSTMCell(3, 4, dtype=np.float64)
    cell.load_state_dict({k[:-3]: v for k, v in layer.state_dict().items()})   # weight_ih_l0 -> weight_ih
    x = rng.standard_normal((5, 2, 3))
    y, (h_n, c_n) = layer(x)
    h = c = np.zeros((2, 4))
    for t in range(5):
        h, c = cell(x[t], (h, c))
        assert_close(h, y[t])
    assert_close(c, c_n[0])


def test_gradients_accumulate_over_backward_calls():
    rng = np.random.default_rng(6)
    layer = nn.RNN(3, 4, dtype=np.float64, generator=rng)
    x, g = rng.standard_normal((5, 2, 3)), rng.standard_normal((5, 2, 4))
    layer(x)
    layer.backward(g)
    once = layer.weight_hh_l0.grad.copy()
    layer(x)
    layer.backward(g)
    assert_close(layer.weight_hh_l0.grad, 2 * once)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "RNNCell", "LSTMCell"])
def test_compare_modules_works_on_several_outputs(name):
    kwargs = dict(num_layers=2, bidirectional=True) if name in ("RNN", "LSTM") else {}
    ours = getattr(nn, name)(3, 4, dtype=np.float64, **kwargs)
    theirs = getattr(torch.nn, name)(3, 4, dtype=F64, **kwargs)
    x = np.random.default_rng(7).standard_normal((5, 2, 3) if kwargs else (2, 3))
    compare_modules(ours, theirs, x)


# -- dropout between layers --------------------------------------------------------------------


@pytest.mark.parametrize("name", ["RNN", "LSTM"])
def test_torch_twin_masks_give_the_same_numbers(name):
    from dlref.torch import nn as tnn
    torch.manual_seed(0)
    twin = getattr(tnn, name)(3, 4, num_layers=3, dropout=0.4, bidirectional=True, batch_first=True, dtype=F64)
    ours = getattr(nn, name)(3, 4, num_layers=3, dropout=0.4, bidirectional=True, batch_first=True, dtype=np.float64)
    ours.load_state_dict(twin.state_dict())
    x = torch.randn(2, 6, 3, dtype=F64, requires_grad=True)
    yt = twin(x)[0]
    masks = [m.numpy() for m in twin.dropout_masks]
    assert len(masks) == 2 and masks[0].shape == (2, 6, 8) and masks[0].dtype == bool
    y = ours(x.detach().numpy(), dropout_masks=masks)[0]
    assert_close(y, yt, rtol=1e-14, atol=1e-15)
    g = torch.randn(yt.shape, dtype=F64)
    yt.backward(g)
    assert_close(ours.backward(g.numpy())[0], x.grad)
    for n, p in ours.named_parameters():
        assert_close(p.grad, dict(twin.named_parameters())[n].grad, msg=n)


def test_dropout_draws_from_the_generator_and_records_its_masks():
    def run(seed):
        layer = nn.LSTM(3, 4, num_layers=2, dropout=0.5, dtype=np.float64, generator=np.random.default_rng(seed))
        y = layer(np.ones((5, 2, 3)))[0]
        return y, layer.dropout_masks

    (y1, m1), (y2, m2), (y3, m3) = run(0), run(0), run(1)
    np.testing.assert_array_equal(y1, y2)
    np.testing.assert_array_equal(m1[0], m2[0])
    assert not np.array_equal(m1[0], m3[0])
    assert 0.3 < m1[0].mean() < 0.7


def test_eval_mode_and_one_layer_apply_no_dropout():
    rng = np.random.default_rng(8)
    layer = nn.RNN(3, 4, num_layers=2, dropout=0.9, dtype=np.float64, generator=rng).eval()
    x = rng.standard_normal((5, 2, 3))
    y1, y2 = layer(x)[0], layer(x)[0]
    np.testing.assert_array_equal(y1, y2)
    assert layer.dropout_masks is None
    single = nn.RNN(3, 4, dropout=0.9, dtype=np.float64, generator=rng)
    single(x)
    assert single.dropout_masks is None


def test_dropout_one_zeroes_the_upper_layers_input():
    rng = np.random.default_rng(9)
    layer = nn.RNN(3, 4, num_layers=2, dropout=1.0, dtype=np.float64, generator=rng)
    theirs = torch.nn.RNN(3, 4, num_layers=2, dropout=1.0, dtype=F64)
    theirs.load_state_dict({k: torch.tensor(v) for k, v in layer.state_dict().items()})
    x = rng.standard_normal((5, 2, 3))
    y = layer(x)[0]
    assert_close(y, theirs(torch.tensor(x))[0])
    grad_x, _ = layer.backward(np.ones_like(y))
    np.testing.assert_array_equal(grad_x, 0)


def test_dropout_masks_are_checked():
    layer = nn.LSTM(3, 4, num_layers=3, dropout=0.5, dtype=np.float64)
    x = np.zeros((5, 2, 3))
    good = np.ones((5, 2, 4), dtype=bool)
    with pytest.raises(ValueError, match=r"dropout_masks must hold num_layers - 1 = 2 masks"):
        layer(x, dropout_masks=[good])
    with pytest.raises(ValueError, match=r"dropout_masks\[1\] must have the shape of output \(5, 2, 4\)"):
        layer(x, dropout_masks=[good, good[:, :1]])
    with pytest.raises(TypeError, match=r"dropout_masks\[0\] must be a boolean array"):
        layer(x, dropout_masks=[good.astype(float), good])
    with pytest.raises(TypeError, match="dropout_masks must be None or a sequence"):
        layer(x, dropout_masks=good)


# -- state_dict, init, repr, dtype --------------------------------------------------------------


@pytest.mark.parametrize("name,kw", [("RNN", dict(num_layers=2, bidirectional=True)),
                                     ("LSTM", dict(num_layers=2, bidirectional=True, bias=False)),
                                     ("RNNCell", {}), ("LSTMCell", dict(bias=False))])
def test_state_dict_round_trips_both_ways(name, kw):
    rng = np.random.default_rng(10)
    theirs = getattr(torch.nn, name)(3, 4, dtype=F64, **kw)
    ours = getattr(nn, name)(3, 4, dtype=np.float64, generator=rng, **kw)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for (k, a), b in zip(ours.state_dict().items(), theirs.state_dict().values()):
        assert a.shape == tuple(b.shape), k
    # ours -> torch
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = rng.standard_normal((5, 2, 3) if name in ("RNN", "LSTM") else (2, 3))
    out, out_t = ours(x), theirs(torch.tensor(x))
    for a, b in zip(torch.utils._pytree.tree_leaves(out), torch.utils._pytree.tree_leaves(out_t)):
        assert_close(a, b)
    # torch -> ours
    fresh = getattr(nn, name)(3, 4, dtype=np.float64, **kw)
    fresh.load_state_dict(theirs.state_dict())
    for a, b in zip(torch.utils._pytree.tree_leaves(fresh(x)), torch.utils._pytree.tree_leaves(out_t)):
        assert_close(a, b)


def test_parameter_names_and_shapes_are_torchs():
    ours = nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    theirs = torch.nn.LSTM(3, 5, num_layers=2, bidirectional=True)
    assert [(n, p.shape) for n, p in ours.named_parameters()] == \
        [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert ours.weight_ih_l1_reverse.shape == (20, 10)   # 4 gates x H, D x H inputs


def test_init_is_uniform_within_one_over_sqrt_hidden():
    layer = nn.LSTM(50, 100, num_layers=2, dtype=np.float64, generator=np.random.default_rng(0))
    bound = 1 / math.sqrt(100)
    values = np.concatenate([p.data.ravel() for p in layer.parameters()])
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.999 * bound
    assert abs(values.var() / (bound**2 / 3) - 1) < 0.02      # U(-a, a) has variance a^2 / 3
    a = nn.RNNCell(3, 4, generator=np.random.default_rng(1))
    b = nn.RNNCell(3, 4, generator=np.random.default_rng(1))
    np.testing.assert_array_equal(a.weight_hh.data, b.weight_hh.data)


@pytest.mark.parametrize("name,kw", [
    ("RNN", {}), ("RNN", dict(num_layers=2, bias=False, batch_first=True, dropout=0.5, bidirectional=True)),
    ("LSTM", dict(num_layers=3)), ("RNNCell", dict(nonlinearity="relu", bias=False)), ("LSTMCell", {}),
])
def test_repr_matches_torch(name, kw):
    assert repr(getattr(nn, name)(3, 4, **kw)) == repr(getattr(torch.nn, name)(3, 4, **kw))


def test_float32_is_kept_and_matches_torch_float32():
    ours, theirs = nn.LSTM(3, 4, num_layers=2), torch.nn.LSTM(3, 4, num_layers=2)
    ours.load_state_dict(theirs.state_dict())
    x = np.random.default_rng(11).standard_normal((5, 2, 3)).astype(np.float32)
    y, (h_n, c_n) = ours(x)
    assert y.dtype == h_n.dtype == c_n.dtype == np.float32
    assert_close(y, theirs(torch.from_numpy(x))[0])
    grad_x, (grad_h, grad_c) = ours.backward(np.ones_like(y))
    assert grad_x.dtype == grad_h.dtype == ours.weight_hh_l0.grad.dtype == np.float32


# -- extreme inputs ----------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kw", [("RNN", {}), ("RNN", {"nonlinearity": "relu"}), ("LSTM", {}),
                                     ("RNNCell", {}), ("LSTMCell", {})])
def test_extreme_inputs_are_finite_and_warning_free(dtype, name, kw):
    rng = np.random.default_rng(12)
    stacked = name in ("RNN", "LSTM")
    layer = getattr(nn, name)(3, 4, dtype=dtype, generator=rng, **kw,
                              **(dict(num_layers=2, bidirectional=True) if stacked else {}))
    theirs = getattr(torch.nn, name)(3, 4, dtype=getattr(torch, np.dtype(dtype).name), **kw,
                                     **(dict(num_layers=2, bidirectional=True) if stacked else {}))
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in layer.state_dict().items()})
    x = (1e4 * np.sign(rng.standard_normal((5, 2, 3) if stacked else (2, 3)))).astype(dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = layer(x)
        leaves = torch.utils._pytree.tree_leaves(out)
        grads = layer.backward(*[np.ones_like(a) for a in leaves])
    for a, b in zip(leaves, torch.utils._pytree.tree_leaves(theirs(torch.from_numpy(x))), strict=True):
        assert np.all(np.isfinite(a))
        assert_close(a, b, rtol=1e-4, atol=1e-4)
    assert all(np.all(np.isfinite(g)) for g in torch.utils._pytree.tree_leaves(grads))


def test_a_long_sequence_stays_finite():
    rng = np.random.default_rng(13)
    layer = nn.LSTM(2, 3, dtype=np.float64, generator=rng)
    y, _ = layer(rng.standard_normal((300, 1, 2)))
    grad_x, _ = layer.backward(np.ones_like(y))
    assert np.all(np.isfinite(y)) and np.all(np.isfinite(grad_x))


# -- bad inputs --------------------------------------------------------------------------------


def test_wrong_feature_size_names_input():
    with pytest.raises(ValueError, match=r"input must have 3 features in its last dimension \(input_size\)"):
        nn.LSTM(3, 4)(np.zeros((5, 2, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"input must be 3-D \(N, L, H_in\) or 2-D"):
        nn.RNN(3, 4, batch_first=True)(np.zeros((1, 5, 2, 3), dtype=np.float32))


def test_state_of_the_wrong_shape_says_which():
    x = np.zeros((5, 2, 3), dtype=np.float32)
    with pytest.raises(ValueError, match=r"hx must have shape \(D \* num_layers, N, H_out\) = \(2, 2, 4\)"):
        nn.RNN(3, 4, num_layers=2)(x, np.zeros((1, 2, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"c_0 \(hx\[1\]\) must have shape"):
        nn.LSTM(3, 4)(x, (np.zeros((1, 2, 4), dtype=np.float32), np.zeros((1, 3, 4), dtype=np.float32)))
    with pytest.raises(ValueError, match=r"hx must have shape \(D \* num_layers, H_out\) for an unbatched input"):
        nn.RNN(3, 4)(x[:, 0], np.zeros((1, 1, 4), dtype=np.float32))
    with pytest.raises(TypeError, match=r"hx must be None or a pair"):
        nn.LSTM(3, 4)(x, np.zeros((1, 2, 4), dtype=np.float32))
    with pytest.raises(TypeError, match=r"hx must have shape|input and hx must have the same dtype"):
        nn.RNN(3, 4)(x, np.zeros((1, 2, 4)))


def test_dtype_mismatch_with_the_parameters_is_a_type_error():
    with pytest.raises(TypeError, match="input must have the dtype of the layer's parameters"):
        nn.LSTM(3, 4)(np.zeros((5, 2, 3)))


@pytest.mark.parametrize("kw,error,match", [
    (dict(input_size=0), ValueError, "input_size must be >= 1"),
    (dict(hidden_size=2.5), TypeError, "hidden_size must be an int"),
    (dict(num_layers=0), ValueError, "num_layers must be >= 1"),
    (dict(nonlinearity="sigmoid"), ValueError, "nonlinearity must be one of"),
    (dict(dropout=1.5), ValueError, r"dropout must be in \[0.0, 1.0\]"),
    (dict(dropout="0.1"), TypeError, "dropout must be a real number"),
    (dict(bidirectional=None), TypeError, "bidirectional must be a bool"),
    (dict(batch_first=1), TypeError, "batch_first must be a bool"),
    (dict(dtype=np.int64), TypeError, "dtype must be a floating-point dtype"),
])
def test_bad_constructor_arguments(kw, error, match):
    args = dict(input_size=3, hidden_size=4)
    args.update(kw)
    with pytest.raises(error, match=match):
        nn.RNN(**args)


def test_backward_checks_its_gradients():
    layer = nn.LSTM(3, 4, dtype=np.float64)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((5, 2, 4)))
    layer(np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match=r"grad_output must have the shape of output \(5, 2, 4\)"):
        layer.backward(np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match=r"grad_c_n must have the shape of c_n \(1, 2, 4\)"):
        layer.backward(np.zeros((5, 2, 4)), None, np.zeros((2, 4)))
    with pytest.raises(TypeError, match="grad_h_n and h_n must have the same dtype"):
        layer.backward(np.zeros((5, 2, 4)), np.zeros((1, 2, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="grad_output given as a tuple must hold 3 gradients"):
        layer.backward((np.zeros((5, 2, 4)),))
    assert layer.weight_ih_l0.grad is None            # nothing accumulated
