"""The two backends stand side by side: each imports without the other.

* ``import dlref.torch`` loads nothing from ``dlref.numpy`` (what both need lives in the
  backend-neutral ground floor: `dlref._checks`, `dlref._geometry` and the ``dlref._*_args``
  modules).
* ``import dlref.numpy`` (and ``dlref.metrics``, ``dlref.data``, ``dlref.training``,
  ``dlref.counting``, ``dlref.testing``) works with torch not installed.
* The ground floor imports neither backend nor torch.

Each check runs in a fresh interpreter, so modules loaded by other tests cannot hide an import.
"""

import pathlib
import subprocess
import sys
import textwrap

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]

# Makes `import torch` (and its submodules) fail as if torch were not installed.
HIDE_TORCH = """
import sys
class _NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError(f"No module named {name!r} (hidden by the test)")
        return None
sys.meta_path.insert(0, _NoTorch())
"""


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_import_dlref_torch_loads_nothing_from_dlref_numpy():
    result = run_python("""
        import sys
        import dlref.torch, dlref.torch.functional, dlref.torch.nn, dlref.torch.optim, dlref.torch.models
        import dlref.torch.optim.lr_scheduler
        loaded = sorted(m for m in sys.modules if m == "dlref.numpy" or m.startswith("dlref.numpy."))
        print(loaded)
    """)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"import dlref.torch loaded {result.stdout.strip()}"


@pytest.mark.parametrize("module", ["dlref.numpy", "dlref.numpy.optim.lr_scheduler", "dlref.metrics",
                                    "dlref.data", "dlref.training", "dlref.counting", "dlref.testing"])
def test_numpy_side_imports_without_torch(module):
    result = run_python(HIDE_TORCH + f"""
import {module}
import dlref.numpy.nn as nn
import numpy as np
layer = nn.Linear(3, 2, dtype=np.float64)
print(layer(np.ones((4, 3))).shape, "torch" in sys.modules)
""")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "(4, 2) False"


def test_hiding_torch_really_hides_it():
    # the check above would prove nothing if the finder did not work
    result = run_python(HIDE_TORCH + "import torch\n")
    assert result.returncode != 0 and "hidden by the test" in result.stderr


def test_ground_floor_imports_no_backend():
    floor = sorted(p.stem for p in (ROOT / "dlref").glob("_*.py") if p.stem != "__init__")
    assert {"_checks", "_geometry"} <= set(floor)
    result = run_python(HIDE_TORCH + f"""
import importlib
for name in {floor!r}:
    importlib.import_module("dlref." + name)
print(sorted(m for m in sys.modules if m.startswith(("dlref.numpy", "dlref.torch"))))
""")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_no_torch_module_imports_dlref_numpy():
    # the grep of the "done when", kept as a test: no import line, no lazy import
    offenders = []
    for path in (ROOT / "dlref" / "torch").rglob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith(("import ", "from ")) and "dlref.numpy" in stripped:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {stripped}")
    assert not offenders, "\n".join(offenders)
