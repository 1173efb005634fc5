"""Optimizers written from tensor ops, as ``torch.optim.Optimizer`` subclasses.

Same names, hyperparameters, defaults and state keys as ``torch.optim``; none of them calls
the optimizer it mirrors or torch's functional ``_single_tensor_*`` helpers.
"""

from dlref.torch.optim.adam import Adam
from dlref.torch.optim.sgd import SGD

__all__ = ["SGD", "Adam"]
