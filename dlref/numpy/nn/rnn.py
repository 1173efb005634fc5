r"""Recurrent layers: `RNNCell`, `LSTMCell`, `RNN`, `LSTM`, with backpropagation through
time written out.

A recurrent layer applies one cell at every time step, feeding each step's state to the
next. ``forward`` runs the steps and keeps every state; ``backward`` walks the same
steps in reverse (backpropagation through time, BPTT), carrying the gradient of the
state from step $t$ back to step $t-1$, and adds each step's contribution to the weight
gradients.

Vectorized the way the speed asks for: the input projection $x_t W_{ih}^\top$ of all
time steps is one matrix product before the loop, each step is one product with $W_{hh}$
(all four LSTM gates at once), and the weight gradients are one product each after the
loop. Only the recurrence itself is a Python loop.

The module-level functions below do one direction of one layer (``_elman_*``,
``_lstm_*``) and a stack of layers (``_stack_*``); the four classes hold torch's
parameters and call them.
"""

from __future__ import annotations

import math

import numpy as np

from dlref._checks import check_float_dtype, check_generator
from dlref._rnn_args import (
    SequenceLayout,
    check_cell_args,
    check_cell_input,
    check_cell_state,
    check_dropout_masks,
    check_grad,
    check_param_dtype,
    check_rnn_args,
    check_sequence_input,
    check_sequence_state,
    check_state_pair,
    layer_parameter_names,
    num_directions,
)
from dlref.numpy.functional.regularization import dropout as dropout_fn
from dlref.numpy.functional.regularization import dropout_backward, dropout_mask
from dlref.numpy.nn import init
from dlref.numpy.nn.module import Module, Parameter

__all__ = ["RNNCell", "LSTMCell", "RNN", "LSTM"]


# -- one direction of one Elman layer --------------------------------------------------

# as in torch, an inf or NaN in the input, a state or a gradient propagates silently
# (inf - inf gives NaN inside a product) instead of raising a RuntimeWarning
_AS_TORCH = np.errstate(invalid="ignore", over="ignore")


def _steps(L: int, reverse: bool) -> range:
    """The time steps in the order a direction visits them."""
    return range(L - 1, -1, -1) if reverse else range(L)


def _previous_states(S: np.ndarray, s_0: np.ndarray, reverse: bool) -> np.ndarray:
    """The state each step read: ``s_{t-1}`` at step t (``s_{t+1}`` in the reverse
    direction)."""
    if reverse:
        return np.concatenate([S[1:], s_0[None]], axis=0)  # (L, N, H)
    return np.concatenate([s_0[None], S[:-1]], axis=0)  # (L, N, H)


@_AS_TORCH
def _elman_forward(x, initial, W_ih, W_hh, b, reverse: bool, relu: bool):
    r"""$h_t = f(x_t W_{ih}^\top + h_{t-1} W_{hh}^\top + b)$ for every step; returns
    ``(H, (h_n,), cache)``.

    ``x`` is ``(L, N, H_in)``, ``initial`` is ``(h_0,)`` with ``h_0`` ``(N, H)``, ``b``
    is $b_{ih} + b_{hh}$ or None; $f$ is tanh or ReLU.
    """
    (h,) = initial
    L = x.shape[0]
    # a^x_t = x_t W_ih^T + b for every t at once        (L, N, H)
    A_x = x @ W_ih.T
    if b is not None:
        A_x = A_x + b
    H = np.empty(A_x.shape, dtype=A_x.dtype)  # (L, N, H): every h_t
    for t in _steps(L, reverse):
        # a_t = a^x_t + h_{t-1} W_hh^T
        a = A_x[t] + h @ W_hh.T
        # h_t = f(a_t)
        h = np.maximum(a, 0) if relu else np.tanh(a)
        H[t] = h
    return H, (h,), (x, initial[0], H)


@_AS_TORCH
def _elman_backward(dH, d_final, cache, W_ih, W_hh, reverse: bool, relu: bool):
    r"""BPTT through `_elman_forward`: returns ``(dx, (dh_0,), (dW_ih, dW_hh, db))``.

    ``dH`` is $\partial L/\partial h_t$ from above (the layer's output), ``d_final``
    holds $\partial L/\partial h_n$ from the final state.
    """
    x, h_0, H = cache
    (dh,) = d_final
    L = x.shape[0]
    dA = np.empty(H.shape, dtype=H.dtype)  # (L, N, H): dL/da_t for every t
    for t in _steps(L, not reverse):  # the forward order, backwards
        # dL/dh_t: from the output at t and from step t + 1 (through h_t W_hh^T)
        dh = dH[t] + dh
        # dL/da_t = dL/dh_t * f'(a_t),  tanh'(a_t) = 1 - h_t^2,  relu'(a_t) = [h_t > 0]
        da = dh * (H[t] > 0) if relu else dh * (1 - H[t] * H[t])
        dA[t] = da
        # dL/dh_{t-1} = dL/da_t W_hh
        dh = da @ W_hh
    H_prev = _previous_states(H, h_0, reverse)  # (L, N, H): h_{t-1} for every t
    hidden = H.shape[-1]
    dA_2d = dA.reshape(-1, hidden)  # (L * N, H)
    # dL/dW_hh = sum_t da_t^T h_{t-1},  dL/dW_ih = sum_t da_t^T x_t,  dL/db = sum_t da_t
    dW_hh = dA_2d.T @ H_prev.reshape(-1, hidden)  # (H, H)
    dW_ih = dA_2d.T @ x.reshape(-1, x.shape[-1])  # (H, H_in)
    db = dA_2d.sum(axis=0)
    # dL/dx_t = da_t W_ih
    dx = dA @ W_ih  # (L, N, H_in)
    return dx, (dh,), (dW_ih, dW_hh, db)


