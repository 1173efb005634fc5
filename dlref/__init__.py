"""dlref: readable, tested reference implementations of deep learning.

Two backends with the same public names:

* ``dlref.numpy``: NumPy from scratch, with explicit backward passes.
* ``dlref.torch``: PyTorch built from tensor primitives, parameter names as in
  ``torch.nn``.

Importing ``dlref`` imports neither backend (and never torch).
"""

__version__ = "0.1.0"
