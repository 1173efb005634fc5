"""dlref.training: EarlyStopping (patience, min_delta, modes, best-weights restore), minibatches,
accuracy, and the fit loop (history, validation, early stopping, scheduler, augmentation hook),
checked against hand-written references."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from dlref.numpy import nn, optim
from dlref.numpy.optim import lr_scheduler
from dlref.training import EarlyStopping, accuracy, fit, minibatches

# -- a reference for EarlyStopping ------------------------------------------------------


def reference_stop(values, patience, min_delta, mode):
    """The epoch at which training stops (or None) and the best epoch, by direct counting."""
    sign = 1.0 if mode == "min" else -1.0
    best, best_epoch, wait = np.inf, -1, 0
    for epoch, v in enumerate(values):
        if sign * v < best - min_delta:
            best, best_epoch, wait = sign * v, epoch, 0
        else:
            wait += 1
            if wait >= patience:
                return epoch, best_epoch
    return None, best_epoch


def run_steps(stopper, values):
    """Call step on each value until it returns True; the list of what it returned."""
    returned = []
    for v in values:
        returned.append(stopper.step(v))
        if returned[-1]:
            break
    return returned


# -- EarlyStopping ----------------------------------------------------------------------


def test_patience_counts_epochs_without_improvement():
    stopper = EarlyStopping(patience=3)
    values = [1.0, 0.8, 0.9, 0.85, 0.81, 0.7]
    assert run_steps(stopper, values) == [False, False, False, False, True]
    assert stopper.stopped_epoch == 4
    assert stopper.best == 0.8 and stopper.best_epoch == 1
    assert stopper.wait == 3


def test_an_improvement_resets_the_count():
    stopper = EarlyStopping(patience=2)
    # 0.9 does not improve, 0.7 does (reset), then two epochs without improvement
    assert run_steps(stopper, [1.0, 1.1, 0.7, 0.8, 0.75]) == [False, False, False, False, True]
    assert stopper.best_epoch == 2 and stopper.stopped_epoch == 4


def test_patience_one_stops_at_the_first_epoch_that_does_not_improve():
    stopper = EarlyStopping(patience=1)
    assert run_steps(stopper, [3.0, 2.0, 1.0, 1.0]) == [False, False, False, True]
    assert stopper.stopped_epoch == 3


def test_a_tie_is_not_an_improvement():
    stopper = EarlyStopping(patience=2)
    assert run_steps(stopper, [0.5, 0.5, 0.5]) == [False, False, True]
    assert stopper.best_epoch == 0


def test_no_stop_while_improving():
    stopper = EarlyStopping(patience=1)
    assert not any(run_steps(stopper, np.linspace(1.0, 0.0, 50)))
    assert stopper.stopped_epoch is None and stopper.best_epoch == 49


def test_min_delta_min_mode():
    # with min_delta = 0.1 an epoch must beat the best by more than 0.1
    stopper = EarlyStopping(patience=2, min_delta=0.1)
    assert run_steps(stopper, [1.0, 0.95, 0.92, 0.7]) == [False, False, True]
    assert stopper.best == 1.0 and stopper.best_epoch == 0
    # exactly best - min_delta does not count (strict inequality, as Keras)
    stopper = EarlyStopping(patience=1, min_delta=0.25)
    assert run_steps(stopper, [1.0, 0.75]) == [False, True]
    stopper = EarlyStopping(patience=1, min_delta=0.25)
    assert run_steps(stopper, [1.0, 0.74, 0.6]) == [False, False, True]
    assert stopper.best == 0.74


def test_max_mode_for_accuracies():
    stopper = EarlyStopping(patience=2, mode="max")
    assert run_steps(stopper, [0.5, 0.7, 0.6, 0.7]) == [False, False, False, True]
    assert stopper.best == 0.7 and stopper.best_epoch == 1
    stopper = EarlyStopping(patience=2, mode="max", min_delta=0.05)
    assert run_steps(stopper, [0.5, 0.54, 0.56, 0.6]) == [False, False, False, False]
    assert stopper.best == 0.56 and stopper.best_epoch == 2


def test_initial_state():
    assert EarlyStopping(mode="min").best == np.inf
    assert EarlyStopping(mode="max").best == -np.inf
    stopper = EarlyStopping()
    assert stopper.best_epoch == -1 and stopper.stopped_epoch is None and stopper.best_state is None
    assert (stopper.patience, stopper.min_delta, stopper.mode, stopper.restore_best_weights,
            stopper.monitor) == (5, 0.0, "min", True, "val_loss")


@given(values=st.lists(st.floats(-10, 10), min_size=1, max_size=40), patience=st.integers(1, 6),
       min_delta=st.sampled_from([0.0, 0.01, 0.5, 2.0]), mode=st.sampled_from(["min", "max"]))
def test_matches_direct_counting(values, patience, min_delta, mode):
    stop_epoch, best_epoch = reference_stop(values, patience, min_delta, mode)
    stopper = EarlyStopping(patience=patience, min_delta=min_delta, mode=mode)
    returned = run_steps(stopper, values)
    assert stopper.stopped_epoch == stop_epoch
    assert returned[-1] == (stop_epoch is not None)
    assert stopper.best_epoch == best_epoch
    assert stopper.best == values[best_epoch]


def test_accepts_numpy_and_torch_scalars():
    stopper = EarlyStopping(patience=1)
    assert not stopper.step(np.float32(0.5))
    assert not stopper.step(np.array(0.25))
    assert stopper.step(torch.tensor(0.3))
    assert stopper.best == 0.25


def test_nan_raises():
    stopper = EarlyStopping()
    stopper.step(1.0)
    with pytest.raises(ValueError, match="NaN"):
        stopper.step(float("nan"))
    with pytest.raises(ValueError, match="NaN"):
        stopper.step(np.array(np.nan))


@pytest.mark.parametrize("kwargs, error, match", [
    ({"patience": 0}, ValueError, "patience"),
    ({"patience": -2}, ValueError, "patience"),
    ({"patience": 2.5}, TypeError, "patience"),
    ({"patience": True}, TypeError, "patience"),
    ({"min_delta": -0.1}, ValueError, "min_delta"),
    ({"min_delta": float("nan")}, ValueError, "min_delta"),
    ({"min_delta": "0.1"}, TypeError, "min_delta"),
    ({"mode": "auto"}, ValueError, "mode"),
    ({"mode": "MIN"}, ValueError, "mode"),
    ({"restore_best_weights": 1}, TypeError, "restore_best_weights"),
    ({"monitor": 0}, TypeError, "monitor"),
])
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        EarlyStopping(**kwargs)


def small_model(seed=0):
    g = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(3, 4, dtype=np.float64, generator=g), nn.ReLU(),
                         nn.Linear(4, 2, dtype=np.float64, generator=g))


def assert_state_equal(a, b):
    assert list(a) == list(b)
    for key in a:
        np.testing.assert_array_equal(a[key], b[key])


def test_restores_the_best_weights_exactly():
    model = small_model()
    rng = np.random.default_rng(1)
    stopper = EarlyStopping(patience=3)
    states = []
    for value in [0.9, 0.5, 0.7, 0.6, 0.55, 0.4]:
        for p in model.parameters():               # "train": change every weight
            p.data = p.data + rng.standard_normal(p.shape)
        states.append(model.state_dict())
        if stopper.step(value, model):
            break
    assert stopper.stopped_epoch == 4 and stopper.best_epoch == 1
    assert_state_equal(model.state_dict(), states[1])
    assert_state_equal(stopper.best_state, states[1])


def test_saved_state_is_a_copy():
    model = small_model()
    stopper = EarlyStopping(patience=1)
    stopper.step(1.0, model)
    saved = model.state_dict()
    for p in model.parameters():
        p.data += 1.0                              # in place: must not reach the saved copy
    assert_state_equal(stopper.best_state, saved)
    assert stopper.step(2.0, model)
    assert_state_equal(model.state_dict(), saved)


def test_without_restore_the_last_weights_stay():
    model = small_model()
    stopper = EarlyStopping(patience=1, restore_best_weights=False)
    stopper.step(1.0, model)
    for p in model.parameters():
        p.data = p.data * 2
    last = model.state_dict()
    assert stopper.step(2.0, model)
    assert stopper.best_state is None
    assert_state_equal(model.state_dict(), last)
    stopper.restore(model)                         # a no-op without restore_best_weights
    assert_state_equal(model.state_dict(), last)


def test_restore_by_hand():
    model = small_model()
    stopper = EarlyStopping(patience=10)
    stopper.step(1.0, model)
    best = model.state_dict()
    for p in model.parameters():
        p.data = p.data - 3.0
    assert not stopper.step(1.5, model)
    stopper.restore(model)
    assert_state_equal(model.state_dict(), best)


def test_restores_buffers_too():
    g = np.random.default_rng(0)
    model = nn.Sequential(nn.Linear(3, 4, dtype=np.float64, generator=g), nn.BatchNorm1d(4, dtype=np.float64))
    stopper = EarlyStopping(patience=1)
    model(np.random.default_rng(1).standard_normal((8, 3)))     # updates the running statistics
    stopper.step(0.1, model)
    best = model.state_dict()
    model(np.random.default_rng(2).standard_normal((8, 3)) + 5.0)
    assert stopper.step(0.2, model)
    assert_state_equal(model.state_dict(), best)


# -- minibatches -------------------------------------------------------------------------


@given(n=st.integers(1, 200), batch_size=st.integers(1, 64), shuffle=st.booleans(), seed=st.integers(0, 1000))
def test_minibatches_cover_every_index_once(n, batch_size, shuffle, seed):
    batches = list(minibatches(n, batch_size, np.random.default_rng(seed), shuffle=shuffle))
    assert len(batches) == -(-n // batch_size)              # ceil(n / batch_size)
    sizes = [len(b) for b in batches]
    assert all(s == batch_size for s in sizes[:-1])
    assert sizes[-1] == n - batch_size * (len(batches) - 1)
    order = np.concatenate(batches)
    assert np.issubdtype(order.dtype, np.integer)
    np.testing.assert_array_equal(np.sort(order), np.arange(n))
    if not shuffle:
        np.testing.assert_array_equal(order, np.arange(n))


def test_minibatches_are_a_permutation_from_the_generator():
    order = np.concatenate(list(minibatches(100, 32, np.random.default_rng(5))))
    np.testing.assert_array_equal(order, np.random.default_rng(5).permutation(100))


def test_minibatches_are_deterministic_with_a_seed():
    a = list(minibatches(100, 16, np.random.default_rng(3)))
    b = list(minibatches(100, 16, np.random.default_rng(3)))
    c = list(minibatches(100, 16, np.random.default_rng(4)))
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not np.array_equal(np.concatenate(a), np.concatenate(c))
    # one generator drawn twice gives two different epochs
    g = np.random.default_rng(3)
    first, second = np.concatenate(list(minibatches(100, 16, g))), np.concatenate(list(minibatches(100, 16, g)))
    assert not np.array_equal(first, second)


def test_minibatch_larger_than_the_data():
    assert [b.tolist() for b in minibatches(3, 10, shuffle=False)] == [[0, 1, 2]]


@pytest.mark.parametrize("args, kwargs, error, match", [
    ((0, 4), {}, ValueError, "n_samples"),
    ((10, 0), {}, ValueError, "batch_size"),
    ((10.0, 4), {}, TypeError, "n_samples"),
    ((10, 4), {"generator": 0}, TypeError, "generator"),
    ((10, 4), {"shuffle": "yes"}, TypeError, "shuffle"),
])
def test_minibatches_bad_arguments(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        next(minibatches(*args, **kwargs))


# -- accuracy ----------------------------------------------------------------------------


def test_accuracy():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [1.0, 0.0, 5.0], [0.0, 2.0, 1.0]])
    assert accuracy(logits, np.array([0, 1, 2, 2])) == 0.75
    assert accuracy(logits, np.array([1, 0, 0, 0])) == 0.0
    # batched (*, C) layout, and against torch
    rng = np.random.default_rng(0)
    logits, target = rng.standard_normal((4, 5, 7)), rng.integers(0, 7, (4, 5))
    expected = (torch.tensor(logits).argmax(dim=-1) == torch.tensor(target)).double().mean().item()
    assert accuracy(logits, target) == pytest.approx(expected, abs=0)


@pytest.mark.parametrize("logits, target, error, match", [
    (np.zeros((4, 3)), np.zeros(4), TypeError, "target"),
    (np.zeros((4, 3)), np.zeros(3, dtype=int), ValueError, "target"),
    (np.zeros((4, 3)), np.zeros((4, 3), dtype=int), ValueError, "target"),
    (np.array(1.0), np.array(0), ValueError, "logits"),
    (np.zeros((0, 3)), np.zeros(0, dtype=int), ValueError, "empty"),
])
def test_accuracy_bad_inputs(logits, target, error, match):
    with pytest.raises(error, match=match):
        accuracy(logits, target)


# -- fit ---------------------------------------------------------------------------------


def blobs(n=120, seed=0):
    """Three well-separated Gaussian blobs in 2-D: an easy classification problem."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    y = rng.integers(0, 3, n)
    x = centres[y] + 0.5 * rng.standard_normal((n, 2))
    return x, y


