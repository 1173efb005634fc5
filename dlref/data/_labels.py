"""The check that class labels are labels, shared by the splits and the imbalance
tools."""

from __future__ import annotations

import numpy as np


def check_label_values(name: str, y: np.ndarray) -> None:
    """Labels are real numbers or strings (an object array only of strings); no NaN or
    infinity."""
    if y.dtype.kind not in "biufUS" and not (
        y.dtype.kind == "O" and all(isinstance(v, str) for v in y.flat)
    ):
        raise TypeError(
            f"{name} must hold class labels (numbers or strings), got dtype {y.dtype}"
        )
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        raise ValueError(f"{name} must not contain NaN or infinity")
