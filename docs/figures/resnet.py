"""Figures of the residual-network page (docs/architectures/resnet.md), made at build time.

* ``fig_degradation``: plain and residual networks of 8 and 32 layers (`DigitsResNet` with
  `PlainBlock` or `BasicBlock`, BatchNorm in both) trained the same way on scikit-learn's
  digits: training loss per epoch, and the norm of the gradient of the loss with respect to
  the first convolution's weight at every step.
* ``fig_gradient_by_layer``: at initialization, the gradient norm of every convolution's
  weight along the depth of a 56-layer plain and residual network, on one batch of digits.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import torch
import torch.nn.functional as F
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from dlref.torch.models import BasicBlock, DigitsResNet, PlainBlock

WIDTHS = (8, 16, 32)
STYLE = {PlainBlock: dict(color="tab:red"), BasicBlock: dict(color="tab:blue")}
NAME = {PlainBlock: "plain", BasicBlock: "residual"}


def _digits():
    """Digits as (N, 1, 8, 8) images in [-1, 1], split 75/25 with stratification."""
    X, y = load_digits(return_X_y=True)
    X = X / 8.0 - 1.0                                     # pixel values 0..16 -> [-1, 1]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
    as_images = lambda a: torch.tensor(a, dtype=torch.float32).reshape(-1, 1, 8, 8)  # noqa: E731
    return as_images(X_train), torch.tensor(y_train), as_images(X_test), torch.tensor(y_test)


def _depth(n_blocks):
    """Weighted layers of a DigitsResNet with three stages of n BasicBlocks: 6n + 2."""
    return 6 * n_blocks + 2


def _train(block, n_blocks, x, y, x_test, y_test, epochs=12, batch_size=128, lr=0.05):
    """SGD with momentum; returns the mean training loss per epoch, the conv1 gradient norm per step, test accuracy."""
    torch.manual_seed(0)
    model = DigitsResNet(block, (n_blocks,) * 3, WIDTHS)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    generator = torch.Generator().manual_seed(0)
    losses, grad_norms = [], []
    for _ in range(epochs):
        order = torch.randperm(len(x), generator=generator)
        total = 0.0
        for start in range(0, len(x), batch_size):
            batch = order[start:start + batch_size]
            loss = F.cross_entropy(model(x[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            grad_norms.append(model.conv1.weight.grad.norm().item())  # || dL / dW_conv1 ||
            optimizer.step()
            total += loss.item() * len(batch)
        losses.append(total / len(x))
    model.eval()
    with torch.no_grad():
        accuracy = (model(x_test).argmax(dim=1) == y_test).float().mean().item()
    return losses, grad_norms, accuracy


def fig_degradation():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)                              # tiny tensors: one thread is fastest
    try:
        x, y, x_test, y_test = _digits()
        runs = {(block, n): _train(block, n, x, y, x_test, y_test)
                for n in (1, 5) for block in (PlainBlock, BasicBlock)}
    finally:
        torch.set_num_threads(threads)

    fig, (ax_loss, ax_grad) = plt.subplots(1, 2, figsize=(12, 4.2))
    for (block, n), (losses, grad_norms, accuracy) in runs.items():
        style = dict(STYLE[block], linestyle="-" if n == 5 else ":", linewidth=2 if n == 5 else 1.5)
        label = f"{NAME[block]}-{_depth(n)}: final loss {losses[-1]:.3f}, test acc. {accuracy:.3f}"
        ax_loss.plot(np.arange(1, len(losses) + 1), losses, marker="o", markersize=3, label=label, **style)
        ax_grad.plot(np.arange(1, len(grad_norms) + 1), grad_norms, label=f"{NAME[block]}-{_depth(n)}", **style)
    ax_loss.set(title=f"Training loss: {len(x)} training digits, {len(x_test)} held out for the accuracy",
                xlabel="epoch",
                ylabel="mean cross-entropy over the epoch", yscale="log")
    ax_loss.legend(fontsize=8)
    ax_grad.set(title="Gradient norm at the first convolution", xlabel="step (batch of 128)",
                ylabel=r"$\|\partial L / \partial W_{\mathrm{conv1}}\|$", yscale="log")
    ax_grad.legend(fontsize=8)
    fig.tight_layout()
    return fig


def fig_gradient_by_layer():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        x, y, _, _ = _digits()
        norms = {}
        for block in (PlainBlock, BasicBlock):
            torch.manual_seed(0)
            model = DigitsResNet(block, (9, 9, 9), WIDTHS)  # 56 weighted layers
            F.cross_entropy(model(x[:256]), y[:256]).backward()
            # every 3x3 convolution in order from input to output (projections left out)
            convs = [m for m in model.modules() if isinstance(m, torch.nn.Conv2d) and m.kernel_size == (3, 3)]
            norms[block] = [m.weight.grad.norm().item() for m in convs]
    finally:
        torch.set_num_threads(threads)

    fig, ax = plt.subplots(figsize=(7, 4))
    for block, values in norms.items():
        ax.plot(np.arange(1, len(values) + 1), values, marker="o", markersize=3, label=f"{NAME[block]}-56",
                **STYLE[block])
    ax.set(title="At initialization: gradient norm of each 3x3 convolution's weight",
           xlabel="convolution (1 = first, next to the input)", ylabel=r"$\|\partial L / \partial W_l\|$",
           yscale="log")
    ax.legend()
    fig.tight_layout()
    return fig
