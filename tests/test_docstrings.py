"""One docstring layout across the package, which mkdocstrings renders on the API pages.

Sections, in this order where present: the summary line, the math, ``Args:``, ``Shape:``,
``Returns:``, ``PyTorch equivalent:``, ``Differences from PyTorch:``, ``References:``.
Shapes always stand in a ``Shape:`` section: every public function of the ``functional``
namespaces and every public layer has one.
"""

import importlib
import inspect
import pkgutil
import re

import pytest

import dlref

ORDER = ["Args", "Shape", "Returns"]
OLD_HEADERS = re.compile(r"^\s*(Arguments|Shapes|Parameters)\s*:", re.MULTILINE)


def public_objects():
    seen = set()
    for info in pkgutil.walk_packages(dlref.__path__, "dlref."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        module = importlib.import_module(info.name)
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name, None)
            if (inspect.isfunction(obj) or inspect.isclass(obj)) and id(obj) not in seen:
                seen.add(id(obj))
                yield f"{obj.__module__}.{obj.__qualname__}", obj


OBJECTS = dict(public_objects())


def sections(doc: str) -> list[str]:
    return re.findall(r"^\s*(Args|Shape|Returns)\s*:\s*$", doc, re.MULTILINE)


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_docstring_layout(name):
    doc = inspect.getdoc(OBJECTS[name]) or ""
    assert doc.strip(), f"{name} has no docstring"
    old = OLD_HEADERS.search(doc)
    assert not old, f"{name}: write {old.group(1)!r} as 'Args:'/'Shape:'"
    found = sections(doc)
    assert len(found) == len(set(found)), f"{name}: a section appears twice: {found}"
    assert found == [s for s in ORDER if s in found], f"{name}: sections {found}, expected the order {ORDER}"
    assert "Differences:" not in doc and "Difference:" not in doc, f"{name}: write 'Differences from PyTorch:'"


def needs_shape(name: str, obj) -> bool:
    module = obj.__module__
    if ".functional." in module:
        # a backward's arguments have the shapes of its forward's output and inputs (said in Args)
        return inspect.isfunction(obj) and not name.endswith("_backward")
    if module.startswith(("dlref.numpy.nn.", "dlref.torch.nn.")) and inspect.isclass(obj):
        return not module.endswith((".module", ".container", ".init", ".utils"))
    return False


@pytest.mark.parametrize("name", sorted(n for n, o in OBJECTS.items() if needs_shape(n, o)))
def test_shapes_have_their_section(name):
    assert "Shape" in sections(inspect.getdoc(OBJECTS[name])), f"{name}: shapes belong in a 'Shape:' section"


@pytest.mark.parametrize("name", sorted(OBJECTS))
def test_display_math_is_balanced(name):
    # a $$ that closes after the first line of a formula leaves raw TeX on the API page
    doc = inspect.getdoc(OBJECTS[name]) or ""
    assert doc.count("$$") % 2 == 0, f"{name}: unbalanced $$"
    for block in re.findall(r"\$\$(.*?)\$\$", doc, re.DOTALL):
        assert block.strip(), f"{name}: empty $$ $$ block"
    for line in doc.splitlines():
        stripped = line.strip()
        if stripped.startswith("$$") and stripped.endswith("$$") and len(stripped) > 4:
            continue
        assert not (stripped.startswith("$$") and stripped.endswith(", \\qquad$$")), (
            f"{name}: a display formula closes mid-expression: {stripped}")
