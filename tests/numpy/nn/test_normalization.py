"""dlref.numpy.nn BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm and InstanceNorm2d against
torch.nn: outputs, gradients and running statistics over several steps (momentum incl. None,
affine, tracking, train and eval), state_dict round trips, finite differences through the
modules, errors."""

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


# -- GroupNorm ------------------------------------------------------------------------------


@given(G=st.integers(1, 3), per_group=st.integers(1, 3), n=st.integers(1, 4),
       spatial=st.lists(st.integers(1, 4), min_size=0, max_size=2), affine=st.booleans(), bias=st.booleans(),
       eps=st.sampled_from([1e-5, 1e-2]), seed=st.integers(0, 2**32 - 1))
def test_group_norm_matches_torch(G, per_group, n, spatial, affine, bias, eps, seed):
    C = G * per_group
    if n * per_group * int(np.prod(spatial)) == 1:
        n = 2
    rng = np.random.default_rng(seed)
    ours = nn.GroupNorm(G, C, eps=eps, affine=affine, bias=bias, dtype=np.float64)
    theirs = torch.nn.GroupNorm(G, C, eps=eps, affine=affine, bias=bias, dtype=torch.float64)
    random_affine(theirs, rng)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    for mode in (True, False):                               # no running statistics: train = eval
        ours.train(mode), theirs.train(mode)
        ours.zero_grad(), theirs.zero_grad()
        x = rng.standard_normal((n, C, *spatial)) * 3 + rng.uniform(-5, 5)
        compare_modules(ours, theirs, x, generator=rng, atol=1e-6)


def test_group_norm_gradcheck_and_batch_independence():
    rng = np.random.default_rng(6)
    layer = nn.GroupNorm(2, 4, dtype=np.float64)
    x = rng.standard_normal((3, 4, 2, 2))

    def forward(x, w, b):
        layer.weight.data, layer.bias.data = w, b
        return layer(x)

    def backward(g, x, w, b):
        layer.zero_grad()
        forward(x, w, b)
        return layer.backward(g), layer.weight.grad, layer.bias.grad

    assert gradcheck(forward, backward, [x, rng.standard_normal(4), rng.standard_normal(4)])
    # a batch of one is fine and gives the same output for that example
    np.testing.assert_array_equal(layer(x[1:2]), layer(x)[1:2])


def test_group_norm_state_dict_round_trip_and_float32():
    rng = np.random.default_rng(0)
    theirs = torch.nn.GroupNorm(3, 6)
    random_affine(theirs, rng)
    ours = nn.GroupNorm(3, 6)
    ours.load_state_dict(theirs.state_dict())
    assert ours.weight.dtype == np.float32
    back = torch.nn.GroupNorm(3, 6)
    back.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in ours.state_dict().items()})
    for key, value in theirs.state_dict().items():
        assert torch.equal(back.state_dict()[key], value), key
    x = rng.standard_normal((2, 6, 5)).astype(np.float32)
    y = ours(x)
    assert y.dtype == np.float32 and ours.backward(np.ones_like(y)).dtype == np.float32
    assert_close(y, theirs(torch.tensor(x)))


# -- InstanceNorm2d -------------------------------------------------------------------------


@given(n=st.integers(1, 3), c=st.integers(1, 3), h=st.integers(1, 3), w=st.integers(2, 3),
       momentum=st.sampled_from([0.1, 0.5, 1.0, 0.0, None]), affine=st.booleans(), bias=st.booleans(),
       track=st.booleans(), eps=st.sampled_from([1e-5, 1e-2]), steps=st.integers(1, 3), unbatched=st.booleans(),
       seed=st.integers(0, 2**32 - 1))
def test_instance_norm_matches_torch(n, c, h, w, momentum, affine, bias, track, eps, steps, unbatched, seed):
    rng = np.random.default_rng(seed)
    kwargs = dict(eps=eps, momentum=momentum, affine=affine, track_running_stats=track, bias=bias)
    ours = nn.InstanceNorm2d(c, dtype=np.float64, **kwargs)
    theirs = torch.nn.InstanceNorm2d(c, dtype=torch.float64, **kwargs)
    random_affine(theirs, rng)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    shape = (c, h, w) if unbatched else (n, c, h, w)
    for _ in range(steps):                                   # training steps: running statistics too
        x = rng.standard_normal(shape) * rng.uniform(0.5, 3) + rng.uniform(-5, 5)
        ours.train(), theirs.train()
        ours.zero_grad(), theirs.zero_grad()
        compare_modules(ours, theirs, x, generator=rng, atol=1e-6)
        for key, value in theirs.state_dict().items():
            assert_close(ours.state_dict()[key], value, msg=key)
    ours.eval(), theirs.eval()                               # tracked: running statistics; else the instance's
    ours.zero_grad(), theirs.zero_grad()
    compare_modules(ours, theirs, rng.standard_normal(shape), generator=rng, atol=1e-6)
    if track:
        assert int(ours.num_batches_tracked) == 0            # torch's InstanceNorm never counts


