"""Hypothesis strategies shared by the NumPy and PyTorch test files (both backends are
tested on the same random calls). pytest puts tests/ on sys.path (pyproject's `pythonpath`)."""

import torch
import torch.nn.functional as TF
from hypothesis import strategies as st


def pairs(low, high):
    """An int or a pair of ints in [low, high]."""
    return st.one_of(st.integers(low, high), st.tuples(st.integers(low, high), st.integers(low, high)))


def as_pair(v):
    return v if isinstance(v, tuple) else (v, v)


@st.composite
def window_settings(draw, dilation=True):
    """Pooling arguments, padding within torch's bound kernel_size // 2."""
    kernel_size = draw(pairs(1, 4))
    k = as_pair(kernel_size)
    stride = draw(st.one_of(st.none(), pairs(1, 3)))
    padding = draw(st.one_of(st.integers(0, min(k) // 2),
                             st.tuples(st.integers(0, k[0] // 2), st.integers(0, k[1] // 2))))
    settings = dict(kernel_size=kernel_size, stride=stride, padding=padding, ceil_mode=draw(st.booleans()))
    if dilation:
        settings["dilation"] = draw(pairs(1, 3))
    return settings


@st.composite
def conv_cases(draw):
    """A random valid conv2d call: shapes, stride, padding (ints, pairs, 'valid', 'same'), dilation, groups."""
    groups = draw(st.integers(1, 3))
    C_in, C_out = groups * draw(st.integers(1, 3)), groups * draw(st.integers(1, 3))
    kH, kW = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    dilation = draw(st.one_of(st.integers(1, 3), st.tuples(st.integers(1, 3), st.integers(1, 3))))
    padding = draw(st.one_of(st.integers(0, 2), st.tuples(st.integers(0, 2), st.integers(0, 2)),
                             st.sampled_from(["valid", "same"])))
    stride = 1 if padding == "same" else draw(st.one_of(st.integers(1, 3),
                                                        st.tuples(st.integers(1, 3), st.integers(1, 3))))
    d_h, d_w = (dilation, dilation) if isinstance(dilation, int) else dilation
    span_h, span_w = d_h * (kH - 1) + 1, d_w * (kW - 1) + 1
    if padding == "same":
        pad_h, pad_w = span_h - 1, span_w - 1
    elif padding == "valid":
        pad_h = pad_w = 0
    else:
        p_h, p_w = (padding, padding) if isinstance(padding, int) else padding
        pad_h, pad_w = 2 * p_h, 2 * p_w
    # non-square inputs, at least as large as the dilated kernel once padded
    H = draw(st.integers(max(1, span_h - pad_h), max(1, span_h - pad_h) + 6))
    W = draw(st.integers(max(1, span_w - pad_w), max(1, span_w - pad_w) + 6))
    N = draw(st.integers(1, 3))
    batched = draw(st.booleans())
    shape = (N, C_in, H, W) if batched else (C_in, H, W)
    return dict(shape=shape, weight_shape=(C_out, C_in // groups, kH, kW), bias=draw(st.booleans()),
                kwargs=dict(stride=stride, padding=padding, dilation=dilation, groups=groups))


# Activations: name -> (torch reference, strategy for keyword arguments)
ELEMENTWISE = {
    "sigmoid": (lambda t: torch.sigmoid(t), st.just({})),
    "tanh": (lambda t: torch.tanh(t), st.just({})),
    "relu": (lambda t: TF.relu(t), st.just({})),
    "leaky_relu": (lambda t, negative_slope=0.01: TF.leaky_relu(t, negative_slope),
                   st.fixed_dictionaries({"negative_slope": st.floats(-2, 2)})),
    "elu": (lambda t, alpha=1.0: TF.elu(t, alpha), st.fixed_dictionaries({"alpha": st.floats(-2, 3)})),
    "silu": (lambda t: TF.silu(t), st.just({})),
    "gelu": (lambda t, approximate="none": TF.gelu(t, approximate=approximate),
             st.fixed_dictionaries({"approximate": st.sampled_from(["none", "tanh"])})),
}
NORMALIZING = {
    "softmax": lambda t, dim: TF.softmax(t, dim),
    "log_softmax": lambda t, dim: TF.log_softmax(t, dim),
}
ALL = list(ELEMENTWISE) + list(NORMALIZING)


# -- the public strategies (dlref.testing.strategies), available here too --------------------------
# Users test their own layers with them; our tests may take them from here as well. The
# strategies above stay as they are (test files import them).

from dlref.testing.strategies import (arrays, class_targets, classification_problems,  # noqa: E402, F401
                                      conv2d_args, normalized_shapes, pool2d_args, probabilities,
                                      recurrent_shapes)


def as_conv_case(args) -> dict:
    """A drawn ``Conv2dArgs`` in the dict layout of ``conv_cases`` (shape, weight_shape, bias, kwargs)."""
    return dict(shape=args.input_shape, weight_shape=args.weight_shape, bias=args.bias, kwargs=args.kwargs)


def public_conv_cases():
    """``conv_cases`` drawn by the public ``conv2d_args`` (batched and unbatched inputs), same layout."""
    return conv2d_args(batched=None).map(as_conv_case)
