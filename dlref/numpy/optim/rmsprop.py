r"""RMSprop: per-coordinate step sizes from a moving average of squared gradients."""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from dlref._optim_args import check_closure, check_rmsprop_group, rmsprop_state_keys
from dlref.numpy.optim.optimizer import Optimizer


class RMSprop(Optimizer):
    r"""RMSprop, as ``torch.optim.RMSprop``: divide each step by a running RMS of the
    gradient.

    For each parameter $\theta$ with gradient $g_t$:

    $$
    \begin{aligned}
    g_t &\leftarrow g_t + \lambda\,\theta_{t-1} &&
    \text{(L2 penalty, if } \lambda \ne 0)\\
    v_t &= \alpha\, v_{t-1} + (1 - \alpha)\, g_t^2 && (v_0 = 0)\\
    \bar g_t &= \alpha\, \bar g_{t-1} + (1 - \alpha)\,
    g_t && \text{(centered only; } \bar g_0 = 0)\\
    r_t &= \sqrt{v_t} + \epsilon \quad\text{or, centered,}\quad r_t =
    \sqrt{v_t - \bar g_t^2} + \epsilon\\
    b_t &= \mu\, b_{t-1} + g_t / r_t && \text{(if } \mu > 0;\ b_0 = 0)\\
    \theta_t &= \theta_{t-1} - \gamma\, b_t \quad\text{or, without momentum,}\quad
        \theta_t = \theta_{t-1} - \gamma\, g_t / r_t
    \end{aligned}
    $$

    $\alpha$ is the *decay of the moving average* $v_t$ of squared gradients: it sets
    how many recent steps ($\approx 1/(1-\alpha)$) the estimate of the gradient's scale
    remembers. It changes the size of each coordinate's step, not the objective: it is
    not a regularizer (weight decay is $\lambda$). Unlike Adam, $v_t$ is not
    bias-corrected, so the first steps are larger than $\gamma$ (about
    $\gamma/\sqrt{1-\alpha}$ at $t = 1$).

    Args:
        params: `Parameter` objects or parameter-group dicts.
        lr: learning rate $\gamma \ge 0$. Default ``1e-2``.
        alpha: smoothing constant $\alpha \in [0, 1]$. Default 0.99.
        eps: $\epsilon \ge 0$, added to the root (outside it). Default ``1e-8``.
        weight_decay: $\lambda \ge 0$ (L2 penalty added to the gradient). Default 0.
        momentum: $\mu \ge 0$. Default 0.
        centered: divide by an estimate of the gradient's standard deviation instead of
            its root mean square.
        maximize: ascend the objective instead of descending it.

    State per parameter: ``"step"``, ``"square_avg"`` $v_t$, ``"momentum_buffer"`` $b_t$
    (when ``momentum > 0``), ``"grad_avg"`` $\bar g_t$ (when ``centered``).

    PyTorch equivalent: ``torch.optim.RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8,
    weight_decay=0, momentum=0, centered=False, maximize=False)``.

    Differences from PyTorch: ``alpha > 1`` is refused (torch accepts it, and $v_t$ then
    turns negative and the step NaN). With ``centered=True``, $v_t - \bar g_t^2$ is a
    variance and cannot be negative, but rounding can make it so when the gradient
    barely varies (always with ``alpha=0``); it is clipped at 0 here, where torch can
    return NaN. No ``capturable``, ``foreach``, ``differentiable``; NaN hyperparameters
    are refused; flags must be bools; parameters, gradients and state dicts are checked
    as `Optimizer` says.

    References:
        Tieleman, T., Hinton, G. (2012). Lecture 6.5, rmsprop: Divide the gradient by a
        running average of its recent magnitude. COURSERA: Neural Networks for Machine
        Learning.
        <https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf>.
        Graves, A. (2013). Generating Sequences With Recurrent Neural Networks (the
        centered variant). <https://arxiv.org/abs/1308.0850>.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ):
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "alpha": alpha,
            "eps": eps,
            "centered": centered,
            "weight_decay": weight_decay,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: dict) -> None:
        check_rmsprop_group(group)

    _state_keys = staticmethod(rmsprop_state_keys)

    def step(self, closure: Callable[[], float] | None = None):
        """One update of every parameter that has a gradient; returns ``closure()`` if
        given."""
        check_closure(closure)
        loss = closure() if closure is not None else None
        self._check_grads()
        # an inf gradient or learning rate gives inf - inf = NaN
        # (and a huge one overflows to inf), as in torch:
        # silently, since it is the input's value and not a fault of the update
        with np.errstate(invalid="ignore", over="ignore"):
            for group in self.param_groups:
                lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
                lam, mu = group["weight_decay"], group["momentum"]
                for p in self._params_with_grad(group):
                    theta = p.data
                    state = self.state.setdefault(p, {})
                    if not state:
                        # v_0 = 0; gbar_0 = 0 and b_0 = 0 are the 0.0 defaults below
                        state["step"] = 0
                        state["square_avg"] = np.zeros_like(theta)
                    g = -p.grad if group["maximize"] else p.grad
                    state["step"] += 1
                    if lam != 0:
                        # g_t <- g_t + lambda theta_{t-1}
                        g = g + lam * theta
                    # v_t = alpha v_{t-1} + (1 - alpha) g_t^2
                    v = state["square_avg"] = (
                        alpha * state["square_avg"] + (1 - alpha) * g * g
                    )
                    if group["centered"]:
                        # gbar_t = alpha gbar_{t-1} + (1 - alpha) g_t
                        g_bar = state["grad_avg"] = (
                            alpha * state.get("grad_avg", 0.0) + (1 - alpha) * g
                        )
                        # r_t = sqrt(v_t - gbar_t^2) + eps
                        # (v_t >= gbar_t^2 exactly; max(., 0) undoes rounding)
                        r = np.sqrt(np.maximum(v - g_bar * g_bar, 0.0)) + eps
                    else:
                        # r_t = sqrt(v_t) + eps
                        r = np.sqrt(v) + eps
                    if mu > 0:
                        # b_t = mu b_{t-1} + g_t / r_t
                        b = state["momentum_buffer"] = (
                            mu * state.get("momentum_buffer", 0.0) + g / r
                        )
                        # theta_t = theta_{t-1} - lr b_t
                        theta -= lr * b
                    else:
                        # theta_t = theta_{t-1} - lr g_t / r_t
                        theta -= lr * (g / r)
        return loss
