r"""`GRUCell` and `GRU`: gated recurrent units, with backpropagation through time
written out.

One step of a GRU (torch's gate order r, z, n; $\sigma$ the logistic sigmoid):

$$
\begin{aligned}
r_t &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
z_t &= \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
n_t &= \tanh\big(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})\big) \\
h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}
\end{aligned}
$$

The three gates' weights are stacked row-wise, ``weight_ih = [W_ir; W_iz; W_in]`` of
shape ``(3H, H_in)``, so one matmul gives all three input projections, and one matmul
per step gives the three recurrent ones. The input projections of every time step are
computed before the loop, in one matmul.

The backward pass walks the steps in reverse (backpropagation through time): at step $t$
the gradient reaching $h_t$ (from the output at $t$ and from step $t + 1$) is pushed
through the four equations above to the gates' pre-activations, to $x_t$ and to
$h_{t-1}$; the parameter gradients, sums over the steps, are then formed with one matmul
each.
"""

from __future__ import annotations

import math

import numpy as np

from dlref._checks import check_float_dtype, check_generator
from dlref._rnn_args import (
    check_cell_args,
    check_cell_input,
    check_cell_state,
    check_dropout_masks,
    check_grad,
    check_param_dtype,
    check_rnn_args,
    check_sequence_input,
    check_sequence_state,
    layer_parameter_names,
    num_directions,
)
from dlref.numpy.functional.activation import sigmoid
from dlref.numpy.functional.regularization import (
    dropout,
    dropout_backward,
    dropout_mask,
)
from dlref.numpy.nn import init
from dlref.numpy.nn.module import Module, Parameter

__all__ = ["GRUCell", "GRU"]


# -- one direction of one layer, over a time-major sequence ----------------------------


# an inf in an input,
# a state or a gradient gives NaN where torch's does (inf - inf, 0 * inf): silently
@np.errstate(invalid="ignore")
def _gru_forward(x, h0, W_ih, W_hh, b_ih, b_hh):
    """Run the GRU over ``x`` ``(L, N, H_in)`` from ``h0`` ``(N, H)``; returns
    ``(hs, cache)``, ``hs`` ``(L, N, H)``."""
    L, N, _ = x.shape
    H = h0.shape[-1]
    # input projections of every step at once: W_i x_t + b_i for r, z, n      (L, N, 3H)
    gi = x @ W_ih.T
    if b_ih is not None:
        gi = gi + b_ih
    hs = np.empty((L, N, H), dtype=x.dtype)
    r, z, n, hn = (np.empty((L, N, H), dtype=x.dtype) for _ in range(4))
    h = h0
    for t in range(L):
        # recurrent projections of the three gates in one matmul: W_h h + b_h   (N, 3H)
        gh = h @ W_hh.T
        if b_hh is not None:
            gh = gh + b_hh
        # r = sigma(W_ir x + b_ir + W_hr h + b_hr),
        # z = sigma(W_iz x + b_iz + W_hz h + b_hz)
        r[t] = sigmoid(gi[t, :, :H] + gh[:, :H])
        z[t] = sigmoid(gi[t, :, H : 2 * H] + gh[:, H : 2 * H])
        # n = tanh(W_in x + b_in + r * (W_hn h + b_hn)):
        # b_hn sits inside the reset product
        hn[t] = gh[:, 2 * H :]
        n[t] = np.tanh(gi[t, :, 2 * H :] + r[t] * hn[t])
        # h' = (1 - z) n + z h
        h = hs[t] = (1 - z[t]) * n[t] + z[t] * h
    return hs, (x, h0, hs, r, z, n, hn)


