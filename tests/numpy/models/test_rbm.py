"""The RBM against scikit-learn's BernoulliRBM (float64), enumeration, finite
differences."""

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_digits
from sklearn.neural_network import BernoulliRBM

from dlref.numpy.models import RBM
from dlref.testing import assert_close

DIGITS = load_digits().data / 16.0  # (1797, 64), scaled to [0, 1]


def twin_generators(seed):
    """A RandomState and a Generator(MT19937) drawing the same uniforms."""
    rs = np.random.RandomState(seed)
    return rs, mt_generator_like(rs)


def mt_generator_like(rs):
    """A numpy Generator on an MT19937 in ``rs``'s current state (a copy)."""
    bit = np.random.MT19937()
    bit.state = {
        "bit_generator": "MT19937",
        "state": rs.get_state(legacy=False)["state"],
    }
    return np.random.Generator(bit)


def random_rbm(n_visible, n_hidden, seed, scale=1.0):
    """Our RBM, and a sklearn BernoulliRBM holding the same random weights."""
    rng = np.random.default_rng(seed)
    W = scale * rng.standard_normal((n_hidden, n_visible))
    c = scale * rng.standard_normal(n_hidden)
    b = scale * rng.standard_normal(n_visible)
    ours = RBM(n_visible, n_hidden)
    ours.load_state_dict({"weight": W, "hidden_bias": c, "visible_bias": b})
    theirs = BernoulliRBM(n_components=n_hidden)
    theirs.components_, theirs.intercept_hidden_, theirs.intercept_visible_ = W, c, b
    theirs.n_features_in_ = n_visible
    return ours, theirs


# -- the model ------------------------------------------------------------------------


def test_parameters_layout_and_init():
    rbm = RBM(6, 4, generator=np.random.default_rng(0))
    assert list(rbm.state_dict()) == ["weight", "hidden_bias", "visible_bias"]
    assert rbm.weight.shape == (4, 6) and rbm.hidden_bias.shape == (4,)
    assert rbm.visible_bias.shape == (6,) and rbm.weight.dtype == np.float64
    assert not rbm.hidden_bias.data.any() and not rbm.visible_bias.data.any()
    big = RBM(200, 100, generator=np.random.default_rng(1))
    assert abs(big.weight.data.std() - 0.01) < 5e-4  # N(0, 0.01^2)
    assert repr(rbm) == "RBM(n_visible=6, n_hidden=4)"
    assert rbm.persistent_hidden is None


def test_same_seed_same_weights():
    a = RBM(5, 3, generator=np.random.default_rng(7))
    b = RBM(5, 3, generator=np.random.default_rng(7))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)


def test_float32_is_kept():
    rbm = RBM(5, 3, dtype=np.float32, generator=np.random.default_rng(0))
    v = DIGITS[:4, :5].astype(np.float32)
    g = np.random.default_rng(0)
    for out in (
        rbm.transform(v),
        rbm.free_energy(v),
        rbm.reconstruct(v),
        rbm.gibbs(v, 2, g),
        rbm.sample_h_given_v(v, g),
        rbm.pseudo_likelihood(v, g),
    ):
        assert out.dtype == np.float32
    rbm.fit(v, epochs=1, batch_size=2, persistent=True, generator=g)
    assert rbm.weight.dtype == np.float32 and rbm.persistent_hidden.dtype == np.float32
    with pytest.raises(TypeError, match="v must have the model's dtype float32"):
        rbm.transform(v.astype(np.float64))


def test_empty_batch_and_any_leading_shape():
    rbm = RBM(3, 2)
    assert rbm.transform(np.zeros((0, 3))).shape == (0, 2)  # sklearn refuses N = 0
    assert rbm.free_energy(np.zeros((0, 3))).shape == (0,)
    v = np.random.default_rng(0).random((2, 4, 3))
    assert_close(rbm.free_energy(v)[1], rbm.free_energy(v[1]), rtol=0, atol=0)
    assert_close(rbm.transform(v)[1], rbm.transform(v[1]), rtol=0, atol=0)


def test_backward_is_not_defined():
    with pytest.raises(RuntimeError, match="RBM has no backward"):
        RBM(3, 2).backward(np.ones((1, 2)))


# -- against scikit-learn -------------------------------------------------------------


def test_transform_and_free_energy_equal_sklearn_on_digits():
    ours, theirs = random_rbm(64, 20, seed=0, scale=0.3)
    assert_close(
        ours.transform(DIGITS), theirs.transform(DIGITS), rtol=1e-12, atol=1e-14
    )
    assert_close(
        ours.free_energy(DIGITS), theirs._free_energy(DIGITS), rtol=1e-12, atol=1e-12
    )
    assert_close(ours(DIGITS), ours.transform(DIGITS), rtol=0, atol=0)