def classifier(seed=0, hidden=16):
    g = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(2, hidden, dtype=np.float64, generator=g), nn.ReLU(),
                         nn.Linear(hidden, 3, dtype=np.float64, generator=g))


def test_fit_history_keys_and_lengths():
    x, y = blobs()
    model = classifier()
    h = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), x, y,
            epochs=4, batch_size=32, generator=np.random.default_rng(0))
    assert set(h) == {"loss", "accuracy"} and all(len(v) == 4 for v in h.values())
    h = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), x[:80], y[:80],
            epochs=3, batch_size=32, generator=np.random.default_rng(0), validation_data=(x[80:], y[80:]))
    assert set(h) == {"loss", "accuracy", "val_loss", "val_accuracy"} and all(len(v) == 3 for v in h.values())
    assert all(isinstance(v, float) for values in h.values() for v in values)
    # regression targets: losses only
    g = np.random.default_rng(0)
    reg = nn.Linear(2, 1, dtype=np.float64, generator=g)
    h = fit(reg, nn.MSELoss(), optim.SGD(reg.parameters(), lr=0.1), x, x[:, :1] * 2.0,
            epochs=2, batch_size=16, generator=g, validation_data=(x, x[:, :1]))
    assert set(h) == {"loss", "val_loss"}


def test_fit_learns_an_easy_problem():
    x, y = blobs(200)
    model = classifier()
    h = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1, momentum=0.9), x[:150], y[:150],
            epochs=15, batch_size=16, generator=np.random.default_rng(0), validation_data=(x[150:], y[150:]))
    assert h["loss"][-1] < 0.1 * h["loss"][0]
    assert np.all(np.diff(h["val_loss"][:5]) < 0)
    assert h["accuracy"][-1] == 1.0 and h["val_accuracy"][-1] == 1.0


