"""The history page's data table, docs/overview/history.yml, is well-formed.

The timeline figure (docs/figures/history.py) and the page's checked blocks read it; the
page's table of events must list every event with its reference link.
"""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import matplotlib
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "docs" / "overview" / "history.yml"
PAGE = ROOT / "docs" / "overview" / "history.md"
FIGURES = ROOT / "docs" / "figures" / "history.py"
EVENT_KEYS = {"year", "label", "event", "people", "wave", "page", "reference"}


@pytest.fixture(scope="module")
def history() -> dict:
    with open(DATA, encoding="utf-8") as file:
        return yaml.safe_load(file)


@pytest.fixture(scope="module")
def events(history) -> list[dict]:
    return history["events"]


def test_file_has_the_four_tables(history):
    assert set(history) == {"waves", "events", "scale", "trends"}
    for name in history:
        assert isinstance(history[name], list) and history[name], name


def test_every_event_has_its_fields_a_year_and_a_reference(events):
    for event in events:
        assert set(event) == EVENT_KEYS, event.get("label", event)
        assert isinstance(event["year"], int) and 1900 < event["year"] <= 2100, event
        for key in ("label", "event", "people"):
            assert isinstance(event[key], str) and event[key].strip(), (key, event)
        reference = event["reference"]
        assert set(reference) == {"text", "url"}, event["label"]
        assert str(event["year"]) in reference["text"] or event["year"] == 1970, (
            "the reference's year should be the event's (Linnainmaa's 1970 thesis, "
            "published in 1976, is the one exception)", event["label"])
        assert re.fullmatch(r"https://\S+", reference["url"]), event["label"]


def test_events_are_sorted_by_year(events):
    years = [event["year"] for event in events]
    assert years == sorted(years)


def test_labels_and_links_are_unique(events):
    labels = [event["label"] for event in events]
    assert len(labels) == len(set(labels))
    # one event per source, except two events that cite the same paper would be a slip
    urls = [event["reference"]["url"] for event in events]
    assert len(urls) == len(set(urls))


def test_every_event_falls_in_its_wave(history, events):
    waves = {wave["id"]: wave for wave in history["waves"]}
    assert list(waves) == ["cybernetics", "connectionism", "deep-learning"]
    for event in events:
        year = event["year"]
        inside = [w for w in waves.values()
                  if w["start"] <= year and (w["end"] is None or year <= w["end"])]
        if event["wave"] == "between":
            assert not inside, event["label"]
        else:
            assert [w["id"] for w in inside] == [event["wave"]], event["label"]


def test_every_linked_page_exists(events):
    for event in events:
        if event["page"] is not None:
            assert event["page"].endswith(".md"), event["label"]
            assert (ROOT / "docs" / event["page"]).is_file(), event["page"]


def test_the_page_lists_every_event_with_its_link(events):
    page = PAGE.read_text(encoding="utf-8")
    rows = {line for line in page.splitlines() if line.startswith("| ")}
    for event in events:
        start = f"| {event['year']} | {event['label']} | "
        row = next((r for r in rows if r.startswith(start)), None)
        assert row is not None, f"no table row for {event['label']}"
        assert f"]({event['reference']['url']})" in row, event["label"]
        if event["page"] is not None:
            assert f"](../{event['page']})" in row, event["label"]
        else:
            assert row.rstrip().endswith("| — |"), event["label"]


def test_scale_and_trends_cite_their_numbers(history):
    years = []
    for row in history["scale"]:
        assert isinstance(row["parameters"], int) and row["parameters"] > 0, row
        assert row["reference"] and re.fullmatch(r"https://\S+", row["url"]), row
        years.append(row["year"])
    assert years == sorted(years)
    for row in history["trends"]:
        assert row["doubling_months"] > 0, row
        assert row["reference"] and re.fullmatch(r"https://\S+", row["url"]), row


def test_figures_draw_one_label_per_event(events):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    namespace = runpy.run_path(str(FIGURES))
    figure = namespace["fig_timeline"]()
    texts = [t.get_text() for t in figure.axes[0].texts]
    for event in events:
        assert sum(t.startswith(f"{event['year']}  {event['label']}  (")
                   for t in texts) == 1, event["label"]
    plt.close(figure)
    plt.close(namespace["fig_scale"]())


def test_spread_keeps_labels_apart_and_close_to_their_years():
    spread = runpy.run_path(str(FIGURES))["spread"]
    import numpy as np

    wanted = np.array([0.0, 0.1, 0.2, 5.0, 9.0, 9.0])
    placed = spread(wanted, gap=1.0)
    assert np.all(np.diff(placed) >= 1.0 - 1e-12)
    # the least-squares placement keeps each cluster centred on its wanted positions
    assert placed[:3].mean() == pytest.approx(wanted[:3].mean())
    assert placed[3] == 5.0
    assert placed[4:].mean() == pytest.approx(9.0)
