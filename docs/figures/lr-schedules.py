"""Figures for docs/optimization/lr-schedules.md, drawn from what dlref computes.

Each ``fig_<name>()`` returns a Matplotlib figure; the build writes it to
``figures/lr-schedules/<name>.svg``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from dlref.numpy import nn  # noqa: E402
from dlref.numpy.optim import SGD, Adam  # noqa: E402
from dlref.numpy.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, LinearLR, StepLR  # noqa: E402
from dlref.training import fit  # noqa: E402


def _digits():
    """The 8x8 digits, split 75/25 (stratified) and standardized with the training statistics."""
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def _schedule(make, epochs, lr=0.1):
    """The learning rate at epochs 0 .. epochs-1 of the scheduler(s) that ``make(optimizer)`` returns."""
    optimizer = SGD([nn.Parameter(np.zeros(1))], lr=lr)
    schedulers = make(optimizer)
    schedulers = schedulers if isinstance(schedulers, list) else [schedulers]
    lrs = []
    for _ in range(epochs):
        lrs.append(optimizer.param_groups[0]["lr"])
        for scheduler in schedulers:
            scheduler.step()
    return np.array(lrs)


class _Chain:
    """Step several schedulers of one optimizer together (what torch's ChainedScheduler does)."""

    def __init__(self, *schedulers):
        self.schedulers = schedulers

    def step(self):
        for scheduler in self.schedulers:
            scheduler.step()


def fig_schedules():
    """The four schedulers over 100 epochs from lr 0.1, warm-up + cosine, and cosine past T_max."""
    epochs = 100
    t = np.arange(epochs)
    curves = [
        ("StepLR(step_size=30, gamma=0.1)", lambda o: StepLR(o, step_size=30, gamma=0.1)),
        ("ExponentialLR(gamma=0.96)", lambda o: ExponentialLR(o, gamma=0.96)),
        ("CosineAnnealingLR(T_max=100)", lambda o: CosineAnnealingLR(o, T_max=100)),
        ("LinearLR(start_factor=0.1, total_iters=10)\n+ CosineAnnealingLR(T_max=100)",
         lambda o: [LinearLR(o, start_factor=0.1, total_iters=10), CosineAnnealingLR(o, T_max=100)]),
        ("LinearLR(start_factor=1, end_factor=0, total_iters=100)",
         lambda o: LinearLR(o, start_factor=1.0, end_factor=0.0, total_iters=100)),
    ]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for label, make in curves:
        left.plot(t, _schedule(make, epochs), lw=2, label=label)
    left.set_title("Schedules from lr = 0.1 (one step per epoch)")
    left.set_xlabel("epoch $t$")
    left.set_ylabel("learning rate $\\eta_t$")
    left.legend(fontsize=7.5, loc="upper right")
    wanted = _schedule(lambda o: CosineAnnealingLR(o, T_max=100), epochs)
    short = _schedule(lambda o: CosineAnnealingLR(o, T_max=25), epochs)
    right.plot(t, wanted, lw=2, label="T_max = 100 = the number of epochs")
    right.plot(t, short, lw=2, label="T_max = 25: climbs back after epoch 25")
    right.axvline(25, color="0.6", lw=0.8, ls="--")
    right.set_title("CosineAnnealingLR past T_max: period 2 T_max")
    right.set_xlabel("epoch $t$")
    right.legend(fontsize=8, loc="upper right")
    fig.tight_layout()
    return fig


def _mlp(seed, width=32):
    g = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(64, width, dtype=np.float64, generator=g), nn.ReLU(),
                         nn.Linear(width, 10, dtype=np.float64, generator=g))


def fig_learning_rate():
    """Training loss and test accuracy per epoch of the digits MLP for learning rates 0.001 .. 3."""
    X_train, X_test, y_train, y_test = _digits()
    epochs = 20
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for lr in (0.001, 0.01, 0.1, 1.0, 1.5, 3.0):
        model = _mlp(0)
        optimizer = SGD(model.parameters(), lr=lr)
        generator = np.random.default_rng(0)
        losses, accuracies = [], []
        for _ in range(epochs):
            history = fit(model, nn.CrossEntropyLoss(), optimizer, X_train, y_train, epochs=1,
                          batch_size=32, generator=generator, validation_data=(X_test, y_test))
            losses.append(history["loss"][0])
            accuracies.append(history["val_accuracy"][0])
            if not losses[-1] < 20:          # diverged: stop before the numbers overflow
                break
        epoch = np.arange(1, len(losses) + 1)
        shown = np.minimum(losses, 20.0)      # a diverged loss is drawn at the top edge
        line, = left.semilogy(epoch, shown, "-o", ms=3, lw=1.5, label=f"lr = {lr}")
        right.plot(epoch, accuracies, "-o", ms=3, lw=1.5, color=line.get_color(), label=f"lr = {lr}")
        if len(losses) < epochs:
            left.annotate(f"lr = {lr}: loss {losses[-1]:.0e} in epoch {len(losses)}, stopped",
                          (epoch[-1], shown[-1]), textcoords="offset points", xytext=(8, -4),
                          fontsize=8, color=line.get_color())
    left.set_title("Training loss (mean over the epoch's mini-batches)")
    left.set_ylim(5e-4, 40)
    right.set_title("Test accuracy")
    for ax in (left, right):
        ax.set_xlabel("epoch")
        ax.set_xlim(0.5, epochs + 0.5)
    left.legend(fontsize=8, ncol=3, loc="lower left")
    right.legend(fontsize=8, loc="center right", ncol=2)
    fig.tight_layout()
    return fig


