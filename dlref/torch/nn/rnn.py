r"""Recurrent layers as ``torch.nn.Module``s: `RNNCell`, `LSTMCell`, `RNN`, `LSTM` from
tensor primitives.

Each step is written out with ``matmul``, ``tanh``, ``sigmoid`` and elementwise
products; autograd derives backpropagation through time from them. torch's fused kernels
(``torch._VF.rnn_tanh``, ``torch._VF.lstm``, ``torch.lstm_cell``, cuDNN) are never
called. The input projection of all time steps is one ``matmul`` before the loop; each
step is one ``matmul`` with $W_{hh}$ (all four LSTM gates at once).

Parameter names, shapes, gate order (LSTM: i, f, g, o), initialization order and
``state_dict`` keys are torch's, so ``load_state_dict`` works in both directions, and
``torch.manual_seed`` gives the weights ``torch.nn.LSTM`` gets.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dlref._checks import check_torch_float_dtype
from dlref._rnn_args import (
    SequenceLayout,
    check_cell_args,
    check_cell_input,
    check_cell_state,
    check_dropout_masks,
    check_param_dtype,
    check_rnn_args,
    check_sequence_input,
    check_sequence_state,
    check_state_pair,
    layer_parameter_names,
    num_directions,
)
from dlref.torch.functional.regularization import dropout as dropout_fn
from dlref.torch.functional.regularization import dropout_mask

__all__ = ["RNNCell", "LSTMCell", "RNN", "LSTM"]


# -- one direction of one layer --------------------------------------------------------


def _steps(L: int, reverse: bool) -> range:
    """The time steps in the order a direction visits them."""
    return range(L - 1, -1, -1) if reverse else range(L)


def _input_projection(x: torch.Tensor, W_ih: torch.Tensor, b_ih, b_hh) -> torch.Tensor:
    """$x_t W_{ih}^\\top + b_{ih} + b_{hh}$ for every step at once:
    ``(L, N, G * H)``."""
    A_x = torch.matmul(x, W_ih.t())
    if b_ih is not None:
        A_x = A_x + b_ih + b_hh
    return A_x


def _elman_direction(x, initial, W_ih, W_hh, b_ih, b_hh, reverse: bool, relu: bool):
    r"""$h_t = f(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh})$; returns
    ``(H, (h_n,))``."""
    (h,) = initial
    A_x = _input_projection(x, W_ih, b_ih, b_hh)  # (L, N, H)
    H = [None] * x.shape[0]
    for t in _steps(x.shape[0], reverse):
        # a_t = a^x_t + h_{t-1} W_hh^T
        a = A_x[t] + torch.matmul(h, W_hh.t())
        # h_t = f(a_t)
        h = torch.relu(a) if relu else torch.tanh(a)
        H[t] = h
    return torch.stack(H), (h,)  # (L, N, H)


def _lstm_direction(x, initial, W_ih, W_hh, b_ih, b_hh, reverse: bool):
    r"""The LSTM recurrence (gates i, f, g, o); returns ``(H, (h_n, c_n))``."""
    h, c = initial
    Z_x = _input_projection(x, W_ih, b_ih, b_hh)  # (L, N, 4H)
    H = [None] * x.shape[0]
    for t in _steps(x.shape[0], reverse):
        # z_t = z^x_t + h_{t-1} W_hh^T, all four gates at once   (N, 4H)
        z = Z_x[t] + torch.matmul(h, W_hh.t())
        z_i, z_f, z_g, z_o = z.chunk(4, dim=-1)  # 4 x (N, H)
        i, f, g, o = (
            torch.sigmoid(z_i),
            torch.sigmoid(z_f),
            torch.tanh(z_g),
            torch.sigmoid(z_o),
        )
        # c_t = f_t * c_{t-1} + i_t * g_t;  h_t = o_t * tanh(c_t)
        c = f * c + i * g
        h = o * torch.tanh(c)
        H[t] = h
    return torch.stack(H), (h, c)  # (L, N, H)


# -- what RNN and LSTM share, as functions of the module (no base class beyond nn.Module


def _check_generator(generator) -> None:
    if generator is not None and not isinstance(generator, torch.Generator):
        raise TypeError(
            "generator must be a torch.Generator or None, got "
            f"{type(generator).__name__}"
        )


def _build_layers(
    module: nn.Module,
    gate_count: int,
    input_size,
    hidden_size,
    num_layers,
    bias,
    batch_first,
    dropout,
    bidirectional,
    device,
    dtype,
    generator,
) -> None:
    """Set torch's attributes and register torch's parameters in torch's order."""
    check_torch_float_dtype("dtype", dtype)
    _check_generator(generator)
    module.input_size = input_size
    module.hidden_size = hidden_size
    module.num_layers = num_layers
    module.bias = bias
    module.batch_first = batch_first
    module.dropout = float(dropout)
    module.bidirectional = bidirectional
    module.generator = generator
    module.dropout_masks = None
    D = num_directions(bidirectional)
    module._all_weights = []
    for l in range(num_layers):
        layer_input_size = input_size if l == 0 else D * hidden_size
        for d in range(D):
            names = layer_parameter_names(l, d == 1, bias)
            G = gate_count * hidden_size
            shapes = [(G, layer_input_size), (G, hidden_size), (G,), (G,)]
            for name, shape in zip(names, shapes):
                module.register_parameter(
                    name, nn.Parameter(torch.empty(shape, device=device, dtype=dtype))
                )
            module._all_weights.append(names)
    _reset_parameters(module)