@np.errstate(invalid="ignore")
def _gru_backward(grad_hs, grad_h_last, cache, W_ih, W_hh):
    """Backpropagation through time for `_gru_forward`.

    ``grad_hs`` ``(L, N, H)`` is dL/dh_t from the outputs, ``grad_h_last`` ``(N, H)``
    dL/dh_L from the final state. Returns ``(grad_x, grad_h0, grad_W_ih, grad_W_hh,
    grad_b_ih, grad_b_hh)``.
    """
    x, h0, hs, r, z, n, hn = cache
    L, N, H = hs.shape
    # h_{t-1} for every step                                                  (L, N, H)
    h_prev = np.concatenate([h0[None], hs[:-1]], axis=0)  # (L, N, H)
    grad_gi = np.empty((L, N, 3 * H), dtype=hs.dtype)  # dL/d(W_i x_t + b_i)
    grad_gh = np.empty((L, N, 3 * H), dtype=hs.dtype)  # dL/d(W_h h_{t-1} + b_h)
    grad_h = grad_h_last
    for t in reversed(range(L)):
        # dL/dh_t: from the output at step t and from step t + 1
        grad_h = grad_h + grad_hs[t]
        # h_t = (1 - z) n + z h_{t-1}
        grad_n = grad_h * (1 - z[t])
        grad_z = grad_h * (h_prev[t] - n[t])
        # n = tanh(a_n), a_n = W_in x + b_in + r * hn:  da_n = dn (1 - n^2)
        grad_a_n = grad_n * (1 - n[t] * n[t])
        grad_r = grad_a_n * hn[t]
        # z = sigma(a_z), r = sigma(a_r):  sigma' = sigma (1 - sigma)
        grad_a_z = grad_z * z[t] * (1 - z[t])
        grad_a_r = grad_r * r[t] * (1 - r[t])
        grad_gi[t, :, :H] = grad_gh[t, :, :H] = grad_a_r
        grad_gi[t, :, H : 2 * H] = grad_gh[t, :, H : 2 * H] = grad_a_z
        grad_gi[t, :, 2 * H :] = grad_a_n
        grad_gh[t, :, 2 * H :] = grad_a_n * r[t]  # through r * hn
        # dL/dh_{t-1} = dh_t z + (dL/d gh) W_hh
        grad_h = grad_h * z[t] + grad_gh[t] @ W_hh
    # parameter gradients: sums over steps and samples, one matmul each
    gi2 = grad_gi.reshape(L * N, 3 * H)  # (L N, 3H)
    gh2 = grad_gh.reshape(L * N, 3 * H)  # (L N, 3H)
    grad_W_ih = gi2.T @ x.reshape(L * N, x.shape[-1])  # (3H, H_in)
    grad_W_hh = gh2.T @ h_prev.reshape(L * N, H)  # (3H, H)
    grad_x = grad_gi @ W_ih  # (L, N, H_in)
    return grad_x, grad_h, grad_W_ih, grad_W_hh, gi2.sum(axis=0), gh2.sum(axis=0)


def _check_dtype(dtype):
    check_float_dtype("dtype", dtype)
    return np.dtype(dtype)


# -- the cell --------------------------------------------------------------------------


