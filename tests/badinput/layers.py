"""What the layer catalogues share (affine, conv, pooling, dropout, normalization): module cases.

`module_cases` derives, for one layer of both backends, the cases of its public name:

* NumPy ``forward`` and torch twin ``forward``, judged by the ``torch.nn`` module;
* NumPy ``backward(grad_output)`` after a forward, judged by torch's autograd through the
  ``torch.nn`` module holding the same state (`framework.module_backward_reference`);
* the constructor of both backends with bad arguments, judged by ``torch.nn``'s constructor
  followed by a forward (a layer torch builds but cannot apply counts as a rejection);
* NumPy ``load_state_dict`` with missing, extra, wrong-shaped and ``None`` entries and a
  non-mapping, judged by the ``torch.nn`` module's (which raises ``RuntimeError``; dlref must
  raise ``ValueError``/``TypeError`` naming ``state_dict``).

The torch twins inherit ``load_state_dict`` from ``torch.nn.Module`` itself (torch's code and
torch's ``RuntimeError``), so only the NumPy modules' is catalogued.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch

from badinput.framework import COMMON_STRICTER, Case, module_backward_reference
from dlref.numpy import nn
from dlref.torch import nn as tnn

# why a NumPy backward pass raises where torch's autograd returns (each *_backward docstring says so)
GRAD_DTYPE = ("a NumPy backward pass takes grad_output in the dtype of input (a TypeError naming both); "
              "torch's autograd casts a gradient of another dtype silently")
BACKWARD_STRICTER = dict(COMMON_STRICTER, float16=GRAD_DTYPE, mixed_precision=GRAD_DTYPE)

_TORCH_DTYPES = {np.dtype(np.float16): torch.float16, np.dtype(np.float32): torch.float32,
                 np.dtype(np.float64): torch.float64, np.dtype(np.int64): torch.int64,
                 np.dtype(np.complex128): torch.complex128}


def torch_dtype(dtype):
    """A NumPy dtype as torch's (anything else unchanged, so a bad dtype reaches torch as it came)."""
    try:
        return _TORCH_DTYPES.get(np.dtype(dtype), dtype)
    except TypeError:
        return dtype


def torch_kwargs(kwargs: dict) -> dict:
    """A NumPy layer's constructor keywords as torch's layer takes them: a torch dtype, no generator."""
    return {k: (torch_dtype(v) if k == "dtype" else v) for k, v in kwargs.items() if k != "generator"}


def grads_reference(forward, inputs: tuple[str, ...]):
    """Like `framework.autograd_reference`, but an input that is ``None`` gets no gradient (``None``).

    For NumPy ``*_backward`` passes whose optional inputs (``bias``, ``weight``) may be
    ``None``: their gradient is then ``None`` in dlref too. A non-tensor input other than
    ``None`` (a list) goes to ``forward`` as it is, so torch judges it.
    """
    def reference(grad_output, **kwargs):
        leaves = {n: kwargs[n].detach().requires_grad_(True) for n in inputs if isinstance(kwargs[n], torch.Tensor)}
        output = forward(**dict(kwargs, **leaves))
        grads = dict(zip(leaves, torch.autograd.grad(output, list(leaves.values()), grad_output)))
        result = tuple(grads.get(n) for n in inputs)
        return result[0] if len(result) == 1 else result
    return reference


def _seeded(cls, kwargs: dict) -> dict:
    """``kwargs`` with a seeded ``generator`` where the NumPy layer draws its initial weights."""
    if "generator" in inspect.signature(cls).parameters and "generator" not in kwargs:
        return dict(kwargs, generator=np.random.default_rng(0))
    return kwargs


def state_dict_extras(state: dict) -> list[tuple[str, dict]]:
    """Hostile ``state_dict`` arguments derived from a valid one."""
    first = next(iter(state))
    missing = {k: v for k, v in state.items() if k != first}
    extra = dict(state, unexpected=np.zeros(1))
    wrong_shape = dict(state, **{first: np.zeros(np.shape(state[first]) + (1,))})
    none_value = dict(state, **{first: None})
    return [("state_dict=missing_key", {"state_dict": missing}),
            ("state_dict=extra_key", {"state_dict": extra}),
            ("state_dict=wrong_shape", {"state_dict": wrong_shape}),
            ("state_dict=none_value", {"state_dict": none_value}),
            ("state_dict=list", {"state_dict": list(state.items())}),
            ("state_dict=None", {"state_dict": None})]


