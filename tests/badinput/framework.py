"""The bad-input layer: every public name against a catalogue of hostile inputs, judged by the reference.

A `Case` says how to call one public function (or a module's forward, an optimizer's
constructor, ...) with valid arguments, and which reference (a torch op, a scikit-learn
function) does the same work. `hostile_variants` derives the hostile calls from it: one
argument at a time replaced by ``None``, a list, one dimension more or fewer, a zero-size
dimension, a wrong feature size, an integer, float16 or complex array, a mixed precision,
a NaN, an inf. Each hostile call goes to the reference and to dlref, and `judge` applies the
rule of the issue, so the expected behaviour cannot drift from the reference:

* the reference raises -> dlref raises ``ValueError`` or ``TypeError`` whose message names one
  of the call's arguments;
* the reference returns -> dlref returns the same shape and dtype, with NaN only where the
  reference has NaN; or, where dlref is deliberately stricter, raises ``ValueError`` /
  ``TypeError`` naming the argument, and the case says why (`Case.stricter`);
* never another exception type, never a ``RuntimeWarning`` (pytest turns those into errors).

Where no library has the function (``dlref.training``, NumPy ``*_backward`` passes), the
reference is ``None`` and every hostile call must raise ``ValueError`` or ``TypeError``
naming an argument (`Case.accepts` lists the kinds that are legitimately fine, with the
result's shape then only checked against the valid call's).

Each family's catalogue lives in ``tests/badinput/test_<family>.py``; `tests/badinput/test_coverage.py`
fails when a public name of ``dlref.numpy``, ``dlref.torch``, ``dlref.metrics``, ``dlref.data``
or ``dlref.training`` is in no catalogue.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable

import numpy as np
import torch

# -- hostile variants of one argument ---------------------------------------------------------

KINDS = ("none", "list", "extra_dim", "fewer_dims", "empty", "wrong_size", "int", "float16", "complex",
         "mixed_precision", "nan", "inf")

# dlref's design (design.md: dtype kept, bad input gets a clear error) makes some variants an
# error where torch computes something; these differences are shared by every floating op.
FLOATING_ONLY = ("dlref's ops take floating-point arrays only (an integer or complex array is a "
                 "TypeError naming the argument); torch computes some ops on integers or complex numbers")
COMMON_STRICTER = {"int": FLOATING_ONLY, "complex": FLOATING_ONLY}


def _is_array(x) -> bool:
    return isinstance(x, (np.ndarray, torch.Tensor))


def _zeros_like_shape(x, shape):
    if isinstance(x, torch.Tensor):
        return torch.zeros(shape, dtype=x.dtype, device=x.device)
    return np.zeros(shape, dtype=x.dtype)


def _astype(x, kind: str):
    if isinstance(x, torch.Tensor):
        dtype = {"int": torch.int64, "float16": torch.float16, "complex": torch.complex128,
                 "float32": torch.float32}[kind]
        return x.round().to(dtype) if kind == "int" else x.to(dtype)
    dtype = {"int": np.int64, "float16": np.float16, "complex": np.complex128, "float32": np.float32}[kind]
    return np.round(x).astype(dtype) if kind == "int" else x.astype(dtype)


def _with_value(x, value: float):
    y = x.clone() if isinstance(x, torch.Tensor) else x.copy()
    if y.ndim == 0:
        return y * 0 + value
    y.reshape(-1)[0] = value
    return y


def variant(x, kind: str, float_args: int = 1):
    """``x`` (an array or tensor) made hostile in the way ``kind`` names; ``NotImplemented`` if it cannot be."""
    is_float = bool(x.dtype.is_floating_point) if isinstance(x, torch.Tensor) else np.issubdtype(x.dtype, np.floating)
    shape = tuple(x.shape)
    if kind == "none":
        return None
    if kind == "list":
        return x.tolist()
    if kind == "extra_dim":
        return x[None]
    if kind == "fewer_dims":
        return x[0] if x.ndim >= 1 and shape[0] > 0 else NotImplemented
    if kind == "empty":
        return _zeros_like_shape(x, (0,) + shape[1:]) if x.ndim >= 1 and shape[0] > 0 else NotImplemented
    if kind == "wrong_size":
        return _zeros_like_shape(x, shape[:-1] + (shape[-1] + 1,)) if x.ndim >= 1 else NotImplemented
    if kind in ("int", "float16", "complex"):
        return _astype(x, kind) if is_float else NotImplemented
    if kind == "mixed_precision":
        # float32 beside float64 arguments: torch raises for most ops, dlref must not promote silently
        is_f64 = (x.dtype == torch.float64) if isinstance(x, torch.Tensor) else x.dtype == np.float64
        return _astype(x, "float32") if is_f64 and float_args > 1 else NotImplemented
    if kind in ("nan", "inf"):
        size = x.numel() if isinstance(x, torch.Tensor) else x.size
        return _with_value(x, np.nan if kind == "nan" else np.inf) if is_float and size else NotImplemented
    raise ValueError(f"unknown kind {kind!r}")


# -- a case -----------------------------------------------------------------------------------


@dataclasses.dataclass
class Case:
    """One public name called with valid arguments, and the reference that does the same work.

    Args:
        name: the public name covered, e.g. ``"dlref.numpy.functional.relu"``.
        ours: called as ``ours(**args)``.
        args: valid keyword arguments (arrays for the NumPy backend, tensors for torch).
        reference: called as ``reference(**reference_args)`` with each argument converted by
            ``convert`` (NumPy arrays become torch tensors); ``None`` when no library has it.
        hostile: the argument names that get hostile variants (default: every array argument).
        stricter: kind -> why dlref raises where the reference returns (default: integer and
            complex input, `COMMON_STRICTER`).
        accepts: with ``reference=None``, the kinds that are fine (the call must then return).
        rename: our argument name -> the reference's, where they differ.
        skip: kind (or label, ``"weight=none"``) -> why that variant is not run for this case (e.g.
            it would crash torch).
        extra: further hostile calls ``(label, args)`` beyond the generated variants
            (bad reductions, out-of-range class indices, bad constructor arguments ...).
        convert: how each argument is turned into the reference's (default: `convert`, NumPy
            arrays to torch tensors); `keep` passes them unchanged (scikit-learn references).
        aliases: further argument names an error message may use, e.g. ``arrays`` where the
            case's ``X`` and ``y`` fill a ``*arrays`` parameter.
    """

    name: str
    ours: Callable
    args: dict[str, Any]
    reference: Callable | None = None
    hostile: tuple[str, ...] | None = None
    stricter: dict[str, str] = dataclasses.field(default_factory=lambda: dict(COMMON_STRICTER))
    accepts: tuple[str, ...] = ()
    rename: dict[str, str] = dataclasses.field(default_factory=dict)
    skip: dict[str, str] = dataclasses.field(default_factory=dict)
    extra: list[tuple[str, dict[str, Any]]] = dataclasses.field(default_factory=list)
    id: str | None = None
    convert: Callable | None = None
    aliases: tuple[str, ...] = ()

    def hostile_calls(self) -> list[tuple[str, dict[str, Any]]]:
        """``(label, args)`` for every hostile call: generated variants, then the extras."""
        names = self.hostile if self.hostile is not None else tuple(k for k, v in self.args.items() if _is_array(v))
        float_args = sum(1 for v in self.args.values() if _is_array(v) and (
            v.dtype.is_floating_point if isinstance(v, torch.Tensor) else np.issubdtype(v.dtype, np.floating)))
        calls = []
        for arg in names:
            for kind in KINDS:
                if kind in self.skip or f"{arg}={kind}" in self.skip:
                    continue
                value = variant(self.args[arg], kind, float_args)
                if value is NotImplemented:
                    continue
                calls.append((f"{arg}={kind}", dict(self.args, **{arg: value})))
        return calls + [(label, dict(self.args, **changes)) for label, changes in self.extra]


def convert(value):
    """An argument as the torch reference takes it: NumPy arrays (also inside dicts) become tensors."""
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, dict):
        return {k: convert(v) for k, v in value.items()}
    return value


def keep(value):
    """An argument passed to the reference unchanged (for scikit-learn, which takes NumPy arrays)."""
    return value


def _outcome(fn: Callable, kwargs: dict):
    try:
        return "returned", fn(**kwargs)
    except Exception as error:  # noqa: BLE001 - the outcome is judged below
        return "raised", error


def _arrays_of(result) -> list:
    if isinstance(result, (tuple, list)):
        return [a for r in result for a in _arrays_of(r)]
    if _is_array(result):
        return [result]
    if isinstance(result, (float, int, np.floating, np.integer)):
        return [np.asarray(result)]
    return []


def _dtype_name(a) -> str:
    return str(a.dtype).replace("torch.", "")


def _names_an_argument(error: Exception, case: Case, label: str) -> bool:
    message = str(error)
    candidates = set(case.args) | {label.split("=")[0]} | {"grad_output", "input", "target"} | set(case.aliases)
    return any(re.search(rf"\b{re.escape(name)}\b", message) for name in candidates)


def judge(case: Case, label: str, kwargs: dict) -> None:
    """Run one hostile call on dlref and on the reference and apply the rule (module docstring)."""
    kind = label.split("=")[-1] if "=" in label else label
    ours_status, ours = _outcome(case.ours, kwargs)
    where = f"{case.name} with {label}"
    if ours_status == "raised":
        assert isinstance(ours, (ValueError, TypeError)), (
            f"{where}: raised {type(ours).__name__}: {ours} (expected ValueError or TypeError)")
        assert _names_an_argument(ours, case, label), f"{where}: the message does not name an argument: {ours}"
    if case.reference is None:
        if ours_status == "returned":
            assert kind in case.accepts or label in case.accepts, (
                f"{where}: returned instead of raising ValueError/TypeError")
        return
    ref_kwargs = {case.rename.get(k, k): (case.convert or convert)(v) for k, v in kwargs.items()}
    ref_status, ref = _outcome(case.reference, ref_kwargs)
    if ref_status == "raised":
        assert ours_status == "raised", (
            f"{where}: the reference raised {type(ref).__name__} ({str(ref)[:120]}), dlref returned")
        return
    if ours_status == "raised":
        assert kind in case.stricter or label in case.stricter, (
            f"{where}: the reference returned but dlref raised {type(ours).__name__}: {ours}; "
            "match the reference, or list the kind in Case.stricter with the reason")
        return
    ours_arrays, ref_arrays = _arrays_of(ours), _arrays_of(ref)
    assert len(ours_arrays) == len(ref_arrays), f"{where}: {len(ours_arrays)} outputs, reference {len(ref_arrays)}"
    for a, r in zip(ours_arrays, ref_arrays):
        assert tuple(a.shape) == tuple(r.shape), f"{where}: shape {tuple(a.shape)}, reference {tuple(r.shape)}"
        assert _dtype_name(a) == _dtype_name(r), f"{where}: dtype {_dtype_name(a)}, reference {_dtype_name(r)}"
        a_np = a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
        r_np = r.detach().cpu().numpy() if isinstance(r, torch.Tensor) else np.asarray(r)
        if a_np.dtype.kind in "fc" and r_np.dtype.kind in "fc":
            extra_nan = np.isnan(a_np) & ~np.isnan(r_np)
            assert not extra_nan.any(), f"{where}: NaN where the reference has none"


def autograd_reference(forward: Callable, inputs: tuple[str, ...] = ("input",)) -> Callable:
    """A reference for a NumPy ``f_backward(grad_output, *inputs, **keywords)``: torch's autograd through ``forward``.

    Returns the gradients for ``inputs`` (one tensor when there is one), computed by
    ``torch.autograd.grad`` of ``forward(**inputs, **keywords)`` with ``grad_output``, so a
    hostile gradient or input is judged by what torch does with it.
    """
    def reference(grad_output, **kwargs):
        leaves = {}
        for name in inputs:
            value = kwargs[name]
            leaves[name] = value.detach().requires_grad_(True) if isinstance(value, torch.Tensor) else value
        output = forward(**dict(kwargs, **leaves))
        grads = torch.autograd.grad(output, [leaves[n] for n in inputs], grad_output)
        return grads[0] if len(grads) == 1 else grads
    return reference


def module_backward_reference(make_module: Callable, input) -> Callable:
    """A reference for a NumPy module's ``backward(grad_output)``: torch's autograd through a torch module.

    ``make_module()`` builds the torch module (with the NumPy module's state) and ``input`` is
    what the NumPy module's ``forward`` was given; the reference returns the gradient for the
    input of ``make_module()(input)`` (its first output, where it returns several) with
    ``grad_output``, so a hostile gradient is judged by what torch's autograd does with it.
    """
    def reference(grad_output):
        x = convert(input).detach().requires_grad_(True)
        output = make_module()(x)
        output = output[0] if isinstance(output, tuple) else output
        return torch.autograd.grad(output, x, grad_output)[0]
    return reference


def ids(calls: list[tuple[Case, str, dict]]) -> list[str]:
    # an object's repr may hold its address ("... at 0x7f..."): drop it, so that every
    # process (pytest-xdist's workers) collects the same test ids
    return [re.sub(r" at 0x[0-9a-fA-F]+", "", f"{case.id or case.name.split('.')[-1]}-{label}")
            for case, label, _ in calls]


def expand(cases: list[Case]) -> list[tuple[Case, str, dict]]:
    """Every hostile call of every case, for ``pytest.mark.parametrize``."""
    return [(case, label, kwargs) for case in cases for label, kwargs in case.hostile_calls()]


def check_valid_call(case: Case) -> None:
    """The valid call must work and agree with the reference in shape and dtype (a sanity check of the case)."""
    result = case.ours(**case.args)
    if case.reference is not None:
        ref = case.reference(**{case.rename.get(k, k): (case.convert or convert)(v) for k, v in case.args.items()})
        for a, r in zip(_arrays_of(result), _arrays_of(ref)):
            assert tuple(a.shape) == tuple(r.shape), f"{case.name}: the valid call's shape differs from the reference"
