"""Optimizers mirroring ``torch.optim``: same hyperparameter names, defaults and update
formulas."""

from dlref.numpy.optim import lr_scheduler
from dlref.numpy.optim.adagrad import Adagrad
from dlref.numpy.optim.adam import Adam, AdamW
from dlref.numpy.optim.optimizer import Optimizer
from dlref.numpy.optim.rmsprop import RMSprop
from dlref.numpy.optim.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adagrad", "RMSprop", "Adam", "AdamW", "lr_scheduler"]
