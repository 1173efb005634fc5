"""The bilingual glossary: docs/glossary.yml against the pages, and the hook that renders it.

The data file must agree with the site at test time: every page it names exists (or is a
syllabus page not written yet, shown without a link), every anchor is the id of a heading
of its page as MkDocs' toc makes it, and every page of the syllabus has its own Chinese
terms in the glossary, pointing at that page.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import markdown
import pytest
import yaml
from mkdocs.exceptions import PluginError

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
HOOKS = DOCS / "hooks"
SYLLABUS = ROOT.parent / "shared" / "syllabus.yml"


def load_hook():
    if str(HOOKS) not in sys.path:
        sys.path.insert(0, str(HOOKS))  # the hooks import their shared helper as MkDocs does
    spec = importlib.util.spec_from_file_location("dlref_site_hook_glossary", HOOKS / "glossary.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


glossary = load_hook()
TERMS = glossary.load_terms()


def syllabus_pages() -> list[dict]:
    """The syllabus's page entries ({id, page, zh, ...}); skips where the file is absent."""
    if not SYLLABUS.is_file():
        pytest.skip(f"{SYLLABUS} not found (the shared folder beside the repository)")
    chapters = yaml.safe_load(SYLLABUS.read_text(encoding="utf-8"))["chapters"]
    return [entry for chapter in chapters for entry in chapter["pages"] if entry["page"].endswith(".md")]


def names(entry: dict) -> list[str]:
    return [entry["term_zh"], *entry.get("term_zh_alt", [])]


def heading_ids(page: Path) -> set[str]:
    """The ids MkDocs gives the headings of a page (Python-Markdown's toc, the site's extensions)."""
    md = markdown.Markdown(
        extensions=["toc", "attr_list", "admonition", "def_list", "footnotes", "md_in_html", "tables",
                    "pymdownx.details", "pymdownx.superfences", "pymdownx.tabbed", "pymdownx.arithmatex"],
        extension_configs={"pymdownx.arithmatex": {"generic": True}, "pymdownx.tabbed": {"alternate_style": True}},
    )
    md.convert(page.read_text(encoding="utf-8"))
    ids: set[str] = set()

    def walk(tokens):
        for token in tokens:
            ids.add(token["id"])
            walk(token["children"])

    walk(md.toc_tokens)
    return ids


# -- the data file ---------------------------------------------------------------------------


def test_the_glossary_is_large_and_well_formed():
    raw = yaml.safe_load((DOCS / "glossary.yml").read_text(encoding="utf-8"))
    assert raw == TERMS  # load_terms checked every field of every entry
    assert len(TERMS) >= 120
    for entry in TERMS:
        assert all(isinstance(entry[f], str) for f in glossary.REQUIRED), entry
        assert "\n" not in entry["definition"] and len(entry["definition"]) <= 160, entry["term_en"]


def test_english_terms_are_unique():
    seen = [e["term_en"].strip().casefold() for e in TERMS]
    assert len(seen) == len(set(seen)), sorted(t for t in set(seen) if seen.count(t) > 1)


def test_every_term_has_chinese():
    han = re.compile(r"[\u3400-\u9fff]")
    # a term kept in English by the textbook too (Transformer, AlexNet) still lists none
    kept = {e["term_en"] for e in TERMS if not any(han.search(n) for n in names(e))}
    assert kept <= {"AlexNet", "Transformer", "Leaky ReLU", "SiLU (Swish)", "im2col", "ResNeXt", "AUC",
                    "AdamW", "single and double precision"}, kept


def test_every_page_exists_or_is_planned_in_the_syllabus():
    missing = sorted({e["page"] for e in TERMS if not (DOCS / e["page"]).is_file()})
    if missing:
        planned = {entry["page"] for entry in syllabus_pages()}
        assert set(missing) <= planned, f"pages that neither exist nor are on the syllabus: {set(missing) - planned}"


def test_every_anchor_is_a_heading_of_its_page():
    bad = []
    pages = {e["page"] for e in TERMS if e.get("anchor")}
    ids = {page: heading_ids(DOCS / page) for page in pages if (DOCS / page).is_file()}
    for entry in TERMS:
        if not entry.get("anchor"):
            continue
        if entry["page"] not in ids:
            bad.append(f"{entry['term_en']}: anchor into {entry['page']}, which is not written yet")
        elif entry["anchor"] not in ids[entry["page"]]:
            bad.append(f"{entry['term_en']}: no heading #{entry['anchor']} in {entry['page']}")
    assert not bad, "\n".join(bad)