# -- one direction of one LSTM layer ---------------------------------------------------


@_AS_TORCH
def _lstm_forward(x, initial, W_ih, W_hh, b, reverse: bool):
    r"""The LSTM recurrence for every step; returns ``(H, (h_n, c_n), cache)``.

    $z_t = x_t W_{ih}^\top + h_{t-1} W_{hh}^\top + b$, split into the gates i, f, g, o
    (torch's order); $c_t = f_t \odot c_{t-1} + i_t \odot g_t$;
    $h_t = o_t \odot \tanh c_t$.
    """
    h, c = initial
    L, hidden = x.shape[0], h.shape[-1]
    # z^x_t = x_t W_ih^T + b for every t at once:
    # all four gates in one product   (L, N, 4H)
    Z_x = x @ W_ih.T
    if b is not None:
        Z_x = Z_x + b
    # sigma(z) = (1 + tanh(z / 2)) / 2 (stable: no exp to overflow), so one tanh serves
    # all four gates: act = tanh(z * a) * a + s with a = 1/2, s = 1/2 on i, f,
    # o and a = 1, s = 0 on g
    a = np.full(4 * hidden, 0.5, dtype=Z_x.dtype)
    a[2 * hidden : 3 * hidden] = 1.0
    s = 1.0 - a
    # (L, N, 4H): i, f, g, o after their nonlinearities
    gates = np.empty(Z_x.shape, dtype=Z_x.dtype)
    C = np.empty(Z_x.shape[:-1] + (hidden,), dtype=Z_x.dtype)  # (L, N, H): every c_t
    tanh_C = np.empty_like(C)  # (L, N, H): every tanh(c_t)
    H = np.empty_like(C)  # (L, N, H): every h_t
    for t in _steps(L, reverse):
        # z_t = z^x_t + h_{t-1} W_hh^T                      (N, 4H)
        z = Z_x[t] + h @ W_hh.T
        # i, f = sigma(z_i), sigma(z_f);  g = tanh(z_g);  o = sigma(z_o)
        gates[t] = np.tanh(z * a) * a + s
        # 4 x (N, H)
        i, f, g, o = (gates[t, :, k * hidden : (k + 1) * hidden] for k in range(4))
        # c_t = f_t * c_{t-1} + i_t * g_t
        C[t] = f * c + i * g
        c = C[t]
        # h_t = o_t * tanh(c_t)
        tanh_C[t] = np.tanh(c)
        H[t] = o * tanh_C[t]
        h = H[t]
    return H, (h, c), (x, initial[0], initial[1], gates, C, tanh_C, H)


@_AS_TORCH
def _lstm_backward(dH, d_final, cache, W_ih, W_hh, reverse: bool):
    r"""BPTT through `_lstm_forward`: returns
    ``(dx, (dh_0, dc_0), (dW_ih, dW_hh, db))``."""
    x, h_0, c_0, gates, C, tanh_C, H = cache
    dh, dc = d_final
    L = x.shape[0]
    C_prev = _previous_states(C, c_0, reverse)  # (L, N, H): c_{t-1} for every t
    hidden = C.shape[-1]
    # the local slopes of every step at once: sigma' = s (1 - s) on i, f, o;
    # tanh' = 1 - g^2 on g
    slope = gates * (1 - gates)  # (L, N, 4H)
    g_all = gates[..., 2 * hidden : 3 * hidden]
    slope[..., 2 * hidden : 3 * hidden] = 1 - g_all * g_all
    # tanh'(c_t) = 1 - tanh^2(c_t)                           (L, N, H)
    tanh_slope = 1 - tanh_C * tanh_C
    dZ = np.empty(gates.shape, dtype=gates.dtype)  # (L, N, 4H): dL/dz_t for every t
    for t in _steps(L, not reverse):  # the forward order, backwards
        # 4 x (N, H)
        i, f, g, o = (gates[t, :, k * hidden : (k + 1) * hidden] for k in range(4))
        # views into dZ[t]
        d_i, d_f, d_g, d_o = (dZ[t, :, k * hidden : (k + 1) * hidden] for k in range(4))
        # dL/dh_t: from the output at t and from step t + 1
        dh = dH[t] + dh
        # h_t = o_t * tanh(c_t):  dL/do_t = dL/dh_t * tanh(c_t)
        d_o[...] = dh * tanh_C[t]
        # dL/dc_t: from step t + 1 (through f_{t+1}) and from h_t
        dc = dc + dh * o * tanh_slope[t]
        # c_t = f_t * c_{t-1} + i_t * g_t:
        # dL/di_t = dL/dc_t g_t, dL/df_t = dL/dc_t c_{t-1}, dL/dg_t = dL/dc_t i_t
        d_i[...] = dc * g
        d_f[...] = dc * C_prev[t]
        d_g[...] = dc * i
        # through the gate nonlinearities: dL/dz_t = dL/d(gate) * slope
        dZ[t] *= slope[t]
        # dL/dc_{t-1} = dL/dc_t * f_t;  dL/dh_{t-1} = dL/dz_t W_hh
        dc = dc * f
        dh = dZ[t] @ W_hh
    H_prev = _previous_states(H, h_0, reverse)  # (L, N, H): h_{t-1} for every t
    dZ_2d = dZ.reshape(-1, dZ.shape[-1])  # (L * N, 4H)
    # dL/dW_hh = sum_t dz_t^T h_{t-1},  dL/dW_ih = sum_t dz_t^T x_t,  dL/db = sum_t dz_t
    dW_hh = dZ_2d.T @ H_prev.reshape(-1, H.shape[-1])  # (4H, H)
    dW_ih = dZ_2d.T @ x.reshape(-1, x.shape[-1])  # (4H, H_in)
    db = dZ_2d.sum(axis=0)
    # dL/dx_t = dz_t W_ih
    dx = dZ @ W_ih  # (L, N, H_in)
    return dx, (dh, dc), (dW_ih, dW_hh, db)


