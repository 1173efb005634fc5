"""The two ways ``dlref.data`` takes randomness: a ``generator`` or a
``random_state``."""

from __future__ import annotations

import numbers

import numpy as np

from dlref._checks import check_generator  # noqa: F401  (re-exported for dlref.data)


def check_random_state(name: str, random_state) -> None:
    """Raise unless ``random_state`` is None, an int >= 0 or a
    ``numpy.random.Generator``."""
    if random_state is None or isinstance(random_state, np.random.Generator):
        return
    if isinstance(random_state, bool) or not isinstance(random_state, numbers.Integral):
        raise TypeError(
            f"{name} must be None, an int or a numpy.random.Generator, got "
            f"{type(random_state).__name__}"
        )
    if random_state < 0:
        raise ValueError(f"{name} must be >= 0, got {random_state}")


def generator_from(random_state) -> np.random.Generator:
    """An int seeds a new generator (the same draws every call); a Generator is used as
    it is."""
    return np.random.default_rng(random_state)
