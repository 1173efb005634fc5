"""dlref.torch.nn.GRUCell and GRU against torch.nn.GRUCell and torch.nn.GRU on every available device:
initialization from the same seed, outputs and autograd gradients, dropout masks (torch's from the same
seed on the CPU, handed to the NumPy GRU), state_dict, extreme inputs, errors; torch's GRU never called."""

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


def _leaves(*tensors):
    return [None if t is None else t.detach().clone().requires_grad_(True) for t in tensors]


def test_same_seed_same_initial_weights_as_torch(device):
    for kwargs in (dict(), dict(num_layers=2, bidirectional=True, bias=False)):
        torch.manual_seed(3)
        ours = nn.GRU(4, 5, device=device, **kwargs)
        torch.manual_seed(3)
        theirs = torch.nn.GRU(4, 5, device=device, **kwargs)
        assert list(ours.state_dict()) == list(theirs.state_dict())
        for (name, a), b in zip(ours.state_dict().items(), theirs.state_dict().values()):
            assert a.device.type == device.type and torch.equal(a, b), name
    torch.manual_seed(4)
    ours = nn.GRUCell(4, 5, device=device)
    torch.manual_seed(4)
    theirs = torch.nn.GRUCell(4, 5, device=device)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert all(torch.equal(a, b) for a, b in zip(ours.state_dict().values(), theirs.state_dict().values()))


@given(s=recurrent_shapes(batched=None), with_hx=st.booleans(), seed=st.integers(0, 2**16))
def test_gru_matches_torch(device, s, with_hx, seed):
    gen = torch.Generator().manual_seed(seed)
    theirs = torch.nn.GRU(**s.module_kwargs, dtype=F64, device=device)
    ours = nn.GRU(**s.module_kwargs, dtype=F64, device=device)
    ours.load_state_dict(theirs.state_dict())
    x = torch.randn(s.input_shape, dtype=F64, generator=gen).to(device)
    h0 = torch.randn(s.hidden_shape, dtype=F64, generator=gen).to(device) if with_hx else None
    g = torch.randn(s.output_shape, dtype=F64, generator=gen).to(device)
    g_h = torch.randn(s.hidden_shape, dtype=F64, generator=gen).to(device)
    x1, h1 = _leaves(x, h0)
    x2, h2 = _leaves(x, h0)
    y1, hn1 = ours(x1, h1)
    y2, hn2 = theirs(x2, h2)
    assert y1.device.type == device.type
    assert_close(y1, y2)
    assert_close(hn1, hn2)
    ((y1 * g).sum() + (hn1 * g_h).sum()).backward()
    ((y2 * g).sum() + (hn2 * g_h).sum()).backward()
    assert_close(x1.grad, x2.grad)
    if with_hx:
        assert_close(h1.grad, h2.grad)
    expected = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        assert_close(param.grad, expected[name].grad, msg=name)


@given(batch=st.integers(0, 3), input_size=st.integers(1, 4), hidden_size=st.integers(1, 4), bias=st.booleans(),
       batched=st.booleans(), with_hx=st.booleans(), seed=st.integers(0, 2**16))
def test_cell_matches_torch(device, batch, input_size, hidden_size, bias, batched, with_hx, seed):
    gen = torch.Generator().manual_seed(seed)
    theirs = torch.nn.GRUCell(input_size, hidden_size, bias=bias, dtype=F64, device=device)
    ours = nn.GRUCell(input_size, hidden_size, bias=bias, dtype=F64, device=device)
    ours.load_state_dict(theirs.state_dict())
    lead = (batch,) if batched else ()
    x = torch.randn(lead + (input_size,), dtype=F64, generator=gen).to(device)
    h = torch.randn(lead + (hidden_size,), dtype=F64, generator=gen).to(device) if with_hx else None
    x1, h1 = _leaves(x, h)
    x2, h2 = _leaves(x, h)
    y1, y2 = ours(x1, h1), theirs(x2, h2)
    assert_close(y1, y2)
    g = torch.randn(y1.shape, dtype=F64, generator=gen).to(device)
    y1.backward(g)
    y2.backward(g)
    assert_close(x1.grad, x2.grad)
    if with_hx:
        assert_close(h1.grad, h2.grad)
    for (name, a), b in zip(ours.named_parameters(), theirs.parameters()):
        assert_close(a.grad, b.grad, msg=name)


