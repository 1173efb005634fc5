"""Helpers for checking implementations: ours, and yours.

* `assert_close` compares arrays or tensors with dtype-aware tolerances.
* `numerical_grad` and `gradcheck` check a backward pass against central
  finite differences, with no framework needed.
* `compare_modules` runs a ``dlref.numpy.nn`` module and a ``torch.nn`` module with
  the same weights and compares outputs, input gradients and parameter gradients.
* `dlref.testing.strategies` (a submodule, imported on its own): hypothesis strategies
  that draw valid arguments for convolutions, pooling, normalization, losses and
  recurrent layers. It needs hypothesis (``pip install "dlref[testing]"``).

Importing this module imports neither torch nor hypothesis; `compare_modules` imports
torch when called.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

# "strategies" is listed so that the API reference documents it; it is not imported here
__all__ = [
    "assert_close",
    "numerical_grad",
    "gradcheck",
    "compare_modules",
    "to_numpy",
    "strategies",
]

# Default tolerances by dtype, as torch.testing.assert_close uses them.
_TOLERANCES = {
    np.dtype(np.float16): (1e-3, 1e-5),
    np.dtype(np.float32): (1.3e-6, 1e-5),
    np.dtype(np.float64): (1e-7, 1e-7),
}


def to_numpy(x) -> np.ndarray:
    """A NumPy array from an array, a scalar, or a torch tensor (detached, moved to the
    CPU)."""
    if hasattr(x, "detach"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def assert_close(
    actual,
    expected,
    rtol: float | None = None,
    atol: float | None = None,
    msg: str = "",
) -> None:
    r"""Raise ``AssertionError`` unless $|a - e| \le \text{atol} + \text{rtol}\,|e|$
    everywhere.

    Accepts NumPy arrays, scalars and torch tensors. Shapes must match exactly (no
    broadcasting). NaNs compare equal to NaNs at the same places. Default tolerances
    depend on the less precise dtype of the two, as in ``torch.testing.assert_close``:
    float64 ``rtol=1e-7, atol=1e-7``; float32 ``rtol=1.3e-6, atol=1e-5``.

    The error message gives the largest absolute and relative differences and where they
    are.
    """
    a = to_numpy(actual)
    e = to_numpy(expected)
    prefix = f"{msg}: " if msg else ""
    if a.shape != e.shape:
        raise AssertionError(
            f"{prefix}shapes differ: actual {a.shape}, expected {e.shape}"
        )
    if rtol is None or atol is None:
        dtypes = [d for d in (a.dtype, e.dtype) if d in _TOLERANCES]
        loosest = max((_TOLERANCES[d] for d in dtypes), default=(0.0, 0.0))
        rtol = loosest[0] if rtol is None else rtol
        atol = loosest[1] if atol is None else atol
    a64 = a.astype(np.float64) if a.dtype.kind in "fiub" else a
    e64 = e.astype(np.float64) if e.dtype.kind in "fiub" else e
    both_nan = np.isnan(a64) & np.isnan(e64)
    finite = np.isfinite(a64) & np.isfinite(e64)
    with np.errstate(invalid="ignore", over="ignore"):
        # inf wherever a non-finite value is involved
        diff = np.where(finite, np.abs(a64 - e64), np.inf)
        # equal infinities and NaN-with-NaN agree
        diff = np.where(both_nan | (a64 == e64), 0.0, diff)
        # non-finite values must match exactly:
        # |1 - inf| <= atol + rtol * inf must not pass
        ok = (diff == 0.0) | (finite & (diff <= atol + rtol * np.abs(e64)))
    if not np.all(ok):
        bad = int(np.size(ok) - np.count_nonzero(ok))
        worst = np.unravel_index(np.argmax(np.where(ok, -1.0, diff)), diff.shape)
        a_w, e_w = float(a64[worst]), float(e64[worst])
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            abs_diff = (
                abs(a_w - e_w) if np.isfinite(a_w) and np.isfinite(e_w) else np.inf
            )
            rel = (
                abs_diff / max(abs(e_w), np.finfo(np.float64).tiny)
                if np.isfinite(e_w)
                else np.inf
            )
        raise AssertionError(
            f"{prefix}{bad} of {np.size(ok)} elements differ (rtol={rtol}, "
            f"atol={atol}); largest absolute difference {abs_diff:.3g} at index "
            f"{tuple(int(i) for i in worst)} (actual {a_w!r}, expected {e_w!r}, "
            f"relative {rel:.3g})"
        )


def numerical_grad(
    f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6
) -> np.ndarray:
    r"""Gradient of a scalar function by central differences.

    $$\frac{\partial f}{\partial x_i} \approx
    \frac{f(x + \epsilon e_i) - f(x - \epsilon e_i)}{2\epsilon}$$

    The error is $O(\epsilon^2)$ plus rounding of order $\text{ulp}/\epsilon$; use
    float64 inputs. ``x`` is restored after each probe. Costs ``2 * x.size`` calls of
    ``f``.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"x must be a floating-point array, got dtype {x.dtype}")
    if not x.flags.writeable:
        raise ValueError("x must be writeable: numerical_grad probes it in place")
    grad = np.zeros(x.shape, dtype=np.float64)
    # index x itself (never a flattened copy, which a non-contiguous x would give), so
    # that f sees every probe,
    # whether it reads its argument or the array x through a closure
    for i in np.ndindex(x.shape):
        original = x[i]
        x[i] = original + eps
        f_plus = _scalar(f(x))
        x[i] = original - eps
        f_minus = _scalar(f(x))
        x[i] = original
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def _scalar(value) -> float:
    """``value`` as a float; a clear error when f returned more than one number."""
    value = to_numpy(value)
    if value.size != 1:
        raise ValueError(f"f must return a scalar, got an array of shape {value.shape}")
    return float(value.reshape(()))


