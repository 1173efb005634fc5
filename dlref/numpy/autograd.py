r"""A minimal reverse-mode automatic differentiation engine, for teaching.

`Tensor` wraps a NumPy array. Each operation on tensors that require gradients returns a
new tensor that remembers its inputs (its *parents*) and a function, the operation's
*local backward rule*, which maps the gradient of the loss with respect to the output to
the gradients with respect to the inputs. Together these records form the computational
graph. ``loss.backward()`` visits the graph from the loss back to the leaves in reverse
topological order and applies the chain rule at every node:

$$
\frac{\partial L}{\partial x} = \sum_{y \text{ uses } x}
    \frac{\partial L}{\partial y} \, \frac{\partial y}{\partial x}
$$

The sum is over every use of ``x``: a value used twice receives the sum of both paths.

This is the mechanism of ``torch.autograd``, reduced to what fits on one page. The
layers of `dlref.numpy.nn` do not use it: each writes its backward pass out by hand, and
that hand-written backward is exactly the local rule that a graph node would hold.
"""

from __future__ import annotations

import numbers
from typing import Callable

import numpy as np

__all__ = ["Tensor"]


def _unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum ``grad`` down to ``shape``: the backward pass of NumPy broadcasting.

    Broadcasting copies a value along new leading axes and along axes of size 1; a value
    copied k times receives the sum of the gradients of its k copies.
    """
    # axes that broadcasting added in front: sum them away
    leading = grad.ndim - len(shape)
    grad = grad.sum(axis=tuple(range(leading)))
    # axes of size 1 that broadcasting stretched: sum them, keeping the axis
    stretched = tuple(
        axis for axis, size in enumerate(shape) if size == 1 and grad.shape[axis] != 1
    )
    return grad.sum(axis=stretched, keepdims=True)


def _check_broadcast(op: str, a: "Tensor", b: "Tensor") -> None:
    """Raise ValueError, naming both operands (torch's ``input`` and ``other``), unless
    they broadcast together."""
    try:
        np.broadcast_shapes(a.shape, b.shape)
    except ValueError:
        raise ValueError(
            f"{op}: input of shape {a.shape} and other of shape {b.shape} "
            "cannot be broadcast together"
        ) from None


def _check_matmul(a: "Tensor", b: "Tensor") -> None:
    """Raise ValueError, naming both shapes, unless ``a @ b`` is defined (np.matmul's
    rules)."""
    if a.ndim == 0 or b.ndim == 0:
        raise ValueError(
            f"matmul: input and other need at least 1 dimension each, got shapes "
            f"{a.shape} and {b.shape}"
        )
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise ValueError(
            f"matmul: input of shape {a.shape} and other of shape {b.shape} cannot "
            f"be multiplied (last dimension of input {inner_a} != "
            f"{'first' if b.ndim == 1 else 'second-to-last'} dimension of other "
            f"{inner_b})"
        )
    try:
        np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise ValueError(
            f"matmul: the batch dimensions of input {a.shape} and other {b.shape} "
            "cannot be broadcast together"
        ) from None


def _check_axis(axis, ndim: int) -> tuple[int, ...] | None:
    """``axis`` of a reduction (None, an int or a tuple of ints, as NumPy's) as a tuple
    of axes in [0, ndim)."""
    if axis is None:
        return None
    axes = axis if isinstance(axis, tuple) else (axis,)
    for a in axes:
        if isinstance(a, bool) or not isinstance(a, numbers.Integral):
            raise TypeError(
                f"axis must be None, an int or a tuple of ints, got {axis!r}"
            )
    if any(not -ndim <= a < ndim for a in axes):
        raise ValueError(
            f"axis must be in [{-ndim}, {ndim - 1}] for a {ndim}-D tensor, got {axis!r}"
        )
    axes = tuple(int(a) % ndim for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"axis names an axis twice: {axis!r}")
    return axes


def _check_dims(name: str, dims, ndim: int) -> tuple[int, ...]:
    """``dims`` of `permute`: a permutation of the ``ndim`` axes (negative ones counted
    from the end)."""
    if any(isinstance(d, bool) or not isinstance(d, numbers.Integral) for d in dims):
        raise TypeError(f"{name} must be ints, got {dims!r}")
    in_range = all(-ndim <= d < ndim for d in dims)
    if (
        len(dims) != ndim
        or not in_range
        or sorted(int(d) % ndim for d in dims) != list(range(ndim))
    ):
        raise ValueError(
            f"{name} must be a permutation of the {ndim} axes, got {dims!r}"
        )
    return tuple(int(d) % ndim for d in dims)


def _check_not_bool(op: str, other) -> None:
    """Raise TypeError for a bool operand of a subtraction, as torch does."""
    if isinstance(other, (bool, np.bool_)) or getattr(other, "dtype", None) == np.bool_:
        raise TypeError(
            f"{op}: other must not be a bool (as in torch; to invert a mask, use ~ "
            "or np.logical_not)"
        )


def _result(
    data, parents: tuple["Tensor", ...], backward: Callable | None, op: str | None
) -> "Tensor":
    """The output of an operation.

    It records its parents and local backward rule only if some parent requires a
    gradient; otherwise it is a constant, as in torch.
    """
    out = Tensor.__new__(Tensor)
    out.data = np.asarray(data)  # keep 0-d results as arrays, not NumPy scalars
    out.grad = None
    out.requires_grad = any(parent.requires_grad for parent in parents)
    out._parents = parents if out.requires_grad else ()
    out._backward = backward if out.requires_grad else None
    out._op = op if out.requires_grad else None
    out._retains_grad = False
    return out


class Tensor:
    r"""An array that records the operations applied to it, so that gradients flow back.

    ``Tensor(data, requires_grad=True)`` makes a *leaf*: a value you want the gradient
    of (a weight, an input). Operations on tensors build new tensors and the graph that
    links them; ``y.backward()`` fills ``.grad`` of every leaf that requires a gradient
    with $\partial y / \partial \text{leaf}$, added to what ``.grad`` held before.

    Supported operations: ``+``, ``-``, ``*``, ``/``, unary ``-``, ``**`` (number
    exponent), ``@`` (``np.matmul`` rules, 1-D operands included; both of one dtype, as
    in torch), `exp`, `log`, `tanh`, `sigmoid`, `relu`, `sum`, `mean`, `reshape`,
    `permute`, `transpose`, `T`, and indexing ``t[index]`` (NumPy basic and
    integer-array indexing). Binary operations broadcast as NumPy does, and the gradient
    of a broadcast operand is summed back to its shape. Operands that are not tensors
    (numbers, arrays; not lists, as in torch) are converted to the tensor's dtype and
    receive no gradient.

    Args:
        data: the values; anything ``np.array`` accepts (copied). Integers and booleans
            become float64 (with ``requires_grad=True`` they are refused, as in torch);
            floating dtypes are kept; a list of Python floats becomes float64.
        requires_grad: whether ``backward`` should compute a gradient for this tensor.

    Attributes:
        data: the values, a NumPy array.
        grad: the accumulated gradient (an array of the shape and dtype of ``data``), or
            ``None`` before the first ``backward`` and after `zero_grad`.
        requires_grad: whether gradients flow to this tensor.

    PyTorch equivalent: ``torch.tensor(data, requires_grad=...)`` and
    ``torch.autograd``. Differences from PyTorch: the graph is kept after ``backward``
    (torch frees it unless ``retain_graph=True``), so calling ``backward`` twice is
    allowed here; there is no check that a saved value was modified in place (torch
    raises an error, this engine silently returns a wrong gradient); integer data
    becomes float64, and a list of floats too (torch: its default dtype, float32);
    complex data is refused; ``sum`` and ``mean`` take NumPy's ``axis``/``keepdims``
    (torch accepts them as aliases of ``dim``/``keepdim``); ``**`` takes a number
    exponent only; ``backward()`` without ``grad`` on a tensor of more than one element
    raises ``ValueError`` (torch: ``RuntimeError``), and bad arguments of the operations
    raise ``ValueError``/``TypeError`` naming them (torch raises ``RuntimeError`` or
    ``IndexError`` for some); ``zero_grad()`` is a method here (in torch you set
    ``t.grad = None``).

    References:
        Rumelhart, Hinton, Williams (1986), Learning representations by back-propagating
        errors, Nature 323, https://doi.org/10.1038/323533a0.
        Baydin, Pearlmutter, Radul, Siskind (2018), Automatic differentiation in machine
        learning: a survey, JMLR 18(153), https://jmlr.org/papers/v18/17-468.html.
    """

    # NumPy must not treat a Tensor as an array:
    # `np.float64(2) * t` then calls t.__rmul__.
    __array_ufunc__ = None

    def __init__(self, data, requires_grad: bool = False):
        if isinstance(data, Tensor):
            data = data.data
        if not isinstance(requires_grad, bool):
            raise TypeError(
                f"requires_grad must be a bool, got {type(requires_grad).__name__}"
            )
        try:
            # a copy: the tensor owns its values, as with torch.tensor
            data = np.array(data)
        except ValueError:  # NumPy's message for a ragged nested list names nothing
            raise ValueError(
                "data must be rectangular: nested lists of one length per level"
            ) from None
        if data.dtype.kind in "biu":
            if requires_grad:
                raise TypeError(
                    f"data of dtype {data.dtype} cannot require grad (as in torch, "
                    "only floating values have gradients): pass floats, e.g. "
                    "np.asarray(data, dtype=float)"
                )
            data = data.astype(np.float64)
        elif data.dtype.kind != "f":
            raise TypeError(f"data must hold real numbers, got dtype {data.dtype}")
        self.data: np.ndarray = data
        self.grad: np.ndarray | None = None
        self.requires_grad = requires_grad
        # the inputs of the operation that made this tensor
        self._parents: tuple[Tensor, ...] = ()
        self._backward: Callable | None = None  # grad of output -> grads of the parents
        self._op: str | None = None  # the operation's name, for printing
        self._retains_grad = False

    # -- attributes -------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        """True for a tensor made by the user rather than by an operation on tensors
        that require grad."""
        return self._backward is None

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(
                f"item() needs a tensor with one element, got shape {self.shape}"
            )
        return float(self.data.reshape(()))

    def __repr__(self) -> str:
        values = np.array2string(self.data, separator=", ", prefix="Tensor(")
        if self._op is not None:
            return f"Tensor({values}, grad_fn=<{self._op}>)"
        if self.requires_grad:
            return f"Tensor({values}, requires_grad=True)"
        return f"Tensor({values})"

    def _lift(self, other) -> "Tensor":
        """``other`` as a Tensor: a number or array becomes a constant of this tensor's
        dtype.

        Lists and other sequences are refused, as torch refuses them (wrap them in
        ``np.array``); so are complex and non-numeric values.
        """
        if isinstance(other, Tensor):
            return other
        if not isinstance(other, numbers.Number) and not hasattr(other, "__array__"):
            raise TypeError(
                "other must be a Tensor, a real number or an array, got "
                f"{type(other).__name__}"
            )
        value = np.asarray(other)
        if value.dtype.kind not in "biuf":
            raise TypeError(
                f"other must hold real numbers, got {type(other).__name__} of dtype "
                f"{value.dtype}"
            )
        return Tensor(value.astype(self.dtype))

    def _lift_same_dtype(self, other) -> "Tensor":
        """``other`` as a Tensor of this tensor's dtype, for ``@``: torch multiplies no
        mixed dtypes."""
        if isinstance(other, Tensor) or (
            not isinstance(other, numbers.Number) and hasattr(other, "__array__")
        ):
            dtype = (
                other.dtype if isinstance(other, Tensor) else np.asarray(other).dtype
            )
            if dtype != self.dtype:
                raise TypeError(
                    f"matmul: input and other must have the same dtype (as in torch), "
                    f"got {self.dtype} and {dtype}"
                )
        return self._lift(other)

    # -- arithmetic: each forward with its local derivative ----------------------------

    def __add__(self, other) -> "Tensor":
        a, b = self, self._lift(other)
        _check_broadcast("add", a, b)

        def backward(g):
            # y = a + b:  dy/da = 1,  dy/db = 1
            return g, g

        return _result(a.data + b.data, (a, b), backward, "add")

    def __sub__(self, other) -> "Tensor":
        _check_not_bool("sub", other)
        a, b = self, self._lift(other)
        _check_broadcast("sub", a, b)

        def backward(g):
            # y = a - b:  dy/da = 1,  dy/db = -1
            return g, -g

        return _result(a.data - b.data, (a, b), backward, "sub")

    def __mul__(self, other) -> "Tensor":
        a, b = self, self._lift(other)
        _check_broadcast("mul", a, b)

        def backward(g):
            # y = a * b:  dy/da = b,  dy/db = a
            return g * b.data, g * a.data

        return _result(a.data * b.data, (a, b), backward, "mul")

    def __truediv__(self, other) -> "Tensor":
        a, b = self, self._lift(other)
        _check_broadcast("div", a, b)

        def backward(g):
            # y = a / b:  dy/da = 1 / b,  dy/db = -a / b^2
            with np.errstate(divide="ignore", invalid="ignore"):
                return g / b.data, -g * a.data / (b.data * b.data)

        # x / 0 = inf, 0 / 0 = nan, as in torch
        with np.errstate(divide="ignore", invalid="ignore"):
            y = a.data / b.data
        return _result(y, (a, b), backward, "div")

    def __neg__(self) -> "Tensor":
        def backward(g):
            # y = -x:  dy/dx = -1
            return (-g,)

        return _result(-self.data, (self,), backward, "neg")

    def __pow__(self, exponent) -> "Tensor":
        if isinstance(exponent, bool) or not isinstance(exponent, numbers.Real):
            raise TypeError(
                f"exponent must be a real number (a Tensor exponent is not supported), "
                f"got {type(exponent).__name__}"
            )
        x, p = self, exponent

        def backward(g):
            # y = x^p:  dy/dx = p x^(p-1)
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                return (g * p * x.data ** (p - 1),)

        # 0^-1 = inf, (-1)^0.5 = nan
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            y = x.data**p
        return _result(y, (x,), backward, "pow")

    def __matmul__(self, other) -> "Tensor":
        a, b = self, self._lift_same_dtype(other)
        _check_matmul(a, b)

        def backward(g):
            # promote 1-D operands to matrices, as np.matmul does:
            # a (n,) -> (1, n), b (n,) -> (n, 1)
            A = a.data if a.ndim > 1 else a.data[None, :]  # (..., m, n)
            B = b.data if b.ndim > 1 else b.data[:, None]  # (..., n, p)
            G = g if b.ndim > 1 else np.expand_dims(g, -1)
            G = G if a.ndim > 1 else np.expand_dims(G, -2)  # (..., m, p)
            # Y = A B:  dL/dA = G B^T,  dL/dB = A^T G
            grad_A = G @ np.swapaxes(B, -1, -2)  # (..., m, n)
            grad_B = np.swapaxes(A, -1, -2) @ G  # (..., n, p)
            # sum over broadcast batch dimensions, then undo the promotion
            grad_a = _unbroadcast(grad_A, A.shape).reshape(a.shape)
            grad_b = _unbroadcast(grad_B, B.shape).reshape(b.shape)
            return grad_a, grad_b

        return _result(a.data @ b.data, (a, b), backward, "matmul")

    def __radd__(self, other) -> "Tensor":
        return self._lift(other) + self

    def __rsub__(self, other) -> "Tensor":
        _check_not_bool("sub", other)
        return self._lift(other) - self

    def __rmul__(self, other) -> "Tensor":
        return self._lift(other) * self

    def __rtruediv__(self, other) -> "Tensor":
        return self._lift(other) / self

    def __rmatmul__(self, other) -> "Tensor":
        return self._lift_same_dtype(other) @ self

    # -- elementwise functions ---------------------------------------------------------

    def exp(self) -> "Tensor":
        r"""$e^x$, elementwise; overflows to ``inf`` above about 709 in float64 (88 in
        float32), as torch."""
        x = self
        with np.errstate(over="ignore"):
            y = np.exp(x.data)

        def backward(g):
            # dy/dx = e^x = y: the output is reused
            return (g * y,)

        return _result(y, (x,), backward, "exp")

    def log(self) -> "Tensor":
        r"""Natural logarithm, elementwise; ``log(0) = -inf`` and a negative input gives
        ``nan``, as torch."""
        x = self
        with np.errstate(divide="ignore", invalid="ignore"):
            y = np.log(x.data)

        def backward(g):
            # dy/dx = 1 / x
            with np.errstate(divide="ignore", invalid="ignore"):
                return (g / x.data,)

        return _result(y, (x,), backward, "log")

    def tanh(self) -> "Tensor":
        r"""Hyperbolic tangent, elementwise; $\tanh' = 1 - \tanh^2$."""
        x = self
        y = np.tanh(x.data)

        def backward(g):
            # dy/dx = 1 - tanh(x)^2 = 1 - y^2
            return (g * (1 - y * y),)

        return _result(y, (x,), backward, "tanh")

    def sigmoid(self) -> "Tensor":
        r"""Logistic sigmoid $\sigma(x) = 1 / (1 + e^{-x})$, elementwise, without
        overflow."""
        x = self
        # sigma(x) = 1 / (1 + e^-x) for x >= 0 and e^x / (1 + e^x) for x < 0: both only
        # ever evaluate e^-|x| <= 1, so nothing overflows, even at |x| = 1e4
        e = np.exp(-np.abs(x.data))
        y = np.where(x.data >= 0, 1 / (1 + e), e / (1 + e))

        def backward(g):
            # dy/dx = sigma(x) (1 - sigma(x)) = y (1 - y)
            return (g * y * (1 - y),)

        return _result(y, (x,), backward, "sigmoid")

    def relu(self) -> "Tensor":
        r"""$\max(x, 0)$, elementwise; its gradient at 0 is taken to be 0, as torch
        does."""
        x = self
        y = np.maximum(x.data, 0)

        def backward(g):
            # dy/dx = 1 where x > 0,
            # else 0 (at x = 0 ReLU has no derivative; 0 is the convention)
            return (g * (x.data > 0),)

        return _result(y, (x,), backward, "relu")

    # -- reductions and shapes ---------------------------------------------------------

    def sum(
        self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False
    ) -> "Tensor":
        """Sum over ``axis`` (all elements when ``None``), as ``np.sum``."""
        x = self
        axis = _check_axis(axis, x.ndim)

        def backward(g):
            # y = sum_i x_i:  dy/dx_i = 1, so every summed element receives g:
            # put back the summed axes (size 1), then copy g along them
            if axis is not None and not keepdims:
                g = np.expand_dims(g, axis)
            return (np.broadcast_to(g, x.shape),)

        with np.errstate(invalid="ignore"):  # inf + (-inf) = nan, as in torch
            y = np.sum(x.data, axis=axis, keepdims=keepdims)
        return _result(y, (x,), backward, "sum")

    def mean(
        self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False
    ) -> "Tensor":
        """Mean over ``axis`` (all elements when ``None``): a sum divided by a count.

        Built from `sum` and ``/``, so it needs no backward rule of its own.
        """
        axes = _check_axis(axis, self.ndim)
        count = int(
            np.prod(
                [self.shape[i] for i in (range(self.ndim) if axes is None else axes)]
            )
        )
        return self.sum(axis=axis, keepdims=keepdims) / count

    def reshape(self, *shape) -> "Tensor":
        """The same values in a new shape: ``t.reshape(2, 3)`` or
        ``t.reshape((2, 3))``."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        if any(
            isinstance(n, bool) or not isinstance(n, numbers.Integral) for n in shape
        ):
            raise TypeError(f"shape must be ints, got {shape!r}")
        x = self
        try:
            y = x.data.reshape(shape)
        except ValueError:  # NumPy's message does not say which argument
            raise ValueError(
                f"shape {shape} does not fit a tensor of {x.data.size} elements "
                f"(shape {x.shape})"
            ) from None

        def backward(g):
            # reshaping moves no value: the gradient takes the input's shape back
            return (g.reshape(x.shape),)

        return _result(y, (x,), backward, "reshape")

    def permute(self, *dims) -> "Tensor":
        """Reorder the axes: output axis ``i`` is input axis ``dims[i]``
        (``torch.permute``)."""
        if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
            dims = tuple(dims[0])
        x = self
        dims = _check_dims("dims", dims, x.ndim)  # negative axes made positive
        y = np.transpose(x.data, dims)

        def backward(g):
            # the inverse permutation puts every axis back where it came from
            return (np.transpose(g, np.argsort(dims)),)

        return _result(y, (x,), backward, "permute")

    def transpose(self, dim0: int, dim1: int) -> "Tensor":
        """Swap two axes, as ``torch.transpose(dim0, dim1)`` (not NumPy's
        ``transpose(axes)``)."""
        size = max(self.ndim, 1)
        for name, dim in (("dim0", dim0), ("dim1", dim1)):
            if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
                raise TypeError(f"{name} must be an int, got {type(dim).__name__}")
            if not -size <= dim < size:
                raise ValueError(
                    f"{name} must be in [{-size}, {size - 1}] for a {self.ndim}-D "
                    f"tensor, got {dim}"
                )
        dims = list(range(self.ndim))
        dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
        return self.permute(dims)

    @property
    def T(self) -> "Tensor":
        """All axes reversed (the matrix transpose for a 2-D tensor)."""
        return self.permute(list(reversed(range(self.ndim))))

    def __getitem__(self, index) -> "Tensor":
        x = self

        def backward(g):
            # each selected element receives its gradient;
            # one selected twice receives the sum
            grad = np.zeros_like(x.data)
            np.add.at(grad, index, g)
            return (grad,)

        return _result(x.data[index], (x,), backward, "index")

    # -- gradients ---------------------------------------------------------------------

    def _topological_order(self) -> list["Tensor"]:
        """Every tensor this one depends on, itself last, each listed after all of its
        parents."""
        order: list[Tensor] = []
        visited: set[int] = set()
        # (tensor, parents already listed?)
        stack: list[tuple[Tensor, bool]] = [(self, False)]
        # a depth-first search, with a stack instead of recursion (deep graphs)
        while stack:
            node, parents_listed = stack.pop()
            if parents_listed:
                order.append(node)
            elif id(node) not in visited:
                visited.add(id(node))
                stack.append((node, True))
                stack.extend(
                    (parent, False)
                    for parent in node._parents
                    if id(parent) not in visited
                )
        return order

    def backward(self, grad=None) -> None:
        r"""Accumulate $\partial\,\text{self} / \partial\,\text{leaf}$ into ``.grad`` of
        every leaf that requires grad.

        Visits the graph from ``self`` back to the leaves in reverse topological order,
        so a node's gradient is complete (every use of it has contributed) before its
        own backward rule passes it on to its parents.

        Args:
            grad: $\partial L / \partial\,\text{self}$, an array (or `Tensor`) of
                ``self``'s shape (the vector of the vector-Jacobian product). May be
                omitted when ``self`` has one element; it is then 1.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() needs a tensor that requires grad: no tensor it was "
                "computed from has requires_grad=True"
            )
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    "grad can be implicitly created only for scalar outputs: this "
                    f"tensor has shape {self.shape}, so pass grad= with that shape"
                )
            grad = np.ones_like(self.data)
        else:
            grad = grad.data if isinstance(grad, Tensor) else grad
            # a list or a Python number, which torch refuses too
            if not hasattr(grad, "__array__"):
                raise TypeError(
                    f"grad must be an array or a Tensor, got {type(grad).__name__}"
                )
            if np.asarray(grad).dtype.kind not in "biuf":
                raise TypeError(
                    f"grad must hold real numbers, got dtype {np.asarray(grad).dtype}"
                )
            grad = np.asarray(grad, dtype=self.dtype)
            if grad.shape != self.shape:
                raise ValueError(
                    f"grad must have the shape of the tensor, {self.shape}, got "
                    f"{grad.shape}"
                )

        # dL/d(node), summed over the node's uses as they arrive
        grads = {id(self): grad}
        for node in reversed(self._topological_order()):
            g = grads.pop(id(node), None)
            # no path from self reaches this node through tensors that require grad
            if g is None:
                continue
            if node.is_leaf or node._retains_grad:
                node.grad = (
                    np.array(g, dtype=node.dtype)
                    if node.grad is None
                    else node.grad + g
                )
            if node.is_leaf:
                continue
            # chain rule: dL/d(parent) = dL/d(node) * d(node)/d(parent),
            # from the node's local rule
            for parent, parent_grad in zip(node._parents, node._backward(g)):
                if not parent.requires_grad:
                    continue
                parent_grad = _unbroadcast(parent_grad, parent.shape).astype(
                    parent.dtype, copy=False
                )
                # a parent used by several nodes receives the sum of their contributions
                grads[id(parent)] = (
                    grads[id(parent)] + parent_grad
                    if id(parent) in grads
                    else parent_grad
                )

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` during ``backward`` (as
        torch)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad() needs a tensor that requires grad")
        self._retains_grad = True

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (``.grad = None``), before the next
        ``backward``."""
        self.grad = None

    def detach(self) -> "Tensor":
        """The same values (shared, not copied) with no history: gradients stop here."""
        return _result(self.data, (), None, None)
