"""dlref.numpy.nn.init against torch.nn.init.

The two libraries draw from different random generators, so values cannot match one by
one. What must match is the distribution: the gains and fans exactly, the uniform bounds
(the largest |w| of a large sample lies just below the bound), and the standard deviation
(a statistical test whose tolerance comes from the sample size). Every sample is drawn
with a fixed seed, and each tolerance is six standard errors or a 1e-12 tail, so the tests
are deterministic and would not flake under another seed either.
"""

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from scipy.special import ndtr

from dlref.numpy.nn import Linear, Parameter, init

NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]

# Large float64 weights: 2-D (Linear) and conv-shaped, ~1e5 entries each.
LARGE_SHAPES = [(300, 400), (1000, 100), (64, 32, 7, 7), (8, 16, 9, 9, 9)]

Z = 6.0  # standard errors allowed: P(|N(0,1)| > 6) ~ 2e-9
TAIL = 1e-12  # allowed probability that max |w| falls short of the band below the bound


# -- helpers ------------------------------------------------------------------------------

def torch_fans(shape):
    return torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))


def sample_std_tolerance(n, kurtosis):
    """Relative tolerance on a sample std: Z standard errors.

    For n i.i.d. draws with kurtosis k = E[x^4] / sigma^4, the sample variance has relative
    standard error sqrt((k - 1) / n), so the sample std has about half of it.
    """
    return Z * math.sqrt((kurtosis - 1) / n) / 2


def max_abs_band(n):
    """Relative width eps such that P(max |w| < (1 - eps) b) = TAIL for n draws of U(-b, b).

    P(|w| < (1 - eps) b) = 1 - eps for one draw, so (1 - eps)^n = TAIL.
    """
    return 1 - TAIL ** (1 / n)


def check_uniform(w, bound):
    """w looks like n draws of U(-bound, bound): range, std, mean, and the shape of the CDF."""
    w = np.asarray(w, dtype=np.float64).ravel()
    n = w.size
    m = np.abs(w).max()
    assert m <= bound, f"max |w| = {m!r} exceeds the bound {bound!r}"
    assert m >= bound * (1 - max_abs_band(n)), f"max |w| = {m!r} too far below the bound {bound!r}"
    sigma = bound / math.sqrt(3)
    assert abs(w.std() / sigma - 1) <= sample_std_tolerance(n, kurtosis=9 / 5)
    assert abs(w.mean()) <= Z * sigma / math.sqrt(n)
    # Kolmogorov-Smirnov distance to U(-b, b); sqrt(ln(2/alpha)/2)/sqrt(n) with alpha = 1e-9
    cdf = np.clip((np.sort(w) + bound) / (2 * bound), 0, 1)
    check_ks(cdf, n)


def check_normal(w, sigma, mean=0.0):
    """w looks like n draws of N(mean, sigma^2): std, mean, and the shape of the CDF."""
    w = np.asarray(w, dtype=np.float64).ravel()
    n = w.size
    assert abs(w.std() / sigma - 1) <= sample_std_tolerance(n, kurtosis=3)
    assert abs(w.mean() - mean) <= Z * sigma / math.sqrt(n)
    check_ks(ndtr((np.sort(w) - mean) / sigma), n)


def check_ks(cdf_sorted, n):
    i = np.arange(1, n + 1)
    d = max(np.max(i / n - cdf_sorted), np.max(cdf_sorted - (i - 1) / n))
    critical = math.sqrt(math.log(2 / 1e-9) / 2) / math.sqrt(n)
    assert d <= critical, f"KS distance {d:.3g} > {critical:.3g}"


def torch_sample(fn, shape, **kwargs):
    t = torch.empty(shape, dtype=torch.float64)
    fn(t, generator=torch.Generator().manual_seed(0), **kwargs)
    return t.numpy()


def ours_sample(fn, shape, **kwargs):
    w = np.empty(shape, dtype=np.float64)
    fn(w, generator=np.random.default_rng(0), **kwargs)
    return w


# -- calculate_gain -----------------------------------------------------------------------

@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_calculate_gain_matches_torch(nonlinearity):
    ours = init.calculate_gain(nonlinearity)
    assert isinstance(ours, float)
    assert ours == torch.nn.init.calculate_gain(nonlinearity)


@pytest.mark.parametrize("param", [None, 0, 0.0, 0.01, 0.2, 1, math.sqrt(5), 3.5, -0.3])
def test_calculate_gain_leaky_relu_param(param):
    assert init.calculate_gain("leaky_relu", param) == torch.nn.init.calculate_gain("leaky_relu", param)


