"""Bad inputs to the losses of both backends (functions, NumPy backward passes, modules), judged by torch.

See framework.py for the rule. Each loss is called in float64 with valid arguments and then with
every hostile variant of its array arguments, plus the loss's own extras: out-of-range class
indices and probabilities, ``ignore_index``, bad reductions, class weights of the wrong shape,
``label_smoothing`` out of range, bad ``delta``/``p``/``margin``/``log_target``.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from badinput.framework import COMMON_STRICTER, Case, autograd_reference, expand, ids, judge
from dlref.numpy import functional as F
from dlref.numpy import nn
from dlref.torch import functional as TTF
from dlref.torch import nn as tnn

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 4))                 # logits, predictions
Y = rng.standard_normal((3, 4))                 # regression targets
P = rng.uniform(0.05, 0.95, (3, 4))             # probabilities (binary_cross_entropy's input)
T = rng.uniform(0.0, 1.0, (3, 4))               # soft binary targets
W_ELEM = rng.uniform(0.5, 1.5, 4)               # an element weight, broadcast along the last dim
W_CLASS = np.array([0.5, 2.0, 1.0, 1.5])        # one weight per class (C = 4)
IDX = np.array([0, 3, 1])                       # class indices
LOG_P = X - np.log(np.exp(X).sum(axis=1, keepdims=True))   # log-probabilities
Q = np.exp(Y) / np.exp(Y).sum(axis=1, keepdims=True)      # a target distribution

# dlref takes one dtype for a loss's floating arguments; torch promotes (mse_loss, l1_loss,
# kl_div, cross_entropy's probabilities), casts to the input's dtype (huber_loss, the weights
# of the binary losses), takes the target's dtype (binary_cross_entropy_with_logits) or raises
# (binary_cross_entropy, class weights), depending on the loss.
ONE_DTYPE = ("dlref's losses take target, weight and pos_weight in input's dtype (a TypeError naming the "
             "argument otherwise); torch promotes, casts or raises, depending on the loss")
STRICTER = dict(COMMON_STRICTER, float16=ONE_DTYPE, mixed_precision=ONE_DTYPE)
NO_BROADCAST = ("dlref never broadcasts input against target (a ValueError naming them); torch broadcasts "
                "with a warning for this loss")

BAD_REDUCTIONS = [("reduction='bad'", {"reduction": "bad"}), ("reduction=None", {"reduction": None}),
                  ("reduction=1", {"reduction": 1})]
BAD_CLASS_TARGETS = [
    ("target=C", {"target": np.array([0, 4, 1])}),              # one past the last class
    ("target=-1", {"target": np.array([0, -1, 1])}),            # negative, not ignore_index
    ("target=float indices", {"target": IDX.astype(np.float64)}),
    ("target=bool", {"target": np.array([True, False, True])}),
    ("target=(N, 1)", {"target": IDX[:, None]}),
]
BAD_CLASS_WEIGHTS = [("weight=(C+1,)", {"weight": np.ones(5)}), ("weight=(1,)", {"weight": np.ones(1)}),
                     ("weight=(N, C)", {"weight": np.ones((3, 4))}), ("weight=list", {"weight": [1.0] * 4})]
BAD_IGNORE_INDEX = [("ignore_index=1.5", {"ignore_index": 1.5}), ("ignore_index=None", {"ignore_index": None}),
                    ("ignore_index='0'", {"ignore_index": "0"})]
# the valid uses of ignore_index: a -1 class index ignored, every target ignored (a NaN mean, as torch)
IGNORED = [("ignore_index=-1 on target -1", {"target": np.array([0, -1, 1]), "ignore_index": -1}),
           ("every target ignored", {"target": np.array([2, 2, 2]), "ignore_index": 2})]

# name -> (torch function, valid keyword arguments, extra hostile calls, stricter, rename)
FUNCTIONS = {
    "mse_loss": (TF.mse_loss, dict(input=X, target=Y, reduction="mean"), BAD_REDUCTIONS, {}),
    "l1_loss": (TF.l1_loss, dict(input=X, target=Y, reduction="mean"), BAD_REDUCTIONS, {}),
    "huber_loss": (TF.huber_loss, dict(input=X, target=Y, reduction="mean", delta=1.0),
                   BAD_REDUCTIONS + [("delta=0", {"delta": 0.0}), ("delta=-1", {"delta": -1.0}),
                                     ("delta='1'", {"delta": "1"}), ("delta=None", {"delta": None})], {}),
    "binary_cross_entropy": (
        TF.binary_cross_entropy, dict(input=P, target=T, weight=W_ELEM, reduction="mean"),
        BAD_REDUCTIONS + [("input>1", {"input": P + 1}), ("input<0", {"input": -P}),
                          ("target>1", {"target": T + 1}), ("target<0", {"target": T - 1}),
                          ("weight=(5,)", {"weight": np.ones(5)}), ("weight=list", {"weight": [1.0] * 4})],
        {}),
    "binary_cross_entropy_with_logits": (
        TF.binary_cross_entropy_with_logits,
        dict(input=X, target=T, weight=W_ELEM, reduction="mean", pos_weight=W_ELEM[::-1].copy()),
        BAD_REDUCTIONS + [("weight=(5,)", {"weight": np.ones(5)}), ("pos_weight=(5,)", {"pos_weight": np.ones(5)}),
                          ("pos_weight=(2, 3, 4)", {"pos_weight": np.ones((2, 3, 4))}),
                          ("pos_weight=list", {"pos_weight": [1.0] * 4})],
        {}),
    "cross_entropy": (
        TF.cross_entropy,
        dict(input=X, target=IDX, weight=W_CLASS, ignore_index=-100, reduction="mean", label_smoothing=0.1),
        BAD_REDUCTIONS + BAD_CLASS_TARGETS + BAD_CLASS_WEIGHTS + BAD_IGNORE_INDEX + IGNORED + [
            ("label_smoothing=1.5", {"label_smoothing": 1.5}),
            ("label_smoothing=-0.1", {"label_smoothing": -0.1}),
            ("label_smoothing='0.1'", {"label_smoothing": "0.1"}),
            ("label_smoothing=None", {"label_smoothing": None}),
            # class probabilities: the target has the input's shape
            ("target=probabilities", {"target": Q}),
            ("target=probabilities out of [0, 1]", {"target": 3 * Q - 1}),
            ("target=probabilities, ignore_index=0", {"target": Q, "ignore_index": 0}),
            ("target=int probabilities", {"target": np.ones((3, 4), dtype=np.int64)}),
            ("input=(C,), target=()", {"input": X[0], "target": np.array(2)}),
            ("input=(C,), target=(N,)", {"input": X[0]}),
            ("input=(N, C, d), target=(N,)", {"input": X[:, :, None]}),
            ("input=(N, 0)", {"input": X[:, :0], "weight": None}),
            ("input=()", {"input": X[0, 0], "weight": None}),
        ],
        {"label_smoothing=-0.1": "label_smoothing outside [0, 1] raises (torch checks only the upper bound)"}),
    "nll_loss": (
        TF.nll_loss, dict(input=LOG_P, target=IDX, weight=W_CLASS, ignore_index=-100, reduction="mean"),
        BAD_REDUCTIONS + BAD_CLASS_TARGETS + BAD_CLASS_WEIGHTS + BAD_IGNORE_INDEX + IGNORED + [
            ("target=probabilities", {"target": Q}),
            ("input=(C,), target=()", {"input": LOG_P[0], "target": np.array(2)}),
            ("input=(N, 0)", {"input": LOG_P[:, :0], "weight": None}),
            ("input=()", {"input": LOG_P[0, 0], "weight": None}),
        ], {}),
    "multi_margin_loss": (
        TF.multi_margin_loss, dict(input=X, target=IDX, p=1, margin=1.0, weight=W_CLASS, reduction="mean"),
        BAD_REDUCTIONS + BAD_CLASS_TARGETS + BAD_CLASS_WEIGHTS + [
            ("p=3", {"p": 3}), ("p=0", {"p": 0}), ("p='1'", {"p": "1"}), ("p=None", {"p": None}),
            ("p=2.0", {"p": 2.0}),
            ("margin='1'", {"margin": "1"}), ("margin=None", {"margin": None}),
            ("input=(N, C, 1)", {"input": X[:, :, None]}),
            ("input=(N, 0)", {"input": X[:, :0], "weight": None}),
            ("input=(C,), target=()", {"input": X[0], "target": np.array(2)}),
        ],
        {"p=2.0": "p must be an int 1 or 2 (torch also takes the float 2.0)"}),
    "kl_div": (
        TF.kl_div, dict(input=LOG_P, target=Q, reduction="batchmean", log_target=False),
        BAD_REDUCTIONS + [
            ("reduction='batchmean '", {"reduction": "batchmean "}),
            ("log_target='no'", {"log_target": "no"}), ("log_target=None", {"log_target": None}),
            ("log_target=1", {"log_target": 1}),
            ("target<0", {"target": -Q}),
            ("log_target=True", {"target": np.log(Q), "log_target": True}),
            ("log_target=True, target=+inf", {"target": np.full((3, 4), np.inf), "log_target": True}),
        ],
        {"target<0": "a negative target probability raises (torch returns NaN)",
         "target=nan": "a NaN target probability raises, as a negative one (torch returns NaN)"}),
}
POINTWISE_STRICTER = {"fewer_dims": NO_BROADCAST, "extra_dim": NO_BROADCAST}
for _name in ("mse_loss", "l1_loss", "huber_loss", "kl_div"):
    FUNCTIONS[_name][3].update(POINTWISE_STRICTER)


def to_torch(value):
    return torch.from_numpy(value.copy()) if isinstance(value, np.ndarray) else value


def scalars_as_tensors(kwargs):
    """A NumPy scalar (``fewer_dims`` of a 1-D array gives one) as the 0-d tensor torch is handed.

    `framework.convert` turns arrays into tensors but leaves NumPy scalars alone, so torch would
    refuse them for a reason that is not torch's rule (a 0-d weight is fine in torch).
    """
    return {k: torch.tensor(v) if isinstance(v, (np.floating, np.integer)) else v for k, v in kwargs.items()}


def torch_extras(extra):
    return [(label, {k: to_torch(v) for k, v in changes.items()}) for label, changes in extra]


def loss_shape(name, args):
    """The shape of the unreduced loss for the valid arguments."""
    return tuple(np.shape(getattr(F, name)(**dict(args, reduction="none"))))


# name -> (module name, constructor keywords, and the functional keywords the module takes)
MODULES = {
    "mse_loss": ("MSELoss", {"reduction": "mean"}),
    "l1_loss": ("L1Loss", {"reduction": "mean"}),
    "huber_loss": ("HuberLoss", {"reduction": "mean", "delta": 1.0}),
    "binary_cross_entropy": ("BCELoss", {"weight": W_ELEM, "reduction": "mean"}),
    "binary_cross_entropy_with_logits": ("BCEWithLogitsLoss",
                                         {"weight": W_ELEM, "reduction": "mean", "pos_weight": W_ELEM[::-1].copy()}),
    "cross_entropy": ("CrossEntropyLoss", {"weight": W_CLASS, "ignore_index": -100, "reduction": "mean",
                                           "label_smoothing": 0.1}),
    "nll_loss": ("NLLLoss", {"weight": W_CLASS, "ignore_index": -100, "reduction": "mean"}),
    "multi_margin_loss": ("MultiMarginLoss", {"p": 1, "margin": 1.0, "weight": W_CLASS, "reduction": "mean"}),
    "kl_div": ("KLDivLoss", {"reduction": "batchmean", "log_target": False}),
}


def function_cases():
    out = []
    for name, (ref, args, extra, stricter) in FUNCTIONS.items():
        strict = dict(STRICTER, **stricter)
        out.append(Case(f"dlref.numpy.functional.{name}", getattr(F, name), args,
                        reference=lambda ref=ref, **a: ref(**scalars_as_tensors(a)), stricter=strict, extra=extra))
        out.append(Case(f"dlref.torch.functional.{name}", getattr(TTF, name),
                        {k: to_torch(v) for k, v in args.items()},
                        reference=lambda ref=ref, **a: ref(**a), stricter=strict, extra=torch_extras(extra),
                        id=f"torch-{name}"))
        # the NumPy backward pass, judged by torch's autograd through the torch loss; unreduced, so
        # that grad_output is an array (a reduced loss's gradient may be a Python float)
        grad_output = np.ones(loss_shape(name, args))
        backward_args = dict(grad_output=grad_output, **dict(args, reduction="none"))
        backward_extra = [(label, changes) for label, changes in extra if "reduction" not in changes] + [
            ("reduction=mean, grad_output=(N, C)", {"reduction": "mean"}),
            ("grad_output=() for reduction=none", {"grad_output": np.array(1.0)}),
            ("grad_output=float for reduction=none", {"grad_output": 1.0}),
        ]
        out.append(Case(f"dlref.numpy.functional.{name}_backward", getattr(F, f"{name}_backward"), backward_args,
                        reference=autograd_reference(lambda ref=ref, **a: ref(**scalars_as_tensors(a))),
                        stricter=strict,
                        extra=backward_extra))
    return out


def module_cases():
    out = []
    for name, (module_name, kw) in MODULES.items():
        _, args, extra, stricter = FUNCTIONS[name]
        strict = dict(STRICTER, **stricter)
        data = {k: args[k] for k in ("input", "target")}
        data_extra = [(label, changes) for label, changes in extra if set(changes) <= {"input", "target"}]
        ctor_extra = [(label, changes) for label, changes in extra if set(changes) <= set(kw)]

        def forward(module_name=module_name, kw=kw, **a):
            return getattr(nn, module_name)(**kw)(a["input"], a["target"])

        def forward_torch(module_name=module_name, kw=kw, **a):
            return getattr(tnn, module_name)(**{k: to_torch(v) for k, v in kw.items()})(a["input"], a["target"])

        def reference(module_name=module_name, kw=kw, **a):
            return getattr(torch.nn, module_name)(**{k: to_torch(v) for k, v in kw.items()})(a["input"], a["target"])

        def construct(module_name=module_name, data=data, **a):
            return getattr(nn, module_name)(**a)(data["input"], data["target"])

        def construct_torch(module_name=module_name, data=data, **a):
            module = getattr(tnn, module_name)(**scalars_as_tensors({k: to_torch(v) for k, v in a.items()}))
            return module(to_torch(data["input"]), to_torch(data["target"]))

        def construct_reference(module_name=module_name, data=data, **a):
            module = getattr(torch.nn, module_name)(**scalars_as_tensors(a))
            return module(to_torch(data["input"]), to_torch(data["target"]))

        def backward(module_name=module_name, kw=kw, data=data, **a):
            module = getattr(nn, module_name)(**dict(kw, **a.get("options", {})))
            module(data["input"], data["target"])
            return module.backward(a["grad_output"])

        out.append(Case(f"dlref.numpy.nn.{module_name}", forward, data, reference=reference, stricter=strict,
                        extra=data_extra, id=f"{module_name}-forward"))
        out.append(Case(f"dlref.torch.nn.{module_name}", forward_torch, {k: to_torch(v) for k, v in data.items()},
                        reference=reference, stricter=strict, extra=torch_extras(data_extra),
                        id=f"torch-{module_name}-forward"))
        out.append(Case(f"dlref.numpy.nn.{module_name}", construct, dict(kw), reference=construct_reference,
                        hostile=tuple(k for k in ("weight", "pos_weight") if k in kw), stricter=strict,
                        extra=ctor_extra, id=f"{module_name}-constructor"))
        out.append(Case(f"dlref.torch.nn.{module_name}", construct_torch, dict(kw), reference=construct_reference,
                        hostile=tuple(k for k in ("weight", "pos_weight") if k in kw), stricter=strict,
                        extra=ctor_extra, id=f"torch-{module_name}-constructor"))
        # backward(grad_output): None means dL/dL = 1; a float or a float array of the loss's shape
        # (0-d for a reduced loss; a 0-d array's list form is a Python float) is fine
        out.append(Case(f"dlref.numpy.nn.{module_name}", backward, dict(grad_output=np.array(1.0)), reference=None,
                        hostile=("grad_output",), accepts=("none", "list", "float16", "nan", "inf"),
                        id=f"{module_name}-backward"))
        shape = loss_shape(name, args)
        out.append(Case(f"dlref.numpy.nn.{module_name}", backward,
                        dict(grad_output=np.ones(shape), options={"reduction": "none"}), reference=None,
                        hostile=("grad_output",), accepts=("none", "float16", "nan", "inf"),
                        id=f"{module_name}-backward-none"))
    return out


CASES = function_cases() + module_cases()
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("module_name", sorted(m for m, _ in MODULES.values()))
def test_backward_before_forward_says_so(module_name):
    with pytest.raises(RuntimeError, match="before forward"):
        getattr(nn, module_name)().backward()


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_valid_calls_agree_with_torch(name):
    for case in CASES:
        if case.name.endswith(f".{name}"):
            result = case.ours(**case.args)
            ref = case.reference(**{k: to_torch(v) for k, v in case.args.items()})
            assert np.allclose(np.asarray(result), ref.numpy())
