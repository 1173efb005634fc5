r"""Adam and AdamW from tensor ops, as ``torch.optim.Optimizer`` subclasses.

Never calls ``torch.optim.Adam``/``AdamW`` nor torch's functional ``adam``/``adamw``
helpers: the update is written out with tensor arithmetic (the tests compare against
``torch.optim.Adam`` and ``torch.optim.AdamW``).
"""

from __future__ import annotations

from typing import Callable, Iterable

import torch

from dlref._optim_args import adam_state_keys, check_adam_group, check_closure
from dlref.torch.optim.optimizer import _CheckedOptimizer


class Adam(_CheckedOptimizer):
    r"""Adam (and, with ``decoupled_weight_decay=True``, AdamW), as
    ``torch.optim.Adam``.

    $$
    \begin{aligned}
    g_t &\leftarrow g_t + \lambda\,\theta_{t-1} \quad\text{(coupled)}
        \qquad\text{or}\qquad \theta_{t-1} \leftarrow (1 - \gamma\lambda)\,\theta_{t-1}
        \quad\text{(decoupled)}\\
    m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \qquad
    v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2\\
    \theta_t &= \theta_{t-1} - \frac{\gamma}{1 - \beta_1^t}\,
        \frac{m_t}{\sqrt{v_t} / \sqrt{1 - \beta_2^t} + \epsilon}
    \end{aligned}
    $$

    With ``amsgrad``, $v_t$ in the denominator is replaced by $\max_{s \le t} v_s$.

    Args:
        params: tensors or parameter-group dicts.
        lr: $\gamma \ge 0$. Default ``1e-3``.
        betas: $(\beta_1, \beta_2)$ in $[0, 1)$. Default ``(0.9, 0.999)``.
        eps: $\epsilon \ge 0$. Default ``1e-8``.
        weight_decay: $\lambda \ge 0$. Default 0.
        amsgrad: use the running maximum of $v_t$.
        maximize: ascend instead of descend.
        decoupled_weight_decay: AdamW's weight decay.

    PyTorch equivalent: ``torch.optim.Adam``, with the same state keys (``"step"`` as a
    0-d float tensor, ``"exp_avg"``, ``"exp_avg_sq"``, ``"max_exp_avg_sq"``), so state
    dicts load across the two.

    Differences from PyTorch: no ``foreach``, ``capturable``, ``differentiable``,
    ``fused``; ``lr`` and ``betas`` are numbers; hyperparameters of every group are
    checked. Parameters and state dicts are checked as for `SGD`.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ):
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
            "decoupled_weight_decay": decoupled_weight_decay,
        }
        super().__init__(params, defaults)

    _check_group = staticmethod(check_adam_group)
    _state_keys = staticmethod(adam_state_keys)

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
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            lam = group["weight_decay"]
            for theta in group["params"]:
                if theta.grad is None:
                    continue
                state = self.state[theta]
                if not state:
                    # m_0 = 0, v_0 = 0;
                    # the step count is a 0-d tensor, as torch keeps it
                    state["step"] = torch.tensor(0.0)
                    state["exp_avg"] = torch.zeros_like(theta)
                    state["exp_avg_sq"] = torch.zeros_like(theta)
                    if group["amsgrad"]:
                        state["max_exp_avg_sq"] = torch.zeros_like(theta)
                g = -theta.grad if group["maximize"] else theta.grad
                state["step"] += 1
                t = state["step"].item()
                if lam != 0:
                    if group["decoupled_weight_decay"]:
                        # theta_{t-1} <- (1 - lr lambda) theta_{t-1}
                        theta.mul_(1 - lr * lam)
                    else:
                        # g_t <- g_t + lambda theta_{t-1}
                        g = g + lam * theta
                # m_t = beta1 m_{t-1} + (1 - beta1) g_t
                m = state["exp_avg"] = beta1 * state["exp_avg"] + (1 - beta1) * g
                # v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
                v = state["exp_avg_sq"] = (
                    beta2 * state["exp_avg_sq"] + (1 - beta2) * g * g
                )
                if group["amsgrad"]:
                    # v_max_t = max(v_max_{t-1}, v_t)
                    v = state["max_exp_avg_sq"] = torch.maximum(
                        state["max_exp_avg_sq"], v
                    )
                # 1 - beta1^t and 1 - beta2^t: the bias corrections
                c1 = 1 - beta1**t
                c2 = 1 - beta2**t
                # sqrt(v_hat_t) + eps = sqrt(v_t) / sqrt(1 - beta2^t) + eps
                denom = v.sqrt() / c2**0.5 + eps
                # theta_t = theta_{t-1} - lr / (1 - beta1^t)
                # * m_t / (sqrt(v_hat_t) + eps)
                theta.sub_((lr / c1) * (m / denom))
        return loss


class AdamW(Adam):
    r"""AdamW, as ``torch.optim.AdamW``: Adam with decoupled weight decay.

    The update of `Adam` with ``decoupled_weight_decay=True``: every weight first
    shrinks by the factor $1 - \gamma\lambda$, then takes the Adam step on the loss's
    gradient alone,

    $$
    \theta_{t-1} \leftarrow (1 - \gamma\lambda)\,\theta_{t-1}, \qquad
    \theta_t = \theta_{t-1} - \gamma\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon},
    $$

    with $\hat m_t = m_t / (1 - \beta_1^t)$, $\hat v_t = v_t / (1 - \beta_2^t)$ (or its
    running maximum with ``amsgrad``), and $m_t$, $v_t$ the moving averages of $g_t$ and
    $g_t^2$.

    Args:
        params: tensors or parameter-group dicts.
        lr: $\gamma \ge 0$. Default ``1e-3``.
        betas: $(\beta_1, \beta_2)$ in $[0, 1)$. Default ``(0.9, 0.999)``.
        eps: $\epsilon \ge 0$. Default ``1e-8``.
        weight_decay: $\lambda \ge 0$. Default ``1e-2`` (not 0, unlike `Adam`).
        amsgrad: use the running maximum of $v_t$.
        maximize: ascend instead of descend.

    PyTorch equivalent: ``torch.optim.AdamW``, with Adam's state keys. As in torch,
    every group keeps ``decoupled_weight_decay=True``, also after loading an ``Adam``
    state dict.

    Differences from PyTorch: as `Adam`.

    References:
        Loshchilov, I., Hutter, F. (2019). Decoupled Weight Decay Regularization. ICLR.
        <https://arxiv.org/abs/1711.05101>.
    """

    def __init__(
        self,
        params: Iterable,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ):
        super().__init__(
            params,
            lr,
            betas,
            eps,
            weight_decay,
            amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )

    def __setstate__(self, state: dict) -> None:
        # load_state_dict ends here, as in torch.optim.AdamW: the decay stays decoupled
        super().__setstate__(state)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