def test_calculate_gain_values():
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("selu") == 0.75
    assert init.calculate_gain("leaky_relu", 0) == init.calculate_gain("relu")
    # the param is ignored for functions that have none (as torch does)
    assert init.calculate_gain("relu", 0.5) == math.sqrt(2)


@pytest.mark.parametrize("bad", ["Relu", "gelu", "softmax", "", None, 3])
def test_calculate_gain_bad_nonlinearity(bad):
    with pytest.raises(ValueError, match="nonlinearity"):
        init.calculate_gain(bad)


@pytest.mark.parametrize("param", ["0.2", True, [0.1]])
def test_calculate_gain_bad_param(param):
    with pytest.raises(TypeError, match="param"):
        init.calculate_gain("leaky_relu", param)


def test_calculate_gain_nan_param():
    with pytest.raises(ValueError, match="param"):
        init.calculate_gain("leaky_relu", float("nan"))


# -- fans ---------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (1, 1), (10, 4, 3), (16, 8, 3, 3), (4, 2, 1, 5),
                                   (6, 3, 2, 3, 4), (7, 1, 1, 1, 1, 1)])
def test_fans_match_torch(shape):
    for tensor in (np.empty(shape), Parameter(np.empty(shape))):
        assert init.calculate_fan_in_and_fan_out(tensor) == torch_fans(shape)


@given(st.lists(st.integers(1, 6), min_size=2, max_size=6))
def test_fans_match_torch_any_shape(shape):
    fans = init.calculate_fan_in_and_fan_out(np.empty(shape))
    assert fans == torch_fans(shape)
    assert all(type(f) is int for f in fans)


def test_fans_of_linear_and_conv_weights():
    # Linear weight (out_features, in_features): fan_in = in_features
    assert init.calculate_fan_in_and_fan_out(np.empty((20, 30))) == (30, 20)
    # Conv2d weight (out_channels, in_channels, kH, kW): fan_in = in_channels * kH * kW
    assert init.calculate_fan_in_and_fan_out(np.empty((64, 3, 7, 7))) == (3 * 49, 64 * 49)


@pytest.mark.parametrize("shape", [(), (5,), (0,)])
def test_fans_need_two_dimensions(shape):
    with pytest.raises(ValueError, match="tensor must have at least 2 dimensions"):
        init.calculate_fan_in_and_fan_out(np.empty(shape))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_uniform_(np.empty(shape))
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.xavier_normal_(Parameter(np.empty(shape)))
    if shape != (0,):  # torch returns early, with a warning, on zero-element tensors
        with pytest.raises(ValueError, match="at least 2 dimensions"):
            init.kaiming_uniform_(np.empty(shape))
        with pytest.raises(ValueError, match="at least 2 dimensions"):
            init.kaiming_normal_(np.empty(shape))


# -- uniform bounds -----------------------------------------------------------------------

def xavier_bound(shape, gain):
    fan_in, fan_out = torch_fans(shape)
    return gain * math.sqrt(6 / (fan_in + fan_out))


def kaiming_bound(shape, a, mode, nonlinearity):
    fan_in, fan_out = torch_fans(shape)
    fan = fan_in if mode == "fan_in" else fan_out
    return torch.nn.init.calculate_gain(nonlinearity, a) * math.sqrt(3 / fan)


@pytest.mark.parametrize("shape", LARGE_SHAPES)
@pytest.mark.parametrize("gain", [1.0, 5 / 3, 0.1])
def test_xavier_uniform_bound_and_std(shape, gain):
    bound = xavier_bound(shape, gain)
    # the formula is torch's: torch's own sample satisfies it
    check_uniform(torch_sample(torch.nn.init.xavier_uniform_, shape, gain=gain), bound)
    check_uniform(ours_sample(init.xavier_uniform_, shape, gain=gain), bound)


@pytest.mark.parametrize("shape", LARGE_SHAPES)
@pytest.mark.parametrize("a, mode, nonlinearity", [
    (0.0, "fan_in", "leaky_relu"),  # torch's default: the ReLU gain sqrt(2)
    (0.0, "fan_out", "relu"),
    (0.2, "fan_in", "leaky_relu"),
    (math.sqrt(5), "fan_in", "leaky_relu"),  # torch.nn.Linear / Conv2d default
    (0.0, "fan_in", "tanh"),
    (0.0, "fan_out", "linear"),
])
def test_kaiming_uniform_bound_and_std(shape, a, mode, nonlinearity):
    bound = kaiming_bound(shape, a, mode, nonlinearity)
    kwargs = dict(a=a, mode=mode, nonlinearity=nonlinearity)
    check_uniform(torch_sample(torch.nn.init.kaiming_uniform_, shape, **kwargs), bound)
    check_uniform(ours_sample(init.kaiming_uniform_, shape, **kwargs), bound)


