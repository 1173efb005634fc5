"""dlref.data scaling and one-hot against scikit-learn's scalers and torch.nn.functional.one_hot."""

import warnings

import numpy as np
import pytest
import sklearn.preprocessing as skp
import torch
import torch.nn.functional as TF
from hypothesis import given
from hypothesis import strategies as st

from dlref.data import MinMaxScaler, StandardScaler, min_max_scale, one_hot, standardize
from dlref.testing import assert_close


@st.composite
def feature_arrays(draw, min_samples=1):
    """(x_train, x_test): features of very different scales and offsets, float64."""
    n = draw(st.integers(min_samples, 30))
    m = draw(st.integers(1, 30))
    f = draw(st.integers(1, 6))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    loc = rng.normal(0, 10, f) * 10.0 ** rng.integers(-3, 4, f)
    scale = 10.0 ** rng.integers(-3, 4, f)
    return rng.normal(loc, scale, (n, f)), rng.normal(loc, scale, (m, f))


# -- StandardScaler ------------------------------------------------------------------------

@given(feature_arrays(), st.booleans(), st.booleans())
def test_standard_scaler_matches_sklearn(data, with_mean, with_std):
    x_train, x_test = data
    ours = StandardScaler(with_mean=with_mean, with_std=with_std).fit(x_train)
    theirs = skp.StandardScaler(with_mean=with_mean, with_std=with_std).fit(x_train)
    assert_close(ours.transform(x_train), theirs.transform(x_train))
    assert_close(ours.transform(x_test), theirs.transform(x_test))
    assert_close(ours.fit_transform(x_train), theirs.transform(x_train))
    if with_mean:
        assert_close(ours.mean_, theirs.mean_)
    if with_std:
        assert_close(ours.var_, theirs.var_)
        assert_close(ours.scale_, theirs.scale_)
    else:
        assert ours.scale_ is None
    assert ours.n_samples_seen_ == len(x_train) and ours.n_features_in_ == x_train.shape[1]
    assert_close(ours.inverse_transform(ours.transform(x_test)), x_test)


def test_standard_scaler_gives_mean_0_std_1_on_train():
    x = np.random.default_rng(0).normal([5.0, -300.0, 1e-3], [2.0, 50.0, 1e-4], (200, 3))
    z = StandardScaler().fit_transform(x)
    assert_close(z.mean(axis=0), np.zeros(3), atol=1e-12)
    assert_close(z.std(axis=0), np.ones(3))


@pytest.mark.parametrize("value", [0.0, 0.1, 3.0, -7.25, 1e10 + 1, 1e-300])
@pytest.mark.parametrize("n", [1, 2, 3, 50])
def test_constant_column_gives_scale_1_not_nan(value, n):
    rng = np.random.default_rng(1)
    x = np.column_stack([rng.normal(size=n), np.full(n, value)])
    ours = StandardScaler().fit(x)
    theirs = skp.StandardScaler().fit(x)
    assert ours.scale_[1] == 1.0 == theirs.scale_[1]
    z = ours.transform(x)
    assert np.all(np.isfinite(z))
    assert_close(z, theirs.transform(x))
    assert np.abs(z[:, 1]).max() < 1e-6 * max(1.0, abs(value))


@given(st.integers(2, 40), st.integers(0, 2**32 - 1), st.sampled_from([1e-16, 1e-12, 1e-9, 1e-6]),
       st.sampled_from([1.0, 1e4, 1e8]))
def test_near_constant_detection_matches_sklearn(n, seed, spread, offset):
    rng = np.random.default_rng(seed)
    x = offset + offset * spread * rng.normal(size=(n, 1))
    assert_close(StandardScaler().fit(x).scale_, skp.StandardScaler().fit(x).scale_)


