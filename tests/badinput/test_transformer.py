"""Bad inputs to the Transformer layers (``TransformerEncoderLayer``, ``TransformerDecoderLayer``), sinusoidal
positional encoding (``sinusoidal_positional_encoding``, ``PositionalEncoding``) of both backends.

The layers are judged by ``torch.nn.TransformerEncoderLayer``/``TransformerDecoderLayer`` holding the NumPy layer's
weights (math attention path, dropout 0), the NumPy backward passes by torch's autograd through them. Positional
encoding, which torch does not have, is judged by its formula written in torch ops; the table function's bad sizes
must all raise (``reference=None``), as must dlref's own ``dropout_masks``.
"""

import math

import numpy as np
import pytest
import torch
from torch.nn.attention import SDPBackend, sdpa_kernel

from badinput.framework import COMMON_STRICTER, Case, check_valid_call, convert, expand, ids, judge
from badinput.layers import BACKWARD_STRICTER, backward_before_forward, state_dict_extras, torch_kwargs
from dlref.numpy import nn
from dlref.torch import nn as tnn

rng = np.random.default_rng(0)
N, T, S, E = 2, 3, 5, 4
X, M = rng.standard_normal((T, N, E)), rng.standard_normal((S, N, E))
CAUSAL = np.triu(np.ones((T, T), dtype=bool), 1)                   # True = not allowed to attend
KPM_T = np.zeros((N, T), dtype=bool)
KPM_S = np.zeros((N, S), dtype=bool)
KPM_S[1, -2:] = True
MEM_MASK = rng.standard_normal((T, S))
LAYER = dict(d_model=E, nhead=2, dim_feedforward=6, dropout=0.0, dtype=np.float64)

FLAG = "flags must be bools (torch tests them for truth)"
DROPOUT = "dropout must be a real number in [0, 1], not a bool (torch skips dropout for p <= 0)"
ACTIVATION = "activation is 'relu' or 'gelu' (torch also takes a callable, and looks strings up late)"
EPS = "layer_norm_eps must be a finite number > 0 (torch divides by sqrt(var + eps) whatever it is)"
GENERATOR = "generator is dlref's addition (torch has no such argument): a Generator or None"
MASK_DTYPE = ("a floating mask must have the input's dtype (torch casts masks to it); dlref never casts "
              "silently")
FEEDFORWARD = "dim_feedforward must be >= 1, as dlref's Linear sizes (torch builds an empty feed-forward layer)"
MIXED_MASKS = "torch warns on a float key padding mask beside a boolean attention mask; dlref takes both"

BAD_INIT = [
    ("d_model=0", {"d_model": 0}), ("d_model=2.5", {"d_model": 2.5}), ("d_model=None", {"d_model": None}),
    ("nhead=0", {"nhead": 0}), ("nhead=3", {"nhead": 3}), ("nhead='2'", {"nhead": "2"}),
    ("dim_feedforward=0", {"dim_feedforward": 0}), ("dim_feedforward=1.5", {"dim_feedforward": 1.5}),
    ("dropout=1.5", {"dropout": 1.5}), ("dropout=-0.1", {"dropout": -0.1}), ("dropout=True", {"dropout": True}),
    ("activation='tanh'", {"activation": "tanh"}), ("activation=None", {"activation": None}),
    ("activation=callable", {"activation": torch.relu}),
    ("layer_norm_eps=0", {"layer_norm_eps": 0.0}), ("layer_norm_eps=-1", {"layer_norm_eps": -1.0}),
    ("layer_norm_eps='x'", {"layer_norm_eps": "x"}),
    ("batch_first='yes'", {"batch_first": "yes"}), ("norm_first=1", {"norm_first": 1}), ("bias=None", {"bias": None}),
    ("dtype=int64", {"dtype": np.int64}), ("generator=0", {"generator": 0}),
]
INIT_STRICTER = dict(COMMON_STRICTER, **{
    "dropout=-0.1": DROPOUT, "dropout=True": DROPOUT, "dropout=1.5": DROPOUT, "activation=callable": ACTIVATION,
    "layer_norm_eps=0": EPS, "layer_norm_eps=-1": EPS, "batch_first='yes'": FLAG, "norm_first=1": FLAG,
    "bias=None": FLAG, "generator=0": GENERATOR, "dim_feedforward=0": FEEDFORWARD})