@settings(deadline=None)
@given(
    n_visible=st.integers(1, 9),
    n_hidden=st.integers(1, 9),
    n=st.integers(1, 6),
    scale=st.sampled_from([0.01, 1.0, 10.0]),
    binary=st.booleans(),
    seed=st.integers(0, 99),
)
def test_transform_and_free_energy_equal_sklearn(
    n_visible, n_hidden, n, scale, binary, seed
):
    ours, theirs = random_rbm(n_visible, n_hidden, seed, scale)
    v = np.random.default_rng(seed + 1).random((n, n_visible))
    v = np.round(v) if binary else v
    assert_close(ours.transform(v), theirs.transform(v), rtol=1e-12, atol=1e-14)
    assert_close(ours.free_energy(v), theirs._free_energy(v), rtol=1e-12, atol=1e-12)


@settings(deadline=None)
@given(
    n_visible=st.integers(1, 8),
    n_hidden=st.integers(1, 8),
    n=st.integers(1, 5),
    seed=st.integers(0, 2**16),
)
def test_sampling_draws_what_sklearn_draws(n_visible, n_hidden, n, seed):
    ours, theirs = random_rbm(n_visible, n_hidden, seed % 100)
    v = np.round(np.random.default_rng(seed).random((n, n_visible)))
    rs, g = twin_generators(seed)
    h = ours.sample_h_given_v(v, g)
    np.testing.assert_array_equal(h, theirs._sample_hiddens(v, rs))
    np.testing.assert_array_equal(
        ours.sample_v_given_h(h, g), theirs._sample_visibles(h, rs)
    )
    # one Gibbs step: sklearn's gibbs draws h, then v, from its random_state_
    rs, g = twin_generators(seed)
    theirs.random_state_ = rs
    np.testing.assert_array_equal(ours.gibbs(v, 1, g), theirs.gibbs(v))


@settings(deadline=None, max_examples=25)
@given(
    n_visible=st.integers(1, 10),
    n_hidden=st.integers(1, 8),
    batch_size=st.integers(1, 6),
    n_batches=st.integers(1, 4),
    n_iter=st.integers(1, 3),
    lr=st.sampled_from([0.01, 0.1, 1.0]),
    seed=st.integers(0, 2**16),
)
def test_pcd_fit_equals_sklearn_fit(
    n_visible, n_hidden, batch_size, n_batches, n_iter, lr, seed
):
    # sklearn's BernoulliRBM.fit is PCD-1: the same initial weights, batches and
    # uniforms (a Generator(MT19937) in its RandomState's state) give the same weights
    # and chains
    n = batch_size * n_batches
    X = np.round(np.random.default_rng(seed).random((n, n_visible)))
    theirs = BernoulliRBM(
        n_components=n_hidden,
        learning_rate=lr,
        batch_size=batch_size,
        n_iter=n_iter,
        random_state=np.random.RandomState(seed),
    )
    theirs.fit(X)
    rs = np.random.RandomState(seed)
    W0 = rs.normal(0, 0.01, (n_hidden, n_visible))  # sklearn's first draws: the weights
    ours = RBM(n_visible, n_hidden)
    ours.load_state_dict(
        {
            "weight": W0,
            "hidden_bias": np.zeros(n_hidden),
            "visible_bias": np.zeros(n_visible),
        }
    )
    history = ours.fit(
        X,
        epochs=n_iter,
        batch_size=batch_size,
        lr=lr,
        persistent=True,
        generator=mt_generator_like(rs),
    )
    assert len(history) == n_iter
    assert_close(ours.weight.data, theirs.components_, rtol=1e-10, atol=1e-12)
    assert_close(
        ours.hidden_bias.data, theirs.intercept_hidden_, rtol=1e-10, atol=1e-12
    )
    assert_close(
        ours.visible_bias.data, theirs.intercept_visible_, rtol=1e-10, atol=1e-12
    )
    np.testing.assert_array_equal(ours.persistent_hidden, theirs.h_samples_)


def test_one_pcd_step_equals_sklearn_partial_fit_on_digits():
    X = (DIGITS[:10] > 0.5).astype(np.float64)
    theirs = BernoulliRBM(
        n_components=16, learning_rate=0.1, batch_size=10, random_state=3
    )
    theirs.partial_fit(X)
    rs = np.random.RandomState(3)
    ours = RBM(64, 16)
    ours.weight.data = rs.normal(0, 0.01, (16, 64))
    ours.fit(
        X,
        epochs=1,
        batch_size=10,
        lr=0.1,
        persistent=True,
        generator=mt_generator_like(rs),
    )
    assert_close(ours.weight.data, theirs.components_, rtol=1e-12, atol=1e-15)
    assert_close(
        ours.visible_bias.data, theirs.intercept_visible_, rtol=1e-12, atol=1e-15
    )