def test_every_syllabus_page_has_its_chinese_terms_in_the_glossary():
    """Each " / "-separated part of a page's zh in the syllabus names an entry of that page.

    The syllabus abbreviates "L1正则化 and L2正则化" as "L1/L2正则化": such a part is found
    when each of its expansions is.
    """
    by_page: dict[str, set[str]] = {}
    for entry in TERMS:
        by_page.setdefault(entry["page"], set()).update(names(entry))
    missing = []
    for page in syllabus_pages():
        found = by_page.get(page["page"], set())
        for part in (p.strip() for p in str(page.get("zh", "")).split(" / ")):
            short = re.fullmatch(r"([A-Za-z0-9]+)/([A-Za-z0-9]+)(.+)", part)
            expanded = [short[1] + short[3], short[2] + short[3]] if short else [part]
            if part and part not in found and not all(p in found for p in expanded):
                missing.append(f"{page['page']}: {part}")
    assert not missing, "syllabus terms missing from docs/glossary.yml:\n" + "\n".join(missing)


def test_every_written_page_of_the_site_is_in_the_glossary():
    pages = {e["page"] for e in TERMS}
    written = {p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")}
    # not concept pages: the home page and the contributors' guide
    assert written - pages <= {"index.md", "contributing.md"}, sorted(written - pages)


# -- the page --------------------------------------------------------------------------------


def test_the_glossary_page_carries_the_directive():
    text = (DOCS / "glossary.md").read_text(encoding="utf-8")
    assert text.splitlines()[2] == "中文：术语表"
    assert re.search(r"^\[\[glossary: by-chapter\]\]$", text, re.M)


def test_the_hook_renders_every_term_once():
    out = glossary.on_page_markdown("[[glossary: by-chapter]]", None, None, None)
    rows = [line for line in out.splitlines() if line.startswith("| **")]
    assert len(rows) == len(TERMS)
    cells = [[c.strip() for c in re.split(r"(?<!\\)\|", r)[1:-1]] for r in rows]
    assert {c[0] for c in cells} == {f"**{glossary.cell(e['term_en'])}**" for e in TERMS}
    for entry in TERMS:
        assert any(entry["term_zh"] in c[1] for c in cells), entry["term_en"]
    # a link for each page that exists, none for a page that does not
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", out)
    assert links and all((DOCS / link).is_file() for link in links)
    unwritten = sum(not (DOCS / e["page"]).is_file() for e in TERMS)
    assert out.count("*not written yet*") == unwritten


# -- the hook, as a function -----------------------------------------------------------------


def entry(**fields) -> dict:
    return {"term_en": "pooling layer", "term_zh": "汇聚层", "page": "architectures/pooling.md",
            "definition": "Summarizes each window.", **fields}


def write(tmp_path: Path, entries) -> Path:
    path = tmp_path / "glossary.yml"
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    return path


def on_disk(path: str) -> Path | None:
    return DOCS / path if (DOCS / path).is_file() else None


def test_row_links_relative_to_the_page_with_the_anchor():
    e = entry(term_zh_alt=["池化层"], anchor="max-and-average-pooling")
    line = glossary.row(e, "glossary.md", on_disk)
    assert line == ("| **pooling layer** | 汇聚层（池化层） | Summarizes each window. "
                    "| [Pooling and the fully connected head](architectures/pooling.md#max-and-average-pooling) |")
    assert "](../architectures/pooling.md#" in glossary.row(e, "foundations/glossary.md", on_disk)


def test_row_of_an_unwritten_page_has_no_link():
    line = glossary.row(entry(page="frontiers/not-a-page.md"), "glossary.md", on_disk)
    assert line.endswith("| *not written yet* |") and "](" not in line


def test_cells_escape_pipes_and_newlines():
    line = glossary.row(entry(definition="a | b\nc"), "glossary.md", lambda p: None)
    assert "a \\| b c" in line
    assert len(re.split(r"(?<!\\)\|", line)) == 6


def test_page_title_is_the_h1_up_to_its_colon(tmp_path):
    page = tmp_path / "gru.md"
    page.write_text("# GRU: update and reset gates\n\n中文：门控循环单元\n", encoding="utf-8")
    assert glossary.page_title(page) == "GRU"


def test_by_chapter_follows_the_navigation_and_sorts_by_english():
    entries = [entry(term_en="max pooling"), entry(term_en="Adam", page="optimization/optimizers.md"),
               entry(term_en="average pooling"), entry(term_en="glossary", page="glossary.md")]
    lines = glossary.render("by-chapter", entries, "glossary.md", on_disk)
    headings = [line for line in lines if line.startswith("### ")]
    assert headings == ["### Optimization", "### Architectures", "### Reference"]
    terms = [line.split("|")[1].strip() for line in lines if line.startswith("| **")]
    assert terms == ["**Adam**", "**average pooling**", "**max pooling**", "**glossary**"]


def test_a_to_z_is_one_table():
    entries = [entry(term_en="b"), entry(term_en="A"), entry(term_en="c", page="glossary.md")]
    lines = glossary.render("a-z", entries, "glossary.md", on_disk)
    assert lines[:2] == glossary.HEADER and [line.split("|")[1].strip() for line in lines[2:]] == ["**A**", "**b**", "**c**"]


def test_directive_inside_code_is_left_alone():
    page = "```markdown\n[[glossary: by-chapter]]\n```"
    assert glossary.on_page_markdown(page, None, None, None) == page


def test_directive_keeps_its_indentation():
    out = glossary.on_page_markdown("    [[glossary: a-z]]", None, None, None)
    assert all(line.startswith("    |") for line in out.splitlines())


def test_unknown_layout_fails_the_build():
    with pytest.raises(PluginError, match="unknown glossary layout"):
        glossary.on_page_markdown("[[glossary: by-colour]]", None, None, None)


@pytest.mark.parametrize("entries, message", [
    ([], "non-empty list"),
    ({"term_en": "x"}, "non-empty list"),
    (["pooling"], "expected a mapping"),
    ([entry(term_zh="")], "term_zh must be a non-empty string"),
    ([{k: v for k, v in entry().items() if k != "definition"}], "definition must be"),
    ([entry(colour="red")], r"unknown field\(s\) \['colour'\]"),
    ([entry(term_zh_alt="池化层")], "term_zh_alt must be a list"),
    ([entry(anchor="")], "anchor must be"),
    ([entry(page="/architectures/pooling.md")], "page must be a .md path"),
    ([entry(page="architectures/pooling.html")], "page must be a .md path"),
    ([entry(page="elsewhere/pooling.md")], "in no chapter"),
    ([entry(), entry(term_en="Pooling Layer ")], "term_en repeats entry 1"),
])
def test_bad_entries_are_rejected_with_their_name(tmp_path, entries, message):
    with pytest.raises(ValueError, match=message):
        glossary.load_terms(write(tmp_path, entries))


def test_a_bad_data_file_fails_the_build(tmp_path, monkeypatch):
    monkeypatch.setattr(glossary, "DATA", write(tmp_path, [entry(term_zh="")]))
    with pytest.raises(PluginError, match=r"\[\[glossary: a-z\]\]: .*term_zh"):
        glossary.on_page_markdown("[[glossary: a-z]]", None, None, None)


def test_pages_of_the_build_come_from_mkdocs_files(tmp_path):
    from mkdocs.structure.files import File, Files

    (tmp_path / "architectures").mkdir()
    (tmp_path / "architectures" / "pooling.md").write_text("# Pooling in the build\n", encoding="utf-8")
    files = Files([File("architectures/pooling.md", str(tmp_path), str(tmp_path / "site"), True)])
    page = type("Page", (), {"file": type("F", (), {"src_uri": "glossary.md"})()})()
    out = glossary.on_page_markdown("[[glossary: a-z]]", page, None, files)
    assert "[Pooling in the build](architectures/pooling.md" in out
    # every other page is absent from this build: no link to it
    links = re.findall(r"\]\(([^)#]+)", out)
    assert links == ["architectures/pooling.md"] * sum(e["page"] == "architectures/pooling.md" for e in TERMS)


def test_the_hook_is_registered_in_mkdocs_yml():
    # without it the page would show the bare directive line instead of the tables
    config = yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=yaml.BaseLoader)
    assert "docs/hooks/glossary.py" in config["hooks"], "add docs/hooks/glossary.py to hooks: in mkdocs.yml"
