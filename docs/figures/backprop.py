"""Figures of the backpropagation page (docs/foundations/backprop.md)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from dlref.numpy.autograd import Tensor
from dlref.testing import numerical_grad


def f(x):
    """The test function f(x) = x^3 / (1 + x^2): only +, * and /, so every result is exactly rounded."""
    return x * x * x / (1 + x * x)


def exact_derivative(x0: float) -> float:
    """f'(x0) by reverse-mode autograd (exact up to float64 rounding)."""
    x = Tensor(x0, requires_grad=True)
    f(x).backward()
    return float(x.grad)


def fig_finite_difference_error():
    """Relative error of finite differences against the autograd derivative, as eps varies."""
    x0 = 0.7
    exact = exact_derivative(x0)
    eps_values = np.logspace(-15, -1, 57)

    def central(dtype, eps):
        return numerical_grad(lambda v: f(v).sum(), np.array([x0], dtype=dtype), eps=eps)[0]

    def forward(eps):
        return (f(x0 + eps) - f(x0)) / eps

    curves = {
        "central, float64": [abs(central(np.float64, e) - exact) / abs(exact) for e in eps_values],
        "forward, float64": [abs(forward(e) - exact) / abs(exact) for e in eps_values],
        "central, float32": [abs(central(np.float32, e) - exact) / abs(exact) for e in eps_values],
    }
    fig, ax = plt.subplots(figsize=(7.5, 4.6))
    styles = {"central, float64": "C0", "forward, float64": "C1", "central, float32": "C3"}
    for label, errors in curves.items():
        errors = np.maximum(np.array(errors), 1e-17)  # an exact hit would be log(0)
        ax.loglog(eps_values, errors, "o-", ms=3, lw=1.2, color=styles[label], label=label)

    # reference slopes through measured points: truncation error ~ eps^2 (central) or eps
    # (forward), rounding error ~ 1/eps
    guide = np.logspace(-6, -1, 2)
    c64 = np.array(curves["central, float64"])
    at = np.argmin(abs(eps_values - 1e-2))
    ax.loglog(guide, c64[at] * (guide / eps_values[at]) ** 2, "k--", lw=0.8)
    ax.text(2e-3, c64[at] * (2e-3 / eps_values[at]) ** 2 / 8, r"$\propto \epsilon^2$ (truncation)", fontsize=9)
    rounding = np.logspace(-15, -9, 2)
    at = np.argmin(abs(eps_values - 1e-13))
    ax.loglog(rounding, c64[at] * eps_values[at] / rounding, "k:", lw=0.8)
    ax.text(1.5e-14, c64[at] * 6, r"$\propto 1/\epsilon$ (rounding)", fontsize=9)

    ax.set_xlabel(r"step $\epsilon$")
    ax.set_ylabel("relative error of the derivative")
    ax.set_title(r"Finite differences of $f(x) = x^3/(1+x^2)$ at $x = 0.7$")
    ax.set_ylim(1e-13, 10)
    ax.legend(loc="lower left")
    return fig
