r"""Adagrad: per-coordinate step sizes from the sum of all past squared gradients."""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from dlref._optim_args import adagrad_state_keys, check_adagrad_group, check_closure
from dlref.numpy.optim.optimizer import Optimizer


class Adagrad(Optimizer):
    r"""Adagrad, as ``torch.optim.Adagrad``: divide each coordinate's step by its
    gradient history.

    For each parameter $\theta$ with gradient $g_t$, at step $t = 1, 2, \dots$:

    $$
    \begin{aligned}
    g_t &\leftarrow g_t + \lambda\,\theta_{t-1} &&
    \text{(L2 penalty, if } \lambda \ne 0)\\
    \tilde\gamma_t &= \frac{\gamma}{1 + (t - 1)\,\eta} &&
    \text{(learning-rate decay } \eta)\\
    s_t &= s_{t-1} + g_t^2 && (s_0 = \text{initial\_accumulator\_value})\\
    \theta_t &= \theta_{t-1} - \tilde\gamma_t\, \frac{g_t}{\sqrt{s_t} + \epsilon}
    \end{aligned}
    $$

    Squares, square roots and divisions are element-wise. A coordinate that has seen
    large gradients takes small steps; since $s_t$ only grows, every step size shrinks
    for ever.

    Args:
        params: `Parameter` objects or parameter-group dicts.
        lr: learning rate $\gamma \ge 0$. Default ``1e-2``.
        lr_decay: $\eta \ge 0$. Default 0.
        weight_decay: $\lambda \ge 0$ (L2 penalty added to the gradient). Default 0.
        initial_accumulator_value: $s_0 \ge 0$, the starting value of every entry of the
            sum. Default 0.
        eps: $\epsilon \ge 0$, added to $\sqrt{s_t}$ to avoid dividing by 0. Default
            ``1e-10``.
        maximize: ascend the objective instead of descending it.

    State per parameter: ``"step"`` $t$ and ``"sum"`` $s_t$. As in torch, the state of
    every parameter is created by the constructor (so ``state_dict()`` holds it before
    the first step), and $s_0$ is the constructor's ``initial_accumulator_value`` for
    every group: a group's own ``initial_accumulator_value`` is not used.

    PyTorch equivalent: ``torch.optim.Adagrad(params, lr=1e-2, lr_decay=0,
    weight_decay=0, initial_accumulator_value=0, eps=1e-10, *, maximize=False)``.

    Differences from PyTorch: no ``foreach``, ``fused``, ``differentiable``, and no
    sparse gradients; NaN hyperparameters are refused; flags must be bools; parameters,
    gradients and state dicts are checked as `Optimizer` says.

    References:
        Duchi, J., Hazan, E., Singer, Y. (2011). Adaptive Subgradient Methods for Online
        Learning and Stochastic Optimization. JMLR 12.
        <https://jmlr.org/papers/v12/duchi11a.html>.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ):
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "eps": eps,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "maximize": maximize,
        }
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _check_group(self, group: dict) -> None:
        check_adagrad_group(group)

    def _init_state(self, p) -> dict:
        # s_0 = initial_accumulator_value (the constructor's, as in torch)
        s_0 = np.full_like(p.data, self.defaults["initial_accumulator_value"])
        self.state[p] = {"step": 0, "sum": s_0}
        return self.state[p]

    _state_keys = staticmethod(adagrad_state_keys)

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
                lr, eta, eps = group["lr"], group["lr_decay"], group["eps"]
                lam = group["weight_decay"]
                for p in self._params_with_grad(group):
                    state = self.state.get(p) or self._init_state(p)
                    theta = p.data
                    g = -p.grad if group["maximize"] else p.grad
                    state["step"] += 1
                    t = state["step"]
                    if lam != 0:
                        # g_t <- g_t + lambda theta_{t-1}
                        g = g + lam * theta
                    # lr_t = lr / (1 + (t - 1) eta)
                    lr_t = lr / (1 + (t - 1) * eta)
                    # s_t = s_{t-1} + g_t^2
                    s = state["sum"] = state["sum"] + g * g
                    # theta_t = theta_{t-1} - lr_t g_t / (sqrt(s_t) + eps)
                    theta -= lr_t * (g / (np.sqrt(s) + eps))
        return loss