class GRUCell(Module):
    r"""One step of a gated recurrent unit, with torch's gate order r, z, n.

    $$
    \begin{aligned}
    r &= \sigma(W_{ir} x + b_{ir} + W_{hr} h + b_{hr}) \\
    z &= \sigma(W_{iz} x + b_{iz} + W_{hz} h + b_{hz}) \\
    n &= \tanh\big(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn})\big) \\
    h' &= (1 - z) \odot n + z \odot h
    \end{aligned}
    $$

    The reset gate $r$ multiplies $W_{hn} h + b_{hn}$, bias included (torch's placement;
    Cho et al. apply $r$ to $h$ before the matmul, which gives a different function).

    Args:
        input_size: features of the input $x$, $H_\text{in}$.
        hidden_size: features of the state $h$, $H$.
        bias: learn ``bias_ih`` and ``bias_hh`` (default ``True``).
        dtype: parameter dtype (default ``np.float32``, as torch's default).
        generator: ``numpy.random.Generator`` for the initial weights (dlref's addition:
            torch draws from its global generator).

    Initialization (torch's): every parameter ~ $U(-1/\sqrt{H}, 1/\sqrt{H})$.

    Shape:
        ``forward(input, hx=None)``: input ``(N, H_in)`` or ``(H_in,)``; ``hx``
        ``(N, H)`` or ``(H,)`` (zeros when ``None``); output $h'$ ``(N, H)`` or
        ``(H,)``. ``backward(grad_output)`` returns ``(grad_input, grad_hx)`` in the
        shapes of input and state (``grad_hx`` is the gradient for the zero state when
        ``hx`` was ``None``). ``weight_ih`` ``(3H, H_in)``, ``weight_hh`` ``(3H, H)``,
        ``bias_ih`` and ``bias_hh`` ``(3H,)``, each stacked as ``[r; z; n]``.

    PyTorch equivalent: ``torch.nn.GRUCell(input_size, hidden_size,
    bias)``; same parameter names, shapes and ``state_dict`` keys.

    Differences from PyTorch: ``generator``; no ``device`` argument; an input whose
    dtype differs from the parameters' is a ``TypeError`` naming ``input``.

    References:
        K. Cho, B. van Merriënboer, C. Gulcehre, D. Bahdanau, F. Bougares, H. Schwenk,
        Y. Bengio (2014), "Learning Phrase Representations using RNN Encoder-Decoder for
        Statistical Machine Translation", EMNLP, https://arxiv.org/abs/1406.1078
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
        dtype = _check_dtype(dtype)
        rng = check_generator("generator", generator)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = Parameter(np.empty((3 * hidden_size, input_size), dtype=dtype))
        self.weight_hh = Parameter(
            np.empty((3 * hidden_size, hidden_size), dtype=dtype)
        )
        if bias:
            self.bias_ih = Parameter(np.empty(3 * hidden_size, dtype=dtype))
            self.bias_hh = Parameter(np.empty(3 * hidden_size, dtype=dtype))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters(rng)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Torch's initialization: every parameter uniform in
        ``±1/sqrt(hidden_size)``."""
        rng = check_generator("generator", generator)
        bound = 1 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound, generator=rng)

    def _params(self):
        b_ih = None if self.bias_ih is None else self.bias_ih.data
        b_hh = None if self.bias_hh is None else self.bias_hh.data
        return self.weight_ih.data, self.weight_hh.data, b_ih, b_hh

    def forward(self, input: np.ndarray, hx: np.ndarray | None = None) -> np.ndarray:
        batched, N = check_cell_input(input, self.input_size)
        check_param_dtype(input, self.weight_ih.data)
        check_cell_state("hx", hx, input, batched, N, self.hidden_size)
        W_ih, W_hh, b_ih, b_hh = self._params()
        x = input.reshape(1, N, self.input_size)  # (1, N, H_in): one step
        # (N, H)
        h0 = (
            np.zeros((N, self.hidden_size), input.dtype)
            if hx is None
            else hx.reshape(N, self.hidden_size)
        )
        hs, cache = _gru_forward(x, h0, W_ih, W_hh, b_ih, b_hh)
        output = hs[0] if batched else hs[0, 0]  # (N, H) or (H,)
        self._save(cache=cache, input_shape=input.shape, output=output)
        return output

    def backward(self, grad_output: np.ndarray):
        """Given dL/dh', accumulate the parameter gradients and return
        ``(grad_input, grad_hx)``."""
        cache, input_shape, output = self._saved("cache", "input_shape", "output")
        check_grad("grad_output", grad_output, output.shape, like=output)
        W_ih, W_hh, _, _ = self._params()
        N, H = cache[1].shape
        grad_hs = grad_output.reshape(1, N, H)  # (1, N, H)
        grad_x, grad_h0, grad_W_ih, grad_W_hh, grad_b_ih, grad_b_hh = _gru_backward(
            grad_hs, np.zeros((N, H), grad_output.dtype), cache, W_ih, W_hh
        )
        self.weight_ih.accumulate_grad(grad_W_ih)
        self.weight_hh.accumulate_grad(grad_W_hh)
        if self.bias:
            self.bias_ih.accumulate_grad(grad_b_ih)
            self.bias_hh.accumulate_grad(grad_b_hh)
        # back to the shapes of input and hx:
        # (N, H_in) and (N, H), or (H_in,) and (H,) unbatched
        return grad_x.reshape(input_shape), grad_h0.reshape(output.shape)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + (
            "" if self.bias else ", bias=False"
        )


# -- the stacked, optionally bidirectional layer ---------------------------------------