@given(seed=st.integers(0, 2**31 - 1), p=st.sampled_from([0.2, 0.5, 0.9]), batch_first=st.booleans(),
       bidirectional=st.booleans(), batched=st.booleans())
def test_same_seed_same_dropout_as_torch_on_cpu_and_the_numpy_gru(seed, p, batch_first, bidirectional, batched):
    kwargs = dict(input_size=3, hidden_size=4, num_layers=3, dropout=p, batch_first=batch_first,
                  bidirectional=bidirectional, dtype=F64)
    theirs = torch.nn.GRU(**kwargs)
    ours = nn.GRU(**kwargs)
    ours.load_state_dict(theirs.state_dict())
    shape = ((2, 5, 3) if batch_first else (5, 2, 3)) if batched else (5, 3)
    x = torch.randn(shape, dtype=F64, generator=torch.Generator().manual_seed(seed))
    x1, x2 = _leaves(x, x)
    torch.manual_seed(seed)
    y2, hn2 = theirs(x2)
    torch.manual_seed(seed)
    y1, hn1 = ours(x1)
    assert_close(y1, y2)                       # the same masks (another mask would differ by O(1))
    assert_close(hn1, hn2)
    (y1.sum() + hn1.sum()).backward()
    (y2.sum() + hn2.sum()).backward()
    assert_close(x1.grad, x2.grad)
    # the masks it drew, handed to the NumPy GRU, give the same numbers there
    masks = ours.dropout_masks
    assert len(masks) == 2 and all(m.dtype == torch.bool and m.shape == y1.shape for m in masks)
    numpy_gru = npnn.GRU(**dict(kwargs, dtype=np.float64))
    numpy_gru.load_state_dict(theirs.state_dict())
    y, h_n = numpy_gru(x.numpy(), dropout_masks=[m.numpy() for m in masks])
    assert_close(y, y2)
    assert_close(h_n, hn2)
    grad_x, _ = numpy_gru.backward(np.ones_like(y), np.ones_like(h_n))
    assert_close(grad_x, x2.grad)
    for name, param in theirs.named_parameters():
        assert_close(getattr(numpy_gru, name).grad, param.grad, msg=name)


def test_dropout_masks_given_and_eval(device):
    torch.manual_seed(0)
    layer = nn.GRU(2, 3, num_layers=2, dropout=0.5, dtype=F64, device=device,
                   generator=torch.Generator(device=device).manual_seed(1))
    x = torch.randn(4, 2, 2, dtype=F64, device=device)
    y, _ = layer(x)
    mask = layer.dropout_masks[0]
    assert mask.dtype == torch.bool and mask.device.type == device.type and mask.shape == (4, 2, 3)
    assert torch.equal(layer(x, dropout_masks=[mask])[0], y)      # its masks reproduce its output
    assert not torch.equal(layer(x, dropout_masks=[~mask])[0], y)
    # all-keep masks with p = 0.5 still scale by 2; evaluation mode ignores masks and draws none
    keep = torch.ones_like(mask)
    y_keep, _ = layer(x, dropout_masks=[keep])
    layer.eval()
    y_eval, _ = layer(x, dropout_masks=[keep])
    assert layer.dropout_masks is None
    assert not torch.allclose(y_keep, y_eval)


