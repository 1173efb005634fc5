"""Tests of dlref.testing.strategies: every drawn example is valid (torch and dlref both accept
it and agree on the output shape), the strategies reach the interesting cases, pins pin, bad
arguments raise, and hypothesis stays an optional dependency."""

from __future__ import annotations

import doctest
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from dlref.numpy import functional as F
from dlref.numpy import nn
from dlref.testing import assert_close, strategies
from strategies import public_conv_cases
from dlref.testing.strategies import (arrays, class_targets, classification_problems, conv2d_args,
                                      normalized_shapes, pool2d_args, probabilities, recurrent_shapes)

ROOT = Path(__file__).resolve().parents[2]
TIGHT = dict(rtol=1e-10, atol=1e-12)


# -- every drawn example is valid: torch and dlref accept it --------------------------------------


# torch warns that padding='same' with an even kernel may copy the input: true, and beside the point
@pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")
@given(conv2d_args(batched=None), st.integers(0, 2**32 - 1))
def test_conv2d_args_fit_torch_and_dlref(args, seed):
    rng = np.random.default_rng(seed)
    x, w = rng.standard_normal(args.input_shape), rng.standard_normal(args.weight_shape)
    b = rng.standard_normal(args.out_channels) if args.bias else None
    expected = TF.conv2d(torch.tensor(x), torch.tensor(w), None if b is None else torch.tensor(b), **args.kwargs)
    assert tuple(expected.shape) == args.output_shape
    assert_close(F.conv2d(x, w, b, **args.kwargs), expected, **TIGHT)
    # the layer constructors take the same arguments
    layer = torch.nn.Conv2d(args.in_channels, args.out_channels, args.kernel_size, bias=args.bias, **args.kwargs)
    assert tuple(layer.weight.shape) == args.weight_shape
    ours = nn.Conv2d(args.in_channels, args.out_channels, args.kernel_size, bias=args.bias, dtype=np.float64,
                     **args.kwargs)
    assert ours(x).shape == args.output_shape


@given(pool2d_args(batched=None), st.integers(0, 2**32 - 1))
def test_pool2d_args_fit_torch_and_dlref(args, seed):
    x = np.random.default_rng(seed).standard_normal(args.input_shape)
    expected = TF.max_pool2d(torch.tensor(x), **args.kwargs)
    assert tuple(expected.shape) == args.output_shape
    assert_close(F.max_pool2d(x, **args.kwargs), expected, rtol=0, atol=0)
    assert nn.MaxPool2d(**args.kwargs)(x).shape == args.output_shape


@given(pool2d_args(dilation=1), st.integers(0, 2**32 - 1))
def test_pool2d_args_with_dilation_one_fit_avg_pool2d(args, seed):
    # the docstring's recipe for avg_pool2d: pin dilation=1, drop it from the keywords
    kwargs = {k: v for k, v in args.kwargs.items() if k != "dilation"}
    x = np.random.default_rng(seed).standard_normal(args.input_shape)
    expected = TF.avg_pool2d(torch.tensor(x), **kwargs)
    assert tuple(expected.shape) == args.output_shape
    assert_close(F.avg_pool2d(x, **kwargs), expected, **TIGHT)


