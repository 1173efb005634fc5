r"""`GRUCell` and `GRU` as ``torch.nn.Module`` s written from tensor primitives
(autograd does BPTT).

One step (torch's gate order r, z, n):

$$
\begin{aligned}
r_t &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
z_t &= \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
n_t &= \tanh\big(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})\big) \\
h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}
\end{aligned}
$$

The input projections of every step are one matmul before the loop; each step is one
matmul for the three recurrent projections. ``torch.nn.GRU``, ``torch.nn.GRUCell``,
``torch._VF.gru`` and ``torch._VF.gru_cell`` are never called here: the tests compare
against them.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from dlref._checks import check_torch_float_dtype
from dlref._rnn_args import (
    check_cell_args,
    check_cell_input,
    check_cell_state,
    check_dropout_masks,
    check_param_dtype,
    check_rnn_args,
    check_sequence_input,
    check_sequence_state,
    layer_parameter_names,
    num_directions,
)
from dlref.torch.functional.regularization import dropout, dropout_mask

__all__ = ["GRUCell", "GRU"]


def _check_tensor(name: str, value, like: torch.Tensor | None = None) -> None:
    """``value`` must be a tensor (on the device of ``like``, where given)."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if like is not None and value.device != like.device:
        raise ValueError(
            f"{name} must be on the device of the layer's parameters "
            f"({like.device}), got {value.device}"
        )


def _gru_step(
    gi: torch.Tensor, h: torch.Tensor, W_hh: torch.Tensor, b_hh: torch.Tensor | None
) -> torch.Tensor:
    """One step from the input projections ``gi`` ``(N, 3H)`` and the state ``h``
    ``(N, H)``; returns $h'$."""
    # recurrent projections of the three gates in one matmul: W_h h + b_h      (N, 3H)
    gh = h @ W_hh.T
    if b_hh is not None:
        gh = gh + b_hh
    i_r, i_z, i_n = gi.chunk(3, dim=-1)  # 3 x (N, H)
    h_r, h_z, h_n = gh.chunk(3, dim=-1)  # 3 x (N, H)
    # r = sigma(W_ir x + b_ir + W_hr h + b_hr),
    # z = sigma(W_iz x + b_iz + W_hz h + b_hz)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    # n = tanh(W_in x + b_in + r * (W_hn h + b_hn)): b_hn sits inside the reset product
    n = torch.tanh(i_n + r * h_n)
    # h' = (1 - z) n + z h
    return (1 - z) * n + z * h


def _gru_sequence(
    x: torch.Tensor, h0: torch.Tensor, W_ih, W_hh, b_ih, b_hh
) -> torch.Tensor:
    """Run the GRU over ``x`` ``(L, N, H_in)`` from ``h0`` ``(N, H)``; returns every
    state ``(L, N, H)``."""
    # input projections of every step at once: W_i x_t + b_i                  (L, N, 3H)
    gi = x @ W_ih.T
    if b_ih is not None:
        gi = gi + b_ih
    h, hs = h0, []
    for t in range(x.shape[0]):
        h = _gru_step(gi[t], h, W_hh, b_hh)
        hs.append(h)
    return torch.stack(hs)  # (L, N, H)


