"""dlref.torch.functional.dropout (bernoulli_, division, multiplication) against
torch.nn.functional.dropout: the same mask and bitwise the same output from the same seed on
the CPU, the same output with torch's mask on every device, agreement with the NumPy backend
given one mask, gradients and gradcheck, the statistics of the mask, train/eval, p = 0 and 1,
in place, the mirrored op never called, bad arguments."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import functional as NF
from dlref.testing import assert_close
from dlref.torch import functional as F

F64 = torch.float64
shapes = st.lists(st.integers(1, 6), min_size=1, max_size=4)
probabilities = st.one_of(st.sampled_from([0.0, 0.5, 1.0]), st.floats(0.0, 1.0))


def torch_mask(shape, p, seed, device):
    """The keep-mask torch's F.dropout draws from ``seed`` (its output on ones is nonzero where it keeps)."""
    torch.manual_seed(seed)
    return TF.dropout(torch.ones(shape, dtype=F64, device=device), p) != 0


@given(shape=shapes, p=probabilities, seed=st.integers(0, 2**31 - 1),
       dtype=st.sampled_from([torch.float64, torch.float32, torch.float16]))
def test_same_seed_same_output_as_torch_on_cpu(shape, p, seed, dtype):
    # on the CPU torch draws its noise with bernoulli_(1 - p), and so does the twin: bit for bit
    x = torch.randn(shape, generator=torch.Generator().manual_seed(seed)).to(dtype) * 100
    torch.manual_seed(seed)
    y_ref = TF.dropout(x, p)
    torch.manual_seed(seed)
    y = F.dropout(x, p)
    assert y.dtype == dtype
    assert torch.equal(y, y_ref)


@given(shape=shapes, p=probabilities, seed=st.integers(0, 2**31 - 1))
def test_with_torchs_mask_matches_torch_and_numpy(device, shape, p, seed):
    x = (torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=F64) * 10).to(device)
    g = torch.arange(1.0, x.numel() + 1, dtype=F64, device=device).reshape(x.shape)
    mask = torch_mask(shape, p, seed, device)
    torch.manual_seed(seed)
    xt = x.clone().requires_grad_(True)
    y_ref = TF.dropout(xt, p)
    y_ref.backward(g)
    xo = x.clone().requires_grad_(True)
    y = F.dropout(xo, p, mask=mask)
    y.backward(g)
    # torch's CUDA kernel rounds x * m * (1/(1-p)) instead of x * (m/(1-p)): equal to an ulp there
    exact = device.type == "cpu"
    assert_close(y, y_ref, rtol=0 if exact else 1e-15, atol=0)
    assert_close(xo.grad, xt.grad, rtol=0 if exact else 1e-15, atol=0)
    # the NumPy backend, given the same mask, computes the same numbers
    y_np = NF.dropout(x.cpu().numpy(), p, mask=mask.cpu().numpy())
    np.testing.assert_array_equal(y.detach().cpu().numpy(), y_np)
    np.testing.assert_array_equal(xo.grad.cpu().numpy(),
                                  NF.dropout_backward(g.cpu().numpy(), x.cpu().numpy(), p, mask=mask.cpu().numpy()))


def test_formula_kept_scaled_dropped_zero(device):
    x = torch.tensor([[1.0, -2.0, 3.0], [4.0, 5.0, -6.0]], dtype=F64, device=device, requires_grad=True)
    mask = torch.tensor([[True, False, True], [False, True, True]], device=device)
    y = F.dropout(x, 0.25, mask=mask)
    assert_close(y, torch.where(mask, x / 0.75, 0.0))
    y.sum().backward()
    assert_close(x.grad, torch.where(mask, 1 / 0.75, 0.0).to(F64))


def test_gradcheck_with_a_fixed_mask(device):
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(3, 4, generator=gen, dtype=F64).to(device).requires_grad_(True)
    mask = F.dropout_mask(x.shape, 0.3, gen).to(device)
    assert torch.autograd.gradcheck(lambda t: F.dropout(t, 0.3, mask=mask), (x,))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_mean_is_preserved_and_drop_rate_is_p(device, p):
    n = 1_000_000
    x = torch.full((n,), 3.0, dtype=F64, device=device)
    y = F.dropout(x, p, generator=torch.Generator(device=device).manual_seed(0))
    dropped = (y == 0).double().mean().item()
    # binomial standard error sqrt(p(1-p)/n) <= 5e-4: allow 6 of them
    assert abs(dropped - p) < 6 * np.sqrt(p * (1 - p) / n)
    assert abs(y.mean().item() - 3.0) < 6 * 3.0 * np.sqrt(p / (1 - p) / n)
    assert_close(y[y != 0].unique(), torch.tensor([3.0 / (1 - p)], dtype=F64, device=device))