# -- a stack of layers, each in one or two directions ----------------------------------


def _stack_forward(
    direction_forward, weights, x, initial, p: float, training: bool, masks, generator
):
    """Run ``num_layers`` layers of ``D`` directions; returns
    ``(output, final, caches, masks_used)``.

    ``weights[l][d]`` is ``(W_ih, W_hh, b)``; ``x`` is time-major ``(L, N, H_in)``;
    ``initial`` holds the initial states, each ``(D * num_layers, N, H)`` (row
    ``l * D + d`` for layer l, direction d, as torch orders ``h_0``). Dropout with
    probability ``p`` acts on each layer's output but the last, in training mode only.
    """
    num_layers, D = len(weights), len(weights[0])
    final = tuple(np.empty_like(s) for s in initial)
    caches, masks_used = [], []
    layer_input = x
    for l in range(num_layers):
        outputs, direction_caches = [], []
        for d in range(D):
            k = l * D + d
            out, last, cache = direction_forward(
                layer_input,
                tuple(s[k] for s in initial),
                *weights[l][d],
                reverse=d == 1,
            )
            for s, value in zip(final, last):
                s[k] = value
            outputs.append(out)
            direction_caches.append(cache)
        # both directions side by side: [forward, reverse]   (L, N, D * H)
        layer_output = np.concatenate(outputs, axis=-1) if D == 2 else outputs[0]
        mask = None
        if l < num_layers - 1 and training and p > 0:
            mask = (
                masks[l]
                if masks is not None
                else dropout_mask(layer_output.shape, p, generator)
            )
            # inverted dropout between layers: y = m * x / (1 - p)
            layer_output = dropout_fn(layer_output, p, True, mask=mask)
            masks_used.append(mask)
        caches.append((direction_caches, mask))
        layer_input = layer_output
    return layer_input, final, caches, masks_used


def _stack_backward(
    direction_backward, weights, grad_output, grad_final, caches, p: float
):
    """BPTT through `_stack_forward`; returns ``(grad_x, grad_initial, grad_weights)``.

    ``grad_weights[l][d]`` is ``(dW_ih, dW_hh, db)``; ``grad_final`` holds the gradients
    of the final states, each ``(D * num_layers, N, H)``.
    """
    num_layers, D = len(weights), len(weights[0])
    hidden = grad_final[0].shape[-1]
    grad_initial = tuple(np.empty_like(g) for g in grad_final)
    grad_weights = [[None] * D for _ in range(num_layers)]
    grad_layer_output = grad_output  # (L, N, D * H)
    for l in range(num_layers - 1, -1, -1):
        direction_caches, mask = caches[l]
        if mask is not None:
            # dL/dx = m * g / (1 - p), the dropout after layer l
            grad_layer_output = dropout_backward(
                grad_layer_output, grad_layer_output, p, True, mask=mask
            )
        grad_x = None
        for d in range(D):
            k = l * D + d
            # (L, N, H): this direction's half
            dH = grad_layer_output[..., d * hidden : (d + 1) * hidden]
            dx, d_initial, grad_weights[l][d] = direction_backward(
                dH,
                tuple(g[k] for g in grad_final),
                direction_caches[d],
                *weights[l][d][:2],
                reverse=d == 1,
            )
            for g, value in zip(grad_initial, d_initial):
                g[k] = value
            # both directions read the same input: their gradients add
            grad_x = dx if grad_x is None else grad_x + dx
        grad_layer_output = grad_x
    return grad_layer_output, grad_initial, grad_weights


# -- layouts ---------------------------------------------------------------------------


def _to_time_major(
    input: np.ndarray, layout: SequenceLayout, batch_first: bool
) -> np.ndarray:
    """``input`` as ``(L, N, F)``, whatever its layout."""
    if not layout.batched:
        return input[:, None, :]  # (L, 1, F)
    if batch_first:
        return input.transpose(1, 0, 2)  # (N, L, F) -> (L, N, F)
    return input


def _from_time_major(
    y: np.ndarray, layout: SequenceLayout, batch_first: bool
) -> np.ndarray:
    """``(L, N, F)`` back to the caller's layout."""
    if not layout.batched:
        return y[:, 0, :]  # (L, F)
    if batch_first:
        return y.transpose(1, 0, 2)  # (L, N, F) -> (N, L, F)
    return y


def _grad_tuple(grad_output, names: tuple[str, ...]):
    """``backward``'s gradients given as one tuple (as `dlref.testing.compare_modules`
    passes them)."""
    if isinstance(grad_output, tuple):
        if len(grad_output) != len(names):
            raise ValueError(
                f"grad_output given as a tuple must hold {len(names)} gradients "
                f"({', '.join(names)}), got {len(grad_output)}"
            )
        return grad_output
    return None


def _check_dtype(dtype) -> None:
    check_float_dtype("dtype", dtype)


# -- what RNN and LSTM share, as functions of the module (no base class beyond Module) -