def test_fit_is_the_hand_written_loop():
    """fit's weights and epoch losses equal those of the loop written out, to the last bit."""
    x, y = blobs(50)
    ours, theirs = classifier(1), classifier(1)
    h = fit(ours, nn.CrossEntropyLoss(), optim.SGD(ours.parameters(), lr=0.05, momentum=0.9), x, y,
            epochs=3, batch_size=16, generator=np.random.default_rng(7))
    loss_fn, opt, g = nn.CrossEntropyLoss(), optim.SGD(theirs.parameters(), lr=0.05, momentum=0.9), np.random.default_rng(7)
    losses = []
    for _ in range(3):
        order = g.permutation(len(x))
        total = 0.0
        for start in range(0, len(x), 16):          # batches of 16, 16, 16 and 2
            idx = order[start:start + 16]
            opt.zero_grad()
            total += float(loss_fn(theirs(x[idx]), y[idx])) * len(idx)
            theirs.backward(loss_fn.backward())
            opt.step()
        losses.append(total / len(x))
    assert h["loss"] == losses
    assert_state_equal(ours.state_dict(), theirs.state_dict())


def test_fit_validation_metrics_are_those_of_the_final_model():
    x, y = blobs(100)
    model = nn.Sequential(nn.Linear(2, 16, dtype=np.float64, generator=np.random.default_rng(0)), nn.ReLU(),
                          nn.Dropout(0.5, generator=np.random.default_rng(1)),
                          nn.Linear(16, 3, dtype=np.float64, generator=np.random.default_rng(2)))
    loss_fn = nn.CrossEntropyLoss()
    h = fit(model, loss_fn, optim.Adam(model.parameters(), lr=0.01), x[:60], y[:60], epochs=3, batch_size=8,
            generator=np.random.default_rng(0), validation_data=(x[60:], y[60:]))
    assert not model.training                               # evaluated in eval mode: no dropout
    logits = model(x[60:])
    assert h["val_loss"][-1] == float(loss_fn(logits, y[60:]))
    assert h["val_accuracy"][-1] == accuracy(logits, y[60:])


