r"""Adagrad from tensor ops, as a ``torch.optim.Optimizer`` subclass.

Never calls ``torch.optim.Adagrad`` nor torch's functional ``adagrad`` helpers: the
update is written out with tensor arithmetic (the tests compare against
``torch.optim.Adagrad``).
"""

from __future__ import annotations

from typing import Callable, Iterable

import torch

from dlref._optim_args import adagrad_state_keys, check_adagrad_group, check_closure
from dlref.torch.optim.optimizer import _CheckedOptimizer


class Adagrad(_CheckedOptimizer):
    r"""Adagrad, as ``torch.optim.Adagrad``: divide each coordinate's step by its
    gradient history.

    $$
    \begin{aligned}
    g_t &\leftarrow g_t + \lambda\,\theta_{t-1} && \text{(if } \lambda \ne 0)\\
    \tilde\gamma_t &= \frac{\gamma}{1 + (t - 1)\,\eta}\\
    s_t &= s_{t-1} + g_t^2 && (s_0 = \text{initial\_accumulator\_value})\\
    \theta_t &= \theta_{t-1} - \tilde\gamma_t\, \frac{g_t}{\sqrt{s_t} + \epsilon}
    \end{aligned}
    $$

    Args:
        params: tensors or parameter-group dicts.
        lr: $\gamma \ge 0$. Default ``1e-2``.
        lr_decay: $\eta \ge 0$. Default 0.
        weight_decay: $\lambda \ge 0$. Default 0.
        initial_accumulator_value: $s_0 \ge 0$. Default 0.
        eps: $\epsilon \ge 0$. Default ``1e-10``.
        maximize: ascend instead of descend.

    State per parameter: ``"step"`` (a 0-d float tensor, as torch keeps it) and
    ``"sum"`` $s_t$. As in torch, the state of every parameter exists from the
    constructor on, and $s_0$ is the constructor's ``initial_accumulator_value`` in
    every group.

    PyTorch equivalent: ``torch.optim.Adagrad``, with the same state keys, so state
    dicts load across the two.

    Differences from PyTorch: no ``foreach``, ``fused``, ``differentiable``, no sparse
    or complex gradients; ``lr`` is a number; hyperparameters of every group are
    checked; parameters of a group added later get their state too (torch's step fails
    on them). Parameters and state dicts are checked as for `SGD`.

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

    _check_group = staticmethod(check_adagrad_group)
    _state_keys = staticmethod(adagrad_state_keys)

    def add_param_group(self, param_group: dict) -> None:
        """As ``torch.optim.Optimizer.add_param_group``; the new parameters get their
        state at once."""
        super().add_param_group(param_group)
        for theta in self.param_groups[-1]["params"]:
            # t = 0, s_0 = initial_accumulator_value (the constructor's, as in torch)
            self.state[theta]["step"] = torch.tensor(0.0)
            self.state[theta]["sum"] = torch.full_like(
                theta, self.defaults["initial_accumulator_value"]
            )

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
            lr, eta, eps = group["lr"], group["lr_decay"], group["eps"]
            lam = group["weight_decay"]
            for theta in group["params"]:
                if theta.grad is None:
                    continue
                state = self.state[theta]
                g = -theta.grad if group["maximize"] else theta.grad
                state["step"] += 1
                t = state["step"].item()
                if lam != 0:
                    # g_t <- g_t + lambda theta_{t-1}
                    g = g + lam * theta
                # lr_t = lr / (1 + (t - 1) eta)
                lr_t = lr / (1 + (t - 1) * eta)
                # s_t = s_{t-1} + g_t^2
                s = state["sum"] = state["sum"] + g * g
                # theta_t = theta_{t-1} - lr_t g_t / (sqrt(s_t) + eps)
                theta.sub_(lr_t * (g / (s.sqrt() + eps)))
        return loss
