"""The twins never create CPU tensors of their own: a check that needs no GPU.

Every twin runs here on torch's "meta" device (tensors with a shape and a dtype but no data).
A tensor a twin builds without ``device=`` lands on the CPU, and meeting a meta tensor it
raises (only 0-d CPU tensors mix with other devices, as they do on CUDA); an output built
from such a tensor alone lands on the CPU. So each twin must run forward and backward on
meta inputs and return on "meta", as it must on CUDA. Where torch's own op cannot run on the
meta device either, the case is skipped with torch's reason.
"""

import math

import pytest
import torch
import torch.nn.functional as TF

from dlref.torch import functional as F
from dlref.torch import nn
from dlref.torch.models import BasicBlock
from dlref.torch.nn import utils
from strategies import ALL, ELEMENTWISE, NORMALIZING

META = torch.device("meta")


def meta(*shape, dtype=torch.float32, requires_grad=True):
    return torch.empty(shape, dtype=dtype, device=META, requires_grad=requires_grad)


def outputs(out):
    return out if isinstance(out, tuple) else (out,)


def run_on_meta(ours, theirs):
    """``ours()``, skipping the case if it fails where torch's own ``theirs()`` fails on meta too."""
    try:
        return ours()
    except (NotImplementedError, RuntimeError) as error:
        try:
            theirs()
        except (NotImplementedError, RuntimeError) as torch_error:
            pytest.skip(f"torch's own op does not run on the meta device either: {torch_error}")
        raise error


def assert_forward_and_backward_on_meta(ours, theirs, inputs):
    """The twin's outputs, and the gradients of its floating-point inputs, are all on the meta device."""
    out = outputs(run_on_meta(ours, theirs))
    assert out, "no output"
    for t in out:
        assert t.device == META, t.device
    sum(t.sum() for t in out if t.is_floating_point()).backward()
    for i, x in enumerate(inputs):
        if x is not None and x.requires_grad:
            assert x.grad is not None and x.grad.device == META, (i, x.grad)
    return out


# -- functions ----------------------------------------------------------------------------------

FUNCTION_CASES = {
    "conv2d": (lambda x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
               lambda x, w, b: TF.conv2d(x, w, b, stride=2, padding=1),
               lambda: (meta(2, 4, 7, 6), meta(3, 4, 3, 3), meta(3))),
    "conv2d same, groups, dilation, unbatched": (
        lambda x, w, b: F.conv2d(x, w, b, padding="same", dilation=(2, 1), groups=2),
        lambda x, w, b: TF.conv2d(x, w, b, padding="same", dilation=(2, 1), groups=2),
        lambda: (meta(4, 7, 6), meta(6, 2, 3, 2), None)),
    "linear": (F.linear, TF.linear, lambda: (meta(2, 5, 4), meta(3, 4), meta(3))),
    "max_pool2d": (
        lambda x: F.max_pool2d(x, 3, stride=2, padding=1, dilation=(1, 2), ceil_mode=True, return_indices=True),
        lambda x: TF.max_pool2d(x, 3, stride=2, padding=1, dilation=(1, 2), ceil_mode=True, return_indices=True),
        lambda: (meta(2, 3, 9, 8),)),
    "max_pool2d unbatched": (lambda x: F.max_pool2d(x, 2), lambda x: TF.max_pool2d(x, 2), lambda: (meta(3, 6, 5),)),
    "avg_pool2d": (
        lambda x: F.avg_pool2d(x, (3, 2), stride=1, padding=(1, 0), ceil_mode=True, count_include_pad=False),
        lambda x: TF.avg_pool2d(x, (3, 2), stride=1, padding=(1, 0), ceil_mode=True, count_include_pad=False),
        lambda: (meta(2, 3, 7, 6),)),
    "avg_pool2d divisor_override": (lambda x: F.avg_pool2d(x, 2, divisor_override=3),
                                    lambda x: TF.avg_pool2d(x, 2, divisor_override=3), lambda: (meta(3, 6, 6),)),
    "adaptive_avg_pool2d": (lambda x: F.adaptive_avg_pool2d(x, (3, None)),
                            lambda x: TF.adaptive_avg_pool2d(x, (3, None)), lambda: (meta(2, 3, 7, 5),)),
}
for _name in ALL:
    _reference = ((lambda t, ref=NORMALIZING[_name]: ref(t, -1)) if _name in NORMALIZING
                  else ELEMENTWISE[_name][0])
    FUNCTION_CASES[_name] = (getattr(F, _name), _reference, lambda: (meta(3, 4),))
FUNCTION_CASES["gelu tanh"] = (lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh"),
                               lambda: (meta(3, 4),))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("name", list(FUNCTION_CASES))