def _build_layers(
    module: Module,
    gate_count: int,
    input_size,
    hidden_size,
    num_layers,
    bias,
    batch_first,
    dropout,
    bidirectional,
    dtype,
    generator,
) -> None:
    """Set torch's attributes and register torch's parameters, ``gate_count * H`` rows
    each."""
    _check_dtype(dtype)
    module.input_size = input_size
    module.hidden_size = hidden_size
    module.num_layers = num_layers
    module.bias = bias
    module.batch_first = batch_first
    module.dropout = float(dropout)
    module.bidirectional = bidirectional
    module.generator = check_generator("generator", generator)
    module.dropout_masks = None
    D = num_directions(bidirectional)
    module._all_weights = []
    for l in range(num_layers):
        layer_input_size = input_size if l == 0 else D * hidden_size
        for d in range(D):
            names = layer_parameter_names(l, d == 1, bias)
            shapes = [
                (gate_count * hidden_size, layer_input_size),
                (gate_count * hidden_size, hidden_size),
                (gate_count * hidden_size,),
                (gate_count * hidden_size,),
            ]
            for name, shape in zip(names, shapes):
                setattr(module, name, Parameter(np.empty(shape, dtype=dtype)))
            module._all_weights.append(names)
    _reset_parameters(module, module.generator)


def _reset_parameters(module: Module, generator) -> None:
    # torch's init: every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), in registration order
    bound = 1 / math.sqrt(module.hidden_size)
    for param in module.parameters():
        init.uniform_(param, -bound, bound, generator=generator)


def _layer_weights(module: Module):
    """``[l][d] = (W_ih, W_hh, b_ih + b_hh or None)``."""
    D = num_directions(module.bidirectional)
    out = []
    for l in range(module.num_layers):
        row = []
        for d in range(D):
            names = module._all_weights[l * D + d]
            W_ih, W_hh = getattr(module, names[0]).data, getattr(module, names[1]).data
            b = (
                getattr(module, names[2]).data + getattr(module, names[3]).data
                if module.bias
                else None
            )
            row.append((W_ih, W_hh, b))
        out.append(row)
    return out


def _check_layers_forward(
    module: Module, input, states: tuple, state_names: tuple[str, ...], dropout_masks
):
    """Check a forward call before computing; returns the input's layout."""
    layout = check_sequence_input(input, module.input_size, module.batch_first)
    check_param_dtype(input, module.weight_ih_l0.data)
    D = num_directions(module.bidirectional)
    for name, state in zip(state_names, states):
        check_sequence_state(
            name, state, input, layout, D * module.num_layers, module.hidden_size
        )
    output_shape = input.shape[:-1] + (D * module.hidden_size,)
    check_dropout_masks(dropout_masks, module.num_layers - 1, output_shape)
    return layout


def _layers_forward(
    module: Module, direction_forward, input, states: tuple, dropout_masks, layout
):
    """Run the stack in time-major layout and return ``(output, final states)`` in the
    caller's layouts."""
    D = num_directions(module.bidirectional)
    x = _to_time_major(input, layout, module.batch_first)  # (L, N, H_in)
    shape = (D * module.num_layers, layout.batch, module.hidden_size)
    # a missing state is zeros; an unbatched state gets N = 1   (D * num_layers, N, H)
    initial = tuple(
        np.zeros(shape, dtype=input.dtype) if s is None else s.reshape(shape)
        for s in states
    )
    masks = None
    if dropout_masks is not None:
        # (L, N, D * H)
        masks = [_to_time_major(m, layout, module.batch_first) for m in dropout_masks]
    output, final, caches, used = _stack_forward(
        direction_forward,
        _layer_weights(module),
        x,
        initial,
        module.dropout,
        module.training,
        masks,
        module.generator,
    )
    module.dropout_masks = (
        [_from_time_major(m, layout, module.batch_first) for m in used]
        if used
        else None
    )
    module._save(caches=caches, layout=layout, output=output, final=final)
    # unbatched: no N
    final_shape = (
        final[0].shape if layout.batched else (final[0].shape[0], module.hidden_size)
    )
    return (
        _from_time_major(output, layout, module.batch_first),
        tuple(s.reshape(final_shape) for s in final),
    )


def _layers_backward(
    module: Module,
    direction_backward,
    grad_output,
    grad_states: tuple,
    state_names: tuple[str, ...],
):
    """Check the gradients, run BPTT, accumulate every parameter's ``.grad``; returns
    input and state gradients."""
    caches, layout, output, final = module._saved("caches", "layout", "output", "final")
    out_shape = _from_time_major(output, layout, module.batch_first).shape
    check_grad("grad_output", grad_output, out_shape, like=output, of="output")
    state_shape = (
        final[0].shape if layout.batched else (final[0].shape[0], module.hidden_size)
    )
    for name, g in zip(state_names, grad_states):
        if g is not None:
            check_grad(name, g, state_shape, like=output, of=name[len("grad_") :])
    grad_final = tuple(
        np.zeros_like(s) if g is None else g.reshape(s.shape)
        for s, g in zip(final, grad_states)
    )
    weights = _layer_weights(module)
    grad_y = _to_time_major(grad_output, layout, module.batch_first)  # (L, N, D * H)
    grad_x, grad_initial, grad_weights = _stack_backward(
        direction_backward, weights, grad_y, grad_final, caches, module.dropout
    )
    D = num_directions(module.bidirectional)
    for l in range(module.num_layers):
        for d in range(D):
            names = module._all_weights[l * D + d]
            dW_ih, dW_hh, db = grad_weights[l][d]
            getattr(module, names[0]).accumulate_grad(dW_ih)
            getattr(module, names[1]).accumulate_grad(dW_hh)
            if module.bias:
                # b_ih and b_hh enter as one sum: each gets dL/db
                getattr(module, names[2]).accumulate_grad(db)
                getattr(module, names[3]).accumulate_grad(db)
    return (
        _from_time_major(grad_x, layout, module.batch_first),
        tuple(g.reshape(state_shape) for g in grad_initial),
    )


