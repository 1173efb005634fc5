"""The small training loop the pages share, and early stopping.

`fit` is the loop every page would otherwise write again: shuffle, cut into
mini-batches, forward, loss, backward, optimizer step; then evaluate on validation data.
It works with any ``dlref.numpy.nn`` model, loss module and ``dlref.numpy.optim``
optimizer. Pages that teach the loop itself write it out instead.
"""

from __future__ import annotations

import copy
import numbers
from typing import Callable, Iterator

import numpy as np

from dlref._checks import (
    check_bool,
    check_generator,
    check_positive_int,
    check_real,
    shape_of,
)
from dlref.numpy.optim import Optimizer

__all__ = ["minibatches", "accuracy", "EarlyStopping", "fit"]


def _check_methods(name: str, obj, methods: tuple[str, ...], what: str) -> None:
    """Raise TypeError unless ``obj`` has each of ``methods`` (callable): ``what`` it
    should be."""
    lacking = [m for m in methods if not callable(getattr(obj, m, None))]
    if lacking:
        raise TypeError(
            f"{name} must be {what}, with {', '.join(m + '()' for m in methods)}; got "
            f"{type(obj).__name__}, which lacks {', '.join(lacking)}"
        )


def _real_number(name: str, value) -> float:
    """``value`` (a real number, or a 0-d array or tensor holding one) as a float."""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    if hasattr(value, "shape") and tuple(value.shape) == ():
        # a tensor, without torch
        array = np.asarray(value.detach().cpu() if hasattr(value, "detach") else value)
        if array.dtype.kind in "fiu":
            return float(array)
    raise TypeError(
        f"{name} must be a real number (or a 0-d array or tensor), got "
        f"{type(value).__name__} {getattr(value, 'shape', '')}"
    )


def _check_samples(name: str, x) -> np.ndarray:
    """``x`` as an array of samples along its first dimension: at least one, all finite
    if floating."""
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"{name} must be an array of samples, got {type(x).__name__}")
    x = np.asarray(x)
    if x.ndim == 0 or len(x) == 0:
        raise ValueError(
            f"{name} must hold at least one sample along its first dimension, got "
            f"shape {x.shape}"
        )
    if x.dtype.kind in "fc" and not np.isfinite(x).all():
        raise ValueError(
            f"{name} holds NaN or infinite values: training on them gives NaN weights"
        )
    return x


def minibatches(
    n_samples: int,
    batch_size: int,
    generator: np.random.Generator | None = None,
    shuffle: bool = True,
) -> Iterator[np.ndarray]:
    r"""Index arrays that cover ``range(n_samples)`` once, ``batch_size`` at a time (an
    iterator).

    With ``shuffle=True`` the order is a permutation drawn from ``generator`` (a fresh
    unseeded one when ``None``), so the same seed gives the same batches; the last batch
    is smaller when ``batch_size`` does not divide ``n_samples``.

    Args:
        n_samples: number of samples $N \ge 1$.
        batch_size: samples per batch $B \ge 1$ (a $B > N$ gives one batch of all $N$).
        generator: a ``numpy.random.Generator`` for the permutation.
        shuffle: draw a random order; ``False`` gives ``0, 1, ..., N-1`` in order.

    Returns:
        An iterator of $\lceil N / B\rceil$ integer arrays, each of length $B$ except
        possibly the last.

    The arguments are checked when ``minibatches`` is called, not at the first batch.

    PyTorch equivalent: the index batches of ``torch.utils.data.DataLoader(dataset,
    batch_size, shuffle, drop_last=False)`` (``BatchSampler`` over a ``RandomSampler``).
    """
    check_positive_int("n_samples", n_samples)
    check_positive_int("batch_size", batch_size)
    check_bool("shuffle", shuffle)
    if shuffle:
        order = check_generator("generator", generator).permutation(n_samples)
    else:
        if generator is not None:
            check_generator("generator", generator)
        order = np.arange(n_samples)
    # a generator expression, so that the checks above run when minibatches is called
    return (
        order[start : start + batch_size] for start in range(0, n_samples, batch_size)
    )