def numpy_layer(name, **kw):
    return getattr(nn, name)(**dict(LAYER, **kw), generator=np.random.default_rng(0))


def torch_layer(name, cls=None, **kw):
    """A torch layer (torch's, or the twin) holding the weights of ``numpy_layer(name, **kw)``."""
    layer = (cls or getattr(torch.nn, name))(**torch_kwargs(dict(LAYER, **kw)))
    layer.load_state_dict({k: torch.from_numpy(v) for k, v in numpy_layer(name, **kw).state_dict().items()})
    return layer


def reference(name):
    def run(**kw):
        with sdpa_kernel(SDPBackend.MATH):
            return torch_layer(name)(**kw)
    return run


def tensors(changes: list) -> list:
    return [(label, {k: convert(v) for k, v in change.items()}) for label, change in changes]


# -- the encoder and decoder layers ----------------------------------------------------------------

ENC_FORWARD = dict(src=X, src_mask=CAUSAL, src_key_padding_mask=KPM_T, is_causal=True)
BAD_ENC_FORWARD = [
    ("is_causal='yes'", {"is_causal": "yes"}), ("is_causal,no_mask", {"is_causal": True, "src_mask": None}),
    ("src_mask=int", {"src_mask": CAUSAL.astype(np.int64)}), ("src_mask=(T,S)", {"src_mask": np.zeros((T, S))}),
    ("src_mask=(N,T,T)", {"src_mask": np.repeat(CAUSAL[None], N, axis=0), "is_causal": False}),
    ("src_mask=3-D", {"src_mask": np.repeat(CAUSAL[None], N * 2, axis=0), "is_causal": False}),
    ("src_key_padding_mask=(T,)", {"src_key_padding_mask": KPM_T[0]}),
    ("src_key_padding_mask=(N,S)", {"src_key_padding_mask": KPM_S}),
    ("src_key_padding_mask=float", {"src_key_padding_mask": np.where(KPM_T, -np.inf, 0.0)}),
]
DEC_FORWARD = dict(tgt=X, memory=M, tgt_mask=CAUSAL, memory_mask=MEM_MASK, tgt_key_padding_mask=KPM_T,
                   memory_key_padding_mask=KPM_S, tgt_is_causal=True, memory_is_causal=False)
BAD_DEC_FORWARD = [
    ("tgt_is_causal=1", {"tgt_is_causal": 1}), ("memory_is_causal=True", {"memory_is_causal": True}),
    ("memory_is_causal,no_mask", {"memory_is_causal": True, "memory_mask": None}),
    ("tgt_is_causal,no_mask", {"tgt_is_causal": True, "tgt_mask": None}),
    ("memory_mask=(S,T)", {"memory_mask": MEM_MASK.T}), ("memory_mask=(T,T)", {"memory_mask": CAUSAL}),
    ("tgt_mask=(T,S)", {"tgt_mask": MEM_MASK > 0}),
    ("memory_key_padding_mask=(N,T)", {"memory_key_padding_mask": KPM_T}),
    ("tgt_key_padding_mask=(N,S)", {"tgt_key_padding_mask": KPM_S}),
    ("memory=other_batch", {"memory": M[:, :1]}), ("memory=unbatched", {"memory": M[:, 0]}),
]
FORWARD_STRICTER = dict(COMMON_STRICTER, **{
    "is_causal='yes'": FLAG, "tgt_is_causal=1": FLAG, "src_mask=mixed_precision": MASK_DTYPE,
    "memory_mask=mixed_precision": MASK_DTYPE,
    "memory_mask=float16": MASK_DTYPE, "src_key_padding_mask=float": MIXED_MASKS})
DROPOUT_MASKS = [("dropout_masks=list", {"dropout_masks": [1]}), ("dropout_masks=bad_key", {"dropout_masks": {"x": 1}}),
                 ("dropout_masks=float", {"dropout_masks": {"dropout1": np.ones((T, N, E))}}),
                 ("dropout_masks=shape", {"dropout_masks": {"dropout": np.ones((T, N, E), dtype=bool)}})]