def test_fit_is_deterministic_with_a_seed():
    x, y = blobs()
    runs = []
    for _ in range(2):
        model = classifier()
        runs.append(fit(model, nn.CrossEntropyLoss(), optim.Adam(model.parameters(), lr=0.01), x, y,
                        epochs=3, batch_size=10, generator=np.random.default_rng(0)))
    assert runs[0] == runs[1]


def noisy_problem():
    """A small, noisy problem on which a wide network overfits quickly (the validation loss turns up)."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((60, 2))
    y = (x[:, 0] + 0.8 * rng.standard_normal(60) > 0).astype(np.int64)
    return x[:30], y[:30], x[30:], y[30:]


def wide_net(seed=0):
    g = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(2, 64, dtype=np.float64, generator=g), nn.ReLU(),
                         nn.Linear(64, 2, dtype=np.float64, generator=g))


def test_fit_with_early_stopping_stops_and_restores_the_best_epoch():
    x, y, x_val, y_val = noisy_problem()
    model, loss_fn = wide_net(), nn.CrossEntropyLoss()
    stopper = EarlyStopping(patience=5)
    h = fit(model, loss_fn, optim.Adam(model.parameters(), lr=0.05), x, y, epochs=300, batch_size=10,
            generator=np.random.default_rng(0), validation_data=(x_val, y_val), early_stopping=stopper)
    assert stopper.stopped_epoch is not None and stopper.stopped_epoch < 299
    assert len(h["loss"]) == stopper.stopped_epoch + 1
    assert stopper.stopped_epoch - stopper.best_epoch == 5
    assert stopper.best == min(h["val_loss"]) == h["val_loss"][stopper.best_epoch]
    model.eval()
    assert float(loss_fn(model(x_val), y_val)) == h["val_loss"][stopper.best_epoch]   # exactly


def test_fit_restores_the_best_epoch_when_epochs_run_out():
    x, y, x_val, y_val = noisy_problem()
    model, loss_fn = wide_net(), nn.CrossEntropyLoss()
    stopper = EarlyStopping(patience=1000)
    h = fit(model, loss_fn, optim.Adam(model.parameters(), lr=0.05), x, y, epochs=60, batch_size=10,
            generator=np.random.default_rng(0), validation_data=(x_val, y_val), early_stopping=stopper)
    assert stopper.stopped_epoch is None and len(h["loss"]) == 60
    assert stopper.best_epoch < 59                      # the last epoch was not the best one
    model.eval()
    assert float(loss_fn(model(x_val), y_val)) == min(h["val_loss"])


def test_fit_early_stopping_on_validation_accuracy():
    x, y, x_val, y_val = noisy_problem()
    model, loss_fn = wide_net(), nn.CrossEntropyLoss()
    stopper = EarlyStopping(patience=4, mode="max", monitor="val_accuracy")
    h = fit(model, loss_fn, optim.Adam(model.parameters(), lr=0.05), x, y, epochs=200, batch_size=10,
            generator=np.random.default_rng(0), validation_data=(x_val, y_val), early_stopping=stopper)
    assert stopper.best == max(h["val_accuracy"]) == h["val_accuracy"][stopper.best_epoch]
    model.eval()
    assert accuracy(model(x_val), y_val) == stopper.best


def test_fit_early_stopping_on_the_training_loss():
    x, y = blobs()
    model = classifier()
    stopper = EarlyStopping(patience=2, min_delta=0.05, monitor="loss")
    h = fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), x, y, epochs=100,
            batch_size=16, generator=np.random.default_rng(0), early_stopping=stopper)
    assert len(h["loss"]) == stopper.stopped_epoch + 1 < 100


def test_fit_steps_the_scheduler_once_per_epoch():
    x, y = blobs()
    model = classifier()
    opt = optim.SGD(model.parameters(), lr=0.8)
    scheduler = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    fit(model, nn.CrossEntropyLoss(), opt, x, y, epochs=3, batch_size=50, generator=np.random.default_rng(0),
        scheduler=scheduler)
    assert scheduler.last_epoch == 3
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)

    lrs = []                                        # the rate each epoch's steps used

    class Recorder(optim.SGD):
        def step(self, closure=None):
            lrs.append(self.param_groups[0]["lr"])
            return super().step(closure)

    model = classifier()
    opt = Recorder(model.parameters(), lr=1.0)
    fit(model, nn.CrossEntropyLoss(), opt, x, y, epochs=3, batch_size=60, generator=np.random.default_rng(0),
        scheduler=lr_scheduler.StepLR(opt, step_size=1, gamma=0.1))
    assert lrs == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01, 0.01])


def test_fit_applies_the_transform_to_training_batches_only():
    x, y = blobs(50)
    seen = []

    def transform(batch):
        seen.append(batch.shape[0])
        return batch + 100.0                        # a huge shift: visible in the training loss

    model = classifier()
    loss_fn = nn.CrossEntropyLoss()
    h = fit(model, loss_fn, optim.SGD(model.parameters(), lr=0.0), x, y, epochs=2, batch_size=20,
            generator=np.random.default_rng(0), validation_data=(x, y), transform=transform)
    assert seen == [20, 20, 10, 20, 20, 10]
    model.eval()
    assert h["val_loss"][-1] == float(loss_fn(model(x), y))                 # untransformed
    assert h["loss"][-1] == pytest.approx(float(loss_fn(model(x + 100.0), y)), rel=1e-12)


@pytest.mark.parametrize("kwargs, error, match", [
    ({"y": np.zeros(9, dtype=np.int64)}, ValueError, "x and y"),
    ({"epochs": 0}, ValueError, "epochs"),
    ({"batch_size": 0}, ValueError, "batch_size"),
    ({"generator": 1}, TypeError, "generator"),
    ({"validation_data": (np.zeros((5, 2)), np.zeros(4, dtype=np.int64))}, ValueError, "validation_data"),
    ({"validation_data": np.zeros((5, 2))}, ValueError, "validation_data"),
    ({"early_stopping": EarlyStopping()}, ValueError, "val_loss"),
    ({"early_stopping": EarlyStopping(monitor="val_acc")}, ValueError, "monitor"),
    ({"transform": 3}, TypeError, "transform"),
])
def test_fit_bad_arguments(kwargs, error, match):
    x, y = blobs(10)
    model = classifier()
    args = {"y": y, "epochs": 1, "batch_size": 4, "generator": np.random.default_rng(0), **kwargs}
    before = model.state_dict()
    with pytest.raises(error, match=match):
        fit(model, nn.CrossEntropyLoss(), optim.SGD(model.parameters(), lr=0.1), x, args.pop("y"), **args)
    assert_state_equal(model.state_dict(), before)             # refused before any step


def test_fit_accuracy_monitor_needs_class_targets():
    x, _ = blobs(10)
    reg = nn.Linear(2, 1, dtype=np.float64)
    with pytest.raises(ValueError, match="integer class indices"):
        fit(reg, nn.MSELoss(), optim.SGD(reg.parameters(), lr=0.1), x, x[:, :1], epochs=1, batch_size=4,
            early_stopping=EarlyStopping(monitor="accuracy", mode="max"))