def accuracy(logits: np.ndarray, target: np.ndarray) -> float:
    """Fraction of rows whose largest logit is at the target class index.

    Args:
        logits: scores of shape $(N, C)$ (or $(*, C)$); probabilities work too, since
            only the position of the largest entry matters.
        target: integer class indices of shape $(N,)$ (or $(*)$).

    Returns:
        The accuracy, a float in $[0, 1]$.

    PyTorch equivalent: ``(logits.argmax(dim=-1) == target).float().mean().item()``.
    """
    logits, target = np.asarray(logits), np.asarray(target)
    if logits.ndim == 0:
        raise ValueError(
            "logits must have a class dimension (shape (N, C)), got a 0-d array"
        )
    if not np.issubdtype(target.dtype, np.integer):
        raise TypeError(
            f"target must hold integer class indices, got dtype {target.dtype}"
        )
    if shape_of(target) != shape_of(logits)[:-1]:
        raise ValueError(
            f"target must have shape {shape_of(logits)[:-1]} (logits without the class "
            f"dimension), got {shape_of(target)}"
        )
    if target.size == 0:
        raise ValueError(
            "logits and target are empty: accuracy needs at least one sample"
        )
    return float(np.mean(np.argmax(logits, axis=-1) == target))


class EarlyStopping:
    r"""Stop training when a validation metric has not improved for ``patience`` epochs.

    Call ``step(value, model)`` once per epoch; it returns ``True`` when training should
    stop. An epoch improves when its value beats the best so far by more than
    ``min_delta``:

    $$
    \text{improved} = \begin{cases} v_t < v_{\text{best}} -
    \delta & \text{mode "min" (a loss)}\\
    v_t > v_{\text{best}} + \delta & \text{mode "max" (an accuracy)}\end{cases}
    $$

    Each epoch that does not improve adds one to ``wait`` (an improvement resets it to
    0); ``step`` returns ``True`` when ``wait`` reaches ``patience``. With
    ``restore_best_weights=True`` a copy of the model's ``state_dict()`` is taken at
    every improvement and loaded back when ``step`` returns ``True`` (or when
    ``restore(model)`` is called), so the model ends with the weights of its best epoch,
    not of its last. An `EarlyStopping` keeps its state between calls: use a fresh one
    for each training run.

    Args:
        patience: epochs without improvement to wait before stopping (>= 1).
        min_delta: the smallest change that counts as an improvement (>= 0), in the
            units of the monitored value.
        mode: ``"min"`` for a loss, ``"max"`` for an accuracy.
        restore_best_weights: keep the best weights and load them back when stopping.
        monitor: the key of `fit`'s history that `fit` passes to ``step``:
            ``"val_loss"`` (default), ``"val_accuracy"``, ``"loss"`` or ``"accuracy"``.
            ``step`` itself takes any value.

    Attributes:
        best: the best value seen ($+\infty$ or $-\infty$ before the first step).
        best_epoch: the epoch of ``best``, counted from 0 (-1 before the first step).
        best_state: the copied ``state_dict`` of that epoch (``None`` if not kept).
        wait: epochs since the last improvement.
        stopped_epoch: the epoch at which ``step`` returned ``True``, or ``None``.

    PyTorch equivalent: none in torch itself. Keras' ``EarlyStopping(monitor, min_delta,
    patience, mode, restore_best_weights)`` callback and PyTorch Lightning's
    ``EarlyStopping`` count patience and ``min_delta`` the same way.

    Differences from Keras: no ``baseline`` and no ``start_from_epoch``; the ``"auto"``
    mode is not offered (say ``"min"`` or ``"max"``); `fit` restores the best weights at
    the end of training even when it ran out of epochs before patience did (Keras
    restores only when it stops early). A NaN value raises ``ValueError`` instead of
    counting as no improvement.

    References:
        Prechelt, L. (1998). Early Stopping - But When? In *Neural Networks: Tricks of
        the Trade*, LNCS 1524. <https://doi.org/10.1007/3-540-49430-8_3>.
    """

    def __init__(
        self,
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "min",
        restore_best_weights: bool = True,
        monitor: str = "val_loss",
    ):
        check_positive_int("patience", patience)
        check_real("min_delta", min_delta, low=0.0)
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        check_bool("restore_best_weights", restore_best_weights)
        if not isinstance(monitor, str):
            raise TypeError(
                "monitor must be a str (a key of fit's history), got "
                f"{type(monitor).__name__}"
            )
        self.patience = patience
        self.min_delta = float(min_delta)
        self.mode = mode
        self.restore_best_weights = bool(restore_best_weights)
        self.monitor = monitor
        self.best = np.inf if mode == "min" else -np.inf
        self.best_epoch = -1
        self.best_state = None
        self.wait = 0
        self.stopped_epoch = None
        self._epoch = -1

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            # v_t < v_best - delta
            return value < self.best - self.min_delta
        # v_t > v_best + delta
        return value > self.best + self.min_delta

    def step(self, value: float, model=None) -> bool:
        """Record this epoch's ``value``; return ``True`` when training should stop.

        Args:
            value: the monitored metric of this epoch (a number, or a 0-d array or
                tensor).
            model: the model being trained; its ``state_dict()`` is copied at each
                improvement and loaded back on stopping when ``restore_best_weights``.

        Returns:
            ``True`` once ``patience`` epochs in a row have not improved.
        """
        value = _real_number("value", value)
        if np.isnan(value):
            raise ValueError(
                "value is NaN: the monitored metric must be a number (did training "
                "diverge?)"
            )
        if model is not None:
            _check_methods(
                "model", model, ("state_dict", "load_state_dict"), "a module"
            )
        self._epoch += 1
        if self._improved(value):
            self.best, self.best_epoch, self.wait = value, self._epoch, 0
            if self.restore_best_weights and model is not None:
                self.best_state = copy.deepcopy(model.state_dict())
            return False
        self.wait += 1
        if self.wait >= self.patience:
            self.stopped_epoch = self._epoch
            if model is not None:
                self.restore(model)
            return True
        return False

    def restore(self, model) -> None:
        """Load the best weights seen into ``model`` (nothing happens without
        ``restore_best_weights``)."""
        _check_methods("model", model, ("state_dict", "load_state_dict"), "a module")
        if self.restore_best_weights and self.best_state is not None:
            try:
                model.load_state_dict(self.best_state)
            except (TypeError, ValueError) as error:
                raise type(error)(
                    f"model cannot take the best weights kept: {error}"
                ) from None