def layer_cases(name, forward, bad_forward, inputs):
    forward_t = {k: convert(v) for k, v in forward.items()}
    state = numpy_layer(name).state_dict()
    G = np.ones((T, N, E))

    def backward(grad_output):
        layer = numpy_layer(name)
        layer(**forward)
        return layer.backward(grad_output)

    def backward_reference(grad_output):
        leaves = {k: convert(forward[k]).requires_grad_(True) for k in inputs}
        y = reference(name)(**dict({k: convert(v) for k, v in forward.items()}, **leaves))
        grads = torch.autograd.grad(y, list(leaves.values()), grad_output)
        return grads[0] if len(grads) == 1 else grads

    def construct(**kw):
        return getattr(nn, name)(**kw)(*(forward[k] for k in inputs))

    def construct_twin(**kw):
        return getattr(tnn, name)(**torch_kwargs(kw))(*(convert(forward[k]) for k in inputs))

    def construct_reference(**kw):
        with sdpa_kernel(SDPBackend.MATH):
            return getattr(torch.nn, name)(**torch_kwargs(kw))(*(convert(forward[k]) for k in inputs))

    twin_bad_init = [change for change in BAD_INIT if change[0] != "generator=0"]
    return [
        Case(f"dlref.numpy.nn.{name}", lambda **kw: numpy_layer(name)(**kw), forward, reference=reference(name),
             stricter=FORWARD_STRICTER, extra=bad_forward, id=f"{name}-forward"),
        Case(f"dlref.torch.nn.{name}", lambda **kw: torch_layer(name, getattr(tnn, name))(**kw), forward_t,
             reference=reference(name), stricter=FORWARD_STRICTER, extra=tensors(bad_forward),
             id=f"torch-{name}-forward"),
        Case(f"dlref.numpy.nn.{name}", construct, dict(LAYER), reference=construct_reference, hostile=(),
             stricter=INIT_STRICTER, extra=BAD_INIT, id=f"{name}-constructor"),
        Case(f"dlref.torch.nn.{name}", construct_twin, dict(LAYER), reference=construct_reference, hostile=(),
             stricter=INIT_STRICTER, extra=twin_bad_init, id=f"torch-{name}-constructor"),
        Case(f"dlref.numpy.nn.{name}", lambda state_dict: numpy_layer(name).load_state_dict(state_dict),
             dict(state_dict=state), reference=lambda state_dict: torch_layer(name).load_state_dict(state_dict),
             hostile=(), extra=state_dict_extras(state), id=f"{name}-load_state_dict"),
        Case(f"dlref.numpy.nn.{name}", backward, dict(grad_output=G), reference=backward_reference,
             stricter=BACKWARD_STRICTER, id=f"{name}-backward"),
        # dlref's dropout_masks: every hostile value raises (None: draw them)
        Case(f"dlref.numpy.nn.{name}", lambda **kw: numpy_layer(name, dropout=0.5)(*(forward[k] for k in inputs), **kw),
             dict(dropout_masks=None), hostile=(), extra=DROPOUT_MASKS, id=f"{name}-dropout_masks"),
        Case(f"dlref.torch.nn.{name}",
             lambda **kw: torch_layer(name, getattr(tnn, name), dropout=0.5)(*(convert(forward[k]) for k in inputs),
                                                                             **kw),
             dict(dropout_masks=None), hostile=(), extra=tensors(DROPOUT_MASKS), id=f"torch-{name}-dropout_masks"),
    ]


# -- positional encoding ---------------------------------------------------------------------------