def _layers_extra_repr(module: Module) -> str:
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


class RNN(Module):
    r"""Elman recurrent layer(s): $h_t = \tanh(x_t W_{ih}^\top + b_{ih} + h_{t-1}
    W_{hh}^\top + b_{hh})$.

    $$h_t = f\!\left(x_t W_{ih}^\top + b_{ih} + h_{t-1} W_{hh}^\top + b_{hh}\right),
      \qquad f = \tanh \text{ or ReLU},$$

    at every step $t = 1 \dots L$ from $h_0$ (zeros by default). With ``num_layers > 1``
    layer $l$ reads the outputs $h_t$ of layer $l-1$ (after dropout, in training mode,
    if ``dropout > 0``); with ``bidirectional=True`` each layer also runs from $t = L$
    down to 1 with its own weights (``..._reverse``) and the two outputs are
    concatenated.

    ``backward(grad_output, grad_h_n=None)`` is backpropagation through time: it walks
    the steps in reverse with $\partial L/\partial h_{t-1} = (\partial L/\partial h_t
    \odot f'(a_t))\,W_{hh}$, and returns ``(grad_input, grad_hx)``, the gradients for
    ``input`` and for the initial state ``hx`` (returned also when ``hx`` was None: the
    gradient for the zeros used), in their shapes; every parameter's ``.grad`` is
    accumulated. ``grad_h_n`` is the gradient for ``h_n`` (None: zeros); ``grad_output``
    may also be the pair ``(grad_output, grad_h_n)``, as `dlref.testing.compare_modules`
    passes it. This is where the `Module` contract needs more than one output gradient.

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
        dtype: parameter dtype (default ``np.float32``, as torch's default).
        generator: ``numpy.random.Generator`` for the initial weights and the dropout
            masks (dlref's addition: torch draws from its global generator).

    Initialization (torch's): every weight and bias ~ $U(-1/\sqrt{H}, 1/\sqrt{H})$.

    Shape:
        ``forward(input, hx=None, dropout_masks=None)``: input ``(L, N, H_in)``, ``(N,
        L, H_in)`` with ``batch_first`` or ``(L, H_in)`` unbatched; ``hx`` ``(D *
        num_layers, N, H)`` or ``(D * num_layers, H)`` unbatched, $D = 2$ if
        bidirectional else 1. Returns ``(output, h_n)``: ``output`` in the input's
        layout with $D \cdot H$ features (the last layer's $h_t$ of every step, both
        directions side by side), ``h_n`` in ``hx``'s shape (every layer's and
        direction's final state, row ``l * D + d``). ``dropout_masks``:
        ``num_layers - 1`` boolean keep-masks, each of ``output``'s shape, used instead
        of drawing (in training mode with ``dropout > 0``; ignored otherwise). Parameter
        shapes: ``weight_ih_l{l}`` ``(H, H_in)`` for $l = 0$, ``(H, D * H)`` above;
        ``weight_hh_l{l}`` ``(H, H)``; ``bias_ih_l{l}``, ``bias_hh_l{l}`` ``(H,)``;
        ``..._reverse`` for the reverse direction.

    Attributes:
        dropout_masks: the keep-masks the last training-mode forward used (``None`` when
            no dropout acted), to hand to the torch twin or to reuse.

    PyTorch equivalent: ``torch.nn.RNN``, same parameter names, shapes and
    ``state_dict`` keys; ``load_state_dict`` works in both directions.

    Differences from PyTorch: no ``proj_size`` (torch has it for LSTM only) and no
    ``device``; ``generator``, ``forward(..., dropout_masks=...)`` and the
    ``dropout_masks`` attribute; ``input_size`` must be >= 1; a ``dropout`` with one
    layer is accepted silently (torch warns); argument errors are
    ``ValueError``/``TypeError`` naming the argument.

    References:
        * J. L. Elman (1990), "Finding structure in time", Cognitive Science 14(2),
          https://doi.org/10.1207/s15516709cog1402_1
        * P. J. Werbos (1990), "Backpropagation through time: what it does and how to do
          it", Proceedings of the IEEE 78(10), https://doi.org/10.1109/5.58337
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
        dtype=np.float32,
        generator: np.random.Generator | None = None,
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
            dtype,
            generator,
        )

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Torch's initialization: every parameter uniform in
        ``±1/sqrt(hidden_size)``."""
        _reset_parameters(self, generator if generator is not None else self.generator)

    def _direction_forward(self, x, initial, W_ih, W_hh, b, reverse):
        return _elman_forward(
            x, initial, W_ih, W_hh, b, reverse, self.nonlinearity == "relu"
        )

    def _direction_backward(self, dH, d_final, cache, W_ih, W_hh, reverse):
        return _elman_backward(
            dH, d_final, cache, W_ih, W_hh, reverse, self.nonlinearity == "relu"
        )

    def forward(
        self, input: np.ndarray, hx: np.ndarray | None = None, dropout_masks=None
    ):
        layout = _check_layers_forward(self, input, (hx,), ("hx",), dropout_masks)
        output, (h_n,) = _layers_forward(
            self, self._direction_forward, input, (hx,), dropout_masks, layout
        )
        return output, h_n

    def backward(self, grad_output, grad_h_n: np.ndarray | None = None):
        """Backpropagation through time; returns ``(grad_input, grad_hx)`` (see the
        class docstring)."""
        pair = _grad_tuple(grad_output, ("output", "h_n"))
        if pair is not None:
            grad_output, grad_h_n = pair
        grad_input, (grad_hx,) = _layers_backward(
            self, self._direction_backward, grad_output, (grad_h_n,), ("grad_h_n",)
        )
        return grad_input, grad_hx

    def extra_repr(self) -> str:
        return _layers_extra_repr(self)


