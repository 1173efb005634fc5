r"""RMSprop from tensor ops, as a ``torch.optim.Optimizer`` subclass.

Never calls ``torch.optim.RMSprop`` nor torch's functional ``rmsprop`` helpers: the
update is written out with tensor arithmetic (the tests compare against
``torch.optim.RMSprop``).
"""

from __future__ import annotations

from typing import Callable, Iterable

import torch

from dlref._optim_args import check_closure, check_rmsprop_group, rmsprop_state_keys
from dlref.torch.optim.optimizer import _CheckedOptimizer


class RMSprop(_CheckedOptimizer):
    r"""RMSprop, as ``torch.optim.RMSprop``: divide each step by a running RMS of the
    gradient.

    $$
    \begin{aligned}
    g_t &\leftarrow g_t + \lambda\,\theta_{t-1} && \text{(if } \lambda \ne 0)\\
    v_t &= \alpha\, v_{t-1} + (1 - \alpha)\, g_t^2\\
    \bar g_t &= \alpha\, \bar g_{t-1} + (1 - \alpha)\, g_t && \text{(centered only)}\\
    r_t &= \sqrt{v_t} + \epsilon \quad\text{or, centered,}\quad r_t =
    \sqrt{v_t - \bar g_t^2} + \epsilon\\
    b_t &= \mu\, b_{t-1} + g_t / r_t && \text{(if } \mu > 0)\\
    \theta_t &= \theta_{t-1} - \gamma\, b_t \quad\text{or, without momentum,}\quad
        \theta_t = \theta_{t-1} - \gamma\, g_t / r_t
    \end{aligned}
    $$

    with $v_0 = \bar g_0 = b_0 = 0$. No bias correction: the first step is about
    $\gamma / \sqrt{1 - \alpha}$ per coordinate.

    Args:
        params: tensors or parameter-group dicts.
        lr: $\gamma \ge 0$. Default ``1e-2``.
        alpha: smoothing constant $\alpha \in [0, 1]$. Default 0.99.
        eps: $\epsilon \ge 0$, added outside the root. Default ``1e-8``.
        weight_decay: $\lambda \ge 0$. Default 0.
        momentum: $\mu \ge 0$. Default 0.
        centered: divide by an estimate of the gradient's standard deviation.
        maximize: ascend instead of descend.

    State per parameter: ``"step"`` (a 0-d float tensor), ``"square_avg"`` $v_t$,
    ``"momentum_buffer"`` $b_t$ (if ``momentum > 0``), ``"grad_avg"`` $\bar g_t$ (if
    ``centered``), created at the first step as torch does.

    PyTorch equivalent: ``torch.optim.RMSprop``, with the same state keys, so state
    dicts load across the two.

    Differences from PyTorch: ``alpha > 1`` is refused (torch takes it, and $v_t$ turns
    negative). With ``centered=True``, $v_t - \bar g_t^2$ is clipped at 0 before the
    root, where rounding can make it negative and torch returns NaN (always with
    ``alpha=0``). No ``foreach``, ``capturable``, ``differentiable``, no complex
    parameters; ``lr`` is a number; hyperparameters of every group are checked.
    Parameters and state dicts are checked as for `SGD`.

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

    _check_group = staticmethod(check_rmsprop_group)
    _state_keys = staticmethod(rmsprop_state_keys)

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None):
        """One update of every parameter that has a gradient; returns ``closure()`` if
        given."""
        check_closure(closure)
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
            lam, mu = group["weight_decay"], group["momentum"]
            for theta in group["params"]:
                if theta.grad is None:
                    continue
                state = self.state[theta]
                if not state:
                    # v_0 = 0, b_0 = 0, gbar_0 = 0
                    state["step"] = torch.tensor(0.0)
                    state["square_avg"] = torch.zeros_like(theta)
                    if mu > 0:
                        state["momentum_buffer"] = torch.zeros_like(theta)
                    if group["centered"]:
                        state["grad_avg"] = torch.zeros_like(theta)
                g = -theta.grad if group["maximize"] else theta.grad
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
                        alpha * state["grad_avg"] + (1 - alpha) * g
                    )
                    # r_t = sqrt(v_t - gbar_t^2) + eps
                    # (v_t >= gbar_t^2 exactly; clamp undoes rounding)
                    r = (v - g_bar * g_bar).clamp(min=0).sqrt() + eps
                else:
                    # r_t = sqrt(v_t) + eps
                    r = v.sqrt() + eps
                if mu > 0:
                    # b_t = mu b_{t-1} + g_t / r_t
                    b = state["momentum_buffer"] = mu * state["momentum_buffer"] + g / r
                    # theta_t = theta_{t-1} - lr b_t
                    theta.sub_(lr * b)
                else:
                    # theta_t = theta_{t-1} - lr g_t / r_t
                    theta.sub_(lr * (g / r))
        return loss
