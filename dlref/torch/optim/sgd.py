r"""SGD from tensor ops, as a ``torch.optim.Optimizer`` subclass.

Never calls ``torch.optim.SGD`` nor torch's functional ``sgd`` helpers: the update is
written out with tensor arithmetic (the tests compare against ``torch.optim.SGD``).
"""

from __future__ import annotations

from typing import Callable, Iterable

import torch

from dlref._checks import check_real


def check_bool(name: str, value) -> None:
    """Raise TypeError unless ``value`` is a bool."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be a bool, got {type(value).__name__}")


class SGD(torch.optim.Optimizer):
    r"""Stochastic gradient descent with optional (Nesterov) momentum, as ``torch.optim.SGD``.

    $$
    \begin{aligned}
    g_t &\leftarrow g_t + \lambda\,\theta_{t-1} && \text{(if } \lambda \ne 0)\\
    b_t &= \begin{cases} g_t & t = 1\\ \mu\, b_{t-1} + (1 - \tau)\, g_t & t > 1\end{cases}
        && \text{(if } \mu \ne 0)\\
    d_t &= g_t + \mu\, b_t \ \text{(nesterov)} \quad\text{or}\quad d_t = b_t\\
    \theta_t &= \theta_{t-1} - \gamma\, d_t
    \end{aligned}
    $$

    Arguments:
        params: tensors (``model.parameters()``) or parameter-group dicts.
        lr: $\gamma \ge 0$. Default ``1e-3``.
        momentum: $\mu \ge 0$. Default 0.
        dampening: $\tau$. Default 0.
        weight_decay: $\lambda \ge 0$. Default 0.
        nesterov: Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        maximize: ascend instead of descend.

    PyTorch equivalent: ``torch.optim.SGD``, with the same state key ``"momentum_buffer"``,
    so state dicts load across the two.

    Differences from PyTorch: no ``foreach``, ``fused``, ``differentiable``, no sparse
    gradients; ``lr`` is a number; hyperparameters of every group are checked.
    """

    def __init__(self, params: Iterable, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False):
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize}
        self._check_group(defaults)
        super().__init__(params, defaults)

    @staticmethod
    def _check_group(group: dict) -> None:
        check_real("lr", group["lr"], low=0.0)
        check_real("momentum", group["momentum"], low=0.0)
        check_real("dampening", group["dampening"])
        check_real("weight_decay", group["weight_decay"], low=0.0)
        check_bool("nesterov", group["nesterov"])
        check_bool("maximize", group["maximize"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                "nesterov=True requires momentum > 0 and dampening = 0, "
                f"got momentum={group['momentum']} and dampening={group['dampening']}"
            )

    def add_param_group(self, param_group: dict) -> None:
        """As ``torch.optim.Optimizer.add_param_group``, after checking the group's hyperparameters."""
        self._check_group({**self.defaults, **param_group})
        super().add_param_group(param_group)

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None):
        """One update of every parameter that has a gradient; returns ``closure()`` if given."""
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