class GRUCell(nn.Module):
    r"""One step of a gated recurrent unit, with torch's gate order r, z, n.

    $$
    \begin{aligned}
    r &= \sigma(W_{ir} x + b_{ir} + W_{hr} h + b_{hr}) \\
    z &= \sigma(W_{iz} x + b_{iz} + W_{hz} h + b_{hz}) \\
    n &= \tanh\big(W_{in} x + b_{in} + r \odot (W_{hn} h + b_{hn})\big) \\
    h' &= (1 - z) \odot n + z \odot h
    \end{aligned}
    $$

    Args:
        input_size: features of the input $x$, $H_\text{in}$.
        hidden_size: features of the state $h$, $H$.
        bias: learn ``bias_ih`` and ``bias_hh`` (default ``True``).
        device: where the parameters live (default: torch's default device).
        dtype: parameter dtype (default: torch's default dtype, float32).

    Initialization (torch's, from torch's global generator in the same order, so
    ``torch.manual_seed`` gives the weights ``torch.nn.GRUCell`` gets): every parameter
    ~ $U(-1/\sqrt{H}, 1/\sqrt{H})$.

    Shape:
        input ``(N, H_in)`` or ``(H_in,)``; ``hx`` ``(N, H)`` or ``(H,)`` (zeros when
        ``None``); output ``(N, H)`` or ``(H,)``. ``weight_ih`` ``(3H, H_in)``,
        ``weight_hh`` ``(3H, H)``, ``bias_ih`` and ``bias_hh`` ``(3H,)``, each stacked
        ``[r; z; n]``.

    PyTorch equivalent: ``torch.nn.GRUCell``; same parameter names and ``state_dict``
    keys.

    Differences from PyTorch: errors are ``ValueError``/``TypeError`` naming the
    argument (torch: ``RuntimeError``).
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
        check_torch_float_dtype("dtype", dtype)
        factory = {"device": device, "dtype": dtype}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        self.weight_ih = nn.Parameter(
            torch.empty((3 * hidden_size, input_size), **factory)
        )
        self.weight_hh = nn.Parameter(
            torch.empty((3 * hidden_size, hidden_size), **factory)
        )
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(3 * hidden_size, **factory))
            self.bias_hh = nn.Parameter(torch.empty(3 * hidden_size, **factory))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Torch's initialization: every parameter uniform in
        ``±1/sqrt(hidden_size)``."""
        bound = 1 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            nn.init.uniform_(param, -bound, bound)

    def forward(
        self, input: torch.Tensor, hx: torch.Tensor | None = None
    ) -> torch.Tensor:
        _check_tensor("input", input, like=self.weight_ih)
        batched, N = check_cell_input(input, self.input_size)
        check_param_dtype(input, self.weight_ih)
        if hx is not None:
            _check_tensor("hx", hx, like=self.weight_ih)
        check_cell_state("hx", hx, input, batched, N, self.hidden_size)
        x = input.reshape(N, self.input_size)  # (N, H_in)
        # (N, H)
        h = (
            input.new_zeros(N, self.hidden_size)
            if hx is None
            else hx.reshape(N, self.hidden_size)
        )
        # W_i x + b_i for the three gates                                      (N, 3H)
        gi = x @ self.weight_ih.T
        if self.bias_ih is not None:
            gi = gi + self.bias_ih
        h = _gru_step(gi, h, self.weight_hh, self.bias_hh)
        return h if batched else h[0]  # (N, H) or (H,)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + (
            "" if self.bias else ", bias=False"
        )


