"""Rosenblatt's perceptron: the rule, scikit-learn's updates, the convergence theorem, XOR, errors."""

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.linear_model import Perceptron as SklearnPerceptron

from dlref.numpy import nn
from dlref.numpy.models import Perceptron

XOR_X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
XOR_Y = np.array([0, 1, 1, 0])


def separable(seed, n=40, d=3, margin=0.1):
    """Points in the unit ball labelled by a random hyperplane, with the ones nearer than ``margin`` removed.

    Returns X, y, and the separator as a unit vector ``u`` over ``(x, 1)`` with its margin ``gamma``.
    """
    rng = np.random.default_rng(seed)
    w = rng.standard_normal(d)
    b = rng.uniform(-0.3, 0.3)
    X = rng.uniform(-1, 1, size=(4 * n, d)) / np.sqrt(d)
    z = X @ w + b
    keep = np.abs(z) / np.linalg.norm(np.append(w, b)) >= margin
    X, z = X[keep][:n], z[keep][:n]
    y = (z > 0).astype(np.int64)
    u = np.append(w, b) / np.linalg.norm(np.append(w, b))
    gamma = np.min((2 * y - 1) * (np.hstack([X, np.ones((len(X), 1))]) @ u))
    return X, y, u, gamma


def sklearn_weights(X, y, epochs):
    model = SklearnPerceptron(eta0=1.0, alpha=0.0, penalty=None, shuffle=False, tol=None, max_iter=epochs,
                              fit_intercept=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning when max_iter is reached
        model.fit(X, y)
    return model.coef_, model.intercept_


# -- the model --------------------------------------------------------------------------------


def test_starts_at_zero_with_linear_layout():
    p = Perceptron(3)
    assert p.weight.shape == (1, 3) and p.bias.shape == (1,)
    assert not np.any(p.weight.data) and not np.any(p.bias.data)
    assert p.weight.dtype == np.float64
    assert list(p.state_dict()) == ["weight", "bias"]


def test_step_function_is_zero_at_zero():
    p = Perceptron(2)
    p.weight.data[...] = [[1.0, -1.0]]
    X = np.array([[2.0, 1.0], [1.0, 1.0], [0.0, 1.0]])
    np.testing.assert_array_equal(p.decision_function(X), [1.0, 0.0, -1.0])
    np.testing.assert_array_equal(p.predict(X), [1, 0, 0])  # H(0) = 0, as sklearn's predict
    np.testing.assert_array_equal(p(X), p.predict(X))
    assert p.predict(X).dtype == np.int64


def test_predict_takes_any_leading_shape():
    p = Perceptron(2)
    p.weight.data[...] = [[1.0, 0.0]]
    assert p.predict(np.ones((3, 4, 2))).shape == (3, 4)
    assert p.predict(np.ones(2)).shape == ()


def test_one_step_follows_the_rule():
    p = Perceptron(2, lr=0.5)
    x = np.array([1.0, -2.0])
    assert p.step(x, 1) is True  # z = 0 -> y_hat = 0, wrong: w += 0.5 * (1 - 0) * x
    np.testing.assert_array_equal(p.weight.data, [[0.5, -1.0]])
    np.testing.assert_array_equal(p.bias.data, [0.5])
    assert p.step(x, 1) is False  # now z = 0.5 + 2 + 0.5 > 0: right, nothing changes
    np.testing.assert_array_equal(p.weight.data, [[0.5, -1.0]])
    assert p.step(x, 0) is True  # wrong the other way: w -= 0.5 * x
    np.testing.assert_array_equal(p.weight.data, [[0.0, 0.0]])
    np.testing.assert_array_equal(p.bias.data, [0.0])


def test_fit_counts_mistakes_and_stops_after_a_clean_epoch():
    X = np.array([[2.0, 0.0], [-2.0, 0.0]])
    y = np.array([1, 0])
    p = Perceptron(2)
    assert p.fit(X, y, epochs=50) == [1, 0]
    np.testing.assert_array_equal(p.predict(X), y)
    assert p.fit(X, y, epochs=50) == [0]  # continues from the current weights


def test_a_trained_perceptron_loads_into_a_linear_layer():
    X, y, _, _ = separable(0)
    p = Perceptron(3)
    p.fit(X, y)
    layer = nn.Linear(3, 1, dtype=np.float64)
    layer.load_state_dict(p.state_dict())
    np.testing.assert_array_equal(layer(X)[:, 0], p.decision_function(X))


def test_float32_dtype_is_kept():
    X, y, _, _ = separable(1)
    p = Perceptron(3, dtype=np.float32)
    p.fit(X.astype(np.float32), y)
    assert p.weight.dtype == p.bias.dtype == np.float32
    assert p.decision_function(X.astype(np.float32)).dtype == np.float32


def test_backward_explains_why_there_is_none():
    with pytest.raises(RuntimeError, match="step function's derivative is 0"):
        Perceptron(2).backward(np.ones(1))


def test_repr():
    assert repr(Perceptron(4, lr=0.5)) == "Perceptron(in_features=4, lr=0.5)"


# -- scikit-learn --------------------------------------------------------------------------------


@given(n=st.integers(2, 40), d=st.integers(1, 5), epochs=st.integers(1, 15), seed=st.integers(0, 2**16))
def test_weights_match_sklearn_exactly_when_the_first_example_is_positive(n, d, epochs, seed):
    """sklearn's Perceptron (eta0=1, no penalty, no shuffling) updates ``w += (2y - 1) x`` when
    ``(2y - 1) z <= 0``; our rule updates ``w += (y - y_hat) x`` when ``y_hat != y``. The two agree
    except when ``z = 0`` exactly for an example of class 0 (sklearn counts it as a mistake, the
    step with H(0) = 0 does not). With zero initial weights that happens at the first example if it
    is of class 0; after that, with continuous data, ``z = 0`` has probability zero. So on data whose
    first example is of class 1 the weights must be bit for bit the same, converged or not."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    y = rng.integers(0, 2, n)
    y[0], y[-1] = 1, 0  # first example positive, and both classes present
    p = Perceptron(d)
    for _ in range(epochs):  # one epoch at a time: sklearn does not stop early when tol=None
        p.fit(X, y, epochs=1)
    coef, intercept = sklearn_weights(X, y, epochs)
    np.testing.assert_array_equal(p.weight.data, coef)
    np.testing.assert_array_equal(p.bias.data, intercept)


def test_sklearn_updates_on_the_boundary_where_the_step_rule_does_not():
    """The one difference, shown: from zero weights, a first example of class 0 has z = 0.
    H(0) = 0 predicts it correctly, so no update; sklearn sees y*z = 0 <= 0 and subtracts it."""
    X = np.array([[1.0, 2.0], [3.0, -1.0]])
    y = np.array([0, 1])
    p = Perceptron(2)
    p.fit(X, y, epochs=1)
    coef, intercept = sklearn_weights(X, y, 1)
    np.testing.assert_array_equal(p.weight.data, [[3.0, -1.0]])  # only the second example updated
    np.testing.assert_array_equal(p.bias.data, [1.0])
    np.testing.assert_array_equal(coef, [[2.0, -3.0]])  # -x0 + x1
    np.testing.assert_array_equal(intercept, [0.0])


# -- the convergence theorem, and XOR -----------------------------------------------------------


@given(seed=st.integers(0, 2**16), d=st.integers(1, 4), shuffle=st.booleans())
def test_separable_data_mistakes_are_bounded_by_novikoff(seed, d, shuffle):
    """Novikoff (1962): with ||(x, 1)|| <= R and a unit separator of margin gamma, at most
    (R / gamma)^2 mistakes in all, in any order; then an epoch with none."""
    X, y, _, gamma = separable(seed, d=d)
    R = np.max(np.linalg.norm(np.hstack([X, np.ones((len(X), 1))]), axis=1))
    p = Perceptron(d)
    mistakes = p.fit(X, y, epochs=10_000, shuffle=shuffle, generator=np.random.default_rng(seed))
    assert mistakes[-1] == 0
    assert sum(mistakes) <= (R / gamma) ** 2
    np.testing.assert_array_equal(p.predict(X), y)


def test_learning_rate_only_rescales_the_weights_from_zero():
    X, y, _, _ = separable(3)
    a, b = Perceptron(3, lr=1.0), Perceptron(3, lr=0.01)
    assert a.fit(X, y) == b.fit(X, y)
    np.testing.assert_allclose(b.weight.data, 0.01 * a.weight.data, rtol=1e-12)


def test_xor_is_never_learned():
    p = Perceptron(2)
    mistakes = p.fit(XOR_X, XOR_Y, epochs=1000)
    assert len(mistakes) == 1000 and min(mistakes) > 0
    assert np.any(p.predict(XOR_X) != XOR_Y)


def test_xor_is_never_learned_in_any_order():
    p = Perceptron(2)
    mistakes = p.fit(XOR_X, XOR_Y, epochs=300, shuffle=True, generator=np.random.default_rng(0))
    assert min(mistakes) > 0


def test_shuffling_is_reproducible_with_a_generator():
    X, y, _, _ = separable(5)
    a, b = Perceptron(3), Perceptron(3)
    assert a.fit(X, y, shuffle=True, generator=np.random.default_rng(1)) == \
        b.fit(X, y, shuffle=True, generator=np.random.default_rng(1))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)


# -- bad arguments --------------------------------------------------------------------------------


@pytest.mark.parametrize("kwargs,error,match", [
    ({"in_features": 0}, ValueError, "in_features must be >= 1"),
    ({"in_features": 2.0}, TypeError, "in_features must be an int"),
    ({"in_features": 2, "lr": 0.0}, ValueError, r"lr must be in \(0"),
    ({"in_features": 2, "lr": -1.0}, ValueError, r"lr must be in \(0"),
    ({"in_features": 2, "lr": "1"}, TypeError, "lr must be a real number"),
    ({"in_features": 2, "dtype": np.int64}, TypeError, "dtype must be a floating-point dtype"),
])
def test_bad_constructor_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        Perceptron(**kwargs)


def test_bad_fit_arguments_name_the_argument():
    p = Perceptron(2)
    X, y = XOR_X, XOR_Y
    with pytest.raises(TypeError, match="X must have a floating-point dtype"):
        p.fit(X.astype(np.int64), y)
    with pytest.raises(ValueError, match=r"X must have shape \(\*, 2\)"):
        p.fit(np.zeros((4, 3)), y)
    with pytest.raises(ValueError, match="X must be 2-D"):
        p.fit(np.zeros(2), y[:1])
    with pytest.raises(ValueError, match="y must hold labels 0 or 1, got 2"):
        p.fit(X, np.array([0, 1, 2, 1]))
    with pytest.raises(ValueError, match="y must hold labels 0 or 1, got -1"):
        p.fit(X, np.array([0, 1, -1, 1]))
    with pytest.raises(TypeError, match="y must hold integer labels"):
        p.fit(X, y.astype(np.float64))
    with pytest.raises(ValueError, match="y must have one label per row of X"):
        p.fit(X, y[:3])
    with pytest.raises(ValueError, match="y must be 1-D"):
        p.fit(X, y.reshape(4, 1))
    with pytest.raises(ValueError, match="epochs must be >= 1"):
        p.fit(X, y, epochs=0)
    with pytest.raises(TypeError, match="shuffle must be a bool"):
        p.fit(X, y, shuffle=1)
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator"):
        p.fit(X, y, shuffle=True, generator=0)
    assert not np.any(p.weight.data)  # nothing was learned from the bad calls


def test_boolean_labels_are_accepted():
    p = Perceptron(2)
    assert p.fit(np.array([[1.0, 0.0], [-1.0, 0.0]]), np.array([True, False])) == [1, 0]


def test_bad_step_arguments_name_the_argument():
    p = Perceptron(2)
    with pytest.raises(ValueError, match="x must be 1-D"):
        p.step(np.zeros((1, 2)), 1)
    with pytest.raises(ValueError, match=r"x must have shape \(\*, 2\)"):
        p.step(np.zeros(3), 1)
    with pytest.raises(TypeError, match="x must have a floating-point dtype"):
        p.step(np.array([1, 0]), 1)
    for label in (2, -1, np.int64(3)):
        with pytest.raises(ValueError, match=f"y must be the label 0 or 1, got {int(label)}"):
            p.step(np.zeros(2), label)
    for label in (0.5, "1", True, None):
        with pytest.raises(TypeError, match="y must be an int label 0 or 1"):
            p.step(np.zeros(2), label)
    assert p.step(np.ones(2), np.int64(1)) is True


def test_bad_predict_input_names_input():
    with pytest.raises(ValueError, match=r"input must have shape \(\*, 2\)"):
        Perceptron(2).predict(np.zeros((3, 4)))
    with pytest.raises(TypeError, match="input must have a floating-point dtype"):
        Perceptron(2).predict(XOR_X.astype(int))
