"""Bad inputs to 2-D pooling (max, average, adaptive average) of both backends, judged by torch.

No case combines ``ceil_mode=True`` with ``dilation > 1``: there a last window can hold only
padding, and torch 2.13's ``max_pool2d`` backward on such a window aborts the process.
"""

import dataclasses

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

from badinput.framework import COMMON_STRICTER, Case, expand, ids, judge
from badinput.layers import BACKWARD_STRICTER, backward_before_forward, grads_reference, module_cases
from dlref.numpy import functional as F
from dlref.torch import functional as TTF

X = np.random.default_rng(0).standard_normal((2, 3, 6, 6))
XT = torch.tensor(X)

# why dlref raises where torch returns (stated in each function's docstring)
PAIRS = "kernel_size, stride, padding and dilation take an int or a pair (torch also expands a 1-element sequence)"
BOOL = "return_indices must be a bool (torch tests it for truth)"
OUTPUT_SIZE = "output_size must be >= 1 (torch returns an empty output for 0)"
# torch's output_size=1 is a shortcut (a mean over the last two dimensions) that takes any input of >= 2 dimensions
GLOBAL = "input must be 3-D or 4-D for every output_size (torch's output_size=1 shortcut takes any >= 2-D input)"
STRICTER = dict(COMMON_STRICTER, **{"kernel_size=(2,)": PAIRS, "stride=(2,)": PAIRS, "return_indices=1": BOOL,
                                    "return_indices='yes'": BOOL, "output_size=0": OUTPUT_SIZE,
                                    "output_size=(None,0)": OUTPUT_SIZE})

BAD_WINDOW = [
    ("kernel_size=0", {"kernel_size": 0}), ("kernel_size=(2,)", {"kernel_size": (2,)}),
    ("kernel_size=(2,2,2)", {"kernel_size": (2, 2, 2)}), ("kernel_size=2.5", {"kernel_size": 2.5}),
    ("kernel_size=None", {"kernel_size": None}), ("kernel_size='2'", {"kernel_size": "2"}),
    ("kernel_size=7", {"kernel_size": 7}),
    ("stride=0", {"stride": 0}), ("stride=-1", {"stride": -1}), ("stride=(2,)", {"stride": (2,)}),
    ("stride=1.5", {"stride": 1.5}),
    ("padding=-1", {"padding": -1}), ("padding=2", {"padding": 2}), ("padding=1.0", {"padding": 1.0}),
    ("padding=None", {"padding": None}),
    ("ceil_mode='yes'", {"ceil_mode": "yes"}), ("ceil_mode=None", {"ceil_mode": None}),
    ("ceil_mode=1", {"ceil_mode": 1}),
]
BAD_DILATION = [("dilation=0", {"dilation": 0}), ("dilation=(1,0)", {"dilation": (1, 0)}),
                ("dilation=None", {"dilation": None}), ("dilation=1.0", {"dilation": 1.0})]
BAD_INDICES = [("return_indices='yes'", {"return_indices": "yes"}), ("return_indices=1", {"return_indices": 1})]
BAD_AVG = [("count_include_pad=None", {"count_include_pad": None}), ("count_include_pad=0", {"count_include_pad": 0}),
           ("divisor_override=0", {"divisor_override": 0}), ("divisor_override=1.5", {"divisor_override": 1.5}),
           ("divisor_override='2'", {"divisor_override": "2"})]
BAD_OUTPUT_SIZE = [("output_size=0", {"output_size": 0}), ("output_size=-1", {"output_size": -1}),
                   ("output_size=(2,)", {"output_size": (2,)}), ("output_size=(2,2,2)", {"output_size": (2, 2, 2)}),
                   ("output_size=2.5", {"output_size": 2.5}), ("output_size=None", {"output_size": None}),
                   ("output_size='3'", {"output_size": "3"}), ("output_size=(None,0)", {"output_size": (None, 0)})]


def max_reference(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices):
    return TF.max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode=ceil_mode,
                         return_indices=return_indices)