def _reset_parameters(module: nn.Module) -> None:
    # torch's init: every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), in registration order
    bound = 1.0 / math.sqrt(module.hidden_size)
    for weight in module.parameters():
        nn.init.uniform_(weight, -bound, bound)


def _check_tensor(name: str, value) -> None:
    if value is not None and not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")


def _to_time_major(
    input: torch.Tensor, layout: SequenceLayout, batch_first: bool
) -> torch.Tensor:
    """``input`` as ``(L, N, F)``, whatever its layout."""
    if not layout.batched:
        return input.unsqueeze(1)  # (L, 1, F)
    if batch_first:
        return input.transpose(0, 1)  # (N, L, F) -> (L, N, F)
    return input


def _from_time_major(
    y: torch.Tensor, layout: SequenceLayout, batch_first: bool
) -> torch.Tensor:
    """``(L, N, F)`` back to the caller's layout."""
    if not layout.batched:
        return y.squeeze(1)  # (L, F)
    if batch_first:
        return y.transpose(0, 1)  # (L, N, F) -> (N, L, F)
    return y


def _layers_forward(
    module: nn.Module,
    direction,
    input,
    states: tuple,
    state_names: tuple[str, ...],
    dropout_masks,
):
    """Check the call, run every layer and direction, and return
    ``(output, final states)``."""
    _check_tensor("input", input)
    for name, state in zip(state_names, states):
        _check_tensor(name, state)
    layout = check_sequence_input(input, module.input_size, module.batch_first)
    check_param_dtype(input, module.weight_ih_l0)
    D = num_directions(module.bidirectional)
    for name, state in zip(state_names, states):
        check_sequence_state(
            name, state, input, layout, D * module.num_layers, module.hidden_size
        )
    output_shape = tuple(input.shape[:-1]) + (D * module.hidden_size,)
    check_dropout_masks(dropout_masks, module.num_layers - 1, output_shape)

    x = _to_time_major(input, layout, module.batch_first)  # (L, N, H_in)
    shape = (D * module.num_layers, layout.batch, module.hidden_size)
    # a missing state is zeros; an unbatched state gets N = 1   (D * num_layers, N, H)
    initial = tuple(
        input.new_zeros(shape) if s is None else s.reshape(shape) for s in states
    )
    final = [[None] * (D * module.num_layers) for _ in states]
    p, used = module.dropout, []
    layer_input = x
    for l in range(module.num_layers):
        outputs = []
        for d in range(D):
            k = l * D + d
            names = module._all_weights[k]
            W_ih, W_hh = getattr(module, names[0]), getattr(module, names[1])
            b_ih, b_hh = (
                (getattr(module, names[2]), getattr(module, names[3]))
                if module.bias
                else (None, None)
            )
            out, last = direction(
                layer_input,
                tuple(s[k] for s in initial),
                W_ih,
                W_hh,
                b_ih,
                b_hh,
                d == 1,
            )
            for rows, value in zip(final, last):
                rows[k] = value
            outputs.append(out)
        # both directions side by side: [forward, reverse]     (L, N, D * H)
        layer_output = torch.cat(outputs, dim=-1) if D == 2 else outputs[0]
        if l < module.num_layers - 1 and module.training and p > 0:
            if dropout_masks is not None:
                # (L, N, D * H)
                mask = _to_time_major(dropout_masks[l], layout, module.batch_first)
            else:
                mask = dropout_mask(
                    tuple(layer_output.shape), p, module.generator, layer_output.device
                )
            # inverted dropout between layers: y = m * x / (1 - p)
            layer_output = dropout_fn(layer_output, p, True, mask=mask)
            used.append(mask)
        layer_input = layer_output
    module.dropout_masks = (
        [_from_time_major(m, layout, module.batch_first) for m in used]
        if used
        else None
    )
    output = _from_time_major(layer_input, layout, module.batch_first)
    final = tuple(torch.stack(rows) for rows in final)  # (D * num_layers, N, H)
    if not layout.batched:
        final = tuple(s.squeeze(1) for s in final)  # (D * num_layers, H)
    return output, final