def gradcheck(
    forward: Callable[..., np.ndarray],
    backward: Callable[..., object],
    inputs: Sequence[np.ndarray],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-4,
    generator: np.random.Generator | None = None,
) -> bool:
    r"""Check ``backward`` against finite differences of ``forward``; raise
    ``AssertionError`` if they differ.

    ``forward(*inputs)`` returns an array $y$. ``backward(grad_output, *inputs)``
    returns the gradients for each input, a tuple in input order (or one array when
    there is one input; ``None`` for an input that gets no gradient). A random
    ``grad_output`` $g$ turns the check into one of a scalar: the analytic
    vector-Jacobian product must equal the numerical gradient of
    $L(x) = \sum g \odot y(x)$.

    Floating inputs are checked as float64 copies (finite differences in float32 are too
    coarse for a tight check); integer and boolean inputs (class indices, masks) are
    passed unchanged and get no check. Returns ``True`` when the check passes (as
    ``torch.autograd.gradcheck`` does).
    """
    # floating inputs are checked, as float64 copies; integer inputs
    # (class indices, say) are passed unchanged and get no finite-difference check
    inputs = [
        np.array(x, dtype=np.float64)
        if np.issubdtype(np.asarray(x).dtype, np.floating)
        else np.array(x)
        for x in inputs
    ]
    for i, x in enumerate(inputs):
        if x.dtype.kind not in "biuf":
            raise TypeError(
                f"inputs[{i}] must be a real, integer or boolean array, got dtype "
                f"{x.dtype}"
            )
    rng = generator if generator is not None else np.random.default_rng(0)
    y = np.asarray(forward(*inputs))
    grad_output = rng.standard_normal(y.shape)
    analytic = backward(grad_output, *inputs)
    if not isinstance(analytic, tuple):
        analytic = (analytic,)
    if len(analytic) < len(inputs):
        raise ValueError(
            f"backward returned {len(analytic)} gradients for {len(inputs)} inputs"
        )
    for i, x in enumerate(inputs):
        if analytic[i] is None or not np.issubdtype(x.dtype, np.floating):
            continue

        def loss(xi, i=i):
            args = list(inputs)
            args[i] = xi
            return float(np.sum(grad_output * forward(*args)))

        numeric = numerical_grad(loss, np.asarray(inputs[i]), eps)
        assert_close(
            analytic[i], numeric, rtol=rtol, atol=atol, msg=f"gradient for input {i}"
        )
    return True