def test_instance_norm_defaults_and_train_eval():
    rng = np.random.default_rng(0)
    layer = nn.InstanceNorm2d(3)
    assert layer.state_dict() == {} and list(layer.parameters()) == []
    x = (rng.standard_normal((2, 3, 4, 4)) * 5 + 2).astype(np.float32)
    np.testing.assert_array_equal(layer.train()(x), layer.eval()(x))     # untracked: instance statistics always
    tracked = nn.InstanceNorm2d(3, track_running_stats=True, momentum=0.5, dtype=np.float64)
    for _ in range(3):
        tracked(x.astype(np.float64))
    assert not np.allclose(tracked.running_mean, 0)
    tracked.eval()
    y = tracked(x.astype(np.float64))
    mean, var = tracked.running_mean.reshape(1, 3, 1, 1), tracked.running_var.reshape(1, 3, 1, 1)
    assert_close(y, (x - mean) / np.sqrt(var + 1e-5))


@pytest.mark.parametrize("training", [True, False])
def test_instance_norm_gradcheck_through_module(training):
    rng = np.random.default_rng(7)
    layer = nn.InstanceNorm2d(2, affine=True, track_running_stats=True, dtype=np.float64)
    layer.running_mean[:] = [0.5, -1.0]
    layer.running_var[:] = [2.0, 0.5]
    layer.train(training)
    state = layer.state_dict()

    def forward(x, w, b):
        layer.load_state_dict(state)                         # undo the running-statistics update
        layer.weight.data, layer.bias.data = w, b
        return layer(x)

    def backward(g, x, w, b):
        layer.zero_grad()
        forward(x, w, b)
        return layer.backward(g), layer.weight.grad, layer.bias.grad

    x = rng.standard_normal((2, 2, 2, 3))
    assert gradcheck(forward, backward, [x, rng.standard_normal(2), rng.standard_normal(2)])


def test_instance_norm_state_dict_round_trip():
    rng = np.random.default_rng(0)
    theirs = torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    random_affine(theirs, rng)
    theirs(torch.randn(4, 3, 5, 5) * 2 + 1)                  # non-trivial running statistics
    ours = nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    ours.load_state_dict(theirs.state_dict())
    assert list(ours.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    back = torch.nn.InstanceNorm2d(3, affine=True, track_running_stats=True)
    back.load_state_dict({k: torch.from_numpy(np.asarray(v)) for k, v in ours.state_dict().items()})
    for key, value in theirs.state_dict().items():
        assert torch.equal(back.state_dict()[key], value), key
    x = rng.standard_normal((2, 3, 4, 4)).astype(np.float32)
    ours.eval(), theirs.eval()
    assert_close(ours(x), theirs(torch.tensor(x)))


def test_group_and_instance_norm_repr_matches_torch():
    for args in [dict(), dict(affine=False), dict(eps=1e-3, bias=False)]:
        assert repr(nn.GroupNorm(2, 6, **args)) == repr(torch.nn.GroupNorm(2, 6, **args))
    for args in [dict(), dict(affine=True, track_running_stats=True), dict(momentum=None, affine=True, bias=False)]:
        assert repr(nn.InstanceNorm2d(4, **args)) == repr(torch.nn.InstanceNorm2d(4, **args))


def test_group_and_instance_norm_errors():
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match=r"num_channels \(6\) must be divisible by num_groups \(4\)"):
        torch.nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match="num_groups must be >= 1"):
        nn.GroupNorm(0, 6)
    with pytest.raises(TypeError, match="affine must be a bool"):
        nn.GroupNorm(2, 6, affine=1)
    with pytest.raises(TypeError, match="dtype must be a floating-point dtype"):
        nn.GroupNorm(2, 6, dtype=np.int64)
    with pytest.raises(ValueError, match=r"eps must be in \(0.0, inf\)"):
        nn.GroupNorm(2, 6, eps=0.0)
    with pytest.raises(ValueError, match=r"GroupNorm\(2, 6\) expected input with 6 channels \(dim 1\), got 4"):
        nn.GroupNorm(2, 6)(np.ones((2, 4, 3), dtype=np.float32))
    with pytest.raises(ValueError, match=r"GroupNorm expected at least 2-D \(N, C, \*\) input"):
        nn.GroupNorm(2, 6)(np.ones(6, dtype=np.float32))
    with pytest.raises(ValueError, match=r"InstanceNorm2d\(3\) expected input with 3 channels \(dim 1\), got 2"):
        nn.InstanceNorm2d(3)(np.ones((2, 2, 4, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"InstanceNorm2d\(3\) expected input with 3 channels \(dim 0\), got 2"):
        nn.InstanceNorm2d(3)(np.ones((2, 4, 4), dtype=np.float32))
    with pytest.raises(ValueError, match=r"InstanceNorm2d expected 3-D \(C, H, W\) or 4-D \(N, C, H, W\) input"):
        nn.InstanceNorm2d(3)(np.ones((2, 3, 4, 4, 1), dtype=np.float32))
    with pytest.raises(ValueError, match="Expected more than 1 spatial element"):
        nn.InstanceNorm2d(3)(np.ones((2, 3, 1, 1), dtype=np.float32))
    with pytest.raises(ValueError, match=r"momentum must be in \[0.0, 1.0\]"):
        nn.InstanceNorm2d(3, momentum=1.5)
    with pytest.raises(TypeError, match="track_running_stats must be a bool"):
        nn.InstanceNorm2d(3, track_running_stats=None)
    with pytest.raises(ValueError, match=r"missing keys \['weight', 'bias'\]"):
        nn.InstanceNorm2d(3, affine=True).load_state_dict(torch.nn.InstanceNorm2d(3).state_dict())