def fit(
    model,
    loss_fn,
    optimizer,
    x: np.ndarray,
    y: np.ndarray,
    *,
    epochs: int,
    batch_size: int,
    generator: np.random.Generator | None = None,
    validation_data: tuple | None = None,
    early_stopping: EarlyStopping | None = None,
    scheduler=None,
    transform: Callable[[np.ndarray], np.ndarray] | None = None,
) -> dict[str, list[float]]:
    """Train ``model`` with mini-batches; return the history of losses (and accuracies).

    Each epoch: ``model.train()``, then for each shuffled mini-batch: ``zero_grad``,
    forward, ``loss_fn(output, target)``, ``model.backward(loss_fn.backward())``,
    ``optimizer.step()``. Then, with ``validation_data=(x_val, y_val)``,
    ``model.eval()`` and the validation loss on the whole validation set.
    ``scheduler.step()`` runs once per epoch, after the optimizer steps.
    ``early_stopping.step`` gets the history entry named by ``early_stopping.monitor``
    (``"val_loss"`` by default) and the model; when training ends, stopped early or not,
    the model is given the best weights (``early_stopping.restore(model)``). With
    validation data, the model is left in evaluation mode. Every argument is checked
    before the first step: a NaN or infinite input or target, an optimizer that holds
    none of the model's parameters, or a scheduler over another optimizer is a
    ``ValueError``, an object of the wrong kind a ``TypeError``.

    Args:
        model: a ``dlref.numpy.nn`` module (``forward``, ``backward``, ``train``,
            ``eval``, ``state_dict``, ``load_state_dict``).
        loss_fn: a loss module with ``reduction="mean"`` (``forward(output, target)``,
            ``backward()``).
        optimizer: a ``dlref.numpy.optim`` optimizer over ``model.parameters()``.
        x: training inputs, $N$ samples along the first dimension.
        y: training targets, $N$ of them (integer class indices, or arrays for
            regression).
        epochs: the largest number of passes over the data.
        batch_size: samples per mini-batch.
        generator: the ``numpy.random.Generator`` that shuffles (seed it for repeatable
            runs).
        validation_data: ``(x_val, y_val)``, evaluated after every epoch.
        early_stopping: an `EarlyStopping`, stepped after every epoch.
        scheduler: a learning-rate scheduler over ``optimizer`` (anything with a
            ``step()`` method), stepped after every epoch.
        transform: applied to each training mini-batch of inputs before the forward pass
            (data augmentation, drawn afresh every time); never to validation data.

    Returns:
        A dict of per-epoch lists: ``"loss"`` (the mean training loss over the epoch's
        batches, in training mode, with the weights changing as they go), and with
        validation data ``"val_loss"``; ``"accuracy"`` and ``"val_accuracy"`` too when
        the targets are integer class indices. Their length is the number of epochs run.

    PyTorch equivalent: the usual loop over a ``DataLoader``; Keras' ``model.fit(x, y,
    epochs, batch_size, validation_data, callbacks=[EarlyStopping(...)])``.
    """
    _check_methods(
        "model",
        model,
        ("__call__", "backward", "train", "eval", "parameters"),
        "a dlref.numpy.nn module",
    )
    _check_methods(
        "loss_fn", loss_fn, ("__call__", "backward"), "a dlref.numpy.nn loss module"
    )
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            "optimizer must be a dlref.numpy.optim optimizer, got "
            f"{type(optimizer).__name__}"
        )
    held = {id(p) for group in optimizer.param_groups for p in group["params"]}
    if not any(id(p) in held for p in model.parameters()):
        raise ValueError(
            "optimizer holds none of model's parameters: build it from "
            "model.parameters()"
        )
    check_positive_int("epochs", epochs)
    check_positive_int("batch_size", batch_size)
    x, y = _check_samples("x", x), _check_samples("y", y)
    if len(x) != len(y):
        raise ValueError(
            f"x and y must have the same number of samples, got {len(x)} and {len(y)}"
        )
    generator = check_generator("generator", generator)
    if validation_data is not None:
        if not isinstance(validation_data, (tuple, list)) or len(validation_data) != 2:
            raise ValueError("validation_data must be a pair (x_val, y_val)")
        x_val = _check_samples("validation_data's x_val", validation_data[0])
        y_val = _check_samples("validation_data's y_val", validation_data[1])
        if len(x_val) != len(y_val):
            raise ValueError(
                "validation_data's x_val and y_val must have the same number of "
                f"samples, got {len(x_val)} and {len(y_val)}"
            )
    if scheduler is not None:
        _check_methods("scheduler", scheduler, ("step",), "a learning-rate scheduler")
        # a scheduler that names its optimizer
        # (all of dlref's and torch's do) must drive this one
        if getattr(scheduler, "optimizer", optimizer) is not optimizer:
            raise ValueError(
                "scheduler drives another optimizer than optimizer: build it on "
                "optimizer"
            )
    if early_stopping is not None:
        if not isinstance(early_stopping, EarlyStopping):
            raise TypeError(
                "early_stopping must be an EarlyStopping, got "
                f"{type(early_stopping).__name__}"
            )
        allowed = ["loss", "accuracy"] + (
            ["val_loss", "val_accuracy"] if validation_data is not None else []
        )
        if early_stopping.monitor not in allowed:
            raise ValueError(
                f"early_stopping monitors {early_stopping.monitor!r}, which fit does "
                f"not record here (it records {allowed}); pass validation_data or "
                "set monitor"
            )
    if transform is not None and not callable(transform):
        raise TypeError(f"transform must be callable, got {type(transform).__name__}")
    classify = np.issubdtype(y.dtype, np.integer)
    if (
        early_stopping is not None
        and early_stopping.monitor.endswith("accuracy")
        and not classify
    ):
        raise ValueError(
            f"early_stopping monitors {early_stopping.monitor!r}, but y does not hold "
            f"integer class indices, so there is no accuracy"
        )

    history: dict[str, list[float]] = {"loss": []}
    for _ in range(epochs):
        model.train()
        loss_sum, correct = 0.0, 0
        for idx in minibatches(len(x), batch_size, generator):
            x_batch = x[idx] if transform is None else transform(x[idx])
            optimizer.zero_grad()
            output = model(x_batch)
            # the loss is a batch mean: weight it by the batch size for the epoch mean
            loss_sum += float(loss_fn(output, y[idx])) * len(idx)
            model.backward(loss_fn.backward())
            optimizer.step()
            if classify:
                correct += int(np.sum(np.argmax(output, axis=-1) == y[idx]))
        history["loss"].append(loss_sum / len(x))
        if classify:
            history.setdefault("accuracy", []).append(correct / len(x))
        if validation_data is not None:
            model.eval()
            output = model(x_val)
            history.setdefault("val_loss", []).append(float(loss_fn(output, y_val)))
            if classify:
                history.setdefault("val_accuracy", []).append(accuracy(output, y_val))
        if scheduler is not None:
            scheduler.step()
        if early_stopping is not None and early_stopping.step(
            history[early_stopping.monitor][-1], model
        ):
            break
    if early_stopping is not None:
        early_stopping.restore(model)
    return history
