"""NumPy reference implementations: from scratch, with explicit backward passes.

Sub-packages mirror PyTorch: ``functional`` (``torch.nn.functional``), ``nn``
(``torch.nn``), ``autograd`` (a minimal reverse-mode engine for teaching), ``models``
(models torch has no class for), ``special`` (``erf`` and ``erfc``, which NumPy lacks).
Importing this package never imports torch.
"""

from dlref.numpy import autograd, functional, models, nn, optim, special

__all__ = ["autograd", "functional", "models", "nn", "optim", "special"]