def test_no_leakage_test_data_does_not_change_the_transform():
    rng = np.random.default_rng(2)
    x_train = rng.normal(3.0, 2.0, (40, 4))
    x_test = rng.normal(3.0, 2.0, (10, 4))
    shifted_test = x_test * 1000 + 1e6                       # wildly different test data
    z_train, z_test = standardize(x_train, x_test)
    z_train_2, _ = standardize(x_train, shifted_test)
    assert np.array_equal(z_train, z_train_2)                # train output: unaffected by the test set
    mu, s = x_train.mean(axis=0), x_train.std(axis=0)
    assert_close(z_test, (x_test - mu) / s)                  # test uses the training statistics
    # the same holds row by row: transforming one test row alone gives the same numbers
    scaler = StandardScaler().fit(x_train)
    assert_close(scaler.transform(x_test[:1]), z_test[:1])
    # and fitting on everything (the leak) would give a different map
    leaky = StandardScaler().fit(np.vstack([x_train, shifted_test]))
    assert not np.allclose(leaky.transform(x_test), z_test)
    m_train, m_test = min_max_scale(x_train, shifted_test)
    assert_close(m_train, min_max_scale(x_train))
    assert_close(m_test, (shifted_test - x_train.min(0)) / (x_train.max(0) - x_train.min(0)))


def test_standardize_returns_one_array_or_a_tuple():
    x = np.arange(12.0).reshape(6, 2)
    single = standardize(x)
    assert isinstance(single, np.ndarray)
    pair = standardize(x, x[:2])
    assert isinstance(pair, tuple) and len(pair) == 2
    triple = min_max_scale(x, x[:2], x[3:], feature_range=(-1, 1))
    assert len(triple) == 3
    assert_close(triple[0], skp.MinMaxScaler((-1, 1)).fit_transform(x))
    assert_close(standardize(x, with_std=False), x - x.mean(0))


def test_dtypes_float32_kept_int_to_float64():
    x32 = np.random.default_rng(3).normal(size=(10, 3)).astype(np.float32)
    assert StandardScaler().fit_transform(x32).dtype == np.float32
    assert MinMaxScaler().fit_transform(x32).dtype == np.float32
    assert_close(StandardScaler().fit_transform(x32), skp.StandardScaler().fit_transform(x32),
                 rtol=1e-6, atol=1e-6)
    xi = np.arange(12).reshape(4, 3)
    assert StandardScaler().fit_transform(xi).dtype == np.float64
    assert_close(StandardScaler().fit_transform(xi), skp.StandardScaler().fit_transform(xi))


@pytest.mark.parametrize("magnitude", [1e4, 1e100])
def test_extreme_values_finite_and_quiet(magnitude):
    rng = np.random.default_rng(4)
    x = rng.normal(size=(20, 3)) * magnitude
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        z = standardize(x)
        m = min_max_scale(x)
    assert np.all(np.isfinite(z)) and np.all(np.isfinite(m))
    assert_close(z, skp.StandardScaler().fit_transform(x))


# -- MinMaxScaler ---------------------------------------------------------------------------

@given(feature_arrays(), st.sampled_from([(0, 1), (-1, 1), (2.5, 7.0), (-1e3, -1e-3)]), st.booleans())
def test_min_max_scaler_matches_sklearn(data, feature_range, clip):
    x_train, x_test = data
    ours = MinMaxScaler(feature_range, clip=clip).fit(x_train)
    theirs = skp.MinMaxScaler(feature_range=feature_range, clip=clip).fit(x_train)
    for name in ("data_min_", "data_max_", "data_range_", "scale_", "min_"):
        assert_close(getattr(ours, name), getattr(theirs, name))
    assert_close(ours.transform(x_train), theirs.transform(x_train))
    assert_close(ours.transform(x_test), theirs.transform(x_test))
    if not clip:
        assert_close(ours.inverse_transform(ours.transform(x_test)), x_test)
    else:
        assert ours.transform(x_test).min() >= feature_range[0] and ours.transform(x_test).max() <= feature_range[1]


def test_min_max_constant_column():
    x = np.array([[1.0, 4.0], [2.0, 4.0], [3.0, 4.0]])
    ours = MinMaxScaler().fit(x)
    theirs = skp.MinMaxScaler().fit(x)
    assert ours.scale_[1] == theirs.scale_[1] == 1.0
    assert_close(ours.transform(x), theirs.transform(x))
    assert np.all(np.isfinite(ours.transform(x)))