def pseudo_likelihood_like_sklearn(theirs, v, index):
    """sklearn's score_samples formula, with the flipped units given."""
    v_ = v.copy()
    rows = np.arange(len(v))
    v_[rows, index] = 1 - v_[rows, index]
    fe, fe_ = theirs._free_energy(v), theirs._free_energy(v_)
    return -v.shape[1] * np.logaddexp(0, -(fe_ - fe))


def test_pseudo_likelihood_is_sklearns_score_samples():
    ours, theirs = random_rbm(64, 12, seed=1, scale=0.2)
    v = (DIGITS[:50] > 0.5).astype(np.float64)
    # sklearn draws the flipped units with RandomState(random_state).randint
    theirs.random_state = 5
    index = np.random.RandomState(5).randint(0, 64, 50)
    assert_close(
        theirs.score_samples(v),
        pseudo_likelihood_like_sklearn(theirs, v, index),
        rtol=0,
        atol=0,
    )
    # ours draws them with generator.integers: the same formula on the same units
    index = np.random.default_rng(9).integers(0, 64, size=50)
    assert_close(
        ours.pseudo_likelihood(v, np.random.default_rng(9)),
        pseudo_likelihood_like_sklearn(theirs, v, index),
        rtol=1e-12,
        atol=1e-12,
    )
    assert (ours.pseudo_likelihood(v, np.random.default_rng(0)) <= 0).all()


# -- the math -------------------------------------------------------------------------


def all_states(n):
    return np.array(list(itertools.product([0.0, 1.0], repeat=n)))  # (2^n, n)


def test_free_energy_and_conditionals_by_enumeration():
    rbm, _ = random_rbm(4, 5, seed=2)
    V, H = all_states(4), all_states(5)  # (16, 4), (32, 5)
    VV = np.repeat(V, len(H), axis=0)  # (512, 4)
    HH = np.tile(H, (len(V), 1))  # (512, 5)
    E = rbm.energy(VV, HH).reshape(len(V), len(H))  # (16, 32)
    # F(v) = -log sum_h exp(-E(v, h))
    assert_close(
        rbm.free_energy(V), -np.log(np.exp(-E).sum(axis=1)), rtol=1e-12, atol=1e-12
    )
    # P(h_j = 1 | v) = sum_h h_j exp(-E) / sum_h exp(-E)
    p_h = np.exp(-E) / np.exp(-E).sum(axis=1, keepdims=True)
    assert_close(rbm.prob_h_given_v(V), p_h @ H, rtol=1e-12, atol=1e-14)
    # P(v_i = 1 | h) by the same sum over v
    p_v = np.exp(-E.T) / np.exp(-E.T).sum(axis=1, keepdims=True)  # (32, 16)
    assert_close(rbm.prob_v_given_h(H), p_v @ V, rtol=1e-12, atol=1e-14)


def test_energy_checks_pairs():
    rbm = RBM(3, 2)
    with pytest.raises(ValueError, match="v and h must have the same leading shape"):
        rbm.energy(np.zeros((2, 3)), np.zeros((3, 2)))


