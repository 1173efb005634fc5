"""MkDocs hook: formulas as readable text where MathJax does not run.

MathJax typesets the formulas of a page's body. Two places show the same TeX source without
MathJax: the table of contents (a heading with a formula, e.g. "Choosing \\(\\lambda\\)")
and the search results, whose previews are cut from the search index. This hook writes the
formulas there as plain text with Unicode symbols: ``\\(\\lambda \\le 10^{-2}\\)`` becomes
``λ ≤ 10^(-2)``, ``\\(\\hat y\\)`` becomes ``ŷ``, and
``\\(\\frac{\\partial L}{\\partial w}\\)`` becomes ``∂L/∂w`` (a preview, not typesetting:
long display formulas read less well).

* ``on_page_content``: the titles of the page's table of contents;
* ``on_post_build`` (after the search plugin wrote it): ``search/search_index.json``.

Code (``<code>``, ``<pre>``) is left as it is: a page may show TeX source on purpose.
"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

from mkdocs.plugins import event_priority

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ϵ", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "ϑ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "pi": "π", "rho": "ρ", "sigma": "σ",
    "tau": "τ", "upsilon": "υ", "phi": "ϕ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
SYMBOLS = {
    "cdot": "·", "times": "×", "div": "÷", "pm": "±", "mp": "∓", "le": "≤", "leq": "≤",
    "ge": "≥", "geq": "≥", "gg": "≫", "ll": "≪", "lesssim": "≲", "gtrsim": "≳", "ne": "≠",
    "neq": "≠", "approx": "≈", "sim": "∼", "simeq": "≃",
    "equiv": "≡", "propto": "∝", "to": "→", "rightarrow": "→", "leftarrow": "←",
    "Rightarrow": "⇒", "Leftarrow": "⇐", "leftrightarrow": "↔", "mapsto": "↦", "infty": "∞",
    "partial": "∂", "nabla": "∇", "sum": "∑", "prod": "∏", "int": "∫", "odot": "⊙",
    "otimes": "⊗", "oplus": "⊕", "circ": "∘", "in": "∈", "notin": "∉", "subset": "⊂",
    "subseteq": "⊆", "cup": "∪", "cap": "∩", "forall": "∀", "exists": "∃", "emptyset": "∅",
    "ldots": "…", "cdots": "⋯", "dots": "…", "vdots": "⋮", "ddots": "⋱", "top": "⊤",
    "intercal": "⊺", "prime": "′", "ell": "ℓ", "mid": "|", "vert": "|", "lVert": "‖",
    "rVert": "‖", "Vert": "‖", "langle": "⟨", "rangle": "⟩", "lfloor": "⌊", "rfloor": "⌋",
    "lceil": "⌈", "rceil": "⌉", "star": "⋆", "ast": "∗", "bullet": "•", "neg": "¬",
    "land": "∧", "lor": "∨", "gets": "←", "sqrt": "√", "lbrace": "{", "rbrace": "}",
    "{": "{", "}": "}", "%": "%", "$": "$", "#": "#", "&": "&", "_": "_", "|": "‖",
}
SPACES = {",", ";", ":", "!", " ", "quad", "qquad", "enspace", "thinspace"}
# commands whose braced argument is kept as it is: \mathbf{x} -> x
UNWRAP = ("text", "textrm", "textbf", "textit", "texttt", "mathrm", "mathbf", "mathit", "mathsf",
          "mathtt", "mathcal", "mathbb", "mathfrak", "boldsymbol", "bm", "operatorname",
          "operatorname*", "underline", "mbox", "displaystyle", "textstyle", "color")
# accents become combining characters: \hat y -> ŷ
ACCENTS = {"hat": "\u0302", "widehat": "\u0302", "bar": "\u0304", "overline": "\u0305", "tilde": "\u0303",
           "widetilde": "\u0303", "dot": "\u0307", "ddot": "\u0308", "vec": "\u20d7"}
DROP = {"left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
        "biggr", "nolimits", "limits", "displaystyle", "textstyle", "scriptstyle", "label",
        "tag", "notag", "nonumber"}

MATH = re.compile(r"\\\((?P<inline>.+?)\\\)|\\\[(?P<display>.+?)\\\]"
                  r"|\\begin\{(?P<env>[a-zA-Z]+\*?)\}(?P<body>.+?)\\end\{(?P=env)\}", re.S)
CODE = re.compile(r"(<code\b.*?</code>|<pre\b.*?</pre>)", re.S)
BRACED = r"\{([^{}]*)\}"
ARG = r"(?:\{([^{}]*)\}|(\\[a-zA-Z]+|[^\s{}\\]))"  # {group}, \command or one character: \tfrac\lambda2


def tex_to_text(tex: str) -> str:
    """A formula's TeX source as plain text with Unicode symbols (for previews, not for print)."""
    text = tex
    text = re.sub(r"\\(?:color)\{[^{}]*\}", "", text)
    text = re.sub(r"\\begin\{[a-zA-Z]+\*?\}(?:\{[^{}]*\})?|\\end\{[a-zA-Z]+\*?\}", " ", text)
    for _ in range(20):  # innermost braces first, until nothing changes
        before = text
        text = re.sub(r"\\[dtc]?frac\s*" + ARG + r"\s*" + ARG,
                      lambda m: f"{_group(m[1] or m[2])}/{_group(m[3] or m[4])}", text)
        text = re.sub(r"\\sqrt\s*(?:\[[^\]]*\])?\s*" + BRACED, lambda m: "√" + _group(m[1]), text)
        text = re.sub(r"\\(" + "|".join(ACCENTS) + r")(?![a-zA-Z])\s*" + ARG,
                      lambda m: _symbol(m[2] or m[3]) + ACCENTS[m[1]], text)
        text = re.sub(r"\\(?:" + "|".join(re.escape(c) for c in UNWRAP) + r")\s*" + BRACED, r"\1", text)
        text = re.sub(r"([_^])\s*" + BRACED, lambda m: m[1] + _group(m[2]), text)
        if text == before:  # only plain groups are left: drop their braces, then look again
            text = re.sub(r"(?<!\\)" + BRACED, r"\1", text)
            if text == before:
                break
    text = re.sub(r"\\\\", " ", text)
    text = text.replace("&", " ")

    def command(match: re.Match) -> str:
        name = match[1]
        if name in GREEK:
            return GREEK[name]
        if name in SYMBOLS:
            return SYMBOLS[name]
        if name in SPACES:
            return " "
        if name in DROP or name in UNWRAP or name in ACCENTS:
            return ""  # \left(, or \mathbf x written without braces
        return name  # \log, \exp, \max, \tanh, ...: the name itself

    text = re.sub(r"\\([a-zA-Z]+\*?|.)", command, text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"([∂∇√])\s+", r"\1", text)
    text = re.sub(r"‖\s*([^‖]*?)\s*‖", r"‖\1‖", text)
    text = re.sub(r"\s*([=<>≤≥≈≠→])\s*", r" \1 ", text)
    return re.sub(r"\s+", " ", text).strip()


