"""Optimizers and learning-rate schedulers written from tensor ops, with
``torch.optim``'s interface.

The optimizers are ``torch.optim.Optimizer`` subclasses with the same names,
hyperparameters, defaults and state keys as ``torch.optim``; none of them calls the
optimizer it mirrors or torch's functional ``_single_tensor_*`` helpers. The schedulers
of `lr_scheduler` drive any ``torch.optim.Optimizer`` without using torch's scheduler
classes.
"""

from dlref.torch.optim import lr_scheduler
from dlref.torch.optim.adagrad import Adagrad
from dlref.torch.optim.adam import Adam, AdamW
from dlref.torch.optim.rmsprop import RMSprop
from dlref.torch.optim.sgd import SGD

__all__ = ["SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "lr_scheduler"]