def test_functions_stay_on_the_input_device(name, dtype):
    ours, theirs, make_inputs = FUNCTION_CASES[name]
    inputs = [None if t is None else t.detach().to(dtype).requires_grad_() for t in make_inputs()]
    out = assert_forward_and_backward_on_meta(lambda: ours(*inputs), lambda: theirs(*inputs), inputs)
    assert out[0].dtype == dtype


# -- modules ------------------------------------------------------------------------------------

MODULE_CASES = {
    "Linear": (lambda: nn.Linear(4, 3, device=META), lambda: torch.nn.Linear(4, 3, device=META), (2, 4)),
    "Conv2d": (lambda: nn.Conv2d(4, 6, 3, padding=1, groups=2, device=META),
               lambda: torch.nn.Conv2d(4, 6, 3, padding=1, groups=2, device=META), (2, 4, 5, 5)),
    "Conv2d reflect": (lambda: nn.Conv2d(2, 3, (3, 2), padding="same", padding_mode="reflect", device=META),
                       lambda: torch.nn.Conv2d(2, 3, (3, 2), padding="same", padding_mode="reflect", device=META),
                       (2, 6, 5)),
    "MaxPool2d": (lambda: nn.MaxPool2d(3, 2, 1, return_indices=True),
                  lambda: torch.nn.MaxPool2d(3, 2, 1, return_indices=True), (2, 3, 7, 7)),
    "AvgPool2d": (lambda: nn.AvgPool2d(3, 2, 1), lambda: torch.nn.AvgPool2d(3, 2, 1), (2, 3, 7, 7)),
    "AdaptiveAvgPool2d": (lambda: nn.AdaptiveAvgPool2d(1), lambda: torch.nn.AdaptiveAvgPool2d(1), (2, 3, 7, 7)),
    "BasicBlock": (lambda: BasicBlock(4, 4), lambda: BasicBlock(4, 4), (2, 4, 6, 6)),
    "BasicBlock of dlref layers, projection": (
        lambda: BasicBlock(4, 6, stride=2, norm_layer=nn.BatchNorm2d, conv_layer=nn.Conv2d,
                           downsample=torch.nn.Sequential(nn.Conv2d(4, 6, 1, stride=2, bias=False),
                                                          nn.BatchNorm2d(6))),
        lambda: BasicBlock(4, 6, stride=2, downsample=torch.nn.Sequential(
            torch.nn.Conv2d(4, 6, 1, stride=2, bias=False), torch.nn.BatchNorm2d(6))),
        (2, 4, 6, 6)),
}
for _name in ("Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "SiLU", "GELU", "Softmax", "LogSoftmax"):
    MODULE_CASES[_name] = (getattr(nn, _name), getattr(torch.nn, _name), (3, 4))


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("name", list(MODULE_CASES))
def test_modules_stay_on_the_input_device(name, mode):
    make_ours, make_theirs, shape = MODULE_CASES[name]
    with torch.device(META):  # modules without a device argument build their parameters there
        ours, theirs = make_ours(), make_theirs()
    getattr(ours, mode)(), getattr(theirs, mode)()
    for key, t in ours.state_dict().items():
        assert t.device == META, key
    x = meta(*shape)
    assert_forward_and_backward_on_meta(lambda: ours(x), lambda: theirs(x), [x])
    for key, p in ours.named_parameters():
        assert p.grad is not None and p.grad.device == META, key
    for key, t in ours.state_dict().items():  # running statistics, updated in train mode, stay there too
        assert t.device == META, key


# -- gradient clipping ------------------------------------------------------------------------------


@pytest.mark.parametrize("norm_type", [1.0, 2.0, 3.5, math.inf])
def test_clip_grad_norm_stays_on_the_gradients_device(norm_type):
    params = []
    for shape, dtype in (((3, 4), torch.float32), ((5,), torch.float64), ((0, 2), torch.float32), ((), torch.float64)):
        p = torch.nn.Parameter(meta(*shape, dtype=dtype, requires_grad=False))
        p.grad = meta(*shape, dtype=dtype, requires_grad=False)
        params.append(p)
    params.append(torch.nn.Parameter(meta(2, requires_grad=False)))  # no grad: skipped
    theirs = [torch.nn.Parameter(p.detach().clone()) for p in params]
    total = run_on_meta(lambda: utils.clip_grad_norm_(params, 1.0, norm_type),
                        lambda: torch.nn.utils.clip_grad_norm_(theirs, 1.0, norm_type))
    assert total.device == META and total.dtype == torch.float64 and total.shape == ()
    assert all(p.grad.device == META for p in params[:-1]) and params[-1].grad is None


def test_clip_grad_value_stays_on_the_gradients_device():
    p = torch.nn.Parameter(meta(3, 4, requires_grad=False))
    p.grad = meta(3, 4, requires_grad=False)
    grad = p.grad
    assert utils.clip_grad_value_([p], 0.5) is None
    assert p.grad is grad and p.grad.device == META
