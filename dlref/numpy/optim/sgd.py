r"""Stochastic gradient descent, with momentum, dampening, Nesterov momentum and weight
decay."""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from dlref._optim_args import check_closure, check_sgd_group
from dlref.numpy.optim.optimizer import Optimizer


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with (Nesterov) momentum, as
    ``torch.optim.SGD``.

    For each parameter $\theta$ with gradient $g_t$ (the gradient of whatever loss the
    backward pass computed: one mini-batch makes it *stochastic*):

    $$
    \begin{aligned}
    g_t &\leftarrow g_t + \lambda\,\theta_{t-1} &&
    \text{(L2 penalty, if } \lambda \ne 0)\\
    b_t &= \begin{cases} g_t & t = 1\\ \mu\, b_{t-1} + (1 - \tau)\,
    g_t & t > 1\end{cases}
        && \text{(momentum buffer, if } \mu \ne 0)\\
    d_t &= \begin{cases} g_t + \mu\, b_t & \text{nesterov}\\ b_t &
    \text{otherwise}\end{cases}\\
    \theta_t &= \theta_{t-1} - \gamma\, d_t
    \end{aligned}
    $$

    With $\mu = 0$, $d_t = g_t$: plain gradient descent. ``maximize=True`` uses $-g_t$.

    Args:
        params: `Parameter` objects (e.g. ``model.parameters()``) or parameter-group
            dicts.
        lr: learning rate $\gamma \ge 0$. Default ``1e-3`` (torch 2.x's default).
        momentum: momentum factor $\mu \ge 0$. Default 0 (no buffer is kept).
        dampening: $\tau$, scales the new gradient in the buffer by $1 - \tau$ (not on
            the first step). Default 0.
        weight_decay: $\lambda \ge 0$, the coefficient of the L2 penalty
            $\tfrac{\lambda}{2}\lVert\theta\rVert^2$ added to the gradient. Default 0.
        nesterov: use Nesterov momentum (needs ``momentum > 0`` and ``dampening == 0``).
        maximize: ascend the objective instead of descending it.

    State per parameter: ``"momentum_buffer"`` $b_t$ (only when ``momentum != 0``).

    PyTorch equivalent: ``torch.optim.SGD(params, lr=1e-3, momentum=0, dampening=0,
    weight_decay=0, nesterov=False, *, maximize=False)``; the same state keys, and the
    same trajectory to rounding.

    Differences from PyTorch: ``foreach``, ``fused`` and ``differentiable`` (speed and
    autograd options) do not exist; ``lr`` is a number, not a tensor; NaN
    hyperparameters are refused (torch's SGD takes a NaN ``lr``, ``momentum`` or
    ``weight_decay``); flags must be bools, and ``dampening`` a number even without
    momentum; parameters, gradients and state dicts are checked as `Optimizer` says.

    References:
        Robbins, H., Monro, S. (1951). A Stochastic Approximation Method.
        <https://doi.org/10.1214/aoms/1177729586>.
        Polyak, B. T. (1964). Some methods of speeding up the convergence of iteration
        methods. <https://doi.org/10.1016/0041-5553(64)90137-5>.
        Sutskever, I., Martens, J., Dahl, G., Hinton, G. (2013). On the importance of
        initialization and momentum in deep learning. ICML.
        <https://proceedings.mlr.press/v28/sutskever13.html>.
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

    def _check_group(self, group: dict) -> None:
        check_sgd_group(group)

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
                lr, mu, tau = group["lr"], group["momentum"], group["dampening"]
                lam = group["weight_decay"]
                for p in self._params_with_grad(group):
                    theta = p.data
                    g = -p.grad if group["maximize"] else p.grad
                    if lam != 0:
                        # g_t <- g_t + lambda theta_{t-1}
                        g = g + lam * theta
                    if mu != 0:
                        state = self.state.setdefault(p, {})
                        b = state.get("momentum_buffer")
                        if b is None:
                            # b_1 = g_1   (no dampening on the first step, as in torch)
                            b = g.copy()
                        else:
                            # b_t = mu b_{t-1} + (1 - tau) g_t
                            b = mu * b + (1 - tau) * g
                        state["momentum_buffer"] = b
                        if group["nesterov"]:
                            # d_t = g_t + mu b_t
                            g = g + mu * b
                        else:
                            # d_t = b_t
                            g = b
                    # theta_t = theta_{t-1} - lr d_t   (in place, as torch updates p)
                    theta -= lr * g
        return loss
