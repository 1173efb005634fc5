"""Mean squared and mean absolute error against sklearn.metrics (one and several outputs,
sample weights, every multioutput), against torch's losses, dtypes, outliers and bad inputs."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn import metrics as skm

from dlref import metrics
from dlref.testing import assert_close

NAMES = ["mean_squared_error", "mean_absolute_error"]
values = st.floats(-1e3, 1e3, allow_nan=False, allow_subnormal=False)


@st.composite
def regression_data(draw):
    n = draw(st.integers(1, 30))
    outputs = draw(st.sampled_from([None, 1, 2, 4]))  # None: 1-D targets
    shape = (n,) if outputs is None else (n, outputs)
    y_true = draw(hnp.arrays(np.float64, shape, elements=values))
    y_pred = draw(hnp.arrays(np.float64, shape, elements=values))
    w = None
    if draw(st.booleans()):
        w = draw(hnp.arrays(np.float64, (n,), elements=st.floats(0, 5, allow_subnormal=False)))
        w[0] = max(w[0], 0.5)  # not all zero
    multioutput = draw(st.sampled_from(["uniform_average", "raw_values", "weights"]))
    if multioutput == "weights":
        k = 1 if outputs is None else outputs
        if k == 1:
            multioutput = "uniform_average"
        else:
            multioutput = draw(hnp.arrays(np.float64, (k,), elements=st.floats(0.1, 3)))
    return y_true, y_pred, w, multioutput


@settings(max_examples=150)
@given(data=regression_data())
@pytest.mark.parametrize("name", NAMES)
def test_against_sklearn(name, data):
    y_true, y_pred, w, multioutput = data
    ours = getattr(metrics, name)(y_true, y_pred, sample_weight=w, multioutput=multioutput)
    theirs = getattr(skm, name)(y_true, y_pred, sample_weight=w, multioutput=multioutput)
    assert type(ours) is type(theirs)
    assert_close(np.asarray(ours), np.asarray(theirs))


@settings(max_examples=40)
@given(y=hnp.arrays(np.float64, st.integers(1, 20), elements=values), data=st.data())
def test_against_torch_losses(y, data):
    torch = pytest.importorskip("torch")
    y_hat = data.draw(hnp.arrays(np.float64, y.shape, elements=values))
    t, t_hat = torch.tensor(y), torch.tensor(y_hat)
    assert_close(metrics.mean_squared_error(y, y_hat), torch.nn.functional.mse_loss(t_hat, t).item())
    assert_close(metrics.mean_absolute_error(y, y_hat), torch.nn.functional.l1_loss(t_hat, t).item())


def test_by_hand_and_outlier():
    y_true = np.array([1.0, 2.0, 3.0, 4.0])
    y_pred = np.array([1.0, 2.0, 3.0, 14.0])  # one error of 10
    assert metrics.mean_squared_error(y_true, y_pred) == 25.0
    assert metrics.mean_absolute_error(y_true, y_pred) == 2.5
    assert metrics.mean_squared_error(y_true, y_true) == 0.0
    # the weighted mean: the outlier weighs a quarter as much as each other sample
    assert_close(metrics.mean_absolute_error(y_true, y_pred, sample_weight=[1, 1, 1, 0.25]), 2.5 / 3.25)


def test_multioutput():
    y_true = np.array([[0.0, 1.0], [0.0, 3.0]])
    y_pred = np.array([[1.0, 1.0], [1.0, 1.0]])
    assert_close(metrics.mean_squared_error(y_true, y_pred, multioutput="raw_values"), np.array([1.0, 2.0]))
    assert metrics.mean_squared_error(y_true, y_pred) == 1.5
    assert_close(metrics.mean_absolute_error(y_true, y_pred, multioutput=[3, 1]), (3 * 1.0 + 1 * 1.0) / 4)
    # a 1-D array and a single column are the same target
    assert metrics.mean_squared_error(y_true[:, 1], y_pred[:, 1:]) == 2.0


@pytest.mark.parametrize("name", NAMES)
def test_dtype_kept(name):
    y = np.array([[1.0, 2.0], [3.0, 5.0]], dtype=np.float32)
    raw = getattr(metrics, name)(y, y * 1.5, multioutput="raw_values")
    assert raw.dtype == np.float32
    assert isinstance(getattr(metrics, name)(y, y * 1.5), float)
    # integer targets are read as float64: errors 0 and 2
    expected = {"mean_squared_error": 2.0, "mean_absolute_error": 1.0}[name]
    assert getattr(metrics, name)(np.array([1, 2]), np.array([1, 4])) == expected


@pytest.mark.parametrize("name", NAMES)
def test_extreme_values_finite(name):
    y = np.array([1e150, -1e150, 0.0])
    value = getattr(metrics, name)(y, np.zeros(3))  # squares reach 1e300, still finite
    assert np.isfinite(value) and value > 0


@pytest.mark.parametrize("name", NAMES)
def test_bad_inputs(name):
    fn = getattr(metrics, name)
    with pytest.raises(ValueError, match="y_true and y_pred must have the same number of samples, got 3 and 2"):
        fn([1.0, 2.0, 3.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="y_true and y_pred must have the same number of outputs, got 2 and 3"):
        fn(np.zeros((4, 2)), np.zeros((4, 3)))
    with pytest.raises(ValueError, match="y_pred must not contain NaN"):
        fn([1.0, 2.0], [1.0, np.nan])
    with pytest.raises(ValueError, match="y_true must be 1-D"):
        fn(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    with pytest.raises(TypeError, match="y_true must hold numbers"):
        fn(["a", "b"], [1.0, 2.0])
    with pytest.raises(ValueError, match="y_true must hold at least one sample"):
        fn([], [])
    with pytest.raises(ValueError, match="multioutput must be"):
        fn([1.0, 2.0], [1.0, 2.0], multioutput="variance_weighted")
    with pytest.raises(ValueError, match="multioutput weights need several outputs"):
        fn([1.0, 2.0], [1.0, 2.0], multioutput=[1.0])
    with pytest.raises(ValueError, match=r"multioutput must hold one weight per output, shape \(2,\)"):
        fn(np.zeros((3, 2)), np.zeros((3, 2)), multioutput=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(2,\)"):
        fn([1.0, 2.0], [1.0, 2.0], sample_weight=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="sample_weight must hold at least one non-zero weight"):
        fn([1.0, 2.0], [1.0, 2.0], sample_weight=[0.0, 0.0])
