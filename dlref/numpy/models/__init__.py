"""Whole models that torch has no class for (NumPy)."""

from dlref.numpy.models.perceptron import Perceptron

__all__ = ["Perceptron"]
