"""dlref.numpy.nn BatchNorm1d, BatchNorm2d and LayerNorm against torch.nn: outputs, gradients
and running statistics over several steps (momentum incl. None, affine, tracking, train and
eval), state_dict round trips, finite differences through the modules, errors."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn
from dlref.testing import assert_close, compare_modules, gradcheck

BATCH_NORMS = {
    "1d-2D": (nn.BatchNorm1d, torch.nn.BatchNorm1d, lambda n, c, s: (n, c)),
    "1d-3D": (nn.BatchNorm1d, torch.nn.BatchNorm1d, lambda n, c, s: (n, c, s)),
    "2d": (nn.BatchNorm2d, torch.nn.BatchNorm2d, lambda n, c, s: (n, c, s, max(1, s - 1))),
}


def random_affine(theirs, rng):
    """Non-trivial gamma and beta, so that the affine part is tested too."""
    with torch.no_grad():
        for p in theirs.parameters():
            p.copy_(torch.tensor(rng.standard_normal(p.shape)))


@pytest.mark.parametrize("kind", list(BATCH_NORMS))
@given(n=st.integers(2, 6), c=st.integers(1, 4), s=st.integers(1, 4),
       momentum=st.sampled_from([0.1, 0.5, 1.0, 0.0, None]), affine=st.booleans(), bias=st.booleans(),
       track=st.booleans(), eps=st.sampled_from([1e-5, 1e-2]), steps=st.integers(1, 3),
       seed=st.integers(0, 2**32 - 1))
def test_batch_norm_matches_torch(kind, n, c, s, momentum, affine, bias, track, eps, steps, seed):
    ours_cls, theirs_cls, shape = BATCH_NORMS[kind]
    rng = np.random.default_rng(seed)
    kwargs = dict(eps=eps, momentum=momentum, affine=affine, track_running_stats=track, bias=bias)
    ours = ours_cls(c, dtype=np.float64, **kwargs)
    theirs = theirs_cls(c, dtype=torch.float64, **kwargs)
    random_affine(theirs, rng)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    # several training steps: outputs, gradients and running statistics after each
    for step in range(steps):
        x = rng.standard_normal(shape(n, c, s)) * rng.uniform(0.5, 3) + rng.uniform(-5, 5)
        ours.train(), theirs.train()
        ours.zero_grad(), theirs.zero_grad()
        compare_modules(ours, theirs, x, generator=rng, atol=1e-6)
        for key, value in theirs.state_dict().items():
            assert_close(ours.state_dict()[key], value, msg=key)
    # then evaluation: the running statistics (or, untracked, the batch's) normalize
    ours.eval(), theirs.eval()
    ours.zero_grad(), theirs.zero_grad()
    x = rng.standard_normal(shape(n, c, s))
    compare_modules(ours, theirs, x, generator=rng, atol=1e-6)
    if track:
        assert ours.num_batches_tracked.dtype == np.int64 and int(ours.num_batches_tracked) == steps


def test_cumulative_average_with_momentum_none():
    rng = np.random.default_rng(0)
    layer = nn.BatchNorm1d(3, momentum=None, dtype=np.float64)
    batches = [rng.standard_normal((10, 3)) * (k + 1) + k for k in range(4)]
    for x in batches:
        layer(x)
    # running statistics = plain averages of the batch statistics (the initial 0 and 1 are forgotten)
    assert_close(layer.running_mean, np.mean([x.mean(axis=0) for x in batches], axis=0))
    assert_close(layer.running_var, np.mean([x.var(axis=0, ddof=1) for x in batches], axis=0))
    assert int(layer.num_batches_tracked) == 4


def test_running_var_is_unbiased_and_momentum_is_torchs():
    x = np.array([[1.0], [2.0], [3.0], [6.0]])                # mean 3, biased var 3.5, unbiased 14/3
    layer = nn.BatchNorm1d(1, momentum=0.1, dtype=np.float64)
    layer(x)
    assert_close(layer.running_mean, np.array([0.9 * 0 + 0.1 * 3]))
    assert_close(layer.running_var, np.array([0.9 * 1 + 0.1 * 14 / 3]))


def test_eval_does_not_update_and_untracked_uses_batch_stats_in_eval():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((8, 2)) * 4 + 10
    layer = nn.BatchNorm1d(2, dtype=np.float64).eval()
    before = layer.state_dict()
    assert_close(layer(x), x / np.sqrt(1 + 1e-5))            # running mean 0, var 1
    for key, value in layer.state_dict().items():
        np.testing.assert_array_equal(value, before[key])
    untracked = nn.BatchNorm1d(2, track_running_stats=False, dtype=np.float64).eval()
    assert untracked.state_dict().keys() == {"weight", "bias"}
    assert_close(untracked(x).mean(axis=0), np.zeros(2), atol=1e-12, rtol=0)


@pytest.mark.parametrize("training", [True, False])
def test_gradcheck_through_batchnorm2d(training):
    rng = np.random.default_rng(3)
    layer = nn.BatchNorm2d(2, dtype=np.float64)
    layer.running_mean[:] = [0.5, -1.0]
    layer.running_var[:] = [2.0, 0.5]
    layer.train(training)
    x = rng.standard_normal((3, 2, 2, 2))
    state = layer.state_dict()

    def forward(x, w, b):
        layer.load_state_dict(state)                         # undo the running-statistics update
        layer.weight.data, layer.bias.data = w, b
        return layer(x)

    def backward(g, x, w, b):
        layer.zero_grad()
        forward(x, w, b)
        return layer.backward(g), layer.weight.grad, layer.bias.grad

    assert gradcheck(forward, backward, [x, rng.standard_normal(2), rng.standard_normal(2)])


def test_state_dict_round_trip_with_torch():
    rng = np.random.default_rng(0)
    theirs = torch.nn.BatchNorm2d(3)
    random_affine(theirs, rng)
    theirs(torch.randn(4, 3, 5, 5) * 2 + 1)                  # non-trivial running statistics
    ours = nn.BatchNorm2d(3)
    ours.load_state_dict(theirs.state_dict())
    assert ours.num_batches_tracked.dtype == np.int64 and ours.running_mean.dtype == np.float32
    back = torch.nn.BatchNorm2d(3)
    back.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in ours.state_dict().items()})
    for key, value in theirs.state_dict().items():
        assert torch.equal(back.state_dict()[key], value), key
    x = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    ours.eval(), theirs.eval()
    assert_close(ours(x), theirs(torch.tensor(x)))


def test_float32_by_default_and_kept():
    layer = nn.BatchNorm2d(2)
    x = np.random.default_rng(0).standard_normal((4, 2, 3, 3)).astype(np.float32)
    y = layer(x)
    assert y.dtype == np.float32 and layer.running_var.dtype == np.float32
    assert layer.backward(np.ones_like(y)).dtype == np.float32
    assert layer.weight.grad.dtype == np.float32


def test_repr_matches_torch():
    for args in [dict(), dict(momentum=None, affine=False, track_running_stats=False), dict(eps=1e-3, bias=False)]:
        assert repr(nn.BatchNorm1d(4, **args)) == repr(torch.nn.BatchNorm1d(4, **args))
        assert repr(nn.BatchNorm2d(4, **args)) == repr(torch.nn.BatchNorm2d(4, **args))
    for args in [dict(), dict(elementwise_affine=False), dict(bias=False)]:
        assert repr(nn.LayerNorm((3, 4), **args)) == repr(torch.nn.LayerNorm((3, 4), **args))


def test_batch_norm_errors():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(3\) expected input with 3 channels \(dim 1\), got 4"):
        nn.BatchNorm2d(3)(np.ones((2, 4, 5, 5)))
    with pytest.raises(ValueError, match=r"BatchNorm1d\(3\) expected input with 3 channels \(dim 1\), got 5"):
        nn.BatchNorm1d(3)(np.ones((2, 5)))
    with pytest.raises(ValueError, match=r"BatchNorm2d expected 4-D \(N, C, H, W\) input, got shape \(2, 3, 5\)"):
        nn.BatchNorm2d(3)(np.ones((2, 3, 5)))
    with pytest.raises(ValueError, match=r"BatchNorm1d expected 2-D \(N, C\) or 3-D \(N, C, L\) input"):
        nn.BatchNorm1d(3)(np.ones((2, 3, 5, 5)))
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        nn.BatchNorm1d(3)(np.ones((1, 3), dtype=np.float32))
    nn.BatchNorm1d(3).eval()(np.ones((1, 3), dtype=np.float32))    # fine in evaluation mode
    with pytest.raises(ValueError, match=r"momentum must be in \[0.0, 1.0\]"):
        nn.BatchNorm2d(3, momentum=2.0)
    with pytest.raises(ValueError, match="num_features must be >= 1"):
        nn.BatchNorm2d(0)
    with pytest.raises(TypeError, match="affine must be a bool"):
        nn.BatchNorm2d(3, affine="no")
    with pytest.raises(TypeError, match="dtype must be a floating-point dtype"):
        nn.BatchNorm2d(3, dtype=np.int32)
    with pytest.raises(ValueError, match=r"state_dict\['weight'\] has shape \(4,\), expected \(3,\)"):
        nn.BatchNorm2d(3).load_state_dict(torch.nn.BatchNorm2d(4).state_dict())
    with pytest.raises(ValueError, match=r"missing keys \['running_mean', 'running_var', 'num_batches_tracked'\]"):
        nn.BatchNorm2d(3).load_state_dict(torch.nn.BatchNorm2d(3, track_running_stats=False).state_dict())


# -- LayerNorm ------------------------------------------------------------------------------


@given(leading=st.lists(st.integers(1, 4), min_size=0, max_size=2),
       normalized=st.lists(st.integers(1, 5), min_size=1, max_size=3),
       affine=st.booleans(), bias=st.booleans(), eps=st.sampled_from([1e-5, 1e-2]),
       seed=st.integers(0, 2**32 - 1))
def test_layer_norm_matches_torch(leading, normalized, affine, bias, eps, seed):
    rng = np.random.default_rng(seed)
    ours = nn.LayerNorm(tuple(normalized), eps=eps, elementwise_affine=affine, bias=bias, dtype=np.float64)
    theirs = torch.nn.LayerNorm(normalized, eps=eps, elementwise_affine=affine, bias=bias, dtype=torch.float64)
    random_affine(theirs, rng)
    x = rng.standard_normal((*leading, *normalized)) * 3 + 2
    compare_modules(ours, theirs, x, generator=rng, atol=1e-6)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_layer_norm_same_in_train_and_eval_and_int_shape():
    rng = np.random.default_rng(0)
    layer = nn.LayerNorm(6, dtype=np.float64)
    assert layer.normalized_shape == (6,) and layer.weight.shape == (6,)
    x = rng.standard_normal((4, 6))
    np.testing.assert_array_equal(layer.train()(x), layer.eval()(x))
    # a batch of one is fine: nothing depends on the other examples
    np.testing.assert_array_equal(layer(x[:1]), layer(x)[:1])


def test_layer_norm_errors():
    with pytest.raises(ValueError, match=r"normalized_shape=\[5\] must equal the trailing dimensions of input"):
        nn.LayerNorm(5)(np.ones((2, 4), dtype=np.float32))
    with pytest.raises(ValueError, match="normalized_shape must be a non-empty sequence of positive ints"):
        nn.LayerNorm((3, 0))
    with pytest.raises(ValueError, match=r"state_dict\['weight'\] has shape \(4,\), expected \(5,\)"):
        nn.LayerNorm(5).load_state_dict(torch.nn.LayerNorm(4).state_dict())