def test_never_calls_torchs_gru(device, monkeypatch):
    def boom(*args, **kwargs):
        raise AssertionError("torch's GRU was called")

    for owner, name in ((torch._VF, "gru"), (torch._VF, "gru_cell"), (torch.nn.GRU, "forward"),
                        (torch.nn.GRUCell, "forward")):
        monkeypatch.setattr(owner, name, boom)
    layer = nn.GRU(3, 4, num_layers=2, bidirectional=True, dropout=0.5, device=device)
    y, h_n = layer(torch.randn(5, 2, 3, device=device, requires_grad=True))
    (y.sum() + h_n.sum()).backward()
    cell = nn.GRUCell(3, 4, device=device)
    cell(torch.randn(2, 3, device=device)).sum().backward()
    assert layer.weight_hh_l1_reverse.grad is not None and cell.weight_ih.grad is not None


def test_parameters_repr_and_module():
    for kwargs in (dict(), dict(num_layers=3, bias=False, batch_first=True, dropout=0.25, bidirectional=True)):
        ours, theirs = nn.GRU(3, 4, **kwargs), torch.nn.GRU(3, 4, **kwargs)
        assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == \
            [(n, tuple(p.shape)) for n, p in theirs.named_parameters()]
        assert repr(ours) == repr(theirs)
        assert isinstance(ours, torch.nn.Module)
    assert repr(nn.GRUCell(3, 4, bias=False)) == repr(torch.nn.GRUCell(3, 4, bias=False))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_dtype_kept_and_extreme_inputs_finite(device, dtype):
    torch.manual_seed(0)
    theirs = torch.nn.GRU(3, 4, num_layers=2, bidirectional=True, dtype=dtype, device=device)
    ours = nn.GRU(3, 4, num_layers=2, bidirectional=True, dtype=dtype, device=device)
    ours.load_state_dict(theirs.state_dict())
    x = 1e4 * torch.randn(5, 2, 3, dtype=dtype, device=device).sign()
    x1, x2 = _leaves(x, x)
    y1, hn1 = ours(x1)
    y2, hn2 = theirs(x2)
    assert y1.dtype == hn1.dtype == dtype
    (y1.sum() + hn1.sum()).backward()
    (y2.sum() + hn2.sum()).backward()
    tol = dict(rtol=1e-4, atol=1e-4) if dtype == torch.float32 else dict(rtol=1e-7, atol=1e-9)
    for a, b in ((y1, y2), (hn1, hn2), (x1.grad, x2.grad)):
        assert torch.isfinite(a).all()
        assert_close(a, b, **tol)


def test_errors_name_the_argument():
    layer = nn.GRU(3, 4, num_layers=2, dtype=F64)
    with pytest.raises(TypeError, match="input must be a torch.Tensor"):
        layer(np.zeros((5, 2, 3)))
    with pytest.raises(ValueError, match="input must have 3 features"):
        layer(torch.zeros(5, 2, 2, dtype=F64))
    with pytest.raises(ValueError, match="input must be 3-D"):
        layer(torch.zeros(5, dtype=F64))
    with pytest.raises(ValueError, match=r"hx must have shape"):
        layer(torch.zeros(5, 2, 3, dtype=F64), torch.zeros(2, 3, 4, dtype=F64))
    with pytest.raises(TypeError, match="hx must be a torch.Tensor"):
        layer(torch.zeros(5, 2, 3, dtype=F64), np.zeros((2, 2, 4)))
    with pytest.raises(TypeError, match="input must have the dtype of the layer's parameters"):
        layer(torch.zeros(5, 2, 3))
    with pytest.raises(TypeError, match=r"dropout_masks\[0\] must be a boolean"):
        layer(torch.zeros(5, 2, 3, dtype=F64), dropout_masks=[torch.ones(5, 2, 4)])
    with pytest.raises(TypeError, match="generator must be a torch.Generator"):
        nn.GRU(3, 4, generator=np.random.default_rng(0))
    with pytest.raises(ValueError, match="dropout must be in"):
        nn.GRU(3, 4, dropout=2.0)
    with pytest.raises(TypeError, match="dtype must be a floating-point torch.dtype"):
        nn.GRUCell(3, 4, dtype=torch.int64)
    with pytest.raises(ValueError, match=r"hx must have shape \(H_out,\) for an unbatched input"):
        nn.GRUCell(3, 4)(torch.zeros(3), torch.zeros(1, 4))
