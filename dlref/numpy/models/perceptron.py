"""Rosenblatt's perceptron: one linear unit, a step activation, and the perceptron
learning rule."""

from __future__ import annotations

import math
import numbers

import numpy as np

from dlref._checks import (
    check_floating,
    check_last_dim,
    check_ndim,
    check_positive_int,
    check_real,
)
from dlref.numpy.nn.module import Module, Parameter


def _check_labels(name: str, y) -> np.ndarray:
    """Labels must be integers or booleans equal to 0 or 1; returns them as an int64
    array."""
    y = np.asarray(y)
    if not (np.issubdtype(y.dtype, np.integer) or y.dtype == np.bool_):
        raise TypeError(f"{name} must hold integer labels 0 or 1, got dtype {y.dtype}")
    if y.size and not np.all((y == 0) | (y == 1)):
        bad = y[(y != 0) & (y != 1)]
        raise ValueError(
            f"{name} must hold labels 0 or 1, got {bad.ravel()[0].item()!r}"
        )
    return y.astype(np.int64)


class Perceptron(Module):
    r"""Rosenblatt's perceptron: a linear unit followed by a step, trained by the
    perceptron rule.

    A weighted sum and a threshold (the step function $H$):

    $$z = w \cdot x + b, \qquad \hat y = H(z) =
    \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}$$

    Learning rule, applied to one example at a time; it changes the weights only when
    the prediction is wrong, since $y - \hat y \in \{-1, 0, 1\}$:

    $$w \leftarrow w + \eta\,(y - \hat y)\,x,
    \qquad b \leftarrow b + \eta\,(y - \hat y)$$

    If the two classes are linearly separable with margin $\gamma$ by a unit vector and
    every $\lVert (x, 1) \rVert \le R$, the rule makes at most $(R/\gamma)^2$ mistakes
    in total, whatever the order of the examples (Novikoff's theorem); if they are not
    separable (XOR), it never stops making mistakes.

    Args:
        in_features: number of input features.
        lr: the learning rate $\eta > 0$, finite (default 1). Starting from zero
            weights, as here, it only rescales ``weight`` and ``bias`` and leaves every
            prediction unchanged.
        dtype: dtype of ``weight`` and ``bias``, a NumPy floating dtype (default
            ``np.float64``).

    Every input (``fit``'s ``X``, ``step``'s ``x``, ``predict``'s ``input``) must be a
    floating NumPy array of finite values: a NaN or inf raises ``ValueError``, as in
    scikit-learn, instead of corrupting the weights or giving a label that means
    nothing.

    Attributes:
        weight: ``Parameter`` of shape ``(1, in_features)``, initialized to zeros (the
            layout of ``Linear(in_features, 1).weight``, so ``state_dict()`` loads into
            one).
        bias: ``Parameter`` of shape ``(1,)``, initialized to zero.

    Shape:
        input ``(*, in_features)``; ``decision_function`` gives ``(*,)`` floats,
        ``predict`` and ``forward`` give ``(*,)`` labels in {0, 1} (``int64``).

    PyTorch equivalent: none (torch has no perceptron). scikit-learn's
    ``sklearn.linear_model.Perceptron(eta0=1, penalty=None, shuffle=False, tol=None)``
    makes the same updates except when $z = 0$ exactly: it counts a point on the
    boundary as a mistake whatever its class (it updates when $(2y-1)\,z \le 0$),
    whereas $H(0) = 0$ here is correct for class 0. From zero weights this matters
    for the very first example.

    References:
        Rosenblatt, 1958, "The perceptron: a probabilistic model for information storage
        and organization in the brain", Psychological Review 65(6).
        https://doi.org/10.1037/h0042519 ; Novikoff, 1962, "On convergence proofs on
        perceptrons", Symposium on the Mathematical Theory of Automata.
    """

    def __init__(self, in_features: int, lr: float = 1.0, dtype=np.float64):
        super().__init__()
        check_positive_int("in_features", in_features)
        check_real("lr", lr, low=0.0, low_inclusive=False)
        if not math.isfinite(lr):
            raise ValueError(f"lr must be finite, got {lr}")
        try:
            dtype = np.dtype(dtype)
        except TypeError:
            raise TypeError(
                f"dtype must be a NumPy floating-point dtype, got {dtype!r}"
            ) from None
        if not np.issubdtype(dtype, np.floating):
            raise TypeError(f"dtype must be a floating-point dtype, got {dtype}")
        self.in_features = in_features
        self.lr = float(lr)
        # zero weights: the classic start;
        # the perceptron needs no symmetry breaking (one unit)
        self.weight = Parameter(
            np.zeros((1, in_features), dtype=dtype), requires_grad=False
        )
        self.bias = Parameter(np.zeros(1, dtype=dtype), requires_grad=False)

    def _check_input(self, name: str, x) -> None:
        """A floating array ``(*, in_features)`` of finite values (a NaN or inf would
        corrupt the weights, or give a label that means nothing)."""
        if not isinstance(x, np.ndarray):
            raise TypeError(f"{name} must be a numpy.ndarray, got {type(x).__name__}")
        check_floating(name, x)
        check_last_dim(name, x, self.in_features, "in_features")
        if not np.isfinite(x).all():
            raise ValueError(f"{name} must hold finite values, got NaN or inf")

    def decision_function(self, input: np.ndarray) -> np.ndarray:
        """The pre-activation $z = w \\cdot x + b$ for each sample, shape ``(*,)``."""
        self._check_input("input", input)
        # z = x w^T + b                                 (*, 1) -> (*,)
        z = input @ self.weight.data.T + self.bias.data
        return z[..., 0]

    def predict(self, input: np.ndarray) -> np.ndarray:
        """Labels $\\hat y = H(z)$ in {0, 1}, shape ``(*,)``, dtype ``int64``."""
        z = self.decision_function(input)
        # y_hat = H(z): 1 where z > 0, else 0
        return (z > 0).astype(np.int64)

    def forward(self, input: np.ndarray) -> np.ndarray:
        """Same as ``predict``: the perceptron's output is its step."""
        return self.predict(input)

    def backward(self, grad_output):
        """Not defined: the step has zero derivative wherever it has one, so the
        perceptron learns with its own rule (``step``, ``fit``), not by
        backpropagation."""
        raise RuntimeError(
            "Perceptron has no backward: the step function's derivative is 0 almost "
            "everywhere; train it with step() or fit()"
        )

    def step(self, x: np.ndarray, y) -> bool:
        """Apply the learning rule to one example; return whether the weights changed.

        Args:
            x: one sample, shape ``(in_features,)``, floating point.
            y: its label, 0 or 1.

        Returns:
            ``True`` if the example was misclassified (and the weights were updated).
        """
        check_floating("x", x)
        check_ndim("x", x, (1,), "(in_features,)")
        self._check_input("x", x)
        if isinstance(y, (bool, np.bool_)) or not isinstance(y, numbers.Integral):
            raise TypeError(f"y must be an int label 0 or 1, got {type(y).__name__}")
        if y not in (0, 1):
            raise ValueError(f"y must be the label 0 or 1, got {int(y)}")
        return self._update(x, int(y))

    def _update(self, x: np.ndarray, y: int) -> bool:
        """The rule itself, on checked arguments."""
        w = self.weight.data[0]  # (in_features,), a view
        b = self.bias.data  # (1,)
        # y_hat = H(w . x + b)
        y_hat = 1 if x @ w + b[0] > 0 else 0
        # y - y_hat is -1, 0 or 1: nothing changes on a correct prediction
        error = y - y_hat
        if error == 0:
            return False
        # w <- w + lr (y - y_hat) x ;  b <- b + lr (y - y_hat)
        w += self.lr * error * x
        b += self.lr * error
        return True

    def fit(
        self,
        X: np.ndarray,
        y,
        epochs: int = 100,
        shuffle: bool = False,
        generator: np.random.Generator | None = None,
    ) -> list[int]:
        """Run the learning rule over ``X`` for up to ``epochs`` passes.

        Stops after the first epoch with no mistake (the data are then separated and no
        further update can happen). Continues from the current weights.

        Args:
            X: samples, shape ``(N, in_features)``, floating point.
            y: labels, shape ``(N,)``, integers 0 or 1.
            epochs: the largest number of passes over the data.
            shuffle: visit the samples in a new random order each epoch.
            generator: ``numpy.random.Generator`` for the shuffling (a fresh one if
                ``None``).

        Returns:
            The number of mistakes (updates) in each epoch run; the last is 0 if and
            only if the perceptron separates the data.
        """
        check_floating("X", X)
        check_ndim("X", X, (2,), "(N, in_features)")
        self._check_input("X", X)
        y = _check_labels("y", y)
        check_ndim("y", y, (1,), "(N,)")
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"y must have one label per row of X: X has {X.shape[0]} rows, y has "
                f"{y.shape[0]}"
            )
        check_positive_int("epochs", epochs)
        if not isinstance(shuffle, bool):
            raise TypeError(f"shuffle must be a bool, got {type(shuffle).__name__}")
        if generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(
                "generator must be a numpy.random.Generator, got "
                f"{type(generator).__name__}"
            )
        rng = generator if generator is not None else np.random.default_rng()

        mistakes_per_epoch = []
        for _ in range(epochs):
            order = rng.permutation(len(X)) if shuffle else range(len(X))
            mistakes = sum(self._update(X[i], int(y[i])) for i in order)
            mistakes_per_epoch.append(mistakes)
            if mistakes == 0:
                break
        return mistakes_per_epoch

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, lr={self.lr}"
