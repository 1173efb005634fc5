"""Bad inputs to batch, layer, group and instance normalization of both backends, judged by torch.

Running statistics are updated in place; every call gets fresh copies of them (`fresh`), so
that a hostile call (a NaN batch) cannot leak into the next one.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from badinput.framework import COMMON_STRICTER, Case, expand, ids, judge
from badinput.layers import BACKWARD_STRICTER, backward_before_forward, grads_reference, module_cases
from dlref.numpy import functional as F
from dlref.torch import functional as TTF

rng = np.random.default_rng(0)
X3 = rng.standard_normal((4, 3, 5))               # (N, C, L)
X4 = rng.standard_normal((2, 3, 4, 4))            # (N, C, H, W)
XG = rng.standard_normal((2, 4, 5))               # (N, C, L) with C = 4 for two groups
XL = rng.standard_normal((2, 3, 4))               # (*, 3, 4) for layer norm
C3 = dict(running_mean=rng.standard_normal(3), running_var=rng.random(3) + 0.5, weight=rng.standard_normal(3),
          bias=rng.standard_normal(3))
C4 = dict(weight=rng.standard_normal(4), bias=rng.standard_normal(4))
WL = dict(weight=rng.standard_normal((3, 4)), bias=rng.standard_normal((3, 4)))

# why dlref raises where torch returns (stated in each docstring)
EPS = "eps must be a finite number > 0 (torch computes with any eps, and divides by a zero variance for eps = 0)"
MOMENTUM = "momentum must be in [0, 1] (torch takes any number: the running averages then extrapolate)"
PER_CHANNEL = "weight and bias must be (C,) (torch's batch_norm takes any shape with C elements)"
RUNNING_MEAN_DTYPE = ("running_mean must have the dtype of input, like running_var (torch's instance_norm casts "
                      "a running_mean of another dtype silently)")
# torch's autograd fails inside group_norm's backward when weight is None and bias is not
NO_WEIGHT = "torch's group_norm backward raises 'tensor does not have a device' for weight=None with a bias"
# an inf weight makes a group's input gradient a sum of infinities of both signs: which entries come out NaN
# and which +-inf depends on the order of the algebra (torch's c2 * x + c3 form uses the raw x), not on the math
INF_WEIGHT = "an inf weight gives inf - inf in the group's gradient; torch's NaN pattern follows its own algebra"
BATCH = ("a training batch with one value per channel, or none, is a ValueError (torch computes with N = 0, "
         "returning an empty result)")
EMPTY = "an empty input is a ValueError (torch returns an empty result where no running statistics are involved)"
STRICTER = dict(COMMON_STRICTER, **{"eps=0": EPS, "eps=-1": EPS, "eps=nan": EPS, "momentum=-0.1": MOMENTUM,
                                    "momentum=1.5": MOMENTUM, "momentum=nan": MOMENTUM,
                                    "weight=extra_dim": PER_CHANNEL, "bias=extra_dim": PER_CHANNEL})

BAD_EPS = [("eps=0", {"eps": 0.0}), ("eps=-1", {"eps": -1.0}), ("eps=nan", {"eps": float("nan")}),
           ("eps='1e-5'", {"eps": "1e-5"}), ("eps=None", {"eps": None})]
BAD_MOMENTUM = [("momentum=-0.1", {"momentum": -0.1}), ("momentum=1.5", {"momentum": 1.5}),
                ("momentum='0.1'", {"momentum": "0.1"}), ("momentum=nan", {"momentum": float("nan")})]
BAD_STATS = [("running_var=None", {"running_var": None}), ("running_mean=None", {"running_mean": None}),
             ("running_stats=None", {"running_mean": None, "running_var": None}),
             ("running_mean=int", {"running_mean": np.zeros(3, dtype=np.int64)})]


def fresh(function):
    """``function`` called with copies of its NumPy / torch arrays (the running statistics are updated in place)."""
    def call(**kwargs):
        copied = {k: (v.copy() if isinstance(v, np.ndarray) else v.clone() if isinstance(v, torch.Tensor) else v)
                  for k, v in kwargs.items()}
        return function(**copied)
    return call


def tensors(arrays: dict) -> dict:
    return {k: torch.tensor(v) for k, v in arrays.items()}


def functional_cases(name, reference, args, stricter, extra, grads=("input", "weight", "bias"), variant="",
                     skip=None):
    """The NumPy function, its torch twin and its NumPy backward pass, with ``args`` (``skip``: the backward's)."""
    suffix = f"-{variant}" if variant else ""
    twin_args = {k: torch.tensor(v) if isinstance(v, np.ndarray) else v for k, v in args.items()}
    # not constant: a constant gradient has a zero input gradient here, where an inf weight makes inf * 0 = NaN
    grad_output = np.random.default_rng(1).standard_normal(args["input"].shape)
    return [
        Case(f"dlref.numpy.functional.{name}", fresh(getattr(F, name)), args, reference=fresh(reference),
             stricter=stricter, extra=extra, id=f"{name}{suffix}"),
        Case(f"dlref.torch.functional.{name}", fresh(getattr(TTF, name)), twin_args, reference=fresh(reference),
             stricter=stricter, extra=extra, id=f"torch-{name}{suffix}"),
        Case(f"dlref.numpy.functional.{name}_backward", fresh(getattr(F, f"{name}_backward")),
             dict(grad_output=grad_output, **args), reference=fresh(grads_reference(reference, grads)),
             stricter=dict(BACKWARD_STRICTER, **stricter), extra=extra, skip=skip or {}, id=f"{name}_backward{suffix}"),
    ]


def batch_norm_reference(input, running_mean, running_var, weight, bias, training, momentum, eps):
    return TF.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)


