"""Bernoulli restricted Boltzmann machine, trained by contrastive divergence."""

from __future__ import annotations

import math

import numpy as np

from dlref._checks import (
    check_bool,
    check_floating,
    check_generator,
    check_last_dim,
    check_ndim,
    check_positive_int,
    check_real,
)
from dlref.numpy.functional import sigmoid
from dlref.numpy.nn.module import Module, Parameter


def _check_dtype(dtype) -> np.dtype:
    """A NumPy floating dtype (``np.float64``, ``"float32"``, ...)."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        raise TypeError(
            f"dtype must be a NumPy floating-point dtype, got {dtype!r}"
        ) from None
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"dtype must be a floating-point dtype, got {dtype}")
    return dtype


def _check_units(name: str, x, size: int, what: str, dtype: np.dtype) -> None:
    """``x``: a floating array ``(*, size)`` of the model's dtype, values in [0, 1]."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{name} must be a numpy.ndarray, got {type(x).__name__}")
    check_floating(name, x)
    check_last_dim(name, x, size, what)
    if x.dtype != dtype:
        raise TypeError(f"{name} must have the model's dtype {dtype}, got {x.dtype}")
    # NaN fails both comparisons, so it is caught here too
    inside = (x >= 0) & (x <= 1)
    if not inside.all():
        bad = x[~inside].ravel()[0].item()
        raise ValueError(
            f"{name} must hold values in [0, 1] (binary units or their "
            f"probabilities), got {bad!r}"
        )