def test_kaiming_uniform_sqrt5_is_one_over_sqrt_fan_in():
    # gain(leaky_relu, sqrt 5) = sqrt(2 / 6), so bound = sqrt(1/3) * sqrt(3 / fan_in) = 1 / sqrt(fan_in)
    for fan_in in (1, 3, 64, 784, 4096):
        assert math.isclose(kaiming_bound((10, fan_in), math.sqrt(5), "fan_in", "leaky_relu"),
                            1 / math.sqrt(fan_in), rel_tol=1e-15)
    w = init.kaiming_uniform_(np.empty((500, 784)), a=math.sqrt(5), generator=np.random.default_rng(1))
    check_uniform(w, 1 / math.sqrt(784))


def test_linear_default_weights_follow_torch():
    layer = Linear(256, 512, dtype=np.float64, generator=np.random.default_rng(0))
    bound = 1 / math.sqrt(256)
    check_uniform(layer.weight.data, bound)
    assert np.abs(layer.bias.data).max() <= bound
    reference = torch.nn.Linear(256, 512, dtype=torch.float64)
    check_uniform(reference.weight.detach().numpy(), bound)


@given(shape=st.lists(st.integers(1, 5), min_size=2, max_size=5),
       gain=st.floats(0.01, 10), seed=st.integers(0, 2**32 - 1))
def test_uniform_inits_stay_inside_their_bounds(shape, gain, seed):
    rng = np.random.default_rng(seed)
    w = init.xavier_uniform_(np.empty(shape), gain=gain, generator=rng)
    assert np.abs(w).max() <= xavier_bound(shape, gain)
    w = init.kaiming_uniform_(np.empty(shape), mode="fan_out", generator=rng)
    assert np.abs(w).max() <= kaiming_bound(shape, 0.0, "fan_out", "leaky_relu")


# -- standard deviations of the normal inits ----------------------------------------------

@pytest.mark.parametrize("shape", LARGE_SHAPES)
@pytest.mark.parametrize("gain", [1.0, 5 / 3, 0.1])
def test_xavier_normal_std(shape, gain):
    fan_in, fan_out = torch_fans(shape)
    sigma = gain * math.sqrt(2 / (fan_in + fan_out))
    check_normal(torch_sample(torch.nn.init.xavier_normal_, shape, gain=gain), sigma)
    check_normal(ours_sample(init.xavier_normal_, shape, gain=gain), sigma)


@pytest.mark.parametrize("shape", LARGE_SHAPES)
@pytest.mark.parametrize("a, mode, nonlinearity", [
    (0.0, "fan_in", "leaky_relu"),
    (0.0, "fan_out", "relu"),
    (0.2, "fan_out", "leaky_relu"),
    (0.0, "fan_in", "selu"),
    (0.0, "fan_in", "sigmoid"),
])
def test_kaiming_normal_std(shape, a, mode, nonlinearity):
    fan_in, fan_out = torch_fans(shape)
    fan = fan_in if mode == "fan_in" else fan_out
    sigma = torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)
    kwargs = dict(a=a, mode=mode, nonlinearity=nonlinearity)
    check_normal(torch_sample(torch.nn.init.kaiming_normal_, shape, **kwargs), sigma)
    check_normal(ours_sample(init.kaiming_normal_, shape, **kwargs), sigma)


def test_kaiming_mode_is_case_insensitive_like_torch():
    rng = np.random.default_rng(0)
    check_normal(init.kaiming_normal_(np.empty((1000, 100)), mode="FAN_OUT", generator=rng),
                 math.sqrt(2 / 1000))


# -- uniform_, normal_, constant_, zeros_, ones_ --------------------------------------------

@pytest.mark.parametrize("a, b", [(0.0, 1.0), (-3.0, 2.0), (5.0, 5.5)])
def test_uniform_(a, b):
    w = init.uniform_(np.empty((400, 250)), a, b, generator=np.random.default_rng(0))
    t = torch.nn.init.uniform_(torch.empty(400, 250, dtype=torch.float64), a, b).numpy()
    for sample in (w, t):
        assert sample.min() >= a and sample.max() <= b
        n = sample.size
        assert sample.min() <= a + (b - a) * max_abs_band(n)
        assert sample.max() >= b - (b - a) * max_abs_band(n)
        # the centred sample is U(-(b - a)/2, (b - a)/2)
        check_uniform(sample - (a + b) / 2, (b - a) / 2)


