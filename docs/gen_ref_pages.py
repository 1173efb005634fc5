"""Generate the API reference: one page per public namespace of dlref (run by mkdocs-gen-files).

Nothing is listed by hand. A page is made for every package of dlref and for every
module that its parent package exports by name in ``__all__`` (``dlref.numpy.nn.init``).
Modules that only hold code re-exported by their package (``dlref/numpy/nn/linear.py``)
get no page of their own: their objects are documented where users import them from
(``dlref.numpy.nn.Linear``).
"""

from __future__ import annotations

import importlib
import pkgutil

import mkdocs_gen_files

import dlref


def public_modules(package) -> list[str]:
    names = [package.__name__]
    exported = set(getattr(package, "__all__", ()))
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        full = f"{package.__name__}.{info.name}"
        module = importlib.import_module(full)
        if info.ispkg:
            names += public_modules(module)
        elif info.name in exported or package is dlref:
            names.append(full)
    return names


nav = mkdocs_gen_files.Nav()
for name in public_modules(dlref):
    parts = name.split(".")
    doc_path = "/".join(parts) + ".md"
    # Every page and every nav entry is titled with the full dotted name users import
    # (dlref.numpy.nn and dlref.torch.nn, never two "nn"), not a title made from the file name.
    nav[tuple(".".join(parts[: i + 1]) for i in range(len(parts)))] = doc_path
    with mkdocs_gen_files.open(f"reference/{doc_path}", "w") as page:
        page.write(f"---\ntitle: {name}\n---\n\n::: {name}\n")

# The nav file literate-nav reads; docs/hooks/nav_files.py keeps it out of the built pages.
with mkdocs_gen_files.open("reference/SUMMARY.md", "w") as summary:
    summary.writelines(nav.build_literate_nav())