def _flatten(out) -> list:
    if isinstance(out, (tuple, list)):
        return [leaf for item in out for leaf in _flatten(item)]
    return [out]


def compare_modules(
    ours,
    theirs,
    *inputs,
    grad_output=None,
    rtol: float | None = None,
    atol: float | None = None,
    generator: np.random.Generator | None = None,
) -> dict:
    """Compare a ``dlref.numpy.nn`` module with a ``torch.nn`` module on the same
    weights.

    Copies ``theirs.state_dict()`` into ``ours``; runs both forward on ``inputs`` (NumPy
    arrays; torch receives copies with ``requires_grad``); runs both backward with the
    same ``grad_output`` (random by default); and asserts that the outputs, the input
    gradients and every parameter gradient (matched by name) are close.

    Use float64 modules (``dtype=np.float64`` and ``theirs.double()``) for tight
    tolerances. Returns a dict of the largest absolute difference found for each
    compared quantity.
    """
    import torch

    ours.load_state_dict(theirs.state_dict())
    x_np = [np.asarray(x) for x in inputs]
    x_torch = [
        torch.tensor(x, requires_grad=np.issubdtype(x.dtype, np.floating)) for x in x_np
    ]

    out_ours = ours(*x_np)
    out_theirs = theirs(*x_torch)
    leaves_ours = _flatten(out_ours)
    leaves_theirs = _flatten(out_theirs)
    if len(leaves_ours) != len(leaves_theirs):
        raise AssertionError(
            f"ours returned {len(leaves_ours)} outputs, theirs {len(leaves_theirs)}"
        )
    report = {}
    for k, (a, b) in enumerate(zip(leaves_ours, leaves_theirs)):
        assert_close(a, b, rtol=rtol, atol=atol, msg=f"output {k}")
        report[f"output {k}"] = float(
            np.max(np.abs(to_numpy(a) - to_numpy(b)), initial=0.0)
        )

    rng = generator if generator is not None else np.random.default_rng(0)
    if grad_output is None:
        grads = [
            rng.standard_normal(np.shape(a)).astype(np.asarray(a).dtype)
            for a in leaves_ours
        ]
    else:
        grads = [np.asarray(g) for g in _flatten(grad_output)]
    torch.autograd.backward(
        [t for t in leaves_theirs],
        [torch.tensor(g, dtype=t.dtype) for g, t in zip(grads, leaves_theirs)],
    )
    grad_in = ours.backward(grads[0] if len(grads) == 1 else tuple(grads))
    grad_in = _flatten(grad_in)
    for k, (g, x) in enumerate(zip(grad_in, x_torch)):
        if x.requires_grad:
            assert_close(g, x.grad, rtol=rtol, atol=atol, msg=f"gradient for input {k}")
            report[f"grad input {k}"] = float(
                np.max(np.abs(to_numpy(g) - to_numpy(x.grad)), initial=0.0)
            )

    theirs_params = dict(theirs.named_parameters())
    for name, param in ours.named_parameters():
        expected = theirs_params[name].grad
        if param.grad is None:
            raise AssertionError(
                f"ours computed no gradient for {name!r} (its backward did not "
                "accumulate it)"
            )
        if expected is None:
            raise AssertionError(f"torch computed no gradient for {name!r}")
        assert_close(
            param.grad, expected, rtol=rtol, atol=atol, msg=f"gradient for {name}"
        )
        report[f"grad {name}"] = float(
            np.max(np.abs(param.grad - to_numpy(expected)), initial=0.0)
        )
    return report
