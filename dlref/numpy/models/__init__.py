"""Whole models that torch has no class for (NumPy)."""

from dlref.numpy.models.dbn import DBN
from dlref.numpy.models.perceptron import Perceptron
from dlref.numpy.models.rbm import RBM

__all__ = ["Perceptron", "RBM", "DBN"]