@pytest.mark.parametrize("mean, std", [(0.0, 1.0), (2.0, 0.02), (-1.0, 3.0)])
def test_normal_(mean, std):
    w = init.normal_(np.empty((400, 250)), mean, std, generator=np.random.default_rng(0))
    check_normal(w, std, mean)
    check_normal(torch.nn.init.normal_(torch.empty(400, 250, dtype=torch.float64), mean, std).numpy(), std, mean)


def test_normal_with_zero_std_fills_the_mean():
    w = init.normal_(np.empty((3, 4)), 1.5, 0.0, generator=np.random.default_rng(0))
    np.testing.assert_array_equal(w, torch.nn.init.normal_(torch.empty(3, 4, dtype=torch.float64), 1.5, 0.0).numpy())


@pytest.mark.parametrize("shape", [(), (4,), (3, 5), (2, 3, 4, 5)])
def test_constant_zeros_ones_match_torch(shape):
    for ours, theirs, args in [(init.constant_, torch.nn.init.constant_, (0.3,)),
                               (init.zeros_, torch.nn.init.zeros_, ()),
                               (init.ones_, torch.nn.init.ones_, ())]:
        w = np.full(shape, 7.0)
        assert ours(w, *args) is w
        np.testing.assert_array_equal(w, theirs(torch.full(shape, 7.0, dtype=torch.float64), *args).numpy())


# -- in place, returns its argument, keeps dtype --------------------------------------------

RANDOM_INITS = [
    (init.uniform_, {}), (init.normal_, {}),
    (init.xavier_uniform_, {}), (init.xavier_normal_, {"gain": 2.0}),
    (init.kaiming_uniform_, {"a": math.sqrt(5)}), (init.kaiming_normal_, {"mode": "fan_out", "nonlinearity": "relu"}),
]
ALL_INITS = RANDOM_INITS + [(init.constant_, {"val": 0.5}), (init.zeros_, {}), (init.ones_, {})]