# -- one_hot --------------------------------------------------------------------------------

@given(st.lists(st.integers(1, 4), min_size=0, max_size=3), st.integers(1, 7), st.integers(0, 3),
       st.integers(0, 2**32 - 1))
def test_one_hot_matches_torch(shape, n_classes, extra, seed):
    labels = np.random.default_rng(seed).integers(0, n_classes, size=shape)
    for num_classes in (n_classes + extra, -1):
        if num_classes == -1 and labels.size == 0:
            continue
        ours = one_hot(labels, num_classes)
        theirs = TF.one_hot(torch.tensor(labels, dtype=torch.int64), num_classes).numpy()
        assert ours.dtype == np.int64
        assert ours.shape == theirs.shape
        assert np.array_equal(ours, theirs)


def test_one_hot_other_integer_dtypes_and_lists():
    assert np.array_equal(one_hot(np.array([2, 0], dtype=np.uint8), 3), [[0, 0, 1], [1, 0, 0]])
    assert np.array_equal(one_hot([1, 1, 0]), [[0, 1], [0, 1], [1, 0]])
    assert one_hot(np.zeros((0,), dtype=np.int64), 4).shape == (0, 4)


# -- bad inputs -----------------------------------------------------------------------------

def test_bad_inputs_raise_naming_the_argument():
    x = np.ones((4, 2))
    with pytest.raises(ValueError, match=r"x must be 2-D.*reshape\(-1, 1\)"):
        StandardScaler().fit(np.ones(4))
    with pytest.raises(ValueError, match="x must be 2-D"):
        StandardScaler().fit(np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="x must be finite"):
        StandardScaler().fit(np.array([[1.0], [np.nan]]))
    with pytest.raises(ValueError, match="at least one sample"):
        MinMaxScaler().fit(np.ones((0, 3)))
    with pytest.raises(TypeError, match="x must hold real numbers"):
        StandardScaler().fit(np.array([["a"], ["b"]]))
    with pytest.raises(TypeError, match="x must hold real numbers"):
        StandardScaler().fit(np.ones((3, 2), dtype=bool))
    with pytest.raises(RuntimeError, match="not fitted"):
        StandardScaler().transform(x)
    with pytest.raises(RuntimeError, match="not fitted"):
        MinMaxScaler().inverse_transform(x)
    with pytest.raises(ValueError, match="x must have 2 features"):
        StandardScaler().fit(x).transform(np.ones((3, 3)))
    with pytest.raises(ValueError, match=r"others\[1\] must have 2 features"):
        standardize(x, x, np.ones((3, 5)))
    with pytest.raises(ValueError, match="x_train must be 2-D"):
        min_max_scale(np.ones(3), x)
    with pytest.raises(TypeError, match="with_mean must be a bool"):
        StandardScaler(with_mean="yes")
    with pytest.raises(ValueError, match="feature_range must be"):
        MinMaxScaler((1, 0))
    with pytest.raises(TypeError, match="feature_range must be a pair"):
        MinMaxScaler((0, 1, 2))
    with pytest.raises(TypeError, match="clip must be a bool"):
        MinMaxScaler(clip=1)


def test_one_hot_bad_inputs():
    with pytest.raises(TypeError, match="labels must hold integer"):
        one_hot(np.array([0.0, 1.0]))
    with pytest.raises(TypeError, match="labels must hold integer"):
        one_hot(np.array([True, False]))
    with pytest.raises(ValueError, match="labels must be >= 0"):
        one_hot(np.array([0, -1]), 3)
    with pytest.raises(ValueError, match="labels must be < num_classes = 3"):
        one_hot(np.array([0, 3]), 3)
    with pytest.raises(ValueError, match="num_classes must be -1"):
        one_hot(np.array([0, 1]), 0)
    with pytest.raises(ValueError, match="num_classes must be -1"):
        one_hot(np.array([0, 1]), -2)
    with pytest.raises(TypeError, match="num_classes must be an int"):
        one_hot(np.array([0, 1]), 2.0)
    with pytest.raises(ValueError, match="num_classes must be given for empty labels"):
        one_hot(np.zeros(0, dtype=np.int64))
