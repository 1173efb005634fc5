"""`Parameter` and `Module`: the base of every `dlref.numpy.nn` layer.

A NumPy module works like a ``torch.nn.Module`` whose autograd has been written out by
hand: ``forward`` computes the output and keeps what the backward pass will need;
``backward(grad_output)`` returns the gradient for the input and adds each parameter's
gradient into its ``.grad``.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Iterator, NamedTuple

import numpy as np


class Parameter:
    """A learnable array and its gradient, like ``torch.nn.Parameter``.

    Args:
        data: the initial values, a NumPy array (or NumPy scalar); copied.
        requires_grad: whether backward passes fill ``grad`` (a bool; an integer or bool
            ``data`` needs ``requires_grad=False``, as in torch: it cannot hold a
            gradient step).

    Attributes:
        data: the values, a NumPy array.
        grad: the accumulated gradient (same shape and dtype as ``data``), or ``None``
            before the first backward pass and after ``zero_grad()``.

    PyTorch equivalent: ``torch.nn.Parameter``. Differences from PyTorch: a NumPy array
    has no autograd, so ``grad`` is filled by the owning module's ``backward``;
    ``Parameter(None)`` raises ``TypeError`` (torch makes an empty parameter).
    """

    def __init__(self, data, requires_grad: bool = True):
        if not isinstance(data, (np.ndarray, np.generic)):
            raise TypeError(
                f"data must be a NumPy array, got {type(data).__name__} (use "
                "np.asarray)"
            )
        if not isinstance(requires_grad, (bool, np.bool_)):
            raise TypeError(
                f"requires_grad must be a bool, got {type(requires_grad).__name__}"
            )
        if requires_grad and data.dtype.kind not in "fc":
            raise TypeError(
                "data must be floating point or complex to require gradients, got "
                f"dtype {data.dtype} (pass requires_grad=False)"
            )
        self.data = np.array(data)  # a copy: a Parameter owns its values
        self.grad: np.ndarray | None = None
        self.requires_grad = bool(requires_grad)

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    def accumulate_grad(self, grad: np.ndarray) -> None:
        """Add ``grad`` into ``self.grad`` (gradients accumulate across backward calls,
        as in torch)."""
        if not self.requires_grad:
            return
        grad = np.asarray(grad, dtype=self.data.dtype)
        if grad.shape != self.data.shape:
            raise ValueError(
                f"gradient of shape {grad.shape} does not match parameter shape "
                f"{self.data.shape}"
            )
        self.grad = grad.copy() if self.grad is None else self.grad + grad

    def __repr__(self) -> str:
        return f"Parameter containing:\n{self.data!r}"


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]


def _as_numpy(value) -> np.ndarray:
    """A NumPy copy of an array-like, a torch tensor (any device) included."""
    if hasattr(value, "detach"):  # torch.Tensor, without importing torch
        value = value.detach().cpu().numpy()
    return np.array(value)


class Module:
    """Base class of the NumPy layers, with the interface of ``torch.nn.Module``.

    Subclasses set parameters, buffers and sub-modules as attributes in ``__init__``
    (after calling ``super().__init__()``) and implement ``forward`` and ``backward``.
    Registration follows attribute order, so ``state_dict()`` keys come out in torch's
    order: ``"0.weight"``, ``"0.bias"``, ``"layer1.0.conv1.weight"``, ...

    Methods mirror torch: ``parameters``, ``named_parameters``, ``buffers``,
    ``named_buffers``, ``children``, ``named_children``, ``modules``, ``named_modules``,
    ``train``, ``eval``, ``zero_grad``, ``state_dict``, ``load_state_dict``, ``apply``.
    ``backward(grad_output)`` has no torch counterpart (autograd does it there).

    Differences from PyTorch:
        * A module keeps what its last ``forward`` saved, so ``backward`` belongs to the
          last ``forward``: a module called twice in one forward pass (weight sharing)
          needs a separate instance per call, or the autograd `Tensor` of
          `dlref.numpy.autograd`.
        * Inputs are not cast, and dtypes are not promoted: a float64 input to a float32
          module raises ``TypeError`` naming both dtypes, as torch raises a dtype error.
          Gradients are stored in each parameter's dtype.
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # -- registration ------------------------------------------------------------------

    def __setattr__(self, name: str, value) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(
                f"call Module.__init__() in {type(self).__name__}.__init__ before "
                f"setting {name!r}"
            )
        if isinstance(value, Parameter) or (value is None and name in self._parameters):
            self._modules.pop(name, None)
            self._buffers.pop(name, None)
            self._parameters[name] = value
        elif name in self._parameters:
            # as torch does: replacing a parameter by an array would silently drop it
            # from parameters() and state_dict(); assign to .data instead
            raise TypeError(
                f"cannot assign {type(value).__name__} as parameter {name!r} "
                "(Parameter or None expected; to change the values, assign to "
                f"{name}.data)"
            )
        elif isinstance(value, Module) or (value is None and name in self._modules):
            self._parameters.pop(name, None)
            self._buffers.pop(name, None)
            self._modules[name] = value
        elif name not in self._buffers:  # a buffer keeps its place when reassigned
            self._parameters.pop(name, None)
            self._modules.pop(name, None)
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Add a parameter, or ``None`` (as torch registers ``bias`` when
        ``bias=False``)."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(
                f"param must be a Parameter or None, got {type(param).__name__}"
            )
        self._parameters[name] = param
        object.__setattr__(self, name, param)

    def register_buffer(self, name: str, array: np.ndarray | None) -> None:
        """Add a state array saved in ``state_dict`` but not trained (e.g.
        ``running_mean``)."""
        # an ordered set of names; the value lives in the attribute
        self._buffers[name] = None
        object.__setattr__(self, name, array)

    # -- calling -----------------------------------------------------------------------

    def forward(self, *args):
        raise NotImplementedError(f"{type(self).__name__} does not implement forward")

    def backward(self, grad_output):
        """Given dL/d(output), accumulate dL/d(parameter) into ``.grad`` and return
        dL/d(input)."""
        raise NotImplementedError(f"{type(self).__name__} does not implement backward")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    def _saved(self, *names: str):
        """What ``forward`` saved for ``backward``; a clear error when forward has not
        run."""
        cache = self.__dict__.get("_cache")
        if cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        values = tuple(cache[name] for name in names)
        return values[0] if len(values) == 1 else values

    def _save(self, **values) -> None:
        """Keep arrays that ``backward`` needs (overwritten by the next forward)."""
        object.__setattr__(self, "_cache", values)

    # -- traversal ---------------------------------------------------------------------

    def named_children(self) -> Iterator[tuple[str, "Module"]]:
        yield from self._modules.items()

    def children(self) -> Iterator["Module"]:
        for _, module in self.named_children():
            yield module

    def named_modules(
        self, prefix: str = "", remove_duplicate: bool = True
    ) -> Iterator[tuple[str, "Module"]]:
        """``self`` and every sub-module, depth first, with dotted names.

        A module reachable under several names (a shared layer) comes once, under its
        first name, unless ``remove_duplicate=False`` (as in torch).
        """
        yield from self._named_modules(prefix, set() if remove_duplicate else None)

    def _named_modules(
        self, prefix: str, memo: set | None
    ) -> Iterator[tuple[str, "Module"]]:
        if memo is not None:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is not None:
                yield from module._named_modules(
                    f"{prefix}.{name}" if prefix else name, memo
                )

    def modules(self) -> Iterator["Module"]:
        for _, module in self.named_modules():
            yield module

    def _named_members(
        self, registry: str, prefix: str, recurse: bool, remove_duplicate: bool
    ):
        modules = (
            self.named_modules(prefix, remove_duplicate)
            if recurse
            else [(prefix, self)]
        )
        seen: set[int] = set()
        for module_name, module in modules:
            for name in getattr(module, registry):
                value = getattr(module, name)
                if value is None:
                    continue
                if remove_duplicate:
                    if id(value) in seen:
                        continue
                    seen.add(id(value))
                yield (f"{module_name}.{name}" if module_name else name), value

    def named_parameters(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, Parameter]]:
        """Every parameter with its dotted name; a shared (tied) parameter comes once,
        as in torch."""
        yield from self._named_members("_parameters", prefix, recurse, remove_duplicate)

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(
        self, prefix: str = "", recurse: bool = True, remove_duplicate: bool = True
    ) -> Iterator[tuple[str, np.ndarray]]:
        yield from self._named_members("_buffers", prefix, recurse, remove_duplicate)

    def buffers(self, recurse: bool = True) -> Iterator[np.ndarray]:
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def apply(self, fn) -> "Module":
        """Call ``fn`` on every sub-module (children first) and on ``self``, as torch
        does."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # -- modes and gradients -----------------------------------------------------------

    def train(self, mode: bool = True) -> "Module":
        if not isinstance(mode, bool):
            raise TypeError(f"mode must be a bool, got {type(mode).__name__}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> "Module":
        return self.train(False)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient (to ``None`` by default, as torch does)."""
        for param in self.parameters():
            if set_to_none or param.grad is None:
                param.grad = None
            else:
                param.grad = np.zeros_like(param.data)

    # -- state -------------------------------------------------------------------------

    def state_dict(self) -> "OrderedDict[str, np.ndarray]":
        """Copies of the parameters and buffers, under torch's keys."""
        state: OrderedDict[str, np.ndarray] = OrderedDict()
        for module_name, module in self.named_modules(remove_duplicate=False):
            prefix = f"{module_name}." if module_name else ""
            for name, param in module._parameters.items():
                if param is not None:
                    state[prefix + name] = param.data.copy()
            for name in module._buffers:
                value = getattr(module, name)
                if value is not None:
                    state[prefix + name] = np.array(value, copy=True)
        return state

    def load_state_dict(self, state_dict, strict: bool = True) -> _IncompatibleKeys:
        """Copy values in from ``state_dict`` (NumPy arrays, torch tensors, or lists).

        Values are cast to each parameter's dtype. Raises ``ValueError`` naming the keys
        when (with ``strict=True``) keys are missing or unexpected, and naming the key
        and both shapes when a shape differs; ``TypeError`` naming the key for a value
        that is not numeric, or complex for a real parameter (torch drops the imaginary
        part with a warning); nothing is changed when an error is raised.
        """
        if not hasattr(state_dict, "keys"):
            raise TypeError(
                f"state_dict must be a mapping, got {type(state_dict).__name__}"
            )
        targets: dict[str, tuple[Module, str, bool]] = {}
        for module_name, module in self.named_modules(remove_duplicate=False):
            prefix = f"{module_name}." if module_name else ""
            for name, param in module._parameters.items():
                if param is not None:
                    targets[prefix + name] = (module, name, True)
            for name in module._buffers:
                if getattr(module, name) is not None:
                    targets[prefix + name] = (module, name, False)

        missing = [key for key in targets if key not in state_dict]
        unexpected = [key for key in state_dict.keys() if key not in targets]
        if strict and (missing or unexpected):
            parts = []
            if missing:
                parts.append(f"missing keys {missing}")
            if unexpected:
                parts.append(f"unexpected keys {unexpected}")
            raise ValueError(
                f"state_dict does not match {type(self).__name__}: " + "; ".join(parts)
            )

        new_values = {}
        for key, (module, name, is_param) in targets.items():
            if key not in state_dict:
                continue
            current = getattr(module, name).data if is_param else getattr(module, name)
            try:
                value = _as_numpy(state_dict[key])
            except ValueError as error:  # a ragged nested list, say
                raise ValueError(
                    f"state_dict[{key!r}] is not an array: {error}"
                ) from None
            if value.dtype.kind not in "biufc" or (
                value.dtype.kind == "c" and current.dtype.kind != "c"
            ):
                what = "numbers" if current.dtype.kind == "c" else "real numbers"
                raise TypeError(
                    f"state_dict[{key!r}] must hold {what} for {current.dtype}, got "
                    f"dtype {value.dtype}"
                )
            if value.shape != current.shape:
                raise ValueError(
                    f"state_dict[{key!r}] has shape {value.shape}, expected "
                    f"{current.shape}"
                )
            new_values[key] = value.astype(current.dtype, copy=False)
        for key, value in new_values.items():
            module, name, is_param = targets[key]
            if is_param:
                getattr(module, name).data = value
            else:
                object.__setattr__(module, name, value)
        return _IncompatibleKeys(missing, unexpected)

    # -- printing ----------------------------------------------------------------------

    def extra_repr(self) -> str:
        return ""

    def __repr__(self) -> str:
        lines = [
            f"({name}): " + repr(module).replace("\n", "\n  ")
            for name, module in self._modules.items()
        ]
        head = f"{type(self).__name__}({self.extra_repr()}"
        if not lines:
            return head + ")"
        return head + "\n  " + "\n  ".join(lines) + "\n)"
