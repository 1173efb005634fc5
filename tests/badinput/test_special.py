"""Bad inputs to dlref.numpy.special (``erf``, ``erfc``), judged by ``torch.special``."""

import numpy as np
import pytest
import torch

from badinput.framework import COMMON_STRICTER, FLOATING_ONLY, Case, expand, ids, judge
from dlref.numpy import special

X = np.random.default_rng(0).standard_normal((3, 4)) * 3
EXTREMES = np.array([-np.inf, -30.0, -4.0, -0.46875, 0.0, 0.46875, 4.0, 30.0, np.inf, np.nan])


def cases():
    out = []
    for name in ("erf", "erfc"):
        reference = getattr(torch.special, name)
        out.append(Case(f"dlref.numpy.special.{name}", getattr(special, name), dict(x=X), reference=reference,
                        rename={"x": "input"}, stricter=dict(COMMON_STRICTER, **{"x=bool": FLOATING_ONLY}),
                        extra=[("x=extremes", {"x": EXTREMES}), ("x=0-D", {"x": np.array(0.3)}),
                               ("x=float32", {"x": X.astype(np.float32)}), ("x=scalar", {"x": 0.3}),
                               ("x=bool", {"x": X > 0})]))
    return out


CASES = cases()
CALLS = expand(CASES)


@pytest.mark.parametrize("case,label,kwargs", CALLS, ids=ids(CALLS))
def test_hostile_input(case, label, kwargs):
    judge(case, label, kwargs)
