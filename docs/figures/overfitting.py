"""Figures of the overfitting page (docs/regularization/overfitting.md), made at build time.

* ``fig_polynomial``: polynomials of degree 1, 4 and 14 fitted to 15 noisy samples of a sine.
* ``fig_bias_variance``: bias², variance, noise and test error of those fits against the
  degree, over 2000 training sets.
* ``fig_learning_curves``: per-epoch training and validation loss and accuracy of a too-big
  MLP on 200 digits, with clean labels and with 20% of the labels wrong.
* ``fig_remedies``: final training accuracy, test accuracy and gap of that MLP (noisy labels)
  with weight decay, dropout, early stopping and input-noise augmentation, against the baseline.
* ``fig_sample_size``: training and test accuracy against the number of training samples.
"""

from __future__ import annotations

from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
from numpy.polynomial import legendre
from sklearn.datasets import load_digits

from dlref.data import augment, train_test_split
from dlref.numpy import nn, optim
from dlref.training import EarlyStopping, accuracy, fit

SIGMA = 0.3          # noise of the sine samples
N_POINTS = 15        # training points of the polynomial fits


def f(x):
    return np.sin(2 * np.pi * x)


def _bias_variance(degrees, n_sets=2000, seed=0):
    """Bias², variance and test MSE of least-squares polynomials, fixed x, fresh noise each set."""
    rng = np.random.default_rng(seed)
    x, grid = np.linspace(0, 1, N_POINTS), np.linspace(0, 1, 201)
    Y = f(x)[:, None] + SIGMA * rng.standard_normal((N_POINTS, n_sets))        # (n, sets)
    rows = []
    for d in degrees:
        V, G = legendre.legvander(2 * x - 1, d), legendre.legvander(2 * grid - 1, d)
        coef = np.linalg.lstsq(V, Y, rcond=None)[0]                          # (d+1, sets)
        pred = G @ coef                                                      # (grid, sets)
        bias2 = np.mean((pred.mean(axis=1) - f(grid)) ** 2)
        variance = np.mean(pred.var(axis=1))
        y_new = f(grid)[:, None] + SIGMA * rng.standard_normal(pred.shape)
        rows.append((bias2, variance, np.mean((pred - y_new) ** 2), np.mean((V @ coef - Y) ** 2)))
    return np.array(rows)


def fig_polynomial():
    rng = np.random.default_rng(0)
    x = np.linspace(0, 1, N_POINTS)
    y = f(x) + SIGMA * rng.standard_normal(N_POINTS)
    x_test = rng.uniform(0, 1, 10000)
    y_test = f(x_test) + SIGMA * rng.standard_normal(10000)
    grid = np.linspace(0, 1, 400)
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.6), sharey=True)
    for ax, (deg, name) in zip(axes, [(1, "underfit"), (4, "about right"), (14, "overfit")]):
        p = np.polynomial.Polynomial.fit(x, y, deg=deg)
        ax.plot(grid, f(grid), color="0.6", lw=1.5, ls="--", label="true $f(x) = \\sin 2\\pi x$")
        ax.plot(grid, p(grid), color="tab:blue", lw=2, label=f"degree {deg}")
        ax.scatter(x, y, color="black", s=18, zorder=3, label="15 training points")
        train = np.mean((p(x) - y) ** 2)
        test = np.mean((p(x_test) - y_test) ** 2)
        ax.set(title=f"degree {deg} ({name})\ntrain MSE {train:.3f}, test MSE {test:.3f}",
               xlabel="$x$", ylim=(-2, 2))
    axes[0].set_ylabel("$y$")
    axes[0].legend(loc="lower left", fontsize=8)
    fig.tight_layout()
    return fig


def fig_bias_variance():
    degrees = np.arange(N_POINTS)
    rows = _bias_variance(degrees)
    fig, ax = plt.subplots(figsize=(7, 4.2))
    ax.semilogy(degrees, rows[:, 0], "o-", label="bias$^2$")
    ax.semilogy(degrees, rows[:, 1], "s-", label="variance")
    ax.semilogy(degrees, np.full(len(degrees), SIGMA ** 2), "--", color="0.5", label="noise $\\sigma^2$")
    ax.semilogy(degrees, rows[:, 2], "k-", lw=2.5, label="test MSE (measured)")
    ax.semilogy(degrees, rows[:, 3], "^:", color="tab:green", label="training MSE")
    best = degrees[np.argmin(rows[:, 2])]
    ax.axvline(best, color="tab:red", lw=1, alpha=0.6)
    ax.annotate(f"lowest test error:\ndegree {best}", (best, 2), xytext=(best + 0.4, 2), fontsize=9, color="tab:red")
    ax.set(xlabel="polynomial degree (model capacity)", ylabel="mean squared error", ylim=(1e-4, 1e2),
           title="Bias, variance and test error over 2000 training sets of 15 points")
    ax.legend(fontsize=8, loc="upper left", ncol=2)
    fig.tight_layout()
    return fig