def module_cases(name: str, kwargs: dict, x: np.ndarray, bad_kwargs: list[tuple[str, dict]] = (), *,
                 stricter: dict | None = None, constructor_stricter: dict | None = None,
                 backward: bool = True, eval_mode: bool = False,
                 variant: str = "", seed: int | None = None) -> list[Case]:
    """The cases of layer ``name`` of both backends (module docstring), built with ``kwargs`` on input ``x``.

    Args:
        kwargs: valid keywords of the NumPy layer's constructor (a NumPy ``dtype``); the torch
            layers get them with a torch dtype and no ``generator``.
        x: a valid NumPy input (float64; the torch cases get it as a tensor).
        bad_kwargs: ``(label, changes)`` to the constructor's keywords.
        stricter: kind or label -> reason, for the forward cases (added to `COMMON_STRICTER`).
        constructor_stricter: likewise for the constructor cases.
        backward: whether to catalogue the NumPy layer's backward pass (judged by autograd
            through the ``torch.nn`` layer loaded with the NumPy layer's state).
        eval_mode: put every module (both backends and torch's) in evaluation mode.
        variant: a word added to the cases' ids, to tell several configurations of a layer apart.
        seed: seed torch's global generator before each torch forward (a layer that draws, such
            as dropout: the twin and torch then draw the same masks on the CPU).
    """
    np_cls, twin_cls, torch_cls = getattr(nn, name), getattr(tnn, name), getattr(torch.nn, name)
    prefix = "-".join([name] + [variant] * bool(variant) + ["eval"] * eval_mode)
    forward_stricter = dict(COMMON_STRICTER, **(stricter or {}))
    build_stricter = dict(COMMON_STRICTER, **(constructor_stricter or {}))

    def mode(module):
        return module.eval() if eval_mode else module

    def seeded(module):
        if seed is not None:
            torch.manual_seed(seed)
        return module

    def numpy_layer(**kw):
        return mode(np_cls(**_seeded(np_cls, kw)))

    def torch_layer(**kw):
        layer = mode(torch_cls(**torch_kwargs(kw)))
        state = numpy_layer(**kw).state_dict()
        layer.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in state.items()})
        return layer

    def twin_layer(**kw):
        return mode(twin_cls(**torch_kwargs(kw)))

    def loaded_twin_layer(**kw):
        # the NumPy layer's weights, so that NaN (an inf times weights of both signs) falls where torch's does
        layer = twin_layer(**kw)
        layer.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in numpy_layer(**kw).state_dict().items()})
        return layer

    xt = torch.from_numpy(x.copy())

    def forward(input):
        return numpy_layer(**kwargs)(input)

    def forward_twin(input):
        return seeded(loaded_twin_layer(**kwargs))(input)

    def reference(input):
        return seeded(torch_layer(**kwargs))(input)

    def construct(**kw):
        return numpy_layer(**kw)(x)

    def construct_twin(**kw):
        return seeded(twin_layer(**kw))(xt)

    def construct_reference(**kw):
        return seeded(mode(torch_cls(**torch_kwargs(kw))))(xt)

    def load(state_dict):
        return numpy_layer(**kwargs).load_state_dict(state_dict)

    def load_reference(state_dict):
        return torch_layer(**kwargs).load_state_dict(state_dict)

    def run_backward(grad_output):
        layer = numpy_layer(**kwargs)
        layer(x)
        return layer.backward(grad_output)

    valid = reference(xt)
    G = np.ones(tuple((valid[0] if isinstance(valid, tuple) else valid).shape))   # grad_output of the valid call
    cases = [
        Case(f"dlref.numpy.nn.{name}", forward, dict(input=x), reference=reference, stricter=forward_stricter,
             id=f"{prefix}-forward"),
        Case(f"dlref.torch.nn.{name}", forward_twin, dict(input=xt), reference=reference,
             stricter=forward_stricter, id=f"torch-{prefix}-forward"),
        Case(f"dlref.numpy.nn.{name}", construct, dict(kwargs), reference=construct_reference, hostile=(),
             stricter=build_stricter, extra=list(bad_kwargs), id=f"{prefix}-constructor"),
        Case(f"dlref.torch.nn.{name}", construct_twin, dict(kwargs), reference=construct_reference, hostile=(),
             stricter=build_stricter, extra=list(bad_kwargs), id=f"torch-{prefix}-constructor"),
    ]
    state = numpy_layer(**kwargs).state_dict()
    if state and not eval_mode:
        cases.append(Case(f"dlref.numpy.nn.{name}", load, dict(state_dict=state), reference=load_reference,
                          hostile=(), extra=state_dict_extras(state), id=f"{prefix}-load_state_dict"))
    if backward:
        ref = module_backward_reference(lambda: torch_layer(**kwargs), x)
        cases.append(Case(f"dlref.numpy.nn.{name}", run_backward, dict(grad_output=G), reference=ref,
                          stricter=BACKWARD_STRICTER, id=f"{prefix}-backward"))
    return cases


def backward_before_forward(name: str, kwargs: dict, grad_output: np.ndarray) -> None:
    """A NumPy layer's ``backward`` before any ``forward`` raises RuntimeError saying so (the defined behaviour)."""
    with pytest.raises(RuntimeError, match="before forward"):
        getattr(nn, name)(**kwargs).backward(grad_output)


__all__ = ["BACKWARD_STRICTER", "GRAD_DTYPE", "backward_before_forward", "grads_reference", "module_cases",
           "state_dict_extras", "torch_dtype", "torch_kwargs"]