class LSTM(Module):
    r"""Long short-term memory layer(s), with torch's gate order i, f, g, o.

    $$
    \begin{aligned}
    i_t &= \sigma(x_t W_{ii}^\top + b_{ii} + h_{t-1} W_{hi}^\top + b_{hi}) &
    f_t &= \sigma(x_t W_{if}^\top + b_{if} + h_{t-1} W_{hf}^\top + b_{hf}) \\
    g_t &= \tanh(x_t W_{ig}^\top + b_{ig} + h_{t-1} W_{hg}^\top + b_{hg}) &
    o_t &= \sigma(x_t W_{io}^\top + b_{io} + h_{t-1} W_{ho}^\top + b_{ho}) \\
    c_t &= f_t \odot c_{t-1} + i_t \odot g_t &
    h_t &= o_t \odot \tanh(c_t)
    \end{aligned}
    $$

    The four gates' weights are stacked in one matrix, ``weight_ih_l0``
    $= [W_{ii}; W_{if}; W_{ig}; W_{io}]$ of shape ``(4H, H_in)``, so all gates of a step
    are one product. Stacking, dropout and bidirectional layers as in `RNN`.

    ``backward(grad_output, grad_h_n=None, grad_c_n=None)`` is backpropagation through
    time: the cell state's gradient flows back through
    $\partial c_t/\partial c_{t-1} = f_t$ (no weight matrix, no squashing: the path that
    lets gradients survive many steps). It returns
    ``(grad_input, (grad_h_0, grad_c_0))``, the gradients for ``input`` and for the
    initial states (also when ``hx`` was None), and accumulates every parameter's
    ``.grad``. ``grad_h_n``, ``grad_c_n`` are the gradients for ``h_n`` and ``c_n``
    (None: zeros); ``grad_output`` may also be the triple
    ``(grad_output, grad_h_n, grad_c_n)``, as `dlref.testing.compare_modules` passes it.

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
        dtype: parameter dtype (default ``np.float32``, as torch's default).
        generator: ``numpy.random.Generator`` for the initial weights and the dropout
            masks (dlref's addition: torch draws from its global generator).

    Initialization (torch's): every weight and bias ~ $U(-1/\sqrt{H}, 1/\sqrt{H})$.

    Shape:
        ``forward(input, hx=None, dropout_masks=None)``: input ``(L, N, H_in)``, ``(N,
        L, H_in)`` with ``batch_first`` or ``(L,
        H_in)`` unbatched; ``hx`` a pair ``(h_0, c_0)``, each ``(D * num_layers, N,
        H)`` or ``(D * num_layers, H)`` unbatched. Returns ``(output, (h_n,
        c_n))``: ``output`` in the input's layout with $D \cdot H$ features, ``h_n`` and
        ``c_n`` in ``h_0``'s shape. ``dropout_masks`` as in `RNN`. Parameter shapes:
        ``weight_ih_l{l}`` ``(4H, H_in)`` for $l = 0$, ``(4H, D * H)`` above;
        ``weight_hh_l{l}`` ``(4H, H)``; ``bias_ih_l{l}``, ``bias_hh_l{l}`` ``(4H,)``;
        ``..._reverse`` for the reverse direction.

    Attributes:
        dropout_masks: the keep-masks the last training-mode forward used (``None`` when
            no dropout acted).

    PyTorch equivalent: ``torch.nn.LSTM``, same parameter names, shapes, gate order and
    ``state_dict`` keys; ``load_state_dict`` works in both directions.

    Differences from PyTorch: no ``proj_size`` (LSTM with projections, Sak et al. 2014)
    and no ``device``; ``generator``, ``forward(..., dropout_masks=...)`` and the
    ``dropout_masks`` attribute; ``input_size`` must be >= 1; a ``dropout`` with one
    layer is accepted silently (torch warns).

    References:
        * S. Hochreiter, J. Schmidhuber (1997), "Long short-term memory", Neural
          Computation 9(8), https://doi.org/10.1162/neco.1997.9.8.1735
        * F. A. Gers, J. Schmidhuber, F. Cummins (2000), "Learning to forget: continual
          prediction with LSTM", Neural Computation 12(10),
          https://doi.org/10.1162/089976600300015015
        * W. Zaremba, I. Sutskever, O. Vinyals (2014), "Recurrent neural network
          regularization" (dropout between layers), https://arxiv.org/abs/1409.2329
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
        dtype=np.float32,
        generator: np.random.Generator | None = None,
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
            dtype,
            generator,
        )

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Torch's initialization: every parameter uniform in
        ``±1/sqrt(hidden_size)``."""
        _reset_parameters(self, generator if generator is not None else self.generator)

    def forward(self, input: np.ndarray, hx=None, dropout_masks=None):
        h_0, c_0 = check_state_pair("hx", hx)
        layout = _check_layers_forward(
            self, input, (h_0, c_0), ("h_0 (hx[0])", "c_0 (hx[1])"), dropout_masks
        )
        output, (h_n, c_n) = _layers_forward(
            self, _lstm_forward, input, (h_0, c_0), dropout_masks, layout
        )
        return output, (h_n, c_n)

    def backward(
        self,
        grad_output,
        grad_h_n: np.ndarray | None = None,
        grad_c_n: np.ndarray | None = None,
    ):
        """Backpropagation through time; returns ``(grad_input, (grad_h_0, grad_c_0))``
        (see the class docstring)."""
        triple = _grad_tuple(grad_output, ("output", "h_n", "c_n"))
        if triple is not None:
            grad_output, grad_h_n, grad_c_n = triple
        grad_input, (grad_h_0, grad_c_0) = _layers_backward(
            self,
            _lstm_backward,
            grad_output,
            (grad_h_n, grad_c_n),
            ("grad_h_n", "grad_c_n"),
        )
        return grad_input, (grad_h_0, grad_c_0)

    def extra_repr(self) -> str:
        return _layers_extra_repr(self)