class GRU(nn.Module):
    r"""A multi-layer gated recurrent unit over a sequence, with torch's constructor,
    layouts and names.

    Each layer runs the `GRUCell` recurrence over the time steps,

    $$
    \begin{aligned}
    r_t &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\
    z_t &= \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\
    n_t &= \tanh\big(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn})\big) \\
    h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}
    \end{aligned}
    $$

    and layer $l > 0$ reads the outputs of layer $l - 1$ (after dropout, in training
    mode). A bidirectional layer also runs a second GRU from the last step to the first
    and concatenates the two states at each step.

    Args:
        input_size: features of the input $x_t$, $H_\text{in}$.
        hidden_size: features of the state $h_t$, $H$.
        num_layers: stacked layers (default 1).
        bias: learn the biases ``bias_ih_l{k}`` and ``bias_hh_l{k}`` (default ``True``).
        batch_first: input and output are ``(N, L, *)`` instead of ``(L, N, *)`` (the
            state never is).
        dropout: probability of zeroing each output of every layer but the last, in
            training mode (default 0).
        bidirectional: run a second GRU backwards in time (default ``False``).
        device: where the parameters live (default: torch's default device).
        dtype: parameter dtype (default: torch's default dtype, float32).
        generator: ``torch.Generator`` for the dropout masks (torch's global one when
            ``None``: then on the CPU the masks are the ones ``torch.nn.GRU`` draws).

    Initialization (torch's, from torch's global generator in ``state_dict`` order, so
    ``torch.manual_seed`` gives the weights ``torch.nn.GRU`` gets): every parameter
    ~ $U(-1/\sqrt{H}, 1/\sqrt{H})$.

    Shape:
        ``forward(input, hx=None, dropout_masks=None)``: input ``(L, N, H_in)``, ``(N,
        L, H_in)`` with ``batch_first``, or ``(L, H_in)`` unbatched; ``hx`` ``(D *
        num_layers, N, H)`` or ``(D * num_layers, H)`` (zeros when ``None``), with
        $D = 2$ if bidirectional else 1; ``dropout_masks`` ``num_layers - 1`` boolean
        keep-masks of the output's shape. Returns ``(output, h_n)``: output
        ``(L, N, D H)`` (``(N, L, D H)`` with ``batch_first``, ``(L, D H)`` unbatched);
        ``h_n`` the shape of ``hx``, ordered ``l0, l0_reverse, l1, ...``.
        ``weight_ih_l0`` ``(3H, H_in)``, ``weight_ih_l{k}`` ``(3H, D H)`` for $k > 0$,
        ``weight_hh_l{k}`` ``(3H, H)``, biases ``(3H,)``, each stacked ``[r; z; n]``;
        ``_reverse`` names the backward direction.

    Attributes:
        dropout_masks: the keep-masks the last training-mode forward used between layers
            (output's shape), or ``None``; hand them to the NumPy `GRU` to compare
            exactly.

    PyTorch equivalent: ``torch.nn.GRU``; same parameter names, shapes and
    ``state_dict`` keys; with the same seed on the CPU, the same dropout masks.

    Differences from PyTorch: ``generator``, the ``dropout_masks`` argument and
    attribute; no ``PackedSequence`` input; no warning for ``dropout > 0`` with one
    layer (where it does nothing); errors are ``ValueError``/``TypeError`` naming the
    argument (torch: ``RuntimeError``).
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
        check_torch_float_dtype("dtype", dtype)
        if generator is not None and not isinstance(generator, torch.Generator):
            raise TypeError(
                "generator must be a torch.Generator or None, got "
                f"{type(generator).__name__}"
            )
        factory = {"device": device, "dtype": dtype}
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.generator = generator
        self.dropout_masks: list[torch.Tensor] | None = None
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
                    setattr(self, name, nn.Parameter(torch.empty(shape, **factory)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Torch's initialization: every parameter uniform in
        ``±1/sqrt(hidden_size)``."""
        bound = 1 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            nn.init.uniform_(param, -bound, bound)

    def _params(self, layer: int, direction: int):
        """``(W_ih, W_hh, b_ih, b_hh)`` of one layer and direction (``None`` biases
        without bias)."""
        names = layer_parameter_names(layer, direction == 1, self.bias)
        return tuple(getattr(self, name) for name in names) + (None,) * (4 - len(names))

    def _to_time_major(self, a: torch.Tensor, batched: bool) -> torch.Tensor:
        """The user's layout ``(L, N, F)``, ``(N, L, F)`` or ``(L, F)`` as
        ``(L, N, F)``."""
        if not batched:
            return a.unsqueeze(1)  # (L, 1, F)
        return a.transpose(0, 1) if self.batch_first else a  # (L, N, F)

    def _from_time_major(self, a: torch.Tensor, batched: bool) -> torch.Tensor:
        """``(L, N, F)`` back to the user's layout."""
        if not batched:
            return a.squeeze(1)  # (L, F)
        return a.transpose(0, 1) if self.batch_first else a  # (N, L, F) or (L, N, F)

    def forward(
        self, input: torch.Tensor, hx: torch.Tensor | None = None, dropout_masks=None
    ):
        _check_tensor("input", input, like=self.weight_ih_l0)
        layout = check_sequence_input(input, self.input_size, self.batch_first)
        check_param_dtype(input, self.weight_ih_l0)
        D, H = num_directions(self.bidirectional), self.hidden_size
        S = D * self.num_layers
        if hx is not None:
            _check_tensor("hx", hx, like=self.weight_ih_l0)
        check_sequence_state("hx", hx, input, layout, S, H)
        check_dropout_masks(
            dropout_masks, self.num_layers - 1, tuple(input.shape[:-1]) + (D * H,)
        )
        for k, mask in enumerate(dropout_masks or ()):
            _check_tensor(f"dropout_masks[{k}]", mask, like=input)
        L, N = layout.seq_len, layout.batch
        x = self._to_time_major(input, layout.batched)  # (L, N, H_in)
        # (D layers, N, H)
        h0 = input.new_zeros(S, N, H) if hx is None else hx.reshape(S, N, H)
        use_dropout = (
            self.training
            and self.num_layers > 1
            and (dropout_masks is not None or self.dropout > 0)
        )
        masks = []
        h_n = []
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(D):
                W_ih, W_hh, b_ih, b_hh = self._params(layer, direction)
                # the reverse direction reads the sequence
                # from its last step to its first
                xd = x if direction == 0 else x.flip(0)
                # (L, N, H)
                hs = _gru_sequence(
                    xd, h0[layer * D + direction], W_ih, W_hh, b_ih, b_hh
                )
                h_n.append(hs[-1])
                outputs.append(hs if direction == 0 else hs.flip(0))
            x = torch.cat(outputs, dim=-1) if D == 2 else outputs[0]  # (L, N, D H)
            if use_dropout and layer < self.num_layers - 1:
                # a keep-mask drawn as torch draws it:
                # bernoulli_(1 - p) on the (L, N, D H) output
                if dropout_masks is not None:
                    mask = self._to_time_major(dropout_masks[layer], layout.batched)
                elif 0 < self.dropout < 1:
                    mask = dropout_mask(x.shape, self.dropout, self.generator, x.device)
                else:
                    mask = None
                masks.append(mask)
                x = dropout(x, self.dropout, True, mask=mask)
        self.dropout_masks = (
            [self._from_time_major(m, layout.batched) for m in masks]
            if masks and masks[0] is not None
            else None
        )
        output = self._from_time_major(x, layout.batched)
        h_n = torch.stack(h_n)  # (S, N, H)
        # h_n: (S, N, H) or (S, H)
        return output, (h_n if layout.batched else h_n.squeeze(1))

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