class GRU(Module):
    r"""A multi-layer gated recurrent unit over a sequence, with torch's constructor and
    layouts.

    Each layer runs the `GRUCell` recurrence over the time steps,

    $$
    \begin{aligned}
    r_t &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
    z_t &= \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
    n_t &= \tanh\big(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})\big) \\
    h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}
    \end{aligned}
    $$

    and layer $l > 0$ reads the outputs $h_t$ of layer $l - 1$ (after dropout, in
    training mode). A bidirectional layer also runs a second GRU from the last step to
    the first and concatenates the two states at each step. ``backward`` is
    backpropagation through time.

    Args:
        input_size: features of the input $x_t$, $H_\text{in}$.
        hidden_size: features of the state $h_t$, $H$.
        num_layers: stacked layers (default 1).
        bias: learn the biases ``bias_ih_l{k}`` and ``bias_hh_l{k}`` (default ``True``).
        batch_first: input and output are ``(N, L, *)`` instead of ``(L, N, *)`` (the
            state ``h_0``/``h_n`` never is).
        dropout: probability of zeroing each output of every layer but the last, in
            training mode (default 0).
        bidirectional: run a second GRU backwards in time (default ``False``).
        dtype: parameter dtype (default ``np.float32``, as torch's default).
        generator: ``numpy.random.Generator`` for the initial weights and the dropout
            masks (dlref's addition: torch draws from its global generator).

    Initialization (torch's): every parameter ~ $U(-1/\sqrt{H}, 1/\sqrt{H})$, drawn in
    ``state_dict`` order.

    Shape:
        ``forward(input, hx=None, dropout_masks=None)``: input ``(L, N, H_in)``, ``(N,
        L, H_in)`` with ``batch_first``, or ``(L, H_in)`` unbatched; ``hx`` $h_0$ ``(D *
        num_layers, N, H)`` or ``(D * num_layers, H)`` (zeros when ``None``), with
        $D = 2$ if bidirectional else 1; ``dropout_masks`` ``num_layers - 1`` boolean
        keep-masks of the output's shape. Returns ``(output, h_n)``: output
        ``(L, N, D H)`` (``(N, L, D H)`` with ``batch_first``, ``(L, D H)`` unbatched),
        the last layer's $h_t$ for every $t$; $h_n$ the shape of ``hx``, every layer's
        and direction's final state, ordered ``l0, l0_reverse, l1, ...``.
        ``backward(grad_output, grad_h_n=None)`` takes gradients of those two shapes and
        returns ``(grad_input, grad_h0)``; ``weight_ih_l0`` ``(3H, H_in)``,
        ``weight_ih_l{k}`` ``(3H, D H)`` for $k > 0$, ``weight_hh_l{k}`` ``(3H, H)``,
        biases ``(3H,)``, each stacked ``[r; z; n]``; ``_reverse`` names the backward
        direction.

    Attributes:
        dropout_masks: the keep-masks the last training-mode forward used between layers
            (output's shape, one per layer but the last), or ``None``; hand them to the
            torch twin's ``forward`` to compare exactly.

    PyTorch equivalent: ``torch.nn.GRU(input_size, hidden_size, num_layers, bias,
    batch_first, dropout, bidirectional)``; same parameter names, shapes and
    ``state_dict`` keys, so ``load_state_dict(torch_gru.state_dict())`` works both ways.

    Differences from PyTorch: ``generator``; ``forward`` takes ``dropout_masks`` (torch
    draws its masks inside), and ``backward(grad_output, grad_h_n=None)`` also accepts
    the pair ``(grad_output, grad_h_n)`` as its first argument (the form
    `dlref.testing.compare_modules` passes); ``grad_h0`` is returned even when ``hx``
    was ``None`` (the gradient for the zero state); no ``PackedSequence`` input and no
    ``device`` argument; no warning for ``dropout > 0`` with one layer (where it does
    nothing); an input whose dtype differs from the parameters' is a ``TypeError``
    naming ``input``.

    References:
        K. Cho, B. van Merriënboer, C. Gulcehre, D. Bahdanau, F. Bougares, H. Schwenk,
        Y. Bengio (2014), "Learning Phrase Representations using RNN Encoder-Decoder for
        Statistical Machine Translation", EMNLP, https://arxiv.org/abs/1406.1078

        P. J. Werbos (1990), "Backpropagation through time: what it does and how to do
        it", Proceedings of the IEEE 78(10), https://doi.org/10.1109/5.58337
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
        dtype = _check_dtype(dtype)
        self.generator = check_generator("generator", generator)
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.dropout_masks: list[np.ndarray] | None = None
        D = num_directions(bidirectional)
        for layer in range(num_layers):
            layer_input_size = input_size if layer == 0 else D * hidden_size
            for direction in range(D):
                shapes = [
                    (3 * hidden_size, layer_input_size),
                    (3 * hidden_size, hidden_size),
                ]
                shapes += [(3 * hidden_size,)] * 2 if bias else []
                for name, shape in zip(
                    layer_parameter_names(layer, direction == 1, bias), shapes
                ):
                    setattr(self, name, Parameter(np.empty(shape, dtype=dtype)))
        self.reset_parameters(self.generator)

    def reset_parameters(self, generator: np.random.Generator | None = None) -> None:
        """Torch's initialization: every parameter uniform in
        ``±1/sqrt(hidden_size)``."""
        rng = check_generator("generator", generator)
        bound = 1 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound, generator=rng)

    def _params(self, layer: int, direction: int):
        """``(W_ih, W_hh, b_ih, b_hh)`` of one layer and direction (``None`` biases
        without bias)."""
        names = layer_parameter_names(layer, direction == 1, self.bias)
        return tuple(getattr(self, name) for name in names) + (None,) * (4 - len(names))

    def _to_time_major(self, a: np.ndarray, batched: bool) -> np.ndarray:
        """The user's layout ``(L, N, F)``, ``(N, L, F)`` or ``(L, F)`` as
        ``(L, N, F)``."""
        if not batched:
            return a[:, None, :]  # (L, 1, F)
        return a.transpose(1, 0, 2) if self.batch_first else a  # (L, N, F)

    def _from_time_major(self, a: np.ndarray, batched: bool) -> np.ndarray:
        """``(L, N, F)`` back to the user's layout."""
        if not batched:
            return a[:, 0, :]  # (L, F)
        return a.transpose(1, 0, 2) if self.batch_first else a  # (N, L, F) or (L, N, F)

    def forward(
        self, input: np.ndarray, hx: np.ndarray | None = None, dropout_masks=None
    ):
        layout = check_sequence_input(input, self.input_size, self.batch_first)
        check_param_dtype(input, self.weight_ih_l0.data)
        D, H = num_directions(self.bidirectional), self.hidden_size
        S = D * self.num_layers
        check_sequence_state("hx", hx, input, layout, S, H)
        output_shape = input.shape[:-1] + (D * H,)
        check_dropout_masks(dropout_masks, self.num_layers - 1, output_shape)
        if dropout_masks is not None:
            for k, mask in enumerate(dropout_masks):
                if not isinstance(mask, np.ndarray):
                    raise TypeError(
                        f"dropout_masks[{k}] must be a NumPy array, got "
                        f"{type(mask).__name__}"
                    )
        L, N = layout.seq_len, layout.batch
        x = self._to_time_major(input, layout.batched)  # (L, N, H_in)
        # (D layers, N, H)
        h0 = np.zeros((S, N, H), input.dtype) if hx is None else hx.reshape(S, N, H)
        # dropout between layers: the given masks, or fresh ones;
        # time-major   (L, N, D H)
        use_dropout = (
            self.training
            and self.num_layers > 1
            and (dropout_masks is not None or self.dropout > 0)
        )
        masks = None
        if use_dropout:
            if dropout_masks is not None:
                masks = [self._to_time_major(m, layout.batched) for m in dropout_masks]
            elif 0 < self.dropout < 1:
                masks = [
                    dropout_mask((L, N, D * H), self.dropout, self.generator)
                    for _ in range(self.num_layers - 1)
                ]
        self.dropout_masks = (
            None
            if masks is None
            else [self._from_time_major(m, layout.batched) for m in masks]
        )

        h_n = np.empty((S, N, H), dtype=input.dtype)
        caches, layer_outputs = [], []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(D):
                k = layer * D + direction
                W_ih, W_hh, b_ih, b_hh = (
                    None if p is None else p.data
                    for p in self._params(layer, direction)
                )
                # the reverse direction reads the sequence
                # from its last step to its first
                xd = x if direction == 0 else x[::-1]
                hs, cache = _gru_forward(xd, h0[k], W_ih, W_hh, b_ih, b_hh)
                h_n[k] = hs[-1]
                caches.append(cache)
                outputs.append(hs if direction == 0 else hs[::-1])
            # (L, N, D H)
            y = outputs[0] if D == 1 else np.concatenate(outputs, axis=-1)
            layer_outputs.append(y)
            if use_dropout and layer < self.num_layers - 1:
                mask = None if masks is None else masks[layer]
                x = dropout(y, self.dropout, True, mask=mask)
            else:
                x = y
        output = self._from_time_major(x, layout.batched)
        h_n = h_n if layout.batched else h_n[:, 0]  # (S, H) unbatched
        self._save(
            caches=caches,
            layer_outputs=layer_outputs,
            masks=masks,
            use_dropout=use_dropout,
            batched=layout.batched,
            input_shape=input.shape,
            output=output,
            h_n=h_n,
        )
        return output, h_n

    def backward(self, grad_output, grad_h_n: np.ndarray | None = None):
        """Backpropagation through time: accumulate every parameter's gradient, return
        ``(grad_input, grad_h0)``."""
        caches, layer_outputs, masks, use_dropout, batched, input_shape, output, h_n = (
            self._saved(
                "caches",
                "layer_outputs",
                "masks",
                "use_dropout",
                "batched",
                "input_shape",
                "output",
                "h_n",
            )
        )
        if isinstance(grad_output, tuple) and grad_h_n is None:
            if len(grad_output) != 2:
                raise ValueError(
                    f"grad_output as a tuple must be the pair (grad_output, grad_h_n), "
                    f"got {len(grad_output)} items"
                )
            grad_output, grad_h_n = grad_output
        check_grad("grad_output", grad_output, output.shape, like=output)
        if grad_h_n is not None:
            check_grad("grad_h_n", grad_h_n, h_n.shape, like=h_n, of="h_n")
        D, H = num_directions(self.bidirectional), self.hidden_size
        S = D * self.num_layers
        grad_y = self._to_time_major(grad_output, batched)  # (L, N, D H)
        L, N = grad_y.shape[:2]
        # the gradient reaching each final state (zeros when none does)   (S, N, H)
        grad_h_n = (
            np.zeros((S, N, H), grad_output.dtype)
            if grad_h_n is None
            else grad_h_n.reshape(S, N, H)
        )
        grad_h0 = np.empty((S, N, H), dtype=grad_output.dtype)
        for layer in reversed(range(self.num_layers)):
            grad_x = 0
            for direction in range(D):
                k = layer * D + direction
                params = self._params(layer, direction)
                grad_hs = grad_y[..., direction * H : (direction + 1) * H]  # (L, N, H)
                if direction == 1:
                    grad_hs = grad_hs[::-1]  # in the reverse run's order
                grad_xd, grad_h0[k], *grads = _gru_backward(
                    grad_hs, grad_h_n[k], caches[k], params[0].data, params[1].data
                )
                # inf + -inf = NaN, as in torch: silently
                with np.errstate(invalid="ignore"):
                    grad_x = grad_x + (grad_xd if direction == 0 else grad_xd[::-1])
                for param, grad in zip(params, grads):
                    if param is not None:
                        param.accumulate_grad(grad)
            if layer > 0:
                # into the previous layer's output,
                # back through the dropout between them
                grad_y = grad_x
                if use_dropout:
                    mask = None if masks is None else masks[layer - 1]
                    grad_y = dropout_backward(
                        grad_y, layer_outputs[layer - 1], self.dropout, True, mask=mask
                    )
        # the input's layout
        grad_input = self._from_time_major(grad_x, batched).reshape(input_shape)
        return grad_input, (grad_h0 if batched else grad_h0[:, 0])

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s