# -- the MLP on a small subset of digits --------------------------------------------------


def digits(noise=0.2, n_train=200, seed=0):
    """200 training digits (a fraction ``noise`` of their labels replaced by a wrong class),
    500 validation and 1097 test digits with their true labels; pixels scaled to [0, 1]."""
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    x_train, x_rest, y_train, y_rest = train_test_split(X, y, train_size=n_train, random_state=seed, stratify=y)
    x_val, x_test, y_val, y_test = train_test_split(x_rest, y_rest, train_size=500, random_state=seed,
                                                    stratify=y_rest)
    rng = np.random.default_rng(seed + 100)
    wrong = np.zeros(n_train, dtype=bool)
    wrong[rng.choice(n_train, size=round(noise * n_train), replace=False)] = True
    y_train = y_train.copy()
    y_train[wrong] = (y_train[wrong] + rng.integers(1, 10, wrong.sum())) % 10   # a different class
    return x_train, y_train, x_val, y_val, x_test, y_test, wrong


def mlp(generator, width=128, p=0.0):
    """64 -> 128 -> 128 -> 10 with ReLU (26,122 parameters), dropout after each hidden layer if p > 0."""
    layers = [nn.Linear(64, width, generator=generator), nn.ReLU()]
    layers += [nn.Dropout(p, generator=generator)] if p else []
    layers += [nn.Linear(width, width, generator=generator), nn.ReLU()]
    layers += [nn.Dropout(p, generator=generator)] if p else []
    return nn.Sequential(*layers, nn.Linear(width, 10, generator=generator))


def n_parameters(model):
    return sum(p.data.size for p in model.parameters())


@lru_cache(maxsize=None)
def train_run(noise=0.2, weight_decay=0.0, p=0.0, patience=None, sigma=None, epochs=60):
    """Train the MLP with one remedy; return (history, train acc, test acc, memorized fraction, epochs)."""
    x_train, y_train, x_val, y_val, x_test, y_test, wrong = digits(noise)
    g = np.random.default_rng(0)
    model = mlp(g, p=p)
    optimizer = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=weight_decay)
    stopper = EarlyStopping(patience=patience) if patience else None
    transform = (lambda xb: augment.gaussian_noise(xb, sigma=sigma, generator=g)) if sigma else None
    history = fit(model, nn.CrossEntropyLoss(), optimizer, x_train, y_train, epochs=epochs, batch_size=32,
                  generator=g, validation_data=(x_val, y_val), early_stopping=stopper, transform=transform)
    model.eval()
    predicted = model(x_train).argmax(axis=1)
    memorized = float(np.mean(predicted[wrong] == y_train[wrong])) if wrong.any() else float("nan")
    return (history, accuracy(model(x_train), y_train), accuracy(model(x_test), y_test), memorized,
            len(history["loss"]))


def fig_learning_curves():
    fig, axes = plt.subplots(2, 2, figsize=(11, 6.5), sharex=True)
    for col, noise in enumerate([0.0, 0.2]):
        history = train_run(noise=noise)[0]
        epochs = np.arange(1, len(history["loss"]) + 1)
        best = int(np.argmin(history["val_loss"]))
        label = "clean labels" if noise == 0 else "20% of the training labels wrong"
        top, bottom = axes[0, col], axes[1, col]
        top.plot(epochs, history["loss"], label="training loss")
        top.plot(epochs, history["val_loss"], label="validation loss")
        top.axvline(best + 1, color="tab:red", lw=1, ls="--", label=f"lowest validation loss (epoch {best + 1})")
        top.set(title=f"200 digits, {label}", ylabel="cross-entropy", ylim=(0, 2.5))
        bottom.plot(epochs, history["accuracy"], label="training accuracy")
        bottom.plot(epochs, history["val_accuracy"], label="validation accuracy")
        bottom.axvline(best + 1, color="tab:red", lw=1, ls="--")
        gap = history["accuracy"][-1] - history["val_accuracy"][-1]
        bottom.annotate("", xy=(epochs[-1], history["val_accuracy"][-1]), xytext=(epochs[-1], history["accuracy"][-1]),
                        arrowprops={"arrowstyle": "<->", "color": "0.3"})
        bottom.text(epochs[-1] - 1, (history["accuracy"][-1] + history["val_accuracy"][-1]) / 2,
                    f"gap {gap:.2f}", ha="right", va="center", fontsize=9)
        bottom.set(xlabel="epoch", ylabel="accuracy", ylim=(0.3, 1.02))
        top.legend(fontsize=8)
        bottom.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig


REMEDIES = [
    ("baseline", {}),
    ("weight decay\n(AdamW, $\\lambda = 2$)", {"weight_decay": 2.0}),
    ("dropout\n($p = 0.5$)", {"p": 0.5}),
    ("early stopping\n(patience 10)", {"patience": 10}),
    ("augmentation\n(input noise $\\sigma = 0.3$)", {"sigma": 0.3}),
]


def fig_remedies():
    rows = [(name, *train_run(**kwargs)[1:]) for name, kwargs in REMEDIES]
    names = [r[0] for r in rows]
    train, test = np.array([r[1] for r in rows]), np.array([r[2] for r in rows])
    fig, (ax, table_ax) = plt.subplots(2, 1, figsize=(11, 6.2), gridspec_kw={"height_ratios": [2.2, 1]})
    pos = np.arange(len(rows))
    ax.bar(pos - 0.2, train, 0.4, label="training accuracy (on the given, partly wrong labels)")
    ax.bar(pos + 0.2, test, 0.4, label="test accuracy (true labels)")
    for i in range(len(rows)):
        ax.text(pos[i] - 0.2, train[i] + 0.01, f"{train[i]:.3f}", ha="center", fontsize=8)
        ax.text(pos[i] + 0.2, test[i] + 0.01, f"{test[i]:.3f}", ha="center", fontsize=8)
    ax.axhline(0.8, color="0.4", ls=":", lw=1, label="fraction of training labels that are right (0.8)")
    ax.set(xticks=pos, xticklabels=names, ylim=(0.5, 1.08), ylabel="accuracy",
           title="The same MLP, data and seed: 200 digits, 20% wrong labels, 60 epochs at most")
    ax.legend(fontsize=8, loc="upper right")
    table_ax.axis("off")
    cells = [[f"{r[1]:.3f}", f"{r[2]:.3f}", f"{r[1] - r[2]:+.3f}", f"{r[3]:.2f}", str(r[4])] for r in rows]
    table = table_ax.table(cellText=cells, rowLabels=[n.replace("\n", " ") for n in names],
                           colLabels=["train acc.", "test acc.", "gap", "wrong labels memorized", "epochs run"],
                           colWidths=[0.12, 0.12, 0.12, 0.22, 0.12], loc="center right", cellLoc="center")
    table.auto_set_font_size(False)
    table.set_fontsize(9)
    table.scale(1.0, 1.3)
    fig.tight_layout()
    return fig


def fig_sample_size():
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    x_pool, x_test, y_pool, y_test = train_test_split(X, y, test_size=500, random_state=0, stratify=y)
    sizes = [50, 100, 200, 400, 800, 1297]
    train_acc, test_acc = [], []
    for n in sizes:
        if n < len(x_pool):
            x_train, _, y_train, _ = train_test_split(x_pool, y_pool, train_size=n, random_state=0, stratify=y_pool)
        else:
            x_train, y_train = x_pool, y_pool
        g = np.random.default_rng(0)
        model = mlp(g)
        # the same number of gradient steps (about 600 mini-batches of 32) for every size
        epochs = max(1, round(600 * 32 / n))
        fit(model, nn.CrossEntropyLoss(), optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.0),
            x_train, y_train, epochs=epochs, batch_size=32, generator=g)
        model.eval()
        train_acc.append(accuracy(model(x_train), y_train))
        test_acc.append(accuracy(model(x_test), y_test))
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.semilogx(sizes, train_acc, "o-", label="training accuracy")
    ax.semilogx(sizes, test_acc, "s-", label="test accuracy (500 held-out digits)")
    ax.fill_between(sizes, test_acc, train_acc, color="tab:red", alpha=0.12, label="generalization gap")
    for n, a in zip(sizes, test_acc):
        ax.annotate(f"{a:.3f}", (n, a), textcoords="offset points", xytext=(0, -14), ha="center", fontsize=8)
    ax.set(xticks=sizes, xticklabels=[str(s) for s in sizes], xlabel="training samples (log scale)",
           ylabel="accuracy", ylim=(0.7, 1.02),
           title=f"The same MLP ({n_parameters(model):,} parameters), clean labels, ~600 steps each")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    return fig
