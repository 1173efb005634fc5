r"""Adam and AdamW: momentum plus per-coordinate step sizes, with bias correction."""

from __future__ import annotations

from typing import Callable, Iterable

import numpy as np

from dlref._optim_args import adam_state_keys, check_adam_group, check_closure
from dlref.numpy.optim.optimizer import Optimizer


class Adam(Optimizer):
    r"""Adam, as ``torch.optim.Adam``: momentum on the gradient, divided by its running
    RMS.

    For each parameter $\theta$ with gradient $g_t$, at step $t = 1, 2, \dots$:

    $$
    \begin{aligned}
    g_t &\leftarrow g_t + \lambda\,\theta_{t-1}
        && \text{(coupled L2, if } \lambda \ne 0 \text{ and not decoupled)}\\
    \theta_{t-1} &\leftarrow (1 - \gamma\lambda)\,\theta_{t-1}
        && \text{(decoupled weight decay: AdamW)}\\
    m_t &= \beta_1 m_{t-1} + (1 - \beta_1)\, g_t && (m_0 = 0)\\
    v_t &= \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2 && (v_0 = 0)\\
    \hat m_t &= \frac{m_t}{1 - \beta_1^t}, \qquad
    \hat v_t = \frac{v_t}{1 - \beta_2^t}
        \quad\text{(amsgrad: } \hat v_t = \frac{\max_{s \le t} v_s}{1 - \beta_2^t})\\
    \theta_t &= \theta_{t-1} - \gamma\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}
    \end{aligned}
    $$

    $m_t$ and $v_t$ start at 0, so early on they are biased towards 0; dividing by
    $1 - \beta^t$ removes that bias. $\epsilon$ is added *after* the square root and
    after the bias correction, as in torch and in the paper.

    With ``weight_decay`` $\lambda > 0$, plain Adam adds $\lambda\theta$ to the gradient
    (an L2 penalty, which then goes through $m$ and $v$ and is scaled down wherever
    $\sqrt{\hat v}$ is large); AdamW (``decoupled_weight_decay=True``) shrinks the
    weights directly by the factor $1 - \gamma\lambda$, the same for every coordinate.

    Args:
        params: `Parameter` objects or parameter-group dicts.
        lr: learning rate $\gamma \ge 0$. Default ``1e-3``.
        betas: $(\beta_1, \beta_2)$, each in $[0, 1)$. Default ``(0.9, 0.999)``.
        eps: $\epsilon \ge 0$. Default ``1e-8``.
        weight_decay: $\lambda \ge 0$. Default 0.
        amsgrad: normalize by the largest $v_s$ seen so far (Reddi et al., 2018).
        maximize: ascend the objective instead of descending it.
        decoupled_weight_decay: apply the weight decay as AdamW does.

    State per parameter: ``"step"`` $t$, ``"exp_avg"`` $m_t$, ``"exp_avg_sq"`` $v_t$,
    and ``"max_exp_avg_sq"`` with ``amsgrad``.

    PyTorch equivalent: ``torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999),
    eps=1e-8, weight_decay=0, amsgrad=False, *, maximize=False,
    decoupled_weight_decay=False)``.

    Differences from PyTorch: no ``foreach``, ``capturable``, ``differentiable``,
    ``fused``; ``lr`` and ``betas`` are numbers, not tensors (torch refuses a mix of int
    and float betas; here any real numbers are accepted); NaN hyperparameters are
    refused; flags must be bools; parameters, gradients and state dicts are checked as
    `Optimizer` says.

    References:
        Kingma, D. P., Ba, J. (2015). Adam: A Method for Stochastic Optimization. ICLR.
        <https://arxiv.org/abs/1412.6980>.
        Reddi, S. J., Kale, S., Kumar, S. (2018). On the Convergence of Adam and Beyond.
        ICLR. <https://openreview.net/forum?id=ryQu7f-RZ>.
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

    def _check_group(self, group: dict) -> None:
        check_adam_group(group)

    _state_keys = staticmethod(adam_state_keys)

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
                lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
                lam = group["weight_decay"]
                for p in self._params_with_grad(group):
                    theta = p.data
                    state = self.state.setdefault(p, {})
                    if not state:
                        # m_0 = 0, v_0 = 0
                        state["step"] = 0
                        state["exp_avg"] = np.zeros_like(theta)
                        state["exp_avg_sq"] = np.zeros_like(theta)
                        if group["amsgrad"]:
                            state["max_exp_avg_sq"] = np.zeros_like(theta)
                    g = -p.grad if group["maximize"] else p.grad
                    state["step"] += 1
                    t = state["step"]
                    if lam != 0:
                        if group["decoupled_weight_decay"]:
                            # theta_{t-1} <- (1 - lr lambda) theta_{t-1}   (AdamW)
                            theta *= 1 - lr * lam
                        else:
                            # g_t <- g_t + lambda theta_{t-1}   (L2 penalty, Adam)
                            g = g + lam * theta
                    # m_t = beta1 m_{t-1} + (1 - beta1) g_t
                    m = state["exp_avg"] = beta1 * state["exp_avg"] + (1 - beta1) * g
                    # v_t = beta2 v_{t-1} + (1 - beta2) g_t^2
                    v = state["exp_avg_sq"] = (
                        beta2 * state["exp_avg_sq"] + (1 - beta2) * g * g
                    )
                    if group["amsgrad"]:
                        # v_max_t = max(v_max_{t-1}, v_t)
                        v = state["max_exp_avg_sq"] = np.maximum(
                            state.get("max_exp_avg_sq", 0.0), v
                        )
                    # 1 - beta1^t and 1 - beta2^t: the bias corrections
                    c1 = 1 - beta1**t
                    c2 = 1 - beta2**t
                    # sqrt(v_hat_t) + eps = sqrt(v_t) / sqrt(1 - beta2^t) + eps
                    denom = np.sqrt(v) / c2**0.5 + eps
                    # theta_t = theta_{t-1} - lr m_hat_t / (sqrt(v_hat_t) + eps),
                    # m_hat_t = m_t / (1 - beta1^t)
                    theta -= (lr / c1) * (m / denom)
        return loss


class AdamW(Adam):
    r"""AdamW, as ``torch.optim.AdamW``: Adam with decoupled weight decay.

    The same update as `Adam` with ``decoupled_weight_decay=True``: before the Adam
    step, every weight is multiplied by $1 - \gamma\lambda$,

    $$
    \theta_{t-1} \leftarrow (1 - \gamma\lambda)\,\theta_{t-1}, \qquad
    \theta_t = \theta_{t-1} - \gamma\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon},
    $$

    and the gradient that feeds $m_t$ and $v_t$ is the loss's alone. Every coordinate
    decays at the same relative rate $\gamma\lambda$ per step, whatever its gradient
    history; with Adam's coupled L2 penalty, coordinates with large $\hat v_t$ are
    barely decayed.

    Args:
        params: `Parameter` objects or parameter-group dicts.
        lr: learning rate $\gamma \ge 0$. Default ``1e-3``.
        betas: $(\beta_1, \beta_2)$, each in $[0, 1)$. Default ``(0.9, 0.999)``.
        eps: $\epsilon \ge 0$. Default ``1e-8``.
        weight_decay: $\lambda \ge 0$. Default ``1e-2`` (not 0, unlike `Adam`).
        amsgrad: normalize by the largest $v_s$ seen so far.
        maximize: ascend the objective instead of descending it.

    PyTorch equivalent: ``torch.optim.AdamW(params, lr=1e-3, betas=(0.9, 0.999),
    eps=1e-8, weight_decay=1e-2, amsgrad=False, *, maximize=False)``. As in torch, a
    state dict loaded into `AdamW` keeps ``decoupled_weight_decay=True``.

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

    def load_state_dict(self, state_dict: dict) -> None:
        """As `Optimizer.load_state_dict`; every group keeps
        ``decoupled_weight_decay=True``."""
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