def numerical_gradient(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f()
        x[i] = old - eps
        down = f()
        x[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


def test_gradient_is_the_gradient_of_the_free_energy_gap():
    # positive phase minus negative phase = d/dtheta (<F(v~)>_model - <F(v)>_data)
    rbm, _ = random_rbm(5, 4, seed=3)
    rng = np.random.default_rng(0)
    v_data, v_model = rng.random((6, 5)), np.round(rng.random((3, 5)))
    grads = rbm.gradient(v_data, v_model)

    def gap():
        return rbm.free_energy(v_model).mean() - rbm.free_energy(v_data).mean()

    for name, param in rbm.named_parameters():
        assert_close(
            grads[name],
            numerical_gradient(gap, param.data),
            rtol=1e-6,
            atol=1e-8,
            msg=name,
        )


def test_log_likelihood_gradient_is_the_exact_negative_phase():
    # with the model's exact distribution as the negative phase, the gradient is that of
    # the mean log-likelihood (checked by finite differences through log Z)
    rbm, _ = random_rbm(3, 2, seed=4, scale=0.5)
    V = all_states(3)
    v_data = V[[1, 5, 6, 6]]

    def mean_log_likelihood():
        log_z = np.logaddexp.reduce(-rbm.free_energy(V))
        return (-rbm.free_energy(v_data) - log_z).mean()

    p = np.exp(-rbm.free_energy(V) - np.logaddexp.reduce(-rbm.free_energy(V)))
    for name, param in rbm.named_parameters():
        # E_p[grad] as a p-weighted sum of one-sample gradients
        expected = rbm.gradient(v_data, V[:1])[name] - sum(
            p_v * (rbm.gradient(V[i : i + 1], V[:1])[name]) for i, p_v in enumerate(p)
        )
        # gradient(v, V[:1]) - gradient(u, V[:1]) = positive(v) - positive(u)
        assert_close(
            expected,
            numerical_gradient(mean_log_likelihood, param.data),
            rtol=1e-6,
            atol=1e-8,
            msg=name,
        )


def test_cd_k_update_follows_the_formula_with_the_same_draws():
    # replay CD-k's draws from a copy of the generator: h0 ~ P(h|v0), then k times
    # v ~ P(v|h), q = P(h|v) (h ~ q between steps); update with P(h|v0) and (v_k, q_k)
    for k in (1, 3):
        rbm, _ = random_rbm(6, 4, seed=5, scale=0.5)
        X = np.round(np.random.default_rng(1).random((8, 6)))
        W, c, b = (p.data.copy() for p in rbm.parameters())
        replay = np.random.default_rng(11)
        rbm.fit(
            X, epochs=1, batch_size=8, lr=0.3, k=k, generator=np.random.default_rng(11)
        )

        def sig(x):
            return 1 / (1 + np.exp(-x))

        h_pos = sig(X @ W.T + c)
        h = (replay.random(h_pos.shape) < h_pos).astype(float)
        for step in range(k):
            v = (replay.random((8, 6)) < sig(h @ W + b)).astype(float)
            q = sig(v @ W.T + c)
            if step < k - 1:
                h = (replay.random(q.shape) < q).astype(float)
        assert_close(
            rbm.weight.data,
            W + 0.3 * (h_pos.T @ X - q.T @ v) / 8,
            rtol=1e-12,
            atol=1e-14,
        )
        assert_close(
            rbm.hidden_bias.data, c + 0.3 * (h_pos - q).mean(0), rtol=1e-12, atol=1e-14
        )
        assert_close(
            rbm.visible_bias.data, b + 0.3 * (X - v).mean(0), rtol=1e-12, atol=1e-14
        )


def test_persistent_chains_carry_over_between_fits():
    X = np.round(np.random.default_rng(0).random((12, 5)))
    once, twice = RBM(5, 3, generator=np.random.default_rng(1)), RBM(5, 3)
    twice.load_state_dict(once.state_dict())
    once.fit(
        X,
        epochs=2,
        batch_size=4,
        k=2,
        persistent=True,
        shuffle=True,
        generator=np.random.default_rng(2),
    )
    g = np.random.default_rng(2)
    twice.fit(
        X, epochs=1, batch_size=4, k=2, persistent=True, shuffle=True, generator=g
    )
    twice.fit(
        X, epochs=1, batch_size=4, k=2, persistent=True, shuffle=True, generator=g
    )
    assert_close(twice.weight.data, once.weight.data, rtol=0, atol=0)
    np.testing.assert_array_equal(twice.persistent_hidden, once.persistent_hidden)
    # a new batch_size starts new chains, at 0 as sklearn does
    twice.fit(X, epochs=1, batch_size=6, persistent=True, generator=g)
    assert twice.persistent_hidden.shape == (6, 3)


def test_gibbs_k_steps_and_last_batch():
    rbm, _ = random_rbm(4, 3, seed=6)
    v = np.round(np.random.default_rng(0).random((2, 5, 4)))  # any leading shape
    out = rbm.gibbs(v, 4, np.random.default_rng(0))
    assert out.shape == v.shape and set(np.unique(out)) <= {0.0, 1.0}
    # a last mini-batch smaller than batch_size, with persistent chains: it runs
    rbm.fit(
        v[0],
        epochs=2,
        batch_size=3,
        persistent=True,
        generator=np.random.default_rng(0),
    )


# -- learning digits ------------------------------------------------------------------


@pytest.mark.parametrize("persistent", [False, True])
def test_training_on_digits_lowers_free_energy_of_data_below_noise(persistent):
    X = (DIGITS[:600] > 0.5).astype(np.float64)
    rng = np.random.default_rng(0)
    rbm = RBM(64, 32, generator=rng)
    before = rbm.reconstruction_error(X)
    history = rbm.fit(
        X, epochs=5, batch_size=10, lr=0.05, persistent=persistent, generator=rng
    )
    assert history[-1] < history[0] < before
    noise = np.round(rng.random(X.shape))
    held_out = (DIGITS[1000:1300] > 0.5).astype(np.float64)
    # the model puts its probability on digits: lower free energy than on coin flips
    assert rbm.free_energy(held_out).mean() < rbm.free_energy(noise).mean() - 10
    pl_digits = rbm.pseudo_likelihood(held_out, rng).mean()
    assert pl_digits > rbm.pseudo_likelihood(noise, rng).mean()


# -- extremes and bad input -----------------------------------------------------------


def test_huge_weights_give_finite_results_without_warnings():
    rbm, _ = random_rbm(5, 4, seed=7, scale=1e4)
    v = np.round(np.random.default_rng(0).random((6, 5)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for out in (
            rbm.transform(v),
            rbm.free_energy(v),
            rbm.reconstruct(v),
            rbm.pseudo_likelihood(v, np.random.default_rng(0)),
            rbm.gibbs(v, 2, np.random.default_rng(0)),
        ):
            assert np.isfinite(out).all()


@pytest.mark.parametrize(
    "call,error,match",
    [
        (lambda: RBM(0, 3), ValueError, "n_visible"),
        (lambda: RBM(3, -1), ValueError, "n_hidden"),
        (lambda: RBM(3.0, 2), TypeError, "n_visible"),
        (lambda: RBM(3, 2, dtype=np.int32), TypeError, "dtype"),
        (
            lambda: RBM(3, 2).transform(np.full((2, 3), 1.5)),
            ValueError,
            "v must hold values in",
        ),
        (
            lambda: RBM(3, 2).transform(np.full((2, 3), -0.1)),
            ValueError,
            "v must hold values in",
        ),
        (
            lambda: RBM(3, 2).transform(np.full((2, 3), np.nan)),
            ValueError,
            "v must hold values",
        ),
        (lambda: RBM(3, 2).free_energy(np.zeros((2, 4))), ValueError, "n_visible"),
        (
            lambda: RBM(3, 2).transform(np.zeros((2, 3), dtype=int)),
            TypeError,
            "v must have",
        ),
        (
            lambda: RBM(3, 2).transform([[0.0, 1.0, 0.0]]),
            TypeError,
            "v must be a numpy",
        ),
        (lambda: RBM(3, 2).sample_v_given_h(np.zeros((2, 3))), ValueError, "n_hidden"),
        (lambda: RBM(3, 2).gibbs(np.zeros((2, 3)), 0), ValueError, "k must be"),
        (lambda: RBM(3, 2).fit(np.zeros((4, 3)), k=0), ValueError, "k must be"),
        (lambda: RBM(3, 2).fit(np.zeros((4, 3)), epochs=0), ValueError, "epochs"),
        (
            lambda: RBM(3, 2).fit(np.zeros((4, 3)), batch_size=0),
            ValueError,
            "batch_size",
        ),
        (lambda: RBM(3, 2).fit(np.zeros((4, 3)), lr=0.0), ValueError, "lr"),
        (lambda: RBM(3, 2).fit(np.zeros((4, 3)), lr=np.inf), ValueError, "lr"),
        (
            lambda: RBM(3, 2).fit(np.zeros((4, 3)), persistent=1),
            TypeError,
            "persistent",
        ),
        (lambda: RBM(3, 2).fit(np.zeros((4, 3)), generator=0), TypeError, "generator"),
        (lambda: RBM(3, 2).fit(np.full((4, 3), 2.0)), ValueError, "X must hold values"),
        (lambda: RBM(3, 2).fit(np.zeros((2, 4, 3))), ValueError, "X must be 2-D"),
        (
            lambda: RBM(3, 2).fit(np.zeros((0, 3))),
            ValueError,
            "X must hold at least one",
        ),
        (
            lambda: RBM(3, 2).reconstruction_error(np.zeros((0, 3))),
            ValueError,
            "v must hold",
        ),
        (
            lambda: RBM(3, 2).gradient(np.zeros((2, 3)), np.zeros(3)),
            ValueError,
            "v_model",
        ),
    ],
)
def test_bad_input_raises_naming_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_bad_fit_changes_nothing():
    rbm = RBM(3, 2, generator=np.random.default_rng(0))
    before = rbm.state_dict()
    with pytest.raises(ValueError):
        rbm.fit(np.zeros((4, 3)), k=0)
    for key, value in rbm.state_dict().items():
        np.testing.assert_array_equal(value, before[key])