# -- the cells -------------------------------------------------------------------------


def _build_cell(
    module: Module, gate_count: int, input_size, hidden_size, bias, dtype, generator
) -> None:
    _check_dtype(dtype)
    module.input_size = input_size
    module.hidden_size = hidden_size
    module.bias = bias
    module.weight_ih = Parameter(
        np.empty((gate_count * hidden_size, input_size), dtype=dtype)
    )
    module.weight_hh = Parameter(
        np.empty((gate_count * hidden_size, hidden_size), dtype=dtype)
    )
    if bias:
        module.bias_ih = Parameter(np.empty(gate_count * hidden_size, dtype=dtype))
        module.bias_hh = Parameter(np.empty(gate_count * hidden_size, dtype=dtype))
    else:
        module.register_parameter("bias_ih", None)
        module.register_parameter("bias_hh", None)
    _reset_parameters(module, check_generator("generator", generator))


def _cell_weights(module: Module):
    b = module.bias_ih.data + module.bias_hh.data if module.bias else None
    return module.weight_ih.data, module.weight_hh.data, b


def _accumulate_cell(module: Module, grads) -> None:
    dW_ih, dW_hh, db = grads
    module.weight_ih.accumulate_grad(dW_ih)
    module.weight_hh.accumulate_grad(dW_hh)
    if module.bias:
        module.bias_ih.accumulate_grad(db)
        module.bias_hh.accumulate_grad(db)


def _cell_extra_repr(module: Module) -> str:
    # torch's RNNCellBase.extra_repr
    s = f"{module.input_size}, {module.hidden_size}"
    if module.bias is not True:
        s += f", bias={module.bias}"
    if getattr(module, "nonlinearity", "tanh") != "tanh":
        s += f", nonlinearity={module.nonlinearity}"
    return s


class RNNCell(Module):
    r"""One step of an Elman RNN: $h' = \tanh(x W_{ih}^\top + b_{ih} + h W_{hh}^\top +
    b_{hh})$.

    $$h' = f\!\left(x W_{ih}^\top + b_{ih} + h W_{hh}^\top + b_{hh}\right),
    \qquad f = \tanh \text{ or ReLU}$$

    The layer `RNN` applies this at every step; the cell leaves the loop to the caller.
    ``backward(grad_output)`` returns ``(grad_input, grad_hx)`` (``grad_hx`` also when
    ``hx`` was None) and accumulates the parameters' ``.grad``.

    Args:
        input_size: features of the input, $H_\text{in}$.
        hidden_size: features of the state, $H$.
        bias: learn $b_{ih}$ and $b_{hh}$ (default ``True``).
        nonlinearity: ``'tanh'`` (default) or ``'relu'``.
        dtype: parameter dtype (default ``np.float32``).
        generator: ``numpy.random.Generator`` for the initial weights (dlref's
            addition).

    Initialization (torch's): every weight and bias ~ $U(-1/\sqrt{H}, 1/\sqrt{H})$.

    Shape:
        ``forward(input, hx=None)``: input ``(N, H_in)`` or ``(H_in,)``; ``hx``
        ``(N, H)`` or ``(H,)`` (zeros when None); output $h'$ in ``hx``'s shape.
        ``weight_ih`` ``(H, H_in)``, ``weight_hh`` ``(H, H)``, ``bias_ih``, ``bias_hh``
        ``(H,)``.

    PyTorch equivalent: ``torch.nn.RNNCell``, same parameter names and ``state_dict``
    keys.

    Differences from PyTorch: no ``device``; ``generator``; ``input_size`` must be >= 1.
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        nonlinearity: str = "tanh",
        dtype=np.float32,
        generator: np.random.Generator | None = None,
    ):
        super().__init__()
        check_cell_args(input_size, hidden_size, bias, nonlinearity)
        self.nonlinearity = nonlinearity
        _build_cell(self, 1, input_size, hidden_size, bias, dtype, generator)

    def forward(self, input: np.ndarray, hx: np.ndarray | None = None) -> np.ndarray:
        batched, N = check_cell_input(input, self.input_size)
        check_param_dtype(input, self.weight_ih.data)
        check_cell_state("hx", hx, input, batched, N, self.hidden_size)
        x = input.reshape(1, N, self.input_size)  # (1, N, H_in): one step
        h = (
            np.zeros((N, self.hidden_size), dtype=input.dtype)
            if hx is None
            else hx.reshape(N, self.hidden_size)
        )
        H, _, cache = _elman_forward(
            x,
            (h,),
            *_cell_weights(self),
            reverse=False,
            relu=self.nonlinearity == "relu",
        )
        out_shape = (N, self.hidden_size) if batched else (self.hidden_size,)
        self._save(cache=cache, input_shape=input.shape, out_shape=out_shape, like=H)
        return H[0].reshape(out_shape)

    def backward(self, grad_output: np.ndarray):
        """Returns ``(grad_input, grad_hx)``; accumulates the parameters' ``.grad``."""
        cache, input_shape, out_shape, like = self._saved(
            "cache", "input_shape", "out_shape", "like"
        )
        check_grad("grad_output", grad_output, out_shape, like=like, of="output")
        dH = grad_output.reshape((1,) + like.shape[1:])  # (1, N, H)
        dx, (dh,), grads = _elman_backward(
            dH,
            (np.zeros_like(dH[0]),),
            cache,
            self.weight_ih.data,
            self.weight_hh.data,
            reverse=False,
            relu=self.nonlinearity == "relu",
        )
        _accumulate_cell(self, grads)
        return dx.reshape(input_shape), dh.reshape(out_shape)

    def extra_repr(self) -> str:
        return _cell_extra_repr(self)