def test_generator_is_reproducible_and_masks_independent(device):
    x = torch.ones(200, 200, device=device)
    a = F.dropout(x, 0.5, generator=torch.Generator(device=device).manual_seed(7))
    b = F.dropout(x, 0.5, generator=torch.Generator(device=device).manual_seed(7))
    c = F.dropout(x, 0.5, generator=torch.Generator(device=device).manual_seed(8))
    assert torch.equal(a, b)
    assert ((a == 0) == (c == 0)).float().mean() < 0.55          # two independent masks agree half the time
    mask = F.dropout_mask((3, 4), 0.5, device=device)
    assert mask.dtype == torch.bool and mask.shape == (3, 4) and mask.device.type == device.type


def test_modes_and_edge_cases(device):
    x = torch.randn(4, 5, device=device)
    assert F.dropout(x, 0.9, training=False) is x
    assert F.dropout(x, 0.0) is x                                 # as torch returns it
    y = F.dropout(x, 1.0)
    assert y.dtype == x.dtype and not y.any()
    special = torch.tensor([float("inf"), 1.0], device=device)
    assert_close(F.dropout(special, 1.0), TF.dropout(special, 1.0))  # inf * 0 = NaN, as torch
    # a mask given with p = 0 is used (the NumPy backend's rule)
    assert torch.equal(F.dropout(x, 0.0, mask=torch.zeros(4, 5, dtype=torch.bool, device=device)),
                       torch.zeros_like(x))


def test_inplace_writes_into_input(device):
    x = torch.arange(1.0, 7.0, device=device).reshape(2, 3)
    mask = torch.tensor([[True, False, True], [True, True, False]], device=device)
    y = F.dropout(x, 0.5, inplace=True, mask=mask)
    assert y is x
    assert_close(x, torch.tensor([[2.0, 0.0, 6.0], [8.0, 10.0, 0.0]], device=device))


def test_extreme_inputs_stay_finite(device):
    x = torch.tensor([1e4, -1e4, 1e30, -1e30], dtype=F64, device=device)
    assert torch.isfinite(F.dropout(x, 0.5, mask=torch.tensor([True, True, True, False], device=device))).all()


def test_never_calls_torch_dropout(device, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("torch's dropout was called")

    for namespace, name in ((TF, "dropout"), (torch, "dropout"), (torch, "native_dropout"), (torch, "dropout_")):
        monkeypatch.setattr(namespace, name, forbidden)
    x = torch.randn(5, 6, device=device, requires_grad=True)
    F.dropout(x, 0.3).sum().backward()
    F.dropout(x, 0.3, mask=torch.ones(5, 6, dtype=torch.bool, device=device))
    with pytest.raises(AssertionError, match="torch's dropout was called"):
        TF.dropout(x, 0.3)                                        # the patch is in force


@pytest.mark.parametrize("p", [-0.1, 1.5, float("nan")])
def test_p_outside_unit_interval_raises(p):
    with pytest.raises(ValueError, match="dropout probability p has to be between 0 and 1"):
        F.dropout(torch.ones(3), p)
    with pytest.raises(ValueError, match="dropout probability p has to be between 0 and 1"):
        F.dropout_mask((3,), p)


def test_bad_arguments():
    x = torch.ones(2, 3)
    with pytest.raises(TypeError, match="p must be a real number"):
        F.dropout(x, "0.5")
    with pytest.raises(TypeError, match="input must be a torch.Tensor"):
        F.dropout(np.ones(3), 0.5)
    with pytest.raises(TypeError, match="input must have a floating-point dtype"):
        F.dropout(torch.ones(3, dtype=torch.int64), 0.5)
    with pytest.raises(TypeError, match=r"mask must be a boolean torch.Tensor \(True = keep\), got Tensor of dtype"):
        F.dropout(x, 0.5, mask=torch.ones(2, 3))
    with pytest.raises(TypeError, match="mask must be a boolean torch.Tensor"):
        F.dropout(x, 0.5, mask=np.ones((2, 3), dtype=bool))
    with pytest.raises(ValueError, match="mask and input must have the same shape"):
        F.dropout(x, 0.5, mask=torch.ones(3, 2, dtype=torch.bool))
    with pytest.raises(TypeError, match="training must be a bool"):
        F.dropout(x, 0.5, training=1)
    with pytest.raises(TypeError, match="inplace must be a bool"):
        F.dropout(x, 0.5, inplace=None)
    with pytest.raises(TypeError, match="generator must be a torch.Generator"):
        F.dropout(x, 0.5, generator=np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"shape must be an int or a sequence of ints, got None"):
        F.dropout_mask(None)
    with pytest.raises(ValueError, match=r"shape must not have a negative size"):
        F.dropout_mask((-1, 3))
    with pytest.raises(ValueError, match=r"device must name a torch device, got 'bogus'"):
        F.dropout_mask((2, 3), device="bogus")