def layer_norm_reference(input, normalized_shape, weight, bias, eps):
    return TF.layer_norm(input, normalized_shape, weight, bias, eps)


def group_norm_reference(input, num_groups, weight, bias, eps):
    return TF.group_norm(input, num_groups, weight, bias, eps)


def instance_norm_reference(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps):
    return TF.instance_norm(input, running_mean, running_var, weight, bias, use_input_stats, momentum, eps)


def cases():
    batch = dict(input=X3, **C3, training=True, momentum=0.1, eps=1e-5)
    flags = [("training='yes'", {"training": "yes"}), ("training=1", {"training": 1})]
    out = functional_cases("batch_norm", batch_norm_reference, batch, dict(STRICTER, **{"input=empty": BATCH}),
                           BAD_EPS + BAD_MOMENTUM + BAD_STATS + flags)
    out += functional_cases("batch_norm", batch_norm_reference, dict(batch, input=X4, training=False), STRICTER,
                            BAD_EPS + BAD_STATS, variant="eval")
    layer = dict(input=XL, normalized_shape=(3, 4), **WL, eps=1e-5)
    out += functional_cases("layer_norm", layer_norm_reference, layer, STRICTER, BAD_EPS + [
        ("normalized_shape=4", {"normalized_shape": 4, "weight": None, "bias": None}),
        ("normalized_shape=(2,4)", {"normalized_shape": (2, 4)}), ("normalized_shape=()", {"normalized_shape": ()}),
        ("normalized_shape=None", {"normalized_shape": None}), ("normalized_shape='4'", {"normalized_shape": "4"}),
        ("normalized_shape=(3,4.0)", {"normalized_shape": (3, 4.0)}),
        ("normalized_shape=(2,3,4)", {"normalized_shape": (2, 3, 4), "weight": None, "bias": None}),
        ("normalized_shape=(1,3,4)", {"normalized_shape": (1, 3, 4), "weight": None, "bias": None})])
    group = dict(input=XG, num_groups=2, **C4, eps=1e-5)
    out += functional_cases("group_norm", group_norm_reference, group, dict(STRICTER, **{"input=empty": EMPTY}),
                            BAD_EPS + [("num_groups=3", {"num_groups": 3}), ("num_groups=0", {"num_groups": 0}),
                                       ("num_groups=2.0", {"num_groups": 2.0}),
                                       ("num_groups=None", {"num_groups": None}),
                                       ("num_groups=8", {"num_groups": 8})],
                            skip={"weight=none": NO_WEIGHT, "weight=inf": INF_WEIGHT})
    instance = dict(input=X3, **C3, use_input_stats=True, momentum=0.1, eps=1e-5)
    use_flags = [("use_input_stats='yes'", {"use_input_stats": "yes"}), ("use_input_stats=1", {"use_input_stats": 1})]
    instance_stricter = dict(STRICTER, **{"running_mean=float16": RUNNING_MEAN_DTYPE,
                                          "running_mean=mixed_precision": RUNNING_MEAN_DTYPE})
    out += functional_cases("instance_norm", instance_norm_reference, instance,
                            instance_stricter, BAD_EPS + BAD_MOMENTUM + BAD_STATS + use_flags)
    out += functional_cases("instance_norm", instance_norm_reference, dict(instance, input=X4, use_input_stats=False),
                            instance_stricter, BAD_EPS + BAD_STATS, variant="running")

    counts = [("num_features=0", {"num_features": 0}), ("num_features=-1", {"num_features": -1}),
              ("num_features=2.5", {"num_features": 2.5}), ("num_features=None", {"num_features": None})]
    layer_flags = [("affine='yes'", {"affine": "yes"}), ("affine=None", {"affine": None}),
                   ("track_running_stats='yes'", {"track_running_stats": "yes"}),
                   ("dtype=int64", {"dtype": np.int64}), ("dtype=complex128", {"dtype": np.complex128})]
    layer_stricter = {"affine='yes'": FLAG_LAYER, "affine=None": FLAG_LAYER, "track_running_stats='yes'": FLAG_LAYER,
                      "eps=0": EPS, "eps=-1": EPS, "eps=nan": EPS, "momentum=-0.1": MOMENTUM, "momentum=1.5": MOMENTUM,
                      "momentum=nan": MOMENTUM}
    bad_layer = counts + BAD_EPS + BAD_MOMENTUM + layer_flags
    for name, x in (("BatchNorm1d", X3), ("BatchNorm2d", X4)):
        kwargs = dict(num_features=3, dtype=np.float64)
        out += module_cases(name, kwargs, x, bad_layer, constructor_stricter=layer_stricter,
                            stricter={"input=empty": BATCH})
        out += module_cases(name, kwargs, x, eval_mode=True)
    kwargs = dict(num_features=3, affine=True, track_running_stats=True, dtype=np.float64)
    out += module_cases("InstanceNorm2d", kwargs, X4, bad_layer, constructor_stricter=layer_stricter)
    out += module_cases("InstanceNorm2d", kwargs, X4, eval_mode=True)
    out += module_cases("InstanceNorm2d", dict(num_features=3, dtype=np.float64), X4, variant="plain",
                        stricter={"input=empty": EMPTY})
    out += module_cases("LayerNorm", dict(normalized_shape=(3, 4), dtype=np.float64), XL, BAD_EPS + [
        ("normalized_shape=0", {"normalized_shape": 0}), ("normalized_shape=()", {"normalized_shape": ()}),
        ("normalized_shape=(3,0)", {"normalized_shape": (3, 0)}), ("normalized_shape='4'", {"normalized_shape": "4"}),
        ("normalized_shape=None", {"normalized_shape": None}), ("normalized_shape=2.5", {"normalized_shape": 2.5}),
        ("normalized_shape=5", {"normalized_shape": 5}), ("elementwise_affine='yes'", {"elementwise_affine": "yes"}),
        ("bias=None", {"bias": None}), ("dtype=int64", {"dtype": np.int64})],
        constructor_stricter={"elementwise_affine='yes'": FLAG_LAYER, "bias=None": FLAG_LAYER, "eps=0": EPS,
                              "eps=-1": EPS, "eps=nan": EPS})
    out += module_cases("GroupNorm", dict(num_groups=2, num_channels=4, dtype=np.float64), XG, BAD_EPS + [
        ("num_groups=3", {"num_groups": 3}), ("num_groups=0", {"num_groups": 0}),
        ("num_groups=2.0", {"num_groups": 2.0}), ("num_channels=0", {"num_channels": 0}),
        ("num_channels=5", {"num_channels": 5}), ("affine='yes'", {"affine": "yes"}),
        ("dtype=int64", {"dtype": np.int64})],
        constructor_stricter={"affine='yes'": FLAG_LAYER, "eps=0": EPS, "eps=-1": EPS, "eps=nan": EPS},
        stricter={"input=empty": EMPTY})
    return out


FLAG_LAYER = "affine, track_running_stats, elementwise_affine and bias must be bools (torch tests them for truth)"
CASES = cases()
CALLS = expand(CASES)
# torch's reference warns when it is handed a complex running_mean (and casts it)
pytestmark = pytest.mark.filterwarnings("ignore:Casting complex values to real:UserWarning")


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("name,kwargs,shape", [
    ("BatchNorm1d", dict(num_features=3), (4, 3, 5)), ("BatchNorm2d", dict(num_features=3), (2, 3, 4, 4)),
    ("LayerNorm", dict(normalized_shape=4), (2, 4)), ("GroupNorm", dict(num_groups=2, num_channels=4), (2, 4, 5)),
    ("InstanceNorm2d", dict(num_features=3), (2, 3, 4, 4))])
def test_backward_before_forward_says_so(name, kwargs, shape):
    backward_before_forward(name, kwargs, np.ones(shape, dtype=np.float32))