def _layers_extra_repr(module: nn.Module) -> str:
    # torch's RNNBase.extra_repr
    s = f"{module.input_size}, {module.hidden_size}"
    if module.num_layers != 1:
        s += f", num_layers={module.num_layers}"
    if module.bias is not True:
        s += f", bias={module.bias}"
    if module.batch_first is not False:
        s += f", batch_first={module.batch_first}"
    if module.dropout != 0:
        s += f", dropout={module.dropout}"
    if module.bidirectional is not False:
        s += f", bidirectional={module.bidirectional}"
    return s


class RNN(nn.Module):
    r"""Elman recurrent layer(s): $h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1}
    W_{hh}^\top + b_{hh})$.

    $$h_t = f\!\left(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}\right),
      \qquad f = \tanh \text{ or ReLU},$$

    at every step from $h_0$ (zeros by default). Layer $l > 0$ reads layer $l-1$'s
    outputs (after dropout, in training mode, if ``dropout > 0``); a bidirectional layer
    also runs from the last step to the first with its own weights (``..._reverse``) and
    concatenates both outputs. Autograd derives backpropagation through time.

    Args:
        input_size: features of each input step, $H_\text{in}$.
        hidden_size: features of the state, $H$.
        num_layers: stacked layers (default 1).
        nonlinearity: ``'tanh'`` (default) or ``'relu'``.
        bias: learn $b_{ih}$ and $b_{hh}$ (default ``True``).
        batch_first: input and output are ``(N, L, *)`` instead of ``(L, N, *)`` (not
            the states, as in torch).
        dropout: probability of dropping each output of every layer but the last, in
            training mode (default 0).
        bidirectional: run each layer in both directions (default ``False``).
        device: where the parameters live.
        dtype: parameter dtype (default: torch's default dtype).
        generator: ``torch.Generator`` for the dropout masks (torch's global one when
            ``None``; then, on the CPU, the masks are the ones ``torch.nn.RNN`` draws).

    Initialization (torch's, from torch's global generator in torch's order):
    every weight and bias ~ $U(-1/\sqrt{H}, 1/\sqrt{H})$.

    Shape:
        ``forward(input, hx=None, dropout_masks=None)``: input ``(L, N, H_in)``, ``(N,
        L, H_in)`` with ``batch_first`` or ``(L, H_in)`` unbatched; ``hx`` ``(D *
        num_layers, N, H)`` or ``(D * num_layers, H)``, $D = 2$ if bidirectional else 1.
        Returns ``(output, h_n)``: ``output`` in the input's layout with $D \cdot H$
        features, ``h_n`` in ``hx``'s shape (row ``l * D + d``). ``dropout_masks``:
        ``num_layers - 1`` boolean keep-masks, each of ``output``'s shape and device,
        used instead of drawing (training mode with ``dropout > 0``; ignored otherwise).
        Parameter shapes: ``weight_ih_l{l}`` ``(H, H_in)`` for $l = 0$, ``(H, D * H)``
        above; ``weight_hh_l{l}`` ``(H, H)``; ``bias_ih_l{l}``, ``bias_hh_l{l}``
        ``(H,)``; ``..._reverse`` for the reverse direction.

    Attributes:
        dropout_masks: the keep-masks the last training-mode forward used (``None`` when
            no dropout acted), to hand to the NumPy `RNN`.

    PyTorch equivalent: ``torch.nn.RNN``, same parameter names, shapes, ``state_dict``
    keys.

    Differences from PyTorch: ``generator``, ``forward(..., dropout_masks=...)`` and the
    ``dropout_masks`` attribute; no cuDNN (``flatten_parameters`` does nothing);
    ``input_size`` must be >= 1; a ``dropout`` with one layer is accepted silently
    (torch warns); argument errors are ``ValueError``/``TypeError`` naming the argument.

    References:
        J. L. Elman (1990), "Finding structure in time", Cognitive Science 14(2),
        https://doi.org/10.1207/s15516709cog1402_1
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        check_rnn_args(
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            nonlinearity,
        )
        self.nonlinearity = nonlinearity
        _build_layers(
            self,
            1,
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device,
            dtype,
            generator,
        )

    def reset_parameters(self) -> None:
        """Torch's initialization: every parameter uniform in
        ``±1/sqrt(hidden_size)``."""
        _reset_parameters(self)

    def flatten_parameters(self) -> None:
        """Nothing to do: the twin keeps no cuDNN weight buffer (torch's call is
        accepted)."""

    def _direction(self, x, initial, W_ih, W_hh, b_ih, b_hh, reverse):
        return _elman_direction(
            x, initial, W_ih, W_hh, b_ih, b_hh, reverse, self.nonlinearity == "relu"
        )

    def forward(
        self, input: torch.Tensor, hx: torch.Tensor | None = None, dropout_masks=None
    ):
        output, (h_n,) = _layers_forward(
            self, self._direction, input, (hx,), ("hx",), dropout_masks
        )
        return output, h_n

    def extra_repr(self) -> str:
        return _layers_extra_repr(self)


class LSTM(nn.Module):
    r"""Long short-term memory layer(s), gates in torch's order i, f, g, o.

    $$
    \begin{aligned}
    [z_i, z_f, z_g, z_o] &= x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh} \\
    c_t &= \sigma(z_f) \odot c_{t-1} + \sigma(z_i) \odot \tanh(z_g) \\
    h_t &= \sigma(z_o) \odot \tanh(c_t)
    \end{aligned}
    $$

    Stacking, dropout and bidirectional layers as in `RNN`; autograd derives
    backpropagation through time.

    Args:
        input_size: features of each input step, $H_\text{in}$.
        hidden_size: features of the states $h$ and $c$, $H$.
        num_layers: stacked layers (default 1).
        bias: learn $b_{ih}$ and $b_{hh}$ (default ``True``).
        batch_first: input and output are ``(N, L, *)`` instead of ``(L, N, *)`` (not
            the states, as in torch).
        dropout: probability of dropping each output of every layer but the last, in
            training mode (default 0).
        bidirectional: run each layer in both directions (default ``False``).
        device: where the parameters live.
        dtype: parameter dtype (default: torch's default dtype).
        generator: ``torch.Generator`` for the dropout masks (torch's global one when
            ``None``; then, on the CPU, the masks are the ones ``torch.nn.LSTM`` draws).

    Initialization (torch's, from torch's global generator in torch's order):
    every weight and bias ~ $U(-1/\sqrt{H}, 1/\sqrt{H})$.

    Shape:
        ``forward(input, hx=None, dropout_masks=None)``: input ``(L, N, H_in)``, ``(N,
        L, H_in)`` with ``batch_first`` or ``(L,
        H_in)`` unbatched; ``hx`` a pair ``(h_0, c_0)``, each ``(D * num_layers, N,
        H)`` or ``(D * num_layers, H)``. Returns ``(output, (h_n, c_n))``: ``output`` in
        the input's layout with $D \cdot H$ features, ``h_n``, ``c_n`` in ``h_0``'s
        shape. ``dropout_masks`` as in `RNN`. Parameter shapes: ``weight_ih_l{l}``
        ``(4H, H_in)`` for $l = 0$, ``(4H, D * H)`` above; ``weight_hh_l{l}``
        ``(4H, H)``; ``bias_ih_l{l}``, ``bias_hh_l{l}`` ``(4H,)``; ``..._reverse`` for
        the reverse direction.

    Attributes:
        dropout_masks: the keep-masks the last training-mode forward used (``None`` when
            no dropout acted), to hand to the NumPy `LSTM`.

    PyTorch equivalent: ``torch.nn.LSTM``, same parameter names, shapes, gate order and
    ``state_dict`` keys.

    Differences from PyTorch: no ``proj_size`` (LSTM with projections); ``generator``,
    ``forward(..., dropout_masks=...)`` and the ``dropout_masks`` attribute; no cuDNN
    (``flatten_parameters`` does nothing); ``input_size`` must be >= 1; a ``dropout``
    with one layer is accepted silently (torch warns).

    References:
        S. Hochreiter, J. Schmidhuber (1997), "Long short-term memory", Neural
        Computation 9(8), https://doi.org/10.1162/neco.1997.9.8.1735
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
        dropout: float = 0.0,
        bidirectional: bool = False,
        device=None,
        dtype=None,
        generator: torch.Generator | None = None,
    ):
        super().__init__()
        check_rnn_args(
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
        )
        _build_layers(
            self,
            4,
            input_size,
            hidden_size,
            num_layers,
            bias,
            batch_first,
            dropout,
            bidirectional,
            device,
            dtype,
            generator,
        )

    def reset_parameters(self) -> None:
        """Torch's initialization: every parameter uniform in
        ``±1/sqrt(hidden_size)``."""
        _reset_parameters(self)

    def flatten_parameters(self) -> None:
        """Nothing to do: the twin keeps no cuDNN weight buffer (torch's call is
        accepted)."""

    def forward(self, input: torch.Tensor, hx=None, dropout_masks=None):
        h_0, c_0 = check_state_pair("hx", hx)
        output, (h_n, c_n) = _layers_forward(
            self,
            _lstm_direction,
            input,
            (h_0, c_0),
            ("h_0 (hx[0])", "c_0 (hx[1])"),
            dropout_masks,
        )
        return output, (h_n, c_n)

    def extra_repr(self) -> str:
        return _layers_extra_repr(self)


# -- the cells -------------------------------------------------------------------------


def _build_cell(
    module: nn.Module, gate_count: int, input_size, hidden_size, bias, device, dtype
) -> None:
    check_torch_float_dtype("dtype", dtype)
    module.input_size = input_size
    module.hidden_size = hidden_size
    module.bias = bias
    G = gate_count * hidden_size
    module.weight_ih = nn.Parameter(
        torch.empty((G, input_size), device=device, dtype=dtype)
    )
    module.weight_hh = nn.Parameter(
        torch.empty((G, hidden_size), device=device, dtype=dtype)
    )
    if bias:
        module.bias_ih = nn.Parameter(torch.empty(G, device=device, dtype=dtype))
        module.bias_hh = nn.Parameter(torch.empty(G, device=device, dtype=dtype))
    else:
        module.register_parameter("bias_ih", None)
        module.register_parameter("bias_hh", None)
    _reset_parameters(module)


def _cell_input(module: nn.Module, input, states: tuple, state_names: tuple[str, ...]):
    """Check a cell's call; returns ``(x, states, output shape)`` with ``x``
    ``(1, N, H_in)``, states ``(N, H)``."""
    _check_tensor("input", input)
    for name, state in zip(state_names, states):
        _check_tensor(name, state)
    batched, N = check_cell_input(input, module.input_size)
    check_param_dtype(input, module.weight_ih)
    for name, state in zip(state_names, states):
        check_cell_state(name, state, input, batched, N, module.hidden_size)
    shape = (N, module.hidden_size)
    states = tuple(
        input.new_zeros(shape) if s is None else s.reshape(shape) for s in states
    )
    out_shape = shape if batched else (module.hidden_size,)
    # (1, N, H_in): one step
    return input.reshape(1, N, module.input_size), states, out_shape


def _cell_extra_repr(module: nn.Module) -> str:
    # torch's RNNCellBase.extra_repr
    s = f"{module.input_size}, {module.hidden_size}"
    if module.bias is not True:
        s += f", bias={module.bias}"
    if getattr(module, "nonlinearity", "tanh") != "tanh":
        s += f", nonlinearity={module.nonlinearity}"
    return s


class RNNCell(nn.Module):
    r"""One step of an Elman RNN: $h' = \tanh(x W_{ih}^\top + b_{ih} + h W_{hh}^\top +
    b_{hh})$.

    $$h' = f\!\left(x W_{ih}^\top + b_{ih} + h W_{hh}^\top + b_{hh}\right),
    \qquad f = \tanh \text{ or ReLU}$$

    Args:
        input_size: features of the input, $H_\text{in}$.
        hidden_size: features of the state, $H$.
        bias: learn $b_{ih}$ and $b_{hh}$ (default ``True``).
        nonlinearity: ``'tanh'`` (default) or ``'relu'``.
        device: where the parameters live.
        dtype: parameter dtype (default: torch's default dtype).

    Initialization (torch's): every weight and bias ~ $U(-1/\sqrt{H}, 1/\sqrt{H})$.

    Shape:
        ``forward(input, hx=None)``: input ``(N, H_in)`` or ``(H_in,)``; ``hx``
        ``(N, H)`` or ``(H,)`` (zeros when None); output $h'$ in ``hx``'s shape.
        ``weight_ih`` ``(H, H_in)``, ``weight_hh`` ``(H, H)``, ``bias_ih``, ``bias_hh``
        ``(H,)``.

    PyTorch equivalent: ``torch.nn.RNNCell``, same parameter names and ``state_dict``
    keys.

    Differences from PyTorch: ``input_size`` must be >= 1.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        device=None,
        dtype=None,
    ):
        super().__init__()
        check_cell_args(input_size, hidden_size, bias, nonlinearity)
        self.nonlinearity = nonlinearity
        _build_cell(self, 1, input_size, hidden_size, bias, device, dtype)

    def reset_parameters(self) -> None:
        """Torch's initialization: every parameter uniform in
        ``±1/sqrt(hidden_size)``."""
        _reset_parameters(self)

    def forward(
        self, input: torch.Tensor, hx: torch.Tensor | None = None
    ) -> torch.Tensor:
        x, states, out_shape = _cell_input(self, input, (hx,), ("hx",))
        H, _ = _elman_direction(
            x,
            states,
            self.weight_ih,
            self.weight_hh,
            self.bias_ih,
            self.bias_hh,
            False,
            self.nonlinearity == "relu",
        )
        return H[0].reshape(out_shape)

    def extra_repr(self) -> str:
        return _cell_extra_repr(self)


class LSTMCell(nn.Module):
    r"""One step of an LSTM, gates in torch's order i, f, g, o.

    $$
    \begin{aligned}
    [z_i, z_f, z_g, z_o] &= x W_{ih}^\top + b_{ih} + h W_{hh}^\top + b_{hh} \\
    c' &= \sigma(z_f) \odot c + \sigma(z_i) \odot \tanh(z_g) \\
    h' &= \sigma(z_o) \odot \tanh(c')
    \end{aligned}
    $$

    Args:
        input_size: features of the input, $H_\text{in}$.
        hidden_size: features of the states, $H$.
        bias: learn $b_{ih}$ and $b_{hh}$ (default ``True``).
        device: where the parameters live.
        dtype: parameter dtype (default: torch's default dtype).

    Initialization (torch's): every weight and bias ~ $U(-1/\sqrt{H}, 1/\sqrt{H})$.

    Shape:
        ``forward(input, hx=None)``: input ``(N, H_in)`` or ``(H_in,)``; ``hx`` a pair
        ``(h_0, c_0)``, each ``(N, H)`` or ``(H,)`` (zeros when None). Returns
        ``(h_1, c_1)`` in ``h_0``'s shape. ``weight_ih`` ``(4H, H_in)``, ``weight_hh``
        ``(4H, H)``, ``bias_ih``, ``bias_hh`` ``(4H,)``.

    PyTorch equivalent: ``torch.nn.LSTMCell``, same parameter names, gate order and
    ``state_dict`` keys.

    Differences from PyTorch: ``input_size`` must be >= 1.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        check_cell_args(input_size, hidden_size, bias)
        _build_cell(self, 4, input_size, hidden_size, bias, device, dtype)

    def reset_parameters(self) -> None:
        """Torch's initialization: every parameter uniform in
        ``±1/sqrt(hidden_size)``."""
        _reset_parameters(self)

    def forward(self, input: torch.Tensor, hx=None):
        h_0, c_0 = check_state_pair("hx", hx)
        x, states, out_shape = _cell_input(
            self, input, (h_0, c_0), ("h_0 (hx[0])", "c_0 (hx[1])")
        )
        H, (_, c_1) = _lstm_direction(
            x, states, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, False
        )
        return H[0].reshape(out_shape), c_1.reshape(out_shape)

    def extra_repr(self) -> str:
        return _cell_extra_repr(self)