def _symbol(arg: str) -> str:
    """A Greek letter's name as the letter: ``\\lambda`` -> λ (anything else unchanged)."""
    return GREEK.get(arg[1:], arg) if arg.startswith("\\") else arg


def _group(text: str) -> str:
    """``a+b`` as ``(a+b)`` where a fraction or power would otherwise read wrong."""
    text = text.strip()
    if re.fullmatch(r"\([^()]*\)", text):
        return text                                   # already one bracketed group
    bare = re.sub(r"\\[a-zA-Z]+\s*", "x", text)        # \partial L counts as one symbol
    return f"({text})" if len(bare) > 1 and re.search(r"[\s+\-−·=,_^/]", bare) else text


def _outside_code(text: str, convert) -> str:
    parts = CODE.split(text)
    return "".join(part if i % 2 else convert(part) for i, part in enumerate(parts))


def math_to_text(text: str, escaped: bool = False) -> str:
    """Every formula in ``text`` (outside code) replaced by its plain-text form."""
    def replace(match: re.Match) -> str:
        tex = match["inline"] or match["display"] or match[0]
        if escaped:
            return html.escape(tex_to_text(html.unescape(tex)), quote=False)
        return tex_to_text(tex)
    return _outside_code(text, lambda part: MATH.sub(replace, part))


def _retitle(items) -> None:
    for item in items:
        if "\\" in item.title:
            item.title = math_to_text(item.title, escaped=True)
        _retitle(item.children)


def on_page_content(html_text: str, page, config, files) -> str:
    _retitle(page.toc)
    return html_text


@event_priority(-100)  # after the search plugin has written the index
def on_post_build(config) -> None:
    path = Path(config.site_dir) / "search" / "search_index.json"
    if not path.is_file():
        return
    index = json.loads(path.read_text(encoding="utf-8"))
    for doc in index.get("docs", []):
        for key in ("title", "text"):
            if "\\" in doc.get(key, ""):
                doc[key] = math_to_text(doc[key], escaped=True)
    path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
