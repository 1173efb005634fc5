"""Every public name of the NumPy backend has a PyTorch twin of the same name, or a reason.

The walk covers ``dlref.numpy.functional``, ``dlref.numpy.nn`` (with ``nn.utils``),
``dlref.numpy.optim`` (with ``optim.lr_scheduler``) and ``dlref.numpy.models``. A name
passes when ``dlref.torch`` has the same name at the same place; otherwise it must be in
`EXCLUDED` below with the reason it has no twin. The list is checked both ways: an entry for a
name that no longer exists, or that has a twin now, fails too, so it stays short and true.
"""

import importlib

import pytest

NAMESPACES = ["functional", "nn", "nn.utils", "optim", "optim.lr_scheduler", "models"]

# Every NumPy op f has f_backward; in torch, autograd derives the backward of the twin of f.
BACKWARD_SUFFIX = "_backward"

EXCLUDED = {
    "nn.Module": "the torch twins subclass torch.nn.Module itself; dlref.numpy.nn.Module is the "
                 "NumPy stand-in for it (parameters, state_dict, train/eval, explicit backward)",
    "nn.Parameter": "torch.nn.Parameter is the tensor the torch twins hold; the NumPy class stands in for it",
    "nn.Sequential": "a container with no arithmetic: torch.nn.Sequential composes the torch twins as it is",
    "nn.Flatten": "a reshape with no arithmetic: torch.nn.Flatten (or Tensor.flatten) serves the torch side",
    "nn.init": "torch.nn.init is itself written from tensor primitives (uniform_/normal_ with computed "
               "bounds); the torch twins call it so that torch.manual_seed draws the weights torch.nn "
               "draws, and dlref.numpy.nn.init is tested against it",
    "optim.Optimizer": "the torch twins subclass torch.optim.Optimizer (param_groups, state, "
                       "state_dict); the NumPy base class stands in for it",
    "optim.lr_scheduler.LRScheduler": "the torch schedulers subclass torch.optim.lr_scheduler.LRScheduler; "
                                      "the NumPy base class stands in for it",
    "models.Perceptron": "Rosenblatt's perceptron learning rule is a teaching model with no gradient; "
                         "torch has no class for it and a twin would only repeat the NumPy loop",
    "models.RBM": "torch has no RBM, and an RBM learns by Gibbs sampling and contrastive "
                  "divergence, not autograd; the reference it is checked against is "
                  "scikit-learn's BernoulliRBM (transform, free energy, PCD updates draw for draw)",
    "models.DBN": "stacked RBMs pretrained by contrastive divergence (no torch class, no "
                  "autograd); its to_mlp() is a Sequential of Linear and Sigmoid, which have twins",
}


def public_names(namespace: str) -> list[str]:
    module = importlib.import_module(f"dlref.numpy.{namespace}")
    names = getattr(module, "__all__", None)
    assert names is not None, f"dlref.numpy.{namespace} must list its public names in __all__"
    return [n for n in names if not (namespace == "nn" and n in ("utils",)) and
            not (namespace == "optim" and n == "lr_scheduler")]


def numpy_names() -> list[str]:
    return [f"{ns}.{name}" for ns in NAMESPACES for name in public_names(ns)]


def has_twin(qualified: str) -> bool:
    namespace, name = qualified.rsplit(".", 1)
    try:
        module = importlib.import_module(f"dlref.torch.{namespace}")
    except ModuleNotFoundError:
        return False
    return hasattr(module, name)


@pytest.mark.parametrize("qualified", numpy_names())
def test_every_numpy_name_has_a_torch_twin_or_a_reason(qualified):
    if qualified.endswith(BACKWARD_SUFFIX):
        forward = qualified[: -len(BACKWARD_SUFFIX)]
        assert forward in numpy_names(), f"{qualified} has no forward {forward}"
        return
    if qualified in EXCLUDED:
        pytest.skip(f"no twin, by design: {EXCLUDED[qualified]}")
    assert has_twin(qualified), (f"dlref.numpy.{qualified} has no twin dlref.torch.{qualified}: "
                                 "write it from tensor primitives, or add it to EXCLUDED with its reason")


@pytest.mark.parametrize("qualified", sorted(EXCLUDED))
def test_exclusions_are_current(qualified):
    assert qualified in numpy_names(), f"EXCLUDED names {qualified}, which dlref.numpy no longer has"
    assert not has_twin(qualified), f"{qualified} has a twin now: remove it from EXCLUDED"


def test_twins_are_not_the_numpy_objects():
    # a twin that re-exported the NumPy object would pass the name check and defeat it
    for qualified in numpy_names():
        if has_twin(qualified):
            namespace, name = qualified.rsplit(".", 1)
            ours = getattr(importlib.import_module(f"dlref.torch.{namespace}"), name)
            assert getattr(ours, "__module__", "dlref.torch").startswith("dlref.torch"), qualified
