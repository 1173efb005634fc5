"""Shared test settings: hypothesis profiles and a quiet, deterministic torch."""

import os

import matplotlib
import numpy as np
import pytest
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

# The default profile (CI, `make test`) draws the same examples on every run, so a red run
# is reproducible and never a matter of luck. `HYPOTHESIS_PROFILE=thorough` explores ten
# times as many examples, freshly drawn each run: use it after changing an implementation.
# The `device` fixture of tests/torch is function-scoped but holds no state between
# examples (a torch.device), so hypothesis's check for such fixtures is switched off.
settings.register_profile(
    "default", max_examples=40, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile("thorough", max_examples=400, deadline=None,
                          suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