@given(normalized_shapes(), st.integers(0, 2**32 - 1))
def test_normalized_shapes_fit_layer_norm(shapes, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(shapes.input_shape)
    weight, bias = rng.standard_normal(shapes.normalized_shape), rng.standard_normal(shapes.normalized_shape)
    expected = TF.layer_norm(torch.tensor(x), shapes.normalized_shape, torch.tensor(weight), torch.tensor(bias))
    assert_close(F.layer_norm(x, shapes.normalized_shape, weight, bias), expected, **TIGHT)
    assert nn.LayerNorm(shapes.normalized_shape, dtype=np.float64)(x).shape == shapes.input_shape


@pytest.mark.parametrize("ignore_index", [None, -100, 0, 2])
@given(data=st.data())
def test_classification_problems_fit_cross_entropy(ignore_index, data):
    problem = data.draw(classification_problems(ignore_index=ignore_index, probability_targets=None,
                                                weighted=None, batched=None))
    weight = None if problem.weight is None else torch.tensor(problem.weight)
    expected = TF.cross_entropy(torch.tensor(problem.input), torch.tensor(problem.target), weight=weight,
                                ignore_index=problem.ignore_index)
    assert torch.isfinite(expected)  # never 0 / 0: some target always counts
    ours = F.cross_entropy(problem.input, problem.target, weight=problem.weight, ignore_index=problem.ignore_index)
    assert_close(ours, expected, **TIGHT)


@given(recurrent_shapes(batched=None))
def test_recurrent_shapes_fit_torch_lstm(s):
    lstm = torch.nn.LSTM(**s.module_kwargs)
    h_0, c_0 = torch.zeros(s.hidden_shape), torch.zeros(s.hidden_shape)
    output, (h_n, c_n) = lstm(torch.zeros(s.input_shape), (h_0, c_0))
    assert tuple(output.shape) == s.output_shape
    assert tuple(h_n.shape) == tuple(c_n.shape) == s.hidden_shape
    assert s.input_shape[-1] == s.input_size
    assert (s.input_shape[0] if s.batch_first or not s.batched else s.input_shape[1]) == \
        (s.batch if s.batched else s.seq_len)


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@given(data=st.data())
def test_arrays_have_dtype_bounds_and_no_special_values(dtype, data):
    # 0.1 and 3.3 are not representable in any of these: the bounds move inwards
    x = data.draw(arrays((3, 4), dtype, min_value=-0.1, max_value=3.3))
    assert x.dtype == dtype and x.shape == (3, 4) and x.flags.c_contiguous
    assert np.all(np.isfinite(x))
    assert np.all((x >= -0.1) & (x <= 3.3))
    tiny = np.finfo(dtype).tiny
    assert not np.any((x != 0) & (np.abs(x) < tiny)), "a subnormal value was drawn"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@given(data=st.data())
def test_probabilities_sum_to_one_along_dim(dtype, data):
    shape = data.draw(st.tuples(st.integers(1, 3), st.integers(1, 4), st.integers(1, 3)))
    dim = data.draw(st.integers(-3, 2))
    min_value = data.draw(st.sampled_from([0.0, 0.05]))
    p = data.draw(probabilities(shape, dim=dim, dtype=dtype, min_value=min_value))
    assert p.dtype == dtype and p.shape == shape
    eps = np.finfo(dtype).eps
    assert np.all(p >= min_value * (1 - eps))
    assert_close(p.sum(axis=dim, dtype=np.float64), np.ones(np.delete(shape, dim % 3)), rtol=0, atol=4 * shape[dim] * eps)


@given(probabilities((5, 2), dim=None, min_value=0.01))
def test_independent_probabilities_are_in_the_interval(p):
    assert np.all((p >= 0.01) & (p <= 0.99))


@given(class_targets(st.tuples(st.integers(0, 4), st.integers(1, 3)), 4, ignore_index=1))
def test_class_targets_in_range_and_never_all_ignored(y):
    assert y.dtype == np.int64
    assert np.all((y >= 0) & (y < 4))
    if y.size:
        assert np.any(y != 1)


@given(probabilities((), dim=-1))
def test_probabilities_of_a_scalar_is_one(p):
    assert p.shape == () and p == 1.0


@pytest.mark.filterwarnings("ignore:Using padding='same':UserWarning")
@given(public_conv_cases())
def test_the_private_alias_draws_conv_cases_in_their_layout(case):
    # tests/strategies.py offers the public strategy in the layout of its own conv_cases
    x, w = np.ones(case["shape"]), np.ones(case["weight_shape"])
    expected = TF.conv2d(torch.tensor(x), torch.tensor(w), **case["kwargs"])
    assert_close(F.conv2d(x, w, **case["kwargs"]), expected, **TIGHT)


# -- the strategies reach the interesting cases ----------------------------------------------------


def pair(v):
    return v if isinstance(v, tuple) else (v, v)


def pool_out(args, ceil_mode):
    """Output height of a Pool2dArgs with ceil_mode set as given (torch's rule)."""
    H = args.input_shape[-2]
    k, p, d = pair(args.kernel_size)[0], pair(args.padding)[0], pair(args.dilation)[0]
    s = k if args.stride is None else pair(args.stride)[0]
    return TF.max_pool2d(torch.zeros(1, 1, H, 1), (k, 1), (s, 1), (p, 0), (d, 1), ceil_mode).shape[2]


def ceil_rule_drops_a_window(args):
    """Whether torch's rule "the last window must start inside the input or the left padding" applies."""
    H = args.input_shape[-2]
    k, p, d = pair(args.kernel_size)[0], pair(args.padding)[0], pair(args.dilation)[0]
    s = k if args.stride is None else pair(args.stride)[0]
    rounded_up = -(-(H + 2 * p - d * (k - 1) - 1) // s) + 1
    return rounded_up > pool_out(args, True)


COVERAGE = {
    "conv groups > 1": (conv2d_args(), lambda a: a.groups > 1),
    "conv depthwise": (conv2d_args(), lambda a: a.groups > 1 and a.in_channels == a.out_channels == a.groups),
    "conv dilation > 1": (conv2d_args(), lambda a: max(pair(a.dilation)) > 1),
    "conv padding='same'": (conv2d_args(), lambda a: a.padding == "same"),
    "conv padding='same', even kernel": (conv2d_args(),
                                         lambda a: a.padding == "same" and a.weight_shape[2] % 2 == 0),
    "conv padding='valid'": (conv2d_args(), lambda a: a.padding == "valid"),
    "conv padding pair": (conv2d_args(), lambda a: isinstance(a.padding, tuple) and a.padding[0] != a.padding[1]),
    "conv stride pair > 1": (conv2d_args(), lambda a: isinstance(a.stride, tuple) and min(a.stride) > 1),
    "conv non-square kernel": (conv2d_args(), lambda a: a.weight_shape[2] != a.weight_shape[3]),
    "conv non-square input": (conv2d_args(), lambda a: a.input_shape[-1] != a.input_shape[-2]),
    "conv 1x1 output": (conv2d_args(), lambda a: a.output_shape[-2:] == (1, 1)),
    "conv no bias": (conv2d_args(), lambda a: not a.bias),
    "conv unbatched": (conv2d_args(batched=None), lambda a: len(a.input_shape) == 3),
    "pool ceil_mode adds a window": (pool2d_args(), lambda a: a.ceil_mode and pool_out(a, True) > pool_out(a, False)),
    "pool ceil_mode drops a window": (pool2d_args(), lambda a: a.ceil_mode and ceil_rule_drops_a_window(a)),
    "pool default stride": (pool2d_args(), lambda a: a.stride is None and pair(a.kernel_size)[0] > 1),
    "pool dilation > 1": (pool2d_args(), lambda a: max(pair(a.dilation)) > 1),
    "pool padding = kernel // 2": (pool2d_args(), lambda a: pair(a.padding)[0] == pair(a.kernel_size)[0] // 2 > 0),
    "pool unbatched": (pool2d_args(batched=None), lambda a: len(a.input_shape) == 3),
    "layer_norm over 2+ dims": (normalized_shapes(), lambda s: len(s.normalized_shape) >= 2),
    "layer_norm over the whole input": (normalized_shapes(), lambda s: s.normalized_shape == s.input_shape),
    "cross_entropy ignored targets": (classification_problems(ignore_index=-100),
                                      lambda p: np.any(p.target == -100)),
    "cross_entropy extra dims": (classification_problems(), lambda p: p.input.ndim >= 3),
    "cross_entropy unbatched": (classification_problems(batched=None), lambda p: p.input.ndim == 1),
    "cross_entropy probability targets": (classification_problems(probability_targets=None),
                                          lambda p: p.target.dtype.kind == "f" and np.any(p.target == 0)),
    "cross_entropy class weights": (classification_problems(weighted=None), lambda p: p.weight is not None),
    "lstm stacked bidirectional batch_first": (recurrent_shapes(),
                                               lambda s: s.num_layers > 1 and s.bidirectional and s.batch_first),
    "lstm unbatched": (recurrent_shapes(batched=None), lambda s: not s.batched),
    "lstm without bias": (recurrent_shapes(), lambda s: not s.bias),
}
FIND = settings(max_examples=2000, derandomize=True, database=None, phases=[Phase.generate],
                suppress_health_check=list(HealthCheck))


@pytest.mark.parametrize("case", list(COVERAGE), ids=list(COVERAGE))
def test_strategies_reach_the_interesting_cases(case):
    strategy, condition = COVERAGE[case]
    find(strategy, condition, settings=FIND)  # raises NoSuchExample if never drawn


# -- pins -----------------------------------------------------------------------------------------


@given(conv2d_args(kernel_size=3, dilation=1, depthwise=True, stride=st.integers(1, 2), padding=st.integers(0, 1)))
def test_conv2d_pins_fix_or_restrict_arguments(args):
    assert args.weight_shape[1:] == (1, 3, 3) and args.dilation == 1
    assert args.in_channels == args.out_channels == args.groups
    assert args.stride in (1, 2) and args.padding in (0, 1)


@given(conv2d_args(padding="same", stride=st.sampled_from([1, (1, 1)])))
def test_conv2d_pinned_same_padding(args):
    assert args.output_shape[-2:] == args.input_shape[-2:]


@given(pool2d_args(padding=2, max_kernel_size=2))
def test_pool2d_pinned_padding_gets_a_kernel_large_enough(args):
    assert min(pair(args.kernel_size)) >= 4


@given(pool2d_args(stride=st.none(), ceil_mode=False))
def test_pool2d_pinned_default_stride(args):
    assert args.stride is None and args.ceil_mode is False


@given(conv2d_args(kernel_size=7, dilation=3, padding=0, max_size=4))
def test_a_pinned_kernel_larger_than_max_size_still_fits(args):
    assert min(args.output_shape[-2:]) >= 1
    assert min(args.input_shape[-2:]) >= 3 * 6 + 1


# -- bad arguments ----------------------------------------------------------------------------------


@pytest.mark.parametrize("make, error, match", [
    (lambda: conv2d_args(max_size=0), ValueError, "max_size"),
    (lambda: conv2d_args(max_padding=-1), ValueError, "max_padding"),
    (lambda: conv2d_args(max_groups=2.0), TypeError, "max_groups"),
    (lambda: conv2d_args(padding="full"), ValueError, "padding"),
    (lambda: conv2d_args(padding="same", stride=2), ValueError, "padding='same'"),
    (lambda: conv2d_args(kernel_size=(3, 3, 3)), ValueError, "kernel_size"),
    (lambda: conv2d_args(groups=1.5), TypeError, "groups"),
    (lambda: conv2d_args(depthwise=None), TypeError, "depthwise"),
    (lambda: conv2d_args(batched="yes"), TypeError, "batched"),
    (lambda: pool2d_args(kernel_size=2, padding=2), ValueError, "padding"),
    (lambda: pool2d_args(dilation=0), ValueError, "dilation"),
    (lambda: normalized_shapes(max_side=0), ValueError, "max_side"),
    (lambda: arrays((2,), np.int64), TypeError, "dtype"),
    (lambda: arrays((2,), min_value=1.0, max_value=0.0), ValueError, "min_value"),
    (lambda: arrays((2,), max_value=np.inf), ValueError, "max_value"),
    (lambda: arrays((2, -1)), ValueError, "shape"),
    (lambda: probabilities((2,), min_value=0.6), ValueError, "min_value"),
    (lambda: probabilities((2,), dim=1.0), TypeError, "dim"),
    (lambda: class_targets((2,), 0), ValueError, "num_classes"),
    (lambda: class_targets((2,), 1, ignore_index=0), ValueError, "ignore_index"),
    (lambda: classification_problems(max_logit=-1.0), ValueError, "max_logit"),
    (lambda: classification_problems(probability_targets="sometimes"), TypeError, "probability_targets"),
    (lambda: recurrent_shapes(max_num_layers=0), ValueError, "max_num_layers"),
    (lambda: recurrent_shapes(bidirectional=1), TypeError, "bidirectional"),
])
def test_bad_arguments_raise_before_drawing(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_a_too_large_min_value_is_reported_when_drawing():
    @given(probabilities((5,), min_value=0.3))
    def draw_one(p):
        pass

    with pytest.raises(ValueError, match="min_value"):
        draw_one()


# -- packaging: hypothesis is optional, torch is not needed ----------------------------------------


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_without_hypothesis_the_import_error_says_what_to_install():
    result = run_python(
        "import sys\n"
        "sys.modules['hypothesis'] = None  # as if it were not installed\n"
        "import dlref.testing\n"
        "from dlref.testing import assert_close, compare_modules, gradcheck, numerical_grad\n"
        "try:\n"
        "    import dlref.testing.strategies\n"
        "except ImportError as error:\n"
        "    print(error)\n"
        "else:\n"
        "    print('imported')\n"
    )
    assert result.returncode == 0, result.stderr
    assert 'pip install "dlref[testing]"' in result.stdout


def test_dlref_testing_imports_neither_hypothesis_nor_torch():
    result = run_python("import sys, dlref.testing; print(sorted({'hypothesis', 'torch'} & set(sys.modules)))")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_strategies_do_not_import_torch():
    result = run_python("import sys, dlref.testing.strategies; print('torch' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_pyproject_has_the_testing_extra():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'testing = ["hypothesis>=6.100,<7"]' in text


# -- documentation ------------------------------------------------------------------------------------


def test_every_public_strategy_has_a_docstring_example_that_runs():
    public = [getattr(strategies, name) for name in strategies.__all__ if not name[0].isupper()]
    for function in public:
        doc = function.__doc__
        assert "Examples:" in doc and "Valid means" in doc, function.__name__
    finder = doctest.DocTestFinder()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    tests = [t for f in public for t in finder.find(f, f.__name__, globs={}) if t.examples]
    assert len(tests) == len(public)
    for test in tests:
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
