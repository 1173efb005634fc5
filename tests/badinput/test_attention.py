"""Bad inputs to attention (``scaled_dot_product_attention``, ``additive_attention``, their backward passes,
``MultiheadAttention``, ``AdditiveAttention``) of both backends, judged by torch.

``scaled_dot_product_attention`` and ``MultiheadAttention`` are judged by torch's own (its math path); additive
attention, which torch does not have, by its formula written in torch ops (tanh, matmul, softmax, dropout), and the
NumPy backward passes by torch's autograd through those references. dlref's own arguments (``dropout_mask``,
``generator``) have no torch counterpart: every hostile value must raise (``reference=None``). Torch's dropout draws
after ``torch.manual_seed(0)``; only shapes and NaN places are compared, so dlref may draw its own masks.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from torch.nn.attention import SDPBackend, sdpa_kernel

from badinput.framework import COMMON_STRICTER, Case, check_valid_call, convert, expand, ids, judge
from badinput.layers import (BACKWARD_STRICTER, backward_before_forward, grads_reference, state_dict_extras,
                             torch_kwargs)
from dlref.numpy import functional as F
from dlref.numpy import nn
from dlref.torch import functional as TTF
from dlref.torch import nn as tnn

rng = np.random.default_rng(0)
N, L, S, E, EV = 2, 3, 5, 4, 6
Q, K, V = rng.standard_normal((N, L, E)), rng.standard_normal((N, S, E)), rng.standard_normal((N, S, EV))
MASK = rng.random((L, S)) < 0.7                     # True = may attend (scaled_dot_product_attention's convention)
MASK[:, 0] = True                                   # every query keeps a key
FMASK = rng.standard_normal((L, S))
KEEP = rng.random((N, L, S)) < 0.6                  # a dropout keep-mask of the weights (N, L, S)
G = np.ones((N, L, EV))
# additive attention: query_size 2, key_size 3, num_hiddens 5 (no two sizes equal, so nothing broadcasts by chance)
QA, KA = rng.standard_normal((N, L, 2)), rng.standard_normal((N, S, 3))
WQ, WK, WV = rng.standard_normal((5, 2)), rng.standard_normal((5, 3)), rng.standard_normal(5)

# why dlref raises where torch returns (each stated in the docstrings)
NOT_A_PROBABILITY = "dropout_p must be a real number in [0, 1], not a bool (torch skips dropout for p <= 0 or NaN)"
SCALE = "scale must be None or a finite real number, not a bool (torch returns NaN for a NaN or infinite scale)"
MASK_DTYPE = ("a floating mask must have query's dtype (torch also adds a float32 mask to float64 scores); "
              "dlref never casts silently")
FLAG = "flags must be bools (torch tests them for truth)"
DROPOUT = "dropout must be a real number in [0, 1], not a bool (torch skips dropout for p <= 0)"
GENERATOR = "generator is dlref's addition (torch has no such argument): a Generator or None"
EMPTY_VALUE = ("value's leading dimensions must broadcast with query's and key's; torch's shortcut for an empty "
               "value returns an output of the broadcast shape without checking")

BAD_SDPA = [
    ("dropout_p=-0.1", {"dropout_p": -0.1}), ("dropout_p=1.5", {"dropout_p": 1.5}),
    ("dropout_p='0.5'", {"dropout_p": "0.5"}), ("dropout_p=True", {"dropout_p": True}),
    ("dropout_p=None", {"dropout_p": None}), ("dropout_p=nan", {"dropout_p": float("nan")}),
    ("dropout_p=0.5", {"dropout_p": 0.5}), ("dropout_p=1", {"dropout_p": 1.0}),
    ("is_causal=1", {"is_causal": 1}), ("is_causal='yes'", {"is_causal": "yes"}),
    ("is_causal=None", {"is_causal": None}),
    ("is_causal+attn_mask", {"is_causal": True}), ("is_causal,no_mask", {"is_causal": True, "attn_mask": None}),
    ("scale='x'", {"scale": "x"}), ("scale=nan", {"scale": float("nan")}), ("scale=inf", {"scale": float("inf")}),
    ("scale=True", {"scale": True}), ("scale=0", {"scale": 0.0}), ("scale=-1", {"scale": -1.0}),
    ("attn_mask=int", {"attn_mask": MASK.astype(np.int64)}), ("attn_mask=4-D", {"attn_mask": MASK[None, None]}),
    ("attn_mask=larger", {"attn_mask": np.ones((3, N, L, S), dtype=bool)}),
]
SDPA_STRICTER = dict(COMMON_STRICTER, **{"dropout_p=-0.1": NOT_A_PROBABILITY, "dropout_p=True": NOT_A_PROBABILITY,
                                         "dropout_p=nan": NOT_A_PROBABILITY, "scale=nan": SCALE, "scale=inf": SCALE,
                                         "scale=True": SCALE, "attn_mask=mixed_precision": MASK_DTYPE,
                                         "value=empty": EMPTY_VALUE})


def tensors(changes: list) -> list:
    """The NumPy arrays of ``extra`` changes as tensors (for the torch twins' cases)."""
    return [(label, {k: convert(v) for k, v in change.items()}) for label, change in changes]


# -- references ------------------------------------------------------------------------------------


def sdpa_reference(query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None):
    torch.manual_seed(0)
    with sdpa_kernel(SDPBackend.MATH):
        return TF.scaled_dot_product_attention(query, key, value, attn_mask, dropout_p, is_causal, scale=scale)


def additive_weights(query, key, weight_q, weight_k, weight_v, attn_mask=None, dropout_p=0.0):
    """Bahdanau attention's weights in torch ops: its formula, torch's softmax and dropout."""
    # e_ij = w_v^T tanh(W_q q_i + W_k k_j)
    features = torch.tanh(TF.linear(query, weight_q).unsqueeze(-2) + TF.linear(key, weight_k).unsqueeze(-3))
    scores = torch.matmul(features, weight_v)
    if attn_mask is not None:
        if not isinstance(attn_mask, torch.Tensor) or attn_mask.dtype not in (torch.bool, query.dtype):
            raise TypeError("attn_mask must be a boolean or floating tensor of query's dtype")
        if torch.broadcast_shapes(attn_mask.shape, scores.shape) != scores.shape:
            raise ValueError("attn_mask does not broadcast to the weights")
        scores = scores.masked_fill(~attn_mask, float("-inf")) if attn_mask.dtype == torch.bool else scores + attn_mask
    torch.manual_seed(0)
    return TF.dropout(torch.softmax(scores, dim=-1), dropout_p)


def additive_reference(query, key, value, weight_q, weight_k, weight_v, attn_mask=None, dropout_p=0.0):
    return additive_weights(query, key, weight_q, weight_k, weight_v, attn_mask, dropout_p) @ value


# -- the functions ---------------------------------------------------------------------------------


def function_cases():
    sdpa = dict(query=Q, key=K, value=V, attn_mask=MASK, dropout_p=0.0, is_causal=False, scale=None)
    sdpa_t = {k: convert(v) for k, v in sdpa.items()}
    additive = dict(query=QA, key=KA, value=V, weight_q=WQ, weight_k=WK, weight_v=WV, attn_mask=MASK, dropout_p=0.0)
    additive_t = {k: convert(v) for k, v in additive.items()}
    bad_dropout_mask = [("dropout_mask=float", {"dropout_mask": KEEP.astype(np.float64)}),
                        ("dropout_mask=transposed", {"dropout_mask": KEEP.transpose(0, 2, 1)}),
                        ("generator=0", {"generator": 0, "dropout_mask": None})]
    bad_additive = [change for change in BAD_SDPA if change[0].startswith(("dropout_p", "attn_mask"))]
    return [
        Case("dlref.numpy.functional.scaled_dot_product_attention", F.scaled_dot_product_attention, sdpa,
             reference=sdpa_reference, stricter=SDPA_STRICTER, extra=BAD_SDPA),
        Case("dlref.numpy.functional.scaled_dot_product_attention", F.scaled_dot_product_attention,
             dict(sdpa, attn_mask=FMASK), reference=sdpa_reference, stricter=SDPA_STRICTER, hostile=("attn_mask",),
             id="sdpa-float_mask"),
        Case("dlref.torch.functional.scaled_dot_product_attention", TTF.scaled_dot_product_attention, sdpa_t,
             reference=sdpa_reference, stricter=SDPA_STRICTER, extra=tensors(BAD_SDPA), id="torch-sdpa"),
        Case("dlref.torch.functional.scaled_dot_product_attention", TTF.scaled_dot_product_attention,
             dict(sdpa_t, attn_mask=convert(FMASK)), reference=sdpa_reference, stricter=SDPA_STRICTER,
             hostile=("attn_mask",), id="torch-sdpa-float_mask"),
        Case("dlref.numpy.functional.scaled_dot_product_attention_backward", F.scaled_dot_product_attention_backward,
             dict(sdpa, grad_output=G), reference=grads_reference(sdpa_reference, ("query", "key", "value")),
             stricter=dict(BACKWARD_STRICTER, **SDPA_STRICTER),
             extra=[change for change in BAD_SDPA if "0.5" not in change[0]]),
        # dlref's dropout_mask and generator: every hostile value raises (None: draw a mask)
        Case("dlref.numpy.functional.scaled_dot_product_attention", F.scaled_dot_product_attention,
             dict(sdpa, dropout_p=0.5, dropout_mask=KEEP), hostile=("dropout_mask",), accepts=("none",),
             extra=bad_dropout_mask, id="sdpa-dropout_mask"),
        Case("dlref.torch.functional.scaled_dot_product_attention", TTF.scaled_dot_product_attention,
             dict(sdpa_t, dropout_p=0.5, dropout_mask=convert(KEEP)), hostile=("dropout_mask",), accepts=("none",),
             extra=tensors(bad_dropout_mask[:2]) + [("dropout_mask=numpy", {"dropout_mask": KEEP}),
                                                    ("generator=numpy", {"generator": np.random.default_rng(0),
                                                                         "dropout_mask": None})],
             id="torch-sdpa-dropout_mask"),
        Case("dlref.numpy.functional.scaled_dot_product_attention_backward", F.scaled_dot_product_attention_backward,
             dict(sdpa, grad_output=G, dropout_p=0.5, dropout_mask=KEEP), hostile=("dropout_mask",),
             extra=bad_dropout_mask[:2], id="sdpa_backward-dropout_mask"),
        Case("dlref.numpy.functional.additive_attention", F.additive_attention, additive, reference=additive_reference,
             stricter=SDPA_STRICTER, extra=bad_additive),
        Case("dlref.torch.functional.additive_attention", TTF.additive_attention, additive_t,
             reference=additive_reference, stricter=SDPA_STRICTER, extra=tensors(bad_additive), id="torch-additive"),
        Case("dlref.numpy.functional.additive_attention_backward", F.additive_attention_backward,
             dict(additive, grad_output=G),
             reference=grads_reference(additive_reference,
                                       ("query", "key", "value", "weight_q", "weight_k", "weight_v")),
             stricter=dict(BACKWARD_STRICTER, **SDPA_STRICTER),
             extra=[change for change in bad_additive if "0.5" not in change[0]]),
        Case("dlref.numpy.functional.additive_attention", F.additive_attention,
             dict(additive, dropout_p=0.5, dropout_mask=KEEP), hostile=("dropout_mask",), accepts=("none",),
             extra=bad_dropout_mask, id="additive-dropout_mask"),
    ]


# -- MultiheadAttention ----------------------------------------------------------------------------

MHA = dict(embed_dim=E, num_heads=2, dtype=np.float64)
XQ, XK, XV = rng.standard_normal((L, N, E)), rng.standard_normal((S, N, E)), rng.standard_normal((S, N, E))
KPM = np.zeros((N, S), dtype=bool)
KPM[1, -2:] = True                                  # True = padding (MultiheadAttention's convention)
MHA_MASK = ~MASK                                    # True = not allowed to attend
MHA_FORWARD = dict(query=XQ, key=XK, value=XV, key_padding_mask=KPM, need_weights=True, attn_mask=MHA_MASK,
                   average_attn_weights=True, is_causal=False)
BAD_MHA_FORWARD = [
    ("need_weights='yes'", {"need_weights": "yes"}), ("average_attn_weights=None", {"average_attn_weights": None}),
    ("is_causal='yes'", {"is_causal": "yes"}), ("is_causal,no_mask", {"is_causal": True, "attn_mask": None}),
    ("is_causal=True", {"is_causal": True}), ("need_weights=False", {"need_weights": False}),
    ("key_padding_mask=int", {"key_padding_mask": KPM.astype(np.int64)}),
    ("key_padding_mask=float", {"key_padding_mask": np.where(KPM, -np.inf, 0.0)}),
    ("attn_mask=3-D", {"attn_mask": np.repeat(MHA_MASK[None], N * 2, axis=0)}),
    ("attn_mask=float", {"attn_mask": FMASK}),
    ("attn_mask=(N,L,S)", {"attn_mask": np.repeat(MHA_MASK[None], N, axis=0)}),
    ("key_padding_mask=(S,)", {"key_padding_mask": KPM[0]}),
]
MHA_FORWARD_STRICTER = dict(COMMON_STRICTER, **{"need_weights='yes'": FLAG, "average_attn_weights=None": FLAG,
                                                "is_causal='yes'": FLAG})
BAD_MHA = [
    ("embed_dim=0", {"embed_dim": 0}), ("embed_dim=2.5", {"embed_dim": 2.5}), ("embed_dim=None", {"embed_dim": None}),
    ("num_heads=0", {"num_heads": 0}), ("num_heads=3", {"num_heads": 3}), ("num_heads=-1", {"num_heads": -1}),
    ("num_heads='2'", {"num_heads": "2"}),
    ("dropout=1.5", {"dropout": 1.5}), ("dropout=-0.1", {"dropout": -0.1}), ("dropout='0.1'", {"dropout": "0.1"}),
    ("dropout=True", {"dropout": True}),
    ("bias='yes'", {"bias": "yes"}), ("batch_first='yes'", {"batch_first": "yes"}),
    ("add_zero_attn='yes'", {"add_zero_attn": "yes"}), ("add_bias_kv='yes'", {"add_bias_kv": "yes"}),
    ("kdim=0", {"kdim": 0}), ("kdim=3", {"kdim": 3}), ("kdim=2.5", {"kdim": 2.5}), ("vdim=-1", {"vdim": -1}),
    ("dtype=int64", {"dtype": np.int64}), ("generator=0", {"generator": 0}),
]
MHA_CONSTRUCTOR_STRICTER = dict(COMMON_STRICTER, **{
    "dropout=-0.1": DROPOUT, "dropout=True": DROPOUT, "bias='yes'": FLAG, "batch_first='yes'": FLAG,
    "add_zero_attn='yes'": FLAG, "add_bias_kv='yes'": FLAG, "generator=0": GENERATOR})


def numpy_mha(**kw):
    return nn.MultiheadAttention(**dict(MHA, **kw), generator=np.random.default_rng(0))


def torch_mha(cls=torch.nn.MultiheadAttention, **kw):
    """A torch layer (torch's or the twin) holding the weights of ``numpy_mha(**kw)``."""
    layer = cls(**torch_kwargs(dict(MHA, **kw)))
    layer.load_state_dict({k: torch.from_numpy(v) for k, v in numpy_mha(**kw).state_dict().items()})
    return layer


def mha_reference(**kw):
    with sdpa_kernel(SDPBackend.MATH):
        return torch_mha()(**kw)


def mha_backward_reference(grad_output):
    leaves = [convert(a).requires_grad_(True) for a in (XQ, XK, XV)]
    y, _ = mha_reference(query=leaves[0], key=leaves[1], value=leaves[2], key_padding_mask=convert(KPM),
                         attn_mask=convert(MHA_MASK), need_weights=False)
    return torch.autograd.grad(y, leaves, grad_output)


def mha_backward(grad_output):
    layer = numpy_mha()
    layer(XQ, XK, XV, key_padding_mask=KPM, attn_mask=MHA_MASK, need_weights=False)
    return layer.backward(grad_output)


def mha_construct(**kw):
    return nn.MultiheadAttention(**kw)(XQ, XK, XV)


def mha_construct_twin(**kw):
    return tnn.MultiheadAttention(**torch_kwargs(kw), **({"generator": kw["generator"]} if "generator" in kw else {}))(
        *(convert(a) for a in (XQ, XK, XV)))


def mha_construct_reference(**kw):
    with sdpa_kernel(SDPBackend.MATH):
        return torch.nn.MultiheadAttention(**torch_kwargs(kw))(*(convert(a) for a in (XQ, XK, XV)))


def mha_cases():
    forward_t = {k: convert(v) for k, v in MHA_FORWARD.items()}
    state = numpy_mha().state_dict()

    def load_reference(state_dict):
        return torch_mha().load_state_dict(state_dict)

    return [
        Case("dlref.numpy.nn.MultiheadAttention", lambda **kw: numpy_mha()(**kw), MHA_FORWARD,
             reference=mha_reference, stricter=MHA_FORWARD_STRICTER, extra=BAD_MHA_FORWARD,
             id="MultiheadAttention-forward"),
        Case("dlref.torch.nn.MultiheadAttention", lambda **kw: torch_mha(tnn.MultiheadAttention)(**kw), forward_t,
             reference=mha_reference, stricter=MHA_FORWARD_STRICTER, extra=tensors(BAD_MHA_FORWARD),
             id="torch-MultiheadAttention-forward"),
        Case("dlref.numpy.nn.MultiheadAttention", mha_construct, dict(MHA), reference=mha_construct_reference,
             hostile=(), stricter=MHA_CONSTRUCTOR_STRICTER, extra=BAD_MHA, id="MultiheadAttention-constructor"),
        Case("dlref.torch.nn.MultiheadAttention", mha_construct_twin, dict(MHA), reference=mha_construct_reference,
             hostile=(), stricter=MHA_CONSTRUCTOR_STRICTER, extra=BAD_MHA, id="torch-MultiheadAttention-constructor"),
        Case("dlref.numpy.nn.MultiheadAttention", lambda state_dict: numpy_mha().load_state_dict(state_dict),
             dict(state_dict=state), reference=load_reference, hostile=(), extra=state_dict_extras(state),
             id="MultiheadAttention-load_state_dict"),
        Case("dlref.numpy.nn.MultiheadAttention", mha_backward, dict(grad_output=np.ones((L, N, E))),
             reference=mha_backward_reference, stricter=BACKWARD_STRICTER, id="MultiheadAttention-backward"),
        # dlref's dropout_mask (N, num_heads, L, S): every hostile value raises (None: draw one)
        Case("dlref.numpy.nn.MultiheadAttention", lambda **kw: numpy_mha(dropout=0.5)(XQ, XK, XV, **kw),
             dict(dropout_mask=rng.random((N, 2, L, S)) < 0.5), hostile=("dropout_mask",), accepts=("none",),
             id="MultiheadAttention-dropout_mask"),
    ]


# -- AdditiveAttention -----------------------------------------------------------------------------

ADDITIVE = dict(query_size=2, key_size=3, num_hiddens=5, dtype=np.float64)
ADDITIVE_FORWARD = dict(query=QA, key=KA, value=V, attn_mask=MASK)
BAD_ADDITIVE = [
    ("query_size=0", {"query_size": 0}), ("key_size=None", {"key_size": None}),
    ("num_hiddens=2.5", {"num_hiddens": 2.5}), ("dropout=1.5", {"dropout": 1.5}), ("dropout=True", {"dropout": True}),
    ("dtype=int64", {"dtype": np.int64}), ("generator=0", {"generator": 0}),
]


def numpy_additive(**kw):
    return nn.AdditiveAttention(**ADDITIVE, generator=np.random.default_rng(0), **kw)


def additive_module_reference(query, key, value, attn_mask=None):
    """The formula with the NumPy layer's weights: ``(output, weights)`` as the layers return them."""
    state = {k: convert(v) for k, v in numpy_additive().state_dict().items()}
    weights = additive_weights(query, key, state["W_q.weight"], state["W_k.weight"], state["w_v.weight"][0],
                               attn_mask)
    return weights @ value, weights


def additive_backward(grad_output):
    layer = numpy_additive()
    layer(QA, KA, V, attn_mask=MASK)
    return layer.backward(grad_output)


def additive_backward_reference(grad_output):
    leaves = [convert(a).requires_grad_(True) for a in (QA, KA, V)]
    output, _ = additive_module_reference(*leaves, attn_mask=convert(MASK))
    return torch.autograd.grad(output, leaves, grad_output)


def twin_additive(**kw):
    layer = tnn.AdditiveAttention(**torch_kwargs(ADDITIVE))
    layer.load_state_dict({k: torch.from_numpy(v) for k, v in numpy_additive().state_dict().items()})
    return layer(**kw)


def additive_cases():
    state = numpy_additive().state_dict()
    forward_t = {k: convert(v) for k, v in ADDITIVE_FORWARD.items()}
    construct_args = dict(ADDITIVE)
    return [
        Case("dlref.numpy.nn.AdditiveAttention", lambda **kw: numpy_additive()(**kw), ADDITIVE_FORWARD,
             reference=additive_module_reference, id="AdditiveAttention-forward"),
        Case("dlref.torch.nn.AdditiveAttention", twin_additive, forward_t, reference=additive_module_reference,
             id="torch-AdditiveAttention-forward"),
        Case("dlref.numpy.nn.AdditiveAttention", additive_backward, dict(grad_output=G),
             reference=additive_backward_reference, stricter=BACKWARD_STRICTER, id="AdditiveAttention-backward"),
        # no torch class: every bad constructor argument and state_dict must raise
        Case("dlref.numpy.nn.AdditiveAttention", lambda **kw: nn.AdditiveAttention(**kw)(QA, KA, V),
             construct_args, hostile=(), extra=BAD_ADDITIVE, id="AdditiveAttention-constructor"),
        Case("dlref.torch.nn.AdditiveAttention",
             lambda **kw: tnn.AdditiveAttention(**torch_kwargs(kw), **({"generator": kw["generator"]}
                                                                      if "generator" in kw else {}))(
                 *(convert(a) for a in (QA, KA, V))),
             construct_args, hostile=(), extra=BAD_ADDITIVE, id="torch-AdditiveAttention-constructor"),
        Case("dlref.numpy.nn.AdditiveAttention", lambda state_dict: numpy_additive().load_state_dict(state_dict),
             dict(state_dict=state), hostile=(), extra=state_dict_extras(state),
             id="AdditiveAttention-load_state_dict"),
    ]


CASES = function_cases() + mha_cases() + additive_cases()
CALLS = expand(CASES)
# torch warns when the reference is handed a float key_padding_mask beside a boolean attn_mask (dlref accepts both)
pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched key_padding_mask:UserWarning")


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("case", CASES, ids=[case.id or case.name.split(".")[-1] for case in CASES])
def test_valid_call_agrees_with_the_reference(case):
    check_valid_call(case)


def test_backward_before_forward_says_so():
    backward_before_forward("MultiheadAttention", MHA, np.ones((L, N, E)))
    backward_before_forward("AdditiveAttention", ADDITIVE, G)