def _bernoulli(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One Bernoulli draw per entry of ``p``, as 0.0/1.0 in ``p``'s dtype.

    ``u < p`` with ``u ~ U[0, 1)`` from ``rng.random``: the same rule (and, with an
    MT19937 generator, the same numbers) as scikit-learn's
    ``rng.uniform(size=p.shape) < p``.
    """
    u = rng.random(p.shape)
    return (u < p).astype(p.dtype)


class RBM(Module):
    r"""Restricted Boltzmann machine with binary visible and hidden units.

    An energy over visible units $v \in \{0,1\}^{n_v}$ and hidden units
    $h \in \{0,1\}^{n_h}$, with weights $W$ (``weight``, one row per hidden unit) and
    biases $b$ (``visible_bias``), $c$ (``hidden_bias``):

    $$E(v, h) = -b^\top v - c^\top h - h^\top W v, \qquad
    p(v, h) = \frac{e^{-E(v, h)}}{Z}$$

    No visible-visible or hidden-hidden edges, so each layer is independent given the
    other:

    $$P(h_j = 1 \mid v) = \sigma(c_j + W_{j} v), \qquad
    P(v_i = 1 \mid h) = \sigma(b_i + W_{:, i}^\top h)$$

    Summing out $h$ gives the free energy, with $p(v) = e^{-F(v)} / Z$:

    $$F(v) = -b^\top v - \sum_j \log\left(1 + e^{c_j + W_j v}\right)$$

    **The CD-k gradient.** For one sample, $\log p(v) = -F(v) - \log Z$ and
    $\log Z = \log \sum_{v'} e^{-F(v')}$, so

    $$\frac{\partial \log p(v)}{\partial \theta}
    = -\frac{\partial F(v)}{\partial \theta}
    + \mathbb{E}_{v' \sim p}\left[\frac{\partial F(v')}{\partial \theta}\right]$$

    With $\hat h(v) = P(h = 1 \mid v) = \sigma(c + W v)$, differentiating $F$ gives
    $-\partial F / \partial W = \hat h(v)\, v^\top$,
    $-\partial F / \partial c = \hat h(v)$ and $-\partial F / \partial b = v$.
    The first term (the positive phase) is computed on the data; the model
    expectation (the negative phase) needs all $2^{n_v}$ states, so contrastive
    divergence (CD-k) replaces it with a sample $\tilde v$ from $k$ steps of Gibbs
    sampling $v \to h \to v$ started at the data, and persistent CD (PCD) continues
    chains kept from the previous update instead of restarting them:

    $$\Delta W = \eta\left(\langle \hat h(v)\, v^\top \rangle_{\text{data}}
    - \langle \hat h(\tilde v)\, \tilde v^\top \rangle_{\text{chains}}\right), \quad
    \Delta c = \eta\left(\langle \hat h(v) \rangle
    - \langle \hat h(\tilde v) \rangle\right),
    \quad \Delta b = \eta\left(\langle v \rangle - \langle \tilde v \rangle\right)$$

    ($\langle\cdot\rangle$: the mean over the mini-batch, or over the chains.) See
    `RBM.fit` for the sampling steps.

    Args:
        n_visible: number of visible units $n_v \ge 1$ (features).
        n_hidden: number of hidden units $n_h \ge 1$.
        dtype: dtype of the parameters and of every input, a NumPy floating dtype
            (default ``np.float64``, as scikit-learn computes).
        generator: ``numpy.random.Generator`` for the initial weights (a fresh one if
            ``None``).

    Initialization (scikit-learn's and Hinton's guide's):
    ``weight`` $\sim N(0, 0.01^2)$, both biases 0.

    Attributes:
        weight: ``Parameter`` $W$ of shape ``(n_hidden, n_visible)``, the layout of
            ``Linear(n_visible, n_hidden).weight`` (scikit-learn's ``components_``).
        hidden_bias: ``Parameter`` $c$ of shape ``(n_hidden,)``
            (``intercept_hidden_``).
        visible_bias: ``Parameter`` $b$ of shape ``(n_visible,)``
            (``intercept_visible_``).
        persistent_hidden: the hidden states of the PCD chains,
            ``(batch_size, n_hidden)``, after a ``fit(..., persistent=True)``;
            ``None`` before.

    Shape:
        visible units ``(*, n_visible)``, hidden units ``(*, n_hidden)``; ``fit`` takes
        ``X`` of shape ``(N, n_visible)``. Every input must hold values in [0, 1]
        (binary units, or data scaled to [0, 1] read as probabilities).

    PyTorch equivalent: none (torch has no RBM). scikit-learn's
    ``sklearn.neural_network.BernoulliRBM``: given the same weights, ``transform`` and
    ``free_energy`` equal its ``transform`` and ``_free_energy``, ``pseudo_likelihood``
    its ``score_samples``, and ``fit(persistent=True, k=1)`` its ``fit`` (it trains by
    PCD-1).

    Differences from PyTorch: not a torch module. From scikit-learn: ``fit`` continues
    from the current weights (``BernoulliRBM.fit`` starts afresh) and also does CD-k for
    any $k \ge 1$, with or without persistent chains; a batch smaller than
    ``batch_size`` averages the negative phase over the chains (scikit-learn sums it and
    divides by the batch size); no momentum or weight decay (Hinton's guide adds both).

    References:
        Smolensky, 1986, "Information processing in dynamical systems: foundations of
        harmony theory", in Parallel Distributed Processing, vol. 1 ;
        Hinton, 2002, "Training products of experts by minimizing contrastive
        divergence", Neural Computation 14(8).
        https://doi.org/10.1162/089976602760128018 ;
        Tieleman, 2008, "Training restricted Boltzmann machines using approximations to
        the likelihood gradient", ICML. https://doi.org/10.1145/1390156.1390290 ;
        Hinton, 2010, "A practical guide to training restricted Boltzmann machines",
        UTML TR 2010-003. https://www.cs.toronto.edu/~hinton/absps/guideTR.pdf
    """

    def __init__(
        self,
        n_visible: int,
        n_hidden: int,
        dtype=np.float64,
        generator: np.random.Generator | None = None,
    ):
        super().__init__()
        check_positive_int("n_visible", n_visible)
        check_positive_int("n_hidden", n_hidden)
        dtype = _check_dtype(dtype)
        rng = check_generator("generator", generator)
        self.n_visible = n_visible
        self.n_hidden = n_hidden
        # W ~ N(0, 0.01^2): small, so that every hidden unit starts near sigma(0) = 1/2
        w = rng.normal(0.0, 0.01, size=(n_hidden, n_visible))  # (n_h, n_v)
        # trained by contrastive divergence, not by backward: no .grad is ever filled
        self.weight = Parameter(w.astype(dtype), requires_grad=False)
        self.hidden_bias = Parameter(
            np.zeros(n_hidden, dtype=dtype), requires_grad=False
        )
        self.visible_bias = Parameter(
            np.zeros(n_visible, dtype=dtype), requires_grad=False
        )
        self.persistent_hidden: np.ndarray | None = None

    @property
    def dtype(self) -> np.dtype:
        return self.weight.data.dtype

    def _check_v(self, name: str, v) -> None:
        _check_units(name, v, self.n_visible, "n_visible", self.dtype)

    def _check_h(self, name: str, h) -> None:
        _check_units(name, h, self.n_hidden, "n_hidden", self.dtype)

    # -- the two conditionals ---------------------------------------------------------

    def _prob_h(self, v: np.ndarray) -> np.ndarray:
        # P(h = 1 | v) = sigma(c + v W^T)                         (*, n_h)
        return sigmoid(v @ self.weight.data.T + self.hidden_bias.data)

    def _prob_v(self, h: np.ndarray) -> np.ndarray:
        # P(v = 1 | h) = sigma(b + h W)                           (*, n_v)
        return sigmoid(h @ self.weight.data + self.visible_bias.data)

    def prob_h_given_v(self, v: np.ndarray) -> np.ndarray:
        r"""$P(h_j = 1 \mid v) = \sigma(c_j + W_j v)$ for every hidden unit,
        ``(*, n_hidden)``."""
        self._check_v("v", v)
        return self._prob_h(v)

    def prob_v_given_h(self, h: np.ndarray) -> np.ndarray:
        r"""$P(v_i = 1 \mid h) = \sigma(b_i + W_{:,i}^\top h)$, ``(*, n_visible)``."""
        self._check_h("h", h)
        return self._prob_v(h)

    def transform(self, v: np.ndarray) -> np.ndarray:
        """The hidden probabilities $P(h = 1 \\mid v)$, ``(*, n_hidden)``: the features
        an RBM gives (scikit-learn's ``BernoulliRBM.transform``)."""
        return self.prob_h_given_v(v)

    def forward(self, v: np.ndarray) -> np.ndarray:
        """Same as ``transform``, so that an RBM chains in a ``Sequential`` (as in a
        DBN)."""
        return self.transform(v)

    def backward(self, grad_output):
        """Not defined: an RBM learns by contrastive divergence (``fit``). To fine-tune
        its weights by backpropagation, copy them into ``Linear`` + ``Sigmoid``
        (`DBN.to_mlp` does)."""
        raise RuntimeError(
            "RBM has no backward: it is trained by contrastive divergence (fit); "
            "for backpropagation copy its weights into Linear + Sigmoid (DBN.to_mlp)"
        )

    # -- sampling ----------------------------------------------------------------

    def sample_h_given_v(
        self, v: np.ndarray, generator: np.random.Generator | None = None
    ) -> np.ndarray:
        """Draw $h \\sim P(h \\mid v)$: 0.0/1.0 entries, ``(*, n_hidden)``, in the
        model's dtype. Each unit is 1 where ``generator.random() < P(h_j = 1 | v)``."""
        self._check_v("v", v)
        rng = check_generator("generator", generator)
        return _bernoulli(self._prob_h(v), rng)

    def sample_v_given_h(
        self, h: np.ndarray, generator: np.random.Generator | None = None
    ) -> np.ndarray:
        """Draw $v \\sim P(v \\mid h)$: 0.0/1.0 entries, ``(*, n_visible)``."""
        self._check_h("h", h)
        rng = check_generator("generator", generator)
        return _bernoulli(self._prob_v(h), rng)

    def gibbs(
        self, v: np.ndarray, k: int = 1, generator: np.random.Generator | None = None
    ) -> np.ndarray:
        """Run ``k`` steps of block Gibbs sampling $v \\to h \\to v$ from ``v``.

        Each step draws $h \\sim P(h \\mid v)$, then $v \\sim P(v \\mid h)$ (hidden
        uniforms first, then visible ones: with ``k=1`` the draws of scikit-learn's
        ``BernoulliRBM.gibbs``).

        Args:
            v: the starting visible units, ``(*, n_visible)``, values in [0, 1].
            k: number of steps, >= 1.
            generator: ``numpy.random.Generator`` for the draws.

        Returns:
            The visible sample after ``k`` steps, 0.0/1.0 entries, ``(*, n_visible)``.
        """
        self._check_v("v", v)
        check_positive_int("k", k)
        rng = check_generator("generator", generator)
        for _ in range(k):
            h = _bernoulli(self._prob_h(v), rng)
            v = _bernoulli(self._prob_v(h), rng)
        return v

    # -- energies and scores ----------------------------------------------------------

    def energy(self, v: np.ndarray, h: np.ndarray) -> np.ndarray:
        r"""$E(v, h) = -b^\top v - c^\top h - h^\top W v$ for each pair, shape ``(*,)``.

        ``v`` ``(*, n_visible)`` and ``h`` ``(*, n_hidden)`` with the same leading
        shape.
        """
        self._check_v("v", v)
        self._check_h("h", h)
        if v.shape[:-1] != h.shape[:-1]:
            raise ValueError(
                f"v and h must have the same leading shape, got {v.shape} and {h.shape}"
            )
        # h^T W v for each pair                                  (*,)
        hWv = np.einsum("...j,ji,...i->...", h, self.weight.data, v)
        # E = -b.v - c.h - h^T W v
        return -(v @ self.visible_bias.data) - (h @ self.hidden_bias.data) - hWv

    def free_energy(self, v: np.ndarray) -> np.ndarray:
        r"""$F(v) = -b^\top v - \sum_j \log(1 + e^{c_j + W_j v})$, shape ``(*,)``.

        $F(v) = -\log \sum_h e^{-E(v, h)}$, so $p(v) \propto e^{-F(v)}$: lower free
        energy, more probable. Computed with ``np.logaddexp(0, x)`` (no overflow for
        large $x$). Equals scikit-learn's ``BernoulliRBM._free_energy``.
        """
        self._check_v("v", v)
        # x_j = c_j + W_j v                                       (*, n_h)
        x = v @ self.weight.data.T + self.hidden_bias.data
        # F = -b.v - sum_j softplus(x_j)
        return -(v @ self.visible_bias.data) - np.logaddexp(0, x).sum(axis=-1)

    def reconstruct(self, v: np.ndarray) -> np.ndarray:
        r"""The mean-field reconstruction $P(v = 1 \mid h = \hat h(v))$,
        ``(*, n_visible)``.

        One deterministic up-down pass: $\hat h = \sigma(c + W v)$, then
        $\sigma(b + W^\top \hat h)$.
        """
        self._check_v("v", v)
        return self._prob_v(self._prob_h(v))

    def reconstruction_error(self, v: np.ndarray) -> float:
        """Mean squared error between ``v`` and `RBM.reconstruct` of it, over every
        entry.

        A rough progress signal (Hinton's guide warns it is not the objective CD
        optimizes); ``fit`` records it after every epoch.
        """
        self._check_v("v", v)
        if v.size == 0:
            raise ValueError(f"v must hold at least one sample, got shape {v.shape}")
        # mean over samples and units of (v - v_rec)^2
        return float(np.mean((v - self._prob_v(self._prob_h(v))) ** 2))

    def pseudo_likelihood(
        self, v: np.ndarray, generator: np.random.Generator | None = None
    ) -> np.ndarray:
        r"""A stochastic proxy of $\log p(v)$: flip one random unit per sample.

        $\log PL(v) = \sum_i \log P(v_i \mid v_{-i})$; scikit-learn's ``score_samples``
        estimates it from one unit $i$ drawn per sample, with $\tilde v$ equal to $v$
        with unit $i$ flipped ($1 - v_i$):

        $$n_v \log \sigma\left(F(\tilde v) - F(v)\right)$$

        Args:
            v: visible units, ``(*, n_visible)``, binary (as scikit-learn requires).
            generator: draws the unit to flip in each sample (``generator.integers``).

        Returns:
            The estimate per sample, ``(*,)``, at most 0.
        """
        self._check_v("v", v)
        rng = check_generator("generator", generator)
        i = rng.integers(0, self.n_visible, size=v.shape[:-1])
        flip = np.arange(self.n_visible) == i[..., None]  # (*, n_v)
        # v~ = v with unit i flipped
        v_tilde = np.where(flip, 1 - v, v)
        # n_v log sigma(F(v~) - F(v)) = -n_v log(1 + e^{-(F(v~) - F(v))})
        return -self.n_visible * np.logaddexp(
            0, -(self.free_energy(v_tilde) - self.free_energy(v))
        )

    # -- learning ----------------------------------------------------------------

    def gradient(
        self, v_data: np.ndarray, v_model: np.ndarray
    ) -> dict[str, np.ndarray]:
        r"""The positive phase minus the negative phase: an estimate of $\nabla \log p$.

        With $\hat h(v) = \sigma(c + W v)$, $\langle\cdot\rangle$ the mean over rows:

        $$\nabla_W = \langle \hat h(v)\, v^\top \rangle_{\text{data}}
        - \langle \hat h(\tilde v)\, \tilde v^\top \rangle_{\text{model}},\quad
        \nabla_c = \langle \hat h(v) \rangle - \langle \hat h(\tilde v) \rangle,\quad
        \nabla_b = \langle v \rangle - \langle \tilde v \rangle$$

        which is exactly the gradient of $\langle F(\tilde v) \rangle - \langle F(v)
        \rangle$. ``fit`` adds ``lr`` times it to the parameters.

        Args:
            v_data: the data $v$, ``(N, n_visible)``.
            v_model: the negative samples $\tilde v$ (the end of the Gibbs chains),
                ``(M, n_visible)``.

        Returns:
            ``{"weight": (n_hidden, n_visible), "hidden_bias": (n_hidden,),
            "visible_bias": (n_visible,)}``, the keys of ``state_dict``.
        """
        for name, v in (("v_data", v_data), ("v_model", v_model)):
            self._check_v(name, v)
            check_ndim(name, v, (2,), "(N, n_visible)")
            if len(v) == 0:
                raise ValueError(
                    f"{name} must hold at least one sample, got shape {v.shape}"
                )
        return self._gradient(
            v_data, self._prob_h(v_data), v_model, self._prob_h(v_model)
        )

    @staticmethod
    def _gradient(v_pos, h_pos, v_neg, h_neg) -> dict[str, np.ndarray]:
        # <h v^T>_data - <h v^T>_model                            (n_h, n_v)
        grad_weight = h_pos.T @ v_pos / len(v_pos) - h_neg.T @ v_neg / len(v_neg)
        # <h>_data - <h>_model                                    (n_h,)
        grad_hidden_bias = h_pos.mean(axis=0) - h_neg.mean(axis=0)
        # <v>_data - <v>_model                                    (n_v,)
        grad_visible_bias = v_pos.mean(axis=0) - v_neg.mean(axis=0)
        return {
            "weight": grad_weight,
            "hidden_bias": grad_hidden_bias,
            "visible_bias": grad_visible_bias,
        }

    def _negative_phase(self, h: np.ndarray, k: int, rng: np.random.Generator):
        """``k`` Gibbs steps from hidden states ``h``: the last visible sample, and the
        hidden probabilities given it."""
        for step in range(k):
            # v^(t) ~ P(v | h^(t-1))
            v = _bernoulli(self._prob_v(h), rng)
            # q^(t) = P(h = 1 | v^(t)); sample h^(t) from it, except at the last step
            q = self._prob_h(v)
            if step < k - 1:
                h = _bernoulli(q, rng)
        return v, q

    def fit(
        self,
        X: np.ndarray,
        epochs: int = 10,
        batch_size: int = 10,
        lr: float = 0.1,
        k: int = 1,
        persistent: bool = False,
        shuffle: bool = False,
        generator: np.random.Generator | None = None,
    ) -> list[float]:
        r"""Train by CD-k or persistent CD-k (PCD), by plain mini-batch gradient ascent.

        Each mini-batch $v$ of $B$ rows:

        1. positive phase: $\hat h = P(h = 1 \mid v)$ (probabilities, not samples);
        2. the chains' starting hidden states: with CD, $h \sim P(h \mid v)$ (one per
           row); with PCD, the states kept from the previous update (``batch_size``
           chains, all 0 at the first update, as in scikit-learn);
        3. $k$ Gibbs steps $v \sim P(v \mid h)$, $h \sim P(h \mid v)$, ending with the
           visible sample $\tilde v$ and $\hat h(\tilde v)$ (no last hidden sample);
        4. $\theta \leftarrow \theta + \eta\,$`RBM.gradient`$(v, \tilde v)$;
        5. PCD only: keep $h \sim P(h \mid \tilde v)$, drawn from the $\hat h(\tilde v)$
           of step 3 (the weights before the update), as the chains' state.

        Random draws come in that order, each an array ``generator.random(shape)``
        compared with the probabilities. With ``persistent=True, k=1, shuffle=False``
        and a ``batch_size`` that divides $N$, this is scikit-learn's ``BernoulliRBM``
        update, draw for draw (a ``Generator(MT19937)`` in the state of its
        ``RandomState`` gives the same uniforms).

        Args:
            X: training data, ``(N, n_visible)``, values in [0, 1] (binary, or scaled
                intensities read as probabilities).
            epochs: passes over the data, >= 1.
            batch_size: rows per mini-batch (the last one may be smaller), and the
                number of persistent chains.
            lr: the learning rate $\eta > 0$ (scikit-learn's default 0.1).
            k: Gibbs steps per update, >= 1.
            persistent: keep the chains between updates (PCD, Tieleman 2008). They carry
                over to the next ``fit`` call if ``batch_size`` is the same.
            shuffle: visit the rows in a new random order each epoch (drawn from
                ``generator`` before the epoch's sampling).
            generator: ``numpy.random.Generator`` for every draw.

        Returns:
            The reconstruction error (`RBM.reconstruction_error` on all of ``X``) after
            each epoch.
        """
        self._check_v("X", X)
        check_ndim("X", X, (2,), "(N, n_visible)")
        if len(X) == 0:
            raise ValueError(f"X must hold at least one sample, got shape {X.shape}")
        check_positive_int("epochs", epochs)
        check_positive_int("batch_size", batch_size)
        check_real("lr", lr, low=0.0, low_inclusive=False)
        if not math.isfinite(lr):
            raise ValueError(f"lr must be finite, got {lr}")
        check_positive_int("k", k)
        check_bool("persistent", persistent)
        check_bool("shuffle", shuffle)
        rng = check_generator("generator", generator)

        chains_shape = (batch_size, self.n_hidden)
        if persistent and (
            self.persistent_hidden is None
            or self.persistent_hidden.shape != chains_shape
            or self.persistent_hidden.dtype != self.dtype
        ):
            self.persistent_hidden = np.zeros(chains_shape, dtype=self.dtype)
        history = []
        for _ in range(epochs):
            order = rng.permutation(len(X)) if shuffle else np.arange(len(X))
            for start in range(0, len(X), batch_size):
                v_pos = X[order[start : start + batch_size]]  # (B, n_v)
                h_pos = self._prob_h(v_pos)  # (B, n_h)
                if persistent:
                    h_start = self.persistent_hidden
                else:
                    h_start = _bernoulli(h_pos, rng)
                v_neg, h_neg = self._negative_phase(h_start, k, rng)
                grads = self._gradient(v_pos, h_pos, v_neg, h_neg)
                # theta <- theta + lr * (positive phase - negative phase)
                self.weight.data += lr * grads["weight"]
                self.hidden_bias.data += lr * grads["hidden_bias"]
                self.visible_bias.data += lr * grads["visible_bias"]
                if persistent:
                    self.persistent_hidden = _bernoulli(h_neg, rng)
            history.append(self.reconstruction_error(X))
        return history

    def extra_repr(self) -> str:
        return f"n_visible={self.n_visible}, n_hidden={self.n_hidden}"
