"""Fixtures for the torch twins' tests: every twin runs on each available device.

The `device` fixture runs a test on the CPU and, where ``torch.cuda.is_available()``, on
CUDA as well (skipped there with that reason otherwise). Tests build their inputs with
``device=device`` and compare against torch's own op on the same device: the twins are
device-agnostic and must never assume the CPU.
"""

import pytest
import torch

DEVICES = [
    "cpu",
    pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(),
                                                  reason="CUDA is not available on this machine")),
]


@pytest.fixture(params=DEVICES)
def device(request) -> torch.device:
    return torch.device(request.param)