@pytest.mark.parametrize("fn, kwargs", ALL_INITS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fills_parameter_in_place_and_returns_it(fn, kwargs, dtype):
    if fn in (init.constant_, init.zeros_, init.ones_):
        extra = {}
    else:
        extra = {"generator": np.random.default_rng(0)}
    p = Parameter(np.full((6, 5, 3), 9.0, dtype=dtype))
    data = p.data
    out = fn(p, **kwargs, **extra)
    assert out is p
    assert p.data is data  # the same array, written in place
    assert p.data.dtype == dtype and p.data.shape == (6, 5, 3)
    assert not np.any(p.data == 9.0)


@pytest.mark.parametrize("fn, kwargs", ALL_INITS)
def test_fills_ndarray_in_place_and_returns_it(fn, kwargs):
    w = np.full((6, 5), 9.0, dtype=np.float32)
    view = w[:, :]  # a view sees the in-place write
    extra = {} if fn in (init.constant_, init.zeros_, init.ones_) else {"generator": np.random.default_rng(0)}
    assert fn(w, **kwargs, **extra) is w
    assert w.dtype == np.float32
    assert not np.any(view == 9.0)


@pytest.mark.parametrize("fn, kwargs", RANDOM_INITS)
def test_same_generator_seed_same_values(fn, kwargs):
    a = fn(np.empty((8, 7)), **kwargs, generator=np.random.default_rng(42))
    b = fn(Parameter(np.empty((8, 7))), **kwargs, generator=np.random.default_rng(42)).data
    np.testing.assert_array_equal(a, b)
    c = fn(np.empty((8, 7)), **kwargs, generator=np.random.default_rng(43))
    assert not np.array_equal(a, c)
    # the generator advances: a second draw from it differs from the first
    rng = np.random.default_rng(42)
    first = fn(np.empty((8, 7)), **kwargs, generator=rng).copy()
    second = fn(np.empty((8, 7)), **kwargs, generator=rng)
    assert not np.array_equal(first, second)


@pytest.mark.parametrize("fn, kwargs", RANDOM_INITS)
def test_without_generator_draws_fresh_values(fn, kwargs):
    a = fn(np.empty((8, 7)), **kwargs)
    b = fn(np.empty((8, 7)), **kwargs)
    assert np.all(np.isfinite(a)) and not np.array_equal(a, b)


# -- errors -------------------------------------------------------------------------------

@pytest.mark.parametrize("fn, kwargs", RANDOM_INITS)
@pytest.mark.parametrize("generator", [np.random.RandomState(0), 0, torch.Generator(), "rng"])
def test_generator_must_be_a_numpy_generator(fn, kwargs, generator):
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        fn(np.empty((3, 4)), **kwargs, generator=generator)


@pytest.mark.parametrize("fn, kwargs", ALL_INITS)
@pytest.mark.parametrize("tensor", [[[1.0, 2.0], [3.0, 4.0]], torch.empty(3, 4), 1.0])
def test_tensor_must_be_parameter_or_ndarray(fn, kwargs, tensor):
    with pytest.raises(TypeError, match="tensor must be a Parameter or a numpy.ndarray"):
        fn(tensor, **kwargs)


@pytest.mark.parametrize("fn, kwargs", RANDOM_INITS)
def test_random_inits_need_a_floating_dtype(fn, kwargs):
    w = np.zeros((3, 4), dtype=np.int64)
    with pytest.raises(TypeError, match="tensor must have a floating-point dtype"):
        fn(w, **kwargs, generator=np.random.default_rng(0))
    assert not np.any(w)  # untouched


@pytest.mark.parametrize("fn", [init.kaiming_uniform_, init.kaiming_normal_])
@pytest.mark.parametrize("mode", ["fan_avg", "in", ""])
def test_kaiming_bad_mode(fn, mode):
    w = np.zeros((3, 4))
    with pytest.raises(ValueError, match="mode must be one of"):
        fn(w, mode=mode)
    assert not np.any(w)
    with pytest.raises(TypeError, match="mode must be a str"):
        fn(w, mode=None)


@pytest.mark.parametrize("fn", [init.kaiming_uniform_, init.kaiming_normal_])
@pytest.mark.parametrize("nonlinearity", ["gelu", "ReLU", "swish"])
def test_kaiming_bad_nonlinearity(fn, nonlinearity):
    w = np.zeros((3, 4))
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        fn(w, nonlinearity=nonlinearity)
    assert not np.any(w)


@pytest.mark.parametrize("fn", [init.kaiming_uniform_, init.kaiming_normal_])
def test_kaiming_bad_a(fn):
    with pytest.raises(TypeError, match="a must be a real number"):
        fn(np.zeros((3, 4)), a="0.1")


@pytest.mark.parametrize("fn", [init.xavier_uniform_, init.xavier_normal_])
def test_xavier_bad_gain(fn):
    with pytest.raises(TypeError, match="gain must be a real number"):
        fn(np.zeros((3, 4)), gain="1")
    with pytest.raises(ValueError, match="gain must not be NaN"):
        fn(np.zeros((3, 4)), gain=float("nan"))


def test_uniform_bad_bounds():
    with pytest.raises(ValueError, match="b must be in"):
        init.uniform_(np.zeros(3), 1.0, 0.0)
    with pytest.raises(TypeError, match="a must be a real number"):
        init.uniform_(np.zeros(3), None, 1.0)


def test_normal_bad_std():
    with pytest.raises(ValueError, match="std must be in"):
        init.normal_(np.zeros(3), 0.0, -1.0)
    with pytest.raises(TypeError, match="mean must be a real number"):
        init.normal_(np.zeros(3), "0", 1.0)


def test_constant_bad_val():
    with pytest.raises(TypeError, match="val must be a real number"):
        init.constant_(np.zeros(3), "1")


# -- zero-element tensors (as torch) --------------------------------------------------------

@pytest.mark.parametrize("fn", [init.kaiming_uniform_, init.kaiming_normal_])
@pytest.mark.parametrize("shape", [(0, 3), (0,), (4, 0, 3)])
def test_kaiming_on_zero_element_tensor_warns_and_returns(fn, shape):
    w = np.empty(shape)
    with pytest.warns(UserWarning, match="zero-element"):
        assert fn(w) is w
    with pytest.warns(UserWarning, match="zero-element"):
        getattr(torch.nn.init, fn.__name__)(torch.empty(shape))


@pytest.mark.parametrize("fn", [init.xavier_uniform_, init.xavier_normal_])
@pytest.mark.parametrize("shape", [(0, 3), (0, 0), (4, 0, 3)])
def test_xavier_on_zero_element_tensor_is_a_no_op(fn, shape):
    w = np.empty(shape)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert fn(w) is w
