r"""SGD from tensor ops, as a ``torch.optim.Optimizer`` subclass.

Never calls ``torch.optim.SGD`` nor torch's functional ``sgd`` helpers: the update is
written out with tensor arithmetic (the tests compare against ``torch.optim.SGD``).
"""

from __future__ import annotations

from typing import Callable, Iterable

import torch

from dlref._optim_args import check_closure, check_sgd_group
from dlref.torch.optim.optimizer import _CheckedOptimizer


class SGD(_CheckedOptimizer):
    r"""Stochastic gradient descent with optional (Nesterov) momentum, as
    ``torch.optim.SGD``.

    $$
    \begin{aligned}
    g_t &\leftarrow g_t + \lambda\,\theta_{t-1} && \text{(if } \lambda \ne 0)\\
    b_t &= \begin{cases} g_t & t = 1\\ \mu\, b_{t-1} + (1 - \tau)\,
    g_t & t > 1\end{cases}
        && \text{(if } \mu \ne 0)\\
    d_t &= g_t + \mu\, b_t \ \text{(nesterov)} \quad\text{or}\quad d_t = b_t\\
    \theta_t &= \theta_{t-1} - \gamma\, d_t
    \end{aligned}
    $$

    Args:
        params: tensors (``model.parameters()``) or parameter-group dicts.
        lr: $\gamma \ge 0$. Default ``1e-3``.
        momentum: $\mu \ge 0$. Default 0.
        dampening: $\tau$. Default 0.
        weight_decay: $\lambda \ge 0$. Default 0.
        nesterov: Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        maximize: ascend instead of descend.

    PyTorch equivalent: ``torch.optim.SGD``, with the same state key
    ``"momentum_buffer"``, so state dicts load across the two.

    Differences from PyTorch: no ``foreach``, ``fused``, ``differentiable``, no sparse
    gradients; ``lr`` is a number; hyperparameters of every group are checked (torch
    checks only the constructor's), NaN ones are refused and flags must be bools. A
    parameter listed twice is refused (torch warns, then updates it twice per step), and
    so are complex and integer parameters and non-leaf tensors. ``load_state_dict``
    first checks that the state dict fits: as many groups and parameters, every
    hyperparameter valid, the state entries ``step`` reads, of the parameters' shapes,
    and no state for a parameter no group holds (torch drops that one silently, and
    fails on the others at the next step, if at all). Every such error names the
    argument.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ):
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    _check_group = staticmethod(check_sgd_group)

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
            lr, mu, tau = group["lr"], group["momentum"], group["dampening"]
            lam = group["weight_decay"]
            for theta in group["params"]:
                if theta.grad is None:
                    continue
                g = -theta.grad if group["maximize"] else theta.grad
                if lam != 0:
                    # g_t <- g_t + lambda theta_{t-1}
                    g = g + lam * theta
                if mu != 0:
                    state = self.state[theta]
                    b = state.get("momentum_buffer")
                    if b is None:
                        # b_1 = g_1
                        b = g.clone()
                    else:
                        # b_t = mu b_{t-1} + (1 - tau) g_t
                        b = mu * b + (1 - tau) * g
                    state["momentum_buffer"] = b
                    # d_t = g_t + mu b_t (Nesterov), else d_t = b_t
                    g = g + mu * b if group["nesterov"] else b
                # theta_t = theta_{t-1} - lr d_t
                theta.sub_(lr * g)
        return loss