def pe_reference(input, mask=None):
    """x + PE with the table written from its formula in torch ops (unbatched or sequence-first)."""
    if input.dim() not in (2, 3):
        raise ValueError("input must be 2-D or 3-D")
    L, d = input.shape[0], 6
    pos = torch.arange(L, dtype=input.dtype).unsqueeze(1)
    omega = torch.tensor([10000.0 ** (-2 * i / d) for i in range(d // 2)], dtype=input.dtype)
    pe = torch.stack([torch.sin(pos * omega), torch.cos(pos * omega)], dim=-1).reshape(L, d)
    return input + (pe if input.dim() == 2 else pe[:, None])


XP = rng.standard_normal((5, N, 6))
BAD_PE = [("d_model=5", {"d_model": 5}), ("d_model=0", {"d_model": 0}), ("max_len=0", {"max_len": 0}),
          ("max_len=2", {"max_len": 2}), ("dropout=2", {"dropout": 2.0}), ("batch_first=1", {"batch_first": 1}),
          ("max_len=2.5", {"max_len": 2.5})]
BAD_TABLE = [("max_len=-1", {"max_len": -1}), ("max_len=2.5", {"max_len": 2.5}), ("max_len=None", {"max_len": None}),
             ("d_model=5", {"d_model": 5}), ("d_model=0", {"d_model": 0}), ("d_model='6'", {"d_model": "6"})]
PE_STRICTER = dict(COMMON_STRICTER, extra_dim="input must be (L, N, d) or (L, d); a 4-D input is an error",
                   float16="the table is computed in the input's dtype; float16 is fine in torch too")


def pe_cases():
    def numpy_pe(**kw):
        return nn.PositionalEncoding(**dict(dict(d_model=6, max_len=10), **kw))

    def twin_pe(**kw):
        return tnn.PositionalEncoding(**dict(dict(d_model=6, max_len=10), **kw))

    return [
        Case("dlref.numpy.nn.PositionalEncoding", lambda input: numpy_pe()(input), dict(input=XP),
             reference=pe_reference, stricter=PE_STRICTER, id="PositionalEncoding-forward"),
        Case("dlref.torch.nn.PositionalEncoding", lambda input: twin_pe()(input), dict(input=convert(XP)),
             reference=pe_reference, stricter=PE_STRICTER, id="torch-PositionalEncoding-forward"),
        Case("dlref.numpy.nn.PositionalEncoding", lambda **kw: numpy_pe(**kw)(XP), dict(d_model=6), hostile=(),
             extra=BAD_PE, id="PositionalEncoding-constructor"),
        Case("dlref.torch.nn.PositionalEncoding", lambda **kw: twin_pe(**kw)(convert(XP)), dict(d_model=6),
             hostile=(), extra=BAD_PE, id="torch-PositionalEncoding-constructor"),
        Case("dlref.numpy.nn.sinusoidal_positional_encoding", nn.sinusoidal_positional_encoding,
             dict(max_len=5, d_model=6), hostile=(), extra=BAD_TABLE + [("dtype=int64", {"dtype": np.int64})]),
        Case("dlref.torch.nn.sinusoidal_positional_encoding", tnn.sinusoidal_positional_encoding,
             dict(max_len=5, d_model=6), hostile=(), extra=BAD_TABLE + [("dtype=int64", {"dtype": torch.int64})],
             id="torch-sinusoidal_positional_encoding"),
    ]


CASES = (layer_cases("TransformerEncoderLayer", ENC_FORWARD, BAD_ENC_FORWARD, ("src",))
         + layer_cases("TransformerDecoderLayer", DEC_FORWARD, BAD_DEC_FORWARD, ("tgt", "memory")) + pe_cases())
CALLS = expand(CASES)
pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched:UserWarning",
                                        "ignore:Converting mask without torch.bool dtype:UserWarning")


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("case", CASES, ids=[case.id or case.name.split(".")[-1] for case in CASES])
def test_valid_call_agrees_with_the_reference(case):
    check_valid_call(case)


def test_backward_before_forward_says_so():
    backward_before_forward("TransformerEncoderLayer", LAYER, np.ones((T, N, E)))
    backward_before_forward("TransformerDecoderLayer", LAYER, np.ones((T, N, E)))


def test_sinusoidal_table_of_zero_positions_is_empty():
    assert nn.sinusoidal_positional_encoding(0, 4).shape == (0, 4)
    assert math.prod(tnn.sinusoidal_positional_encoding(0, 4).shape) == 0