def fig_decay():
    """Softmax regression with an L2 penalty: distance to the optimum per epoch, constant vs decayed."""
    X_train, _, y_train, _ = _digits()
    lam, epochs, n = 0.01, 20, len(X_train)
    loss_fn = nn.CrossEntropyLoss()

    def objective(model):
        # F(W, b) = mean cross-entropy + lam / 2 ||W||^2
        return float(loss_fn(model(X_train), y_train)) + lam / 2 * float(np.sum(model.weight.data ** 2))

    # the minimum F*: the same convex problem solved by L-BFGS (scikit-learn: C = 1 / (n lam))
    clf = LogisticRegression(C=1 / (n * lam), tol=1e-12, max_iter=10000).fit(X_train, y_train)
    best = nn.Linear(64, 10, dtype=np.float64)
    best.weight.data[...], best.bias.data[...] = clf.coef_, clf.intercept_
    F_star = objective(best)

    runs = [
        ("constant 0.5", 0.5, None),
        ("constant 0.05", 0.05, None),
        ("StepLR(5, 0.3) from 0.5", 0.5, lambda o: StepLR(o, step_size=5, gamma=0.3)),
        ("ExponentialLR(0.8) from 0.5", 0.5, lambda o: ExponentialLR(o, gamma=0.8)),
        ("CosineAnnealingLR(20) from 0.5", 0.5, lambda o: CosineAnnealingLR(o, T_max=epochs)),
    ]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4), gridspec_kw={"width_ratios": [3, 2]})
    for label, lr, make in runs:
        model = nn.Linear(64, 10, dtype=np.float64, generator=np.random.default_rng(0))
        optimizer = SGD([{"params": [model.weight], "weight_decay": lam}, {"params": [model.bias]}], lr=lr)
        scheduler = make(optimizer) if make else None
        generator = np.random.default_rng(0)
        gaps, lrs = [], []
        for _ in range(epochs):
            lrs.append(optimizer.param_groups[0]["lr"])
            fit(model, loss_fn, optimizer, X_train, y_train, epochs=1, batch_size=32,
                generator=generator, scheduler=scheduler)
            gaps.append(objective(model) - F_star)
        line, = left.semilogy(np.arange(1, epochs + 1), gaps, "-o", ms=3, lw=1.5, label=label)
        right.step(np.arange(1, epochs + 1), lrs, where="mid", lw=2, color=line.get_color(), label=label)
    left.set_title("Excess training objective $F(\\theta) - F^*$ after each epoch")
    left.set_xlabel("epoch")
    left.legend(fontsize=8)
    right.set_title("The learning rate during each epoch")
    right.set_xlabel("epoch")
    fig.tight_layout()
    return fig


def fig_warmup():
    """Adam on a deeper MLP: cosine decay with and without a linear warm-up, at two peak rates."""
    X_train, X_test, y_train, y_test = _digits()
    epochs = 15
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for peak, style in ((0.01, ":"), (0.1, "-")):
        for warm in (False, True):
            g = np.random.default_rng(0)
            model = nn.Sequential(nn.Linear(64, 64, dtype=np.float64, generator=g), nn.ReLU(),
                                  nn.Linear(64, 64, dtype=np.float64, generator=g), nn.ReLU(),
                                  nn.Linear(64, 10, dtype=np.float64, generator=g))
            optimizer = Adam(model.parameters(), lr=peak)
            schedulers = [CosineAnnealingLR(optimizer, T_max=epochs)]
            if warm:
                schedulers.insert(0, LinearLR(optimizer, start_factor=0.01, total_iters=5))
            history = fit(model, nn.CrossEntropyLoss(), optimizer, X_train, y_train, epochs=epochs,
                          batch_size=32, generator=np.random.default_rng(0),
                          validation_data=(X_test, y_test), scheduler=_Chain(*schedulers))
            label = f"peak {peak}, " + ("warm-up 5 epochs + cosine" if warm else "cosine, no warm-up")
            color = "C1" if warm else "C0"
            epoch = np.arange(1, epochs + 1)
            left.semilogy(epoch, history["loss"], style, color=color, lw=2, label=label)
            right.plot(epoch, history["val_accuracy"], style, color=color, lw=2, label=label)
    left.set_title("Adam, training loss")
    right.set_title("Adam, test accuracy")
    for ax in (left, right):
        ax.set_xlabel("epoch")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