class LSTMCell(Module):
    r"""One step of an LSTM, gates in torch's order i, f, g, o.

    $$
    \begin{aligned}
    [z_i, z_f, z_g, z_o] &= x W_{ih}^\top + b_{ih} + h W_{hh}^\top + b_{hh} \\
    c' &= \sigma(z_f) \odot c + \sigma(z_i) \odot \tanh(z_g) \\
    h' &= \sigma(z_o) \odot \tanh(c')
    \end{aligned}
    $$

    ``backward(grad_h_1, grad_c_1=None)`` takes the gradients for $h'$ and $c'$ (None:
    zeros; ``grad_h_1`` may also be the pair of both) and returns
    ``(grad_input, (grad_h_0, grad_c_0))``, accumulating the parameters' ``.grad``.

    Args:
        input_size: features of the input, $H_\text{in}$.
        hidden_size: features of the states, $H$.
        bias: learn $b_{ih}$ and $b_{hh}$ (default ``True``).
        dtype: parameter dtype (default ``np.float32``).
        generator: ``numpy.random.Generator`` for the initial weights (dlref's
            addition).

    Initialization (torch's): every weight and bias ~ $U(-1/\sqrt{H}, 1/\sqrt{H})$.

    Shape:
        ``forward(input, hx=None)``: input ``(N, H_in)`` or ``(H_in,)``; ``hx`` a pair
        ``(h_0, c_0)``, each ``(N, H)`` or ``(H,)`` (zeros when None). Returns
        ``(h_1, c_1)`` in ``h_0``'s shape. ``weight_ih`` ``(4H, H_in)``, ``weight_hh``
        ``(4H, H)``, ``bias_ih``, ``bias_hh`` ``(4H,)``.

    PyTorch equivalent: ``torch.nn.LSTMCell``, same parameter names, gate order and
    ``state_dict`` keys.

    Differences from PyTorch: no ``device``; ``generator``; ``input_size`` must be >= 1.

    References:
        S. Hochreiter, J. Schmidhuber (1997), "Long short-term memory", Neural
        Computation 9(8), https://doi.org/10.1162/neco.1997.9.8.1735
    """

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        bias: bool = True,
        dtype=np.float32,
        generator: np.random.Generator | None = None,
    ):
        super().__init__()
        check_cell_args(input_size, hidden_size, bias)
        _build_cell(self, 4, input_size, hidden_size, bias, dtype, generator)

    def forward(self, input: np.ndarray, hx=None):
        batched, N = check_cell_input(input, self.input_size)
        check_param_dtype(input, self.weight_ih.data)
        h_0, c_0 = check_state_pair("hx", hx)
        check_cell_state("h_0 (hx[0])", h_0, input, batched, N, self.hidden_size)
        check_cell_state("c_0 (hx[1])", c_0, input, batched, N, self.hidden_size)
        x = input.reshape(1, N, self.input_size)  # (1, N, H_in): one step
        zeros = np.zeros((N, self.hidden_size), dtype=input.dtype)
        h = zeros if h_0 is None else h_0.reshape(N, self.hidden_size)
        c = zeros if c_0 is None else c_0.reshape(N, self.hidden_size)
        H, (_, c_1), cache = _lstm_forward(
            x, (h, c), *_cell_weights(self), reverse=False
        )
        out_shape = (N, self.hidden_size) if batched else (self.hidden_size,)
        self._save(cache=cache, input_shape=input.shape, out_shape=out_shape, like=H)
        return H[0].reshape(out_shape), c_1.reshape(out_shape)

    def backward(self, grad_h_1, grad_c_1: np.ndarray | None = None):
        """Returns ``(grad_input, (grad_h_0, grad_c_0))``; accumulates the parameters'
        ``.grad``."""
        pair = _grad_tuple(grad_h_1, ("h_1", "c_1"))
        if pair is not None:
            grad_h_1, grad_c_1 = pair
        cache, input_shape, out_shape, like = self._saved(
            "cache", "input_shape", "out_shape", "like"
        )
        check_grad("grad_h_1", grad_h_1, out_shape, like=like, of="h_1")
        if grad_c_1 is not None:
            check_grad("grad_c_1", grad_c_1, out_shape, like=like, of="c_1")
        dH = grad_h_1.reshape((1,) + like.shape[1:])  # (1, N, H)
        dc = np.zeros_like(dH[0]) if grad_c_1 is None else grad_c_1.reshape(dH[0].shape)
        dx, (dh, dc), grads = _lstm_backward(
            dH,
            (np.zeros_like(dH[0]), dc),
            cache,
            self.weight_ih.data,
            self.weight_hh.data,
            reverse=False,
        )
        _accumulate_cell(self, grads)
        return dx.reshape(input_shape), (dh.reshape(out_shape), dc.reshape(out_shape))

    def extra_repr(self) -> str:
        return _cell_extra_repr(self)
