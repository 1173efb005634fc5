"""Pooling modules (NumPy) against torch.nn: outputs, input gradients, indices, repr,
state and errors."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn
from dlref.testing import assert_close, compare_modules

# (ours, theirs): the same configuration on both sides
PAIRS = [
    (lambda: nn.MaxPool2d(2), lambda: torch.nn.MaxPool2d(2)),
    (lambda: nn.MaxPool2d(3, stride=1, padding=1), lambda: torch.nn.MaxPool2d(3, stride=1, padding=1)),
    (lambda: nn.MaxPool2d(3, 2, 1, ceil_mode=True), lambda: torch.nn.MaxPool2d(3, 2, 1, ceil_mode=True)),
    (lambda: nn.MaxPool2d((2, 3), (1, 2), (1, 0), dilation=(2, 1)),
     lambda: torch.nn.MaxPool2d((2, 3), (1, 2), (1, 0), dilation=(2, 1))),
    (lambda: nn.AvgPool2d(2), lambda: torch.nn.AvgPool2d(2)),
    (lambda: nn.AvgPool2d(3, stride=1, padding=1), lambda: torch.nn.AvgPool2d(3, stride=1, padding=1)),
    (lambda: nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False),
     lambda: torch.nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False)),
    (lambda: nn.AvgPool2d([3, 2], divisor_override=5), lambda: torch.nn.AvgPool2d([3, 2], divisor_override=5)),
    (lambda: nn.AdaptiveAvgPool2d(1), lambda: torch.nn.AdaptiveAvgPool2d(1)),
    (lambda: nn.AdaptiveAvgPool2d((3, 2)), lambda: torch.nn.AdaptiveAvgPool2d((3, 2))),
    (lambda: nn.AdaptiveAvgPool2d((None, 4)), lambda: torch.nn.AdaptiveAvgPool2d((None, 4))),
]
IDS = [repr(theirs()) for _, theirs in PAIRS]


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
@given(shape=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(5, 9), st.integers(5, 9)),
       seed=st.integers(0, 2**32 - 1), integer_valued=st.booleans())
def test_matches_torch_module(pair, shape, seed, integer_valued):
    rng = np.random.default_rng(seed)
    x = rng.integers(-2, 3, shape).astype(np.float64) if integer_valued else rng.standard_normal(shape)
    compare_modules(pair[0](), pair[1]().double(), x)


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_unbatched_input(pair, rng):
    x = rng.standard_normal((2, 7, 6))
    compare_modules(pair[0](), pair[1]().double(), x)


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_repr_matches_torch(pair):
    assert repr(pair[0]()) == repr(pair[1]())


@pytest.mark.parametrize("ours, theirs", [
    (nn.MaxPool2d((2, 3), return_indices=True, ceil_mode=True), torch.nn.MaxPool2d((2, 3), return_indices=True,
                                                                                    ceil_mode=True)),
    (nn.MaxPool2d(3, stride=(1, 2), padding=(1, 0), dilation=2), torch.nn.MaxPool2d(3, stride=(1, 2),
                                                                                    padding=(1, 0), dilation=2)),
    (nn.AvgPool2d(3, ceil_mode=True, count_include_pad=False, divisor_override=2),
     torch.nn.AvgPool2d(3, ceil_mode=True, count_include_pad=False, divisor_override=2)),
    (nn.AdaptiveAvgPool2d((2, None)), torch.nn.AdaptiveAvgPool2d((2, None))),
])
def test_repr_with_arguments(ours, theirs):
    assert repr(ours) == repr(theirs)


def test_attributes_match_torch():
    for ours, theirs in [(nn.MaxPool2d(3), torch.nn.MaxPool2d(3)), (nn.AvgPool2d(3), torch.nn.AvgPool2d(3))]:
        for name in ("kernel_size", "stride", "padding", "ceil_mode"):
            assert getattr(ours, name) == getattr(theirs, name)
    assert nn.MaxPool2d(3).dilation == torch.nn.MaxPool2d(3).dilation
    assert nn.AvgPool2d(3).count_include_pad == torch.nn.AvgPool2d(3).count_include_pad


def test_max_pool_return_indices_and_backward(rng):
    x = rng.integers(-2, 3, (2, 3, 7, 7)).astype(np.float64)     # many ties
    ours = nn.MaxPool2d(3, stride=2, padding=1, return_indices=True)
    y, indices = ours(x)
    xt = torch.tensor(x, requires_grad=True)
    y_ref, indices_ref = torch.nn.MaxPool2d(3, stride=2, padding=1, return_indices=True)(xt)
    assert_close(y, y_ref)
    np.testing.assert_array_equal(indices, indices_ref.numpy())
    g = rng.standard_normal(y.shape)
    y_ref.backward(torch.tensor(g))
    assert_close(ours.backward(g), xt.grad)


def test_backward_belongs_to_the_last_forward(rng):
    pool = nn.MaxPool2d(2)
    a, b = rng.standard_normal((1, 1, 4, 4)), rng.standard_normal((1, 2, 6, 6))
    pool(a)
    pool(b)
    g = np.ones((1, 2, 3, 3))
    from dlref.numpy.functional import max_pool2d_backward
    assert_close(pool.backward(g), max_pool2d_backward(g, b, 2))


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_no_parameters_and_empty_state_dict(pair):
    ours = pair[0]()
    assert list(ours.parameters()) == []
    assert len(ours.state_dict()) == 0 == len(pair[1]().state_dict())
    ours.load_state_dict(pair[1]().state_dict())


@pytest.mark.parametrize("pair", PAIRS, ids=IDS)
def test_float32_is_kept(pair, rng):
    x = rng.standard_normal((2, 3, 8, 8)).astype(np.float32)
    module = pair[0]()
    y = module(x)
    assert y.dtype == np.float32
    assert module.backward(np.ones_like(y)).dtype == np.float32


@pytest.mark.parametrize("module", [nn.MaxPool2d(2), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1)])
def test_backward_before_forward_raises(module):
    with pytest.raises(RuntimeError, match="backward called before forward"):
        module.backward(np.ones((1, 1, 1, 1)))


def test_backward_checks_the_gradient_shape(rng):
    pool = nn.MaxPool2d(2)
    pool(rng.standard_normal((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=r"grad_output must have the shape of MaxPool2d's output \(1, 1, 2, 2\)"):
        pool.backward(np.ones((1, 1, 4, 4)))


@pytest.mark.parametrize("make, error, match", [
    (lambda: nn.MaxPool2d(0), ValueError, "kernel_size must be >= 1"),
    (lambda: nn.MaxPool2d(2, padding=2), ValueError, "padding must be at most half of kernel_size"),
    (lambda: nn.MaxPool2d(2, stride=0), ValueError, "stride must be >= 1"),
    (lambda: nn.MaxPool2d(2, dilation=(1, 0)), ValueError, "dilation must be >= 1"),
    (lambda: nn.MaxPool2d(2, return_indices=1), TypeError, "return_indices must be a bool"),
    (lambda: nn.AvgPool2d(2.5), TypeError, "kernel_size must be an int"),
    (lambda: nn.AvgPool2d(3, padding=(0, 2)), ValueError, "padding must be at most half of kernel_size"),
    (lambda: nn.AvgPool2d(3, count_include_pad="no"), TypeError, "count_include_pad must be a bool"),
    (lambda: nn.AvgPool2d(3, divisor_override=0), ValueError, "divisor_override must not be zero"),
    (lambda: nn.AdaptiveAvgPool2d(0), ValueError, "output_size must be >= 1"),
    (lambda: nn.AdaptiveAvgPool2d((1, 2, 3)), ValueError, "output_size must be an int or a pair"),
])
def test_bad_constructor_arguments(make, error, match):
    with pytest.raises(error, match=match):
        make()


@pytest.mark.parametrize("module", [nn.MaxPool2d(2), nn.AvgPool2d(2), nn.AdaptiveAvgPool2d(1)])
def test_bad_input_raises_naming_the_argument(module):
    with pytest.raises(ValueError, match=r"input must be 3-D \(C, H, W\) or 4-D"):
        module(np.zeros((4, 4)))


def test_kernel_larger_than_input_raises():
    with pytest.raises(ValueError, match="kernel_size=5 .*larger than the padded input: input 4x4"):
        nn.MaxPool2d(5)(np.zeros((1, 1, 4, 4)))
