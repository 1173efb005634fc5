"""Every public name of the backends, metrics, data and training is in a bad-input catalogue.

Each ``tests/badinput/test_<family>.py`` defines ``CASES`` (a list of `framework.Case`); a
case's ``name`` is the public name it covers. A public name in no catalogue fails here,
unless `EXCLUDED` gives the reason it takes no hostile input.
"""

import importlib
import inspect
import pathlib

import pytest

HERE = pathlib.Path(__file__).parent

NAMESPACES = [
    "dlref.numpy.functional", "dlref.numpy.nn", "dlref.numpy.nn.utils", "dlref.numpy.nn.init",
    "dlref.numpy.optim", "dlref.numpy.optim.lr_scheduler", "dlref.numpy.models", "dlref.numpy.special",
    "dlref.numpy.autograd",
    "dlref.torch.functional", "dlref.torch.nn", "dlref.torch.nn.utils", "dlref.torch.optim",
    "dlref.torch.optim.lr_scheduler", "dlref.torch.models",
    "dlref.metrics", "dlref.data", "dlref.data.augment", "dlref.data.text", "dlref.training",
]

# name -> why it takes no hostile input of its own
EXCLUDED = {"dlref.data.text.FORTUNES_DIR": "a constant (a Path), not a function"}


def public_names() -> list[str]:
    names = []
    for namespace in NAMESPACES:
        module = importlib.import_module(namespace)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if inspect.ismodule(obj) or obj is None:
                continue
            names.append(f"{namespace}.{name}")
    return names


def covered() -> set[str]:
    names = set()
    for path in sorted(HERE.glob("test_*.py")):
        if path.stem == "test_coverage":
            continue
        module = importlib.import_module(f"badinput.{path.stem}")
        names |= {case.name for case in getattr(module, "CASES", [])}
    return names


COVERED = covered()


@pytest.mark.parametrize("name", public_names())
def test_public_name_is_in_a_catalogue(name):
    if name in EXCLUDED:
        pytest.skip(EXCLUDED[name])
    assert name in COVERED, f"{name} is in no bad-input catalogue (tests/badinput/test_<family>.py)"


def test_exclusions_are_current():
    for name in EXCLUDED:
        assert name in public_names(), f"EXCLUDED names {name}, which is not public"
        assert name not in COVERED, f"{name} is excluded and covered: drop the exclusion"
