"""PyTorch reference implementations built from tensor primitives.

Same public names as ``dlref.numpy``; modules are ``torch.nn.Module`` subclasses with
the parameter names of their ``torch.nn`` twins, so
``ours.load_state_dict(theirs.state_dict())`` works. No function here calls the torch op
it mirrors: the tests compare against that op.
"""

from dlref.torch import distributed, functional, models, nn, optim

__all__ = ["distributed", "functional", "models", "nn", "optim"]