def avg_reference(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
    return TF.avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override)


def adaptive_reference(input, output_size):
    return TF.adaptive_avg_pool2d(input, output_size)


def functional_cases(name, reference, keywords, extra, variant=""):
    """The NumPy function, its torch twin and its NumPy backward pass, on X with ``keywords``."""
    suffix = f"-{variant}" if variant else ""
    ours, twin, backward = getattr(F, name), getattr(TTF, name), getattr(F, f"{name}_backward")
    out_shape = tuple(reference(XT, **keywords)[0].shape if keywords.get("return_indices")
                      else reference(XT, **keywords).shape)
    return [
        Case(f"dlref.numpy.functional.{name}", ours, dict(input=X, **keywords), reference=reference,
             stricter=STRICTER, extra=extra, id=f"{name}{suffix}"),
        Case(f"dlref.torch.functional.{name}", twin, dict(input=XT, **keywords), reference=reference,
             stricter=STRICTER, extra=extra, id=f"torch-{name}{suffix}"),
        Case(f"dlref.numpy.functional.{name}_backward", backward, dict(grad_output=np.ones(out_shape), input=X,
                                                                        **keywords),
             reference=grads_reference(lambda **a: (reference(**a)[0] if a.get("return_indices")
                                                    else reference(**a)), ("input",)),
             stricter=dict(BACKWARD_STRICTER, **STRICTER), extra=extra, id=f"{name}_backward{suffix}"),
    ]


def cases():
    max_kw = dict(kernel_size=2, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False)
    out = functional_cases("max_pool2d", max_reference, max_kw, BAD_WINDOW + BAD_DILATION + BAD_INDICES)
    out += functional_cases("max_pool2d", max_reference,
                            dict(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=True, return_indices=True),
                            [], "ceil-indices")
    out += functional_cases("max_pool2d", max_reference,
                            dict(kernel_size=(2, 3), stride=1, padding=(1, 0), dilation=2, ceil_mode=False,
                                 return_indices=False), [], "dilated")
    avg_kw = dict(kernel_size=3, stride=2, padding=1, ceil_mode=False, count_include_pad=True, divisor_override=None)
    out += functional_cases("avg_pool2d", avg_reference, avg_kw, BAD_WINDOW + BAD_AVG)
    out += functional_cases("avg_pool2d", avg_reference,
                            dict(avg_kw, ceil_mode=True, count_include_pad=False, divisor_override=3), [], "ceil")
    out += functional_cases("adaptive_avg_pool2d", adaptive_reference, dict(output_size=(4, None)), BAD_OUTPUT_SIZE)
    out += [dataclasses.replace(case, stricter=dict(case.stricter, **{"input=extra_dim": GLOBAL}))
            for case in functional_cases("adaptive_avg_pool2d", adaptive_reference, dict(output_size=1), [], "global")]
    out += module_cases("MaxPool2d", dict(kernel_size=2), X, BAD_WINDOW + BAD_DILATION + BAD_INDICES,
                        stricter=STRICTER, constructor_stricter=STRICTER)
    out += module_cases("MaxPool2d", dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, return_indices=True),
                        X, stricter=STRICTER, variant="indices")
    out += module_cases("AvgPool2d", dict(kernel_size=3, stride=2, padding=1), X, BAD_WINDOW + BAD_AVG,
                        stricter=STRICTER, constructor_stricter=STRICTER)
    out += module_cases("AdaptiveAvgPool2d", dict(output_size=(2, 3)), X, BAD_OUTPUT_SIZE, stricter=STRICTER,
                        constructor_stricter=STRICTER)
    return out


CASES = cases()
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)


@pytest.mark.parametrize("name,kwargs", [("MaxPool2d", dict(kernel_size=2)), ("AvgPool2d", dict(kernel_size=2)),
                                         ("AdaptiveAvgPool2d", dict(output_size=3))])
def test_backward_before_forward_says_so(name, kwargs):
    backward_before_forward(name, kwargs, np.ones((2, 3, 3, 3)))
