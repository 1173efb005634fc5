"""Figures for docs/optimization/optimizers.md, drawn from what dlref's optimizers compute.

Each ``fig_<name>()`` returns a Matplotlib figure; the build writes it to
``figures/optimizers/<name>.svg``.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from dlref.numpy import nn, optim  # noqa: E402
from dlref.training import fit  # noqa: E402

# one constructor per optimizer, taking the parameters and the learning rate
OPTIMIZERS = {
    "SGD": lambda params, lr: optim.SGD(params, lr=lr),
    "SGD, momentum 0.9": lambda params, lr: optim.SGD(params, lr=lr, momentum=0.9),
    "SGD, Nesterov 0.9": lambda params, lr: optim.SGD(params, lr=lr, momentum=0.9, nesterov=True),
    "Adagrad": lambda params, lr: optim.Adagrad(params, lr=lr),
    "RMSprop": lambda params, lr: optim.RMSprop(params, lr=lr),
    "Adam": lambda params, lr: optim.Adam(params, lr=lr),
    "AdamW": lambda params, lr: optim.AdamW(params, lr=lr),
}
COLORS = dict(zip(OPTIMIZERS, ["tab:blue", "tab:orange", "tab:red", "tab:brown", "tab:purple",
                               "tab:green", "tab:olive"]))
STYLES = dict(zip(OPTIMIZERS, ["-", "-", "--", "-", "--", "-", ":"]))


# -- three 2-D test functions, each with its gradient, a start point and a step budget --------

def _quadratic(H):
    def f(p):
        # f(p) = p^T H p / 2 over the last axis
        return 0.5 * np.einsum("...i,ij,...j->...", p, H, p)

    def grad(p):
        # grad f = H p
        return H @ p
    return f, grad


_D = np.diag([1.0, 25.0])                          # curvatures 1 and 25: condition number 25
_R = np.array([[np.cos(np.pi / 4), -np.sin(np.pi / 4)],
               [np.sin(np.pi / 4), np.cos(np.pi / 4)]])   # a 45-degree rotation


def _rosenbrock(p):
    x, y = p[..., 0], p[..., 1]
    # f = (1 - x)^2 + 100 (y - x^2)^2, minimum 0 at (1, 1)
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _rosenbrock_grad(p):
    x, y = p
    return np.array([-2 * (1 - x) - 400 * x * (y - x**2), 200 * (y - x**2)])


PROBLEMS = {
    "quadratic, axis-aligned": (*_quadratic(_D), np.array([-4.0, 1.0]), 100, ((-4.5, 1.5), (-1.5, 1.5))),
    "quadratic, rotated 45°": (*_quadratic(_R @ _D @ _R.T), _R @ np.array([-4.0, 1.0]), 100,
                               ((-4.0, 1.5), (-3.5, 1.5))),
    "Rosenbrock": (_rosenbrock, _rosenbrock_grad, np.array([-1.2, 1.0]), 500, ((-1.6, 1.5), (-0.4, 1.7))),
}


def _run(make, lr, grad, start, steps):
    """The points visited by a dlref optimizer from ``start``; stops early if it diverges."""
    theta = nn.Parameter(start.copy())
    opt = make([theta], lr)
    path = [theta.data.copy()]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            theta.grad = grad(theta.data)
            opt.step()
            if not np.all(np.isfinite(theta.data)) or np.abs(theta.data).max() > 1e3:
                return None
            path.append(theta.data.copy())
    return np.array(path)


# learning rates picked by hand for each problem: stable, and showing each method's character
_QUADRATIC_LRS = {"SGD": 0.06, "SGD, momentum 0.9": 0.01, "SGD, Nesterov 0.9": 0.01, "Adagrad": 0.5,
                  "RMSprop": 0.05, "Adam": 0.1, "AdamW": 0.1}
LEARNING_RATES = {
    "quadratic, axis-aligned": _QUADRATIC_LRS,
    "quadratic, rotated 45°": _QUADRATIC_LRS,
    "Rosenbrock": {"SGD": 0.002, "SGD, momentum 0.9": 0.001, "SGD, Nesterov 0.9": 0.001, "Adagrad": 1.0,
                   "RMSprop": 0.01, "Adam": 0.1, "AdamW": 0.1},
}


def _runs(problem):
    """For each optimizer: its learning rate on ``problem`` and the path it takes."""
    _, grad, start, steps, _ = PROBLEMS[problem]
    return {name: (lr, _run(OPTIMIZERS[name], lr, grad, start, steps))
            for name, lr in LEARNING_RATES[problem].items()}


def fig_trajectories():
    """Paths of every optimizer on the three test functions."""
    families = {"SGD family": ["SGD", "SGD, momentum 0.9", "SGD, Nesterov 0.9"],
                "adaptive family": ["Adagrad", "RMSprop", "Adam", "AdamW"]}
    fig, axes = plt.subplots(len(PROBLEMS), 2, figsize=(11, 13))
    for row, problem in enumerate(PROBLEMS):
        f, _, start, steps, (xlim, ylim) = PROBLEMS[problem]
        runs = _runs(problem)
        xs, ys = np.meshgrid(np.linspace(*xlim, 300), np.linspace(*ylim, 300))
        values = f(np.stack([xs, ys], axis=-1))
        levels = np.logspace(-2, np.log10(values.max()), 14) if problem == "Rosenbrock" else 14
        for col, (family, names) in enumerate(families.items()):
            ax = axes[row, col]
            ax.contour(xs, ys, values, levels=levels, colors="0.8", linewidths=0.7)
            for name in names:
                lr, path = runs[name]
                ax.plot(path[:, 0], path[:, 1], STYLES[name], marker=".", markersize=2, linewidth=1.3,
                        color=COLORS[name], label=f"{name} (lr {lr:.2g})")
            ax.plot(*start, "ko", markersize=4)
            minimum = (1.0, 1.0) if problem == "Rosenbrock" else (0.0, 0.0)
            ax.plot(*minimum, "k*", markersize=10)
            ax.set(xlim=xlim, ylim=ylim, title=f"{problem}: {family}, {steps} steps")
            ax.set_aspect("equal" if problem != "Rosenbrock" else "auto")
            ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def fig_convergence():
    """f(theta_t) against t for every optimizer, at the learning rates of the paths."""
    fig, axes = plt.subplots(1, len(PROBLEMS), figsize=(14, 4))
    for ax, problem in zip(axes, PROBLEMS):
        f = PROBLEMS[problem][0]
        for name, (lr, path) in _runs(problem).items():
            ax.plot(f(path), STYLES[name], color=COLORS[name], linewidth=1.3, label=f"{name} (lr {lr:.2g})")
        ax.set(yscale="log", xlabel="step", ylabel="f (minimum 0)", title=problem)
        ax.legend(fontsize=7)
    fig.tight_layout()
    return fig


# -- training an MLP on the digits ------------------------------------------------------------

TRAINING_RUNS = {
    "SGD, lr 0.1": lambda params: optim.SGD(params, lr=0.1),
    "SGD, lr 0.01, momentum 0.9": lambda params: optim.SGD(params, lr=0.01, momentum=0.9),
    "RMSprop, lr 1e-3": lambda params: optim.RMSprop(params, lr=1e-3),
    "Adam, lr 1e-3": lambda params: optim.Adam(params, lr=1e-3),
    "AdamW, lr 1e-3, weight_decay 1e-2": lambda params: optim.AdamW(params, lr=1e-3, weight_decay=1e-2),
}


def _digits():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_val), y_train, y_val


def _mlp():
    generator = np.random.default_rng(0)
    return nn.Sequential(nn.Linear(64, 64, dtype=np.float64, generator=generator), nn.ReLU(),
                         nn.Linear(64, 10, dtype=np.float64, generator=generator))


def fig_training():
    """Training loss and validation accuracy per epoch: the same MLP, data and batches for each optimizer."""
    X_train, X_val, y_train, y_val = _digits()
    fig, (ax_loss, ax_val) = plt.subplots(1, 2, figsize=(11, 4))
    for (name, make), color in zip(TRAINING_RUNS.items(), ["tab:blue", "tab:orange", "tab:purple",
                                                             "tab:green", "tab:olive"]):
        model = _mlp()
        history = fit(model, nn.CrossEntropyLoss(), make(model.parameters()), X_train, y_train, epochs=10,
                      batch_size=64, generator=np.random.default_rng(0), validation_data=(X_val, y_val))
        epochs = np.arange(1, 11)
        style = "--" if name.startswith("AdamW") else "-"
        ax_loss.plot(epochs, history["loss"], style, marker="o", markersize=3, color=color, label=name)
        ax_val.plot(epochs, history["val_accuracy"], style, marker="o", markersize=3, color=color, label=name)
    ax_loss.set(yscale="log", xlabel="epoch", ylabel="training loss (mean over the epoch)",
                title="Training loss")
    ax_val.set(xlabel="epoch", ylabel="validation accuracy", title="Validation accuracy", ylim=(0.5, 1.0))
    ax_loss.legend(fontsize=8)
    fig.tight_layout()
    return fig


# -- misconception: RMSprop's alpha is not a regularizer --------------------------------------

def _regression(seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(200, 5))
    y = X @ np.array([2.0, -3.0, 1.0, 0.5, 4.0]) + 0.5 * rng.normal(size=200)
    return X, y


def fig_rmsprop_alpha():
    """||w_t|| for several alpha and weight_decay, and where each run ends, coordinate by coordinate."""
    X, y = _regression()
    N = len(y)
    # least squares: argmin mean((Xw - y)^2); with an L2 penalty lam/2 ||w||^2 added, ridge regression
    w_ols = np.linalg.solve(X.T @ X, X.T @ y)
    fig, (ax_norm, ax_final) = plt.subplots(1, 2, figsize=(12, 4.2), gridspec_kw={"width_ratios": [1, 1.3]})
    runs = [(0.5, 0.0, "tab:blue", "-"), (0.9, 0.0, "tab:orange", "-"), (0.99, 0.0, "tab:green", "-"),
            (0.99, 0.1, "tab:red", "--"), (0.99, 1.0, "tab:purple", "--")]
    width = 0.8 / (len(runs) + 1)
    coordinates = np.arange(5)
    ax_final.bar(coordinates, w_ols, width, color="0.6", label="least-squares solution")
    for k, (alpha, weight_decay, color, style) in enumerate(runs, start=1):
        w = nn.Parameter(np.zeros(5))
        opt = optim.RMSprop([w], lr=0.01, alpha=alpha, weight_decay=weight_decay)
        norms = []
        for t in range(3000):
            if t == 2000:
                opt.param_groups[0]["lr"] = 1e-4
            # gradient of the mean squared error mean((Xw - y)^2)
            w.grad = 2 / N * X.T @ (X @ w.data - y)
            opt.step()
            norms.append(np.linalg.norm(w.data))
        label = f"alpha {alpha}, weight_decay {weight_decay}"
        ax_norm.plot(norms, style, color=color, label=label)
        ax_final.bar(coordinates + k * width, w.data, width, color=color, label=label)
        if weight_decay > 0:
            w_ridge = np.linalg.solve(2 / N * X.T @ X + weight_decay * np.eye(5), 2 / N * X.T @ y)
            ax_final.plot(coordinates + k * width, w_ridge, "k_", markersize=7,
                          label="ridge solution for that weight_decay" if weight_decay == 0.1 else None)
    ax_norm.axhline(np.linalg.norm(w_ols), color="0.4", linewidth=0.8)
    ax_norm.annotate("least-squares solution", (3000, np.linalg.norm(w_ols)), fontsize=8,
                     ha="right", va="bottom", color="0.3")
    ax_norm.axvline(2000, color="0.7", linewidth=0.8, linestyle=":")
    ax_norm.set(xlabel="step (lr 0.01, then 1e-4 after the dotted line)", ylabel=r"$\|w_t\|$",
                title="Weight norm during training")
    ax_norm.legend(fontsize=8, loc="lower right")
    ax_final.axhline(0, color="0.4", linewidth=0.8)
    ax_final.set(xticks=coordinates + 0.4 - width / 2, xticklabels=[f"$w_{i + 1}$" for i in coordinates],
                 ylabel="value after 3000 steps", title="Where each run ends")
    ax_final.legend(fontsize=7, loc="upper center")
    fig.tight_layout()
    return fig
