"""Figures of the history page (docs/overview/history.md), made at build time.

* ``fig_timeline``: every event of the data table docs/overview/history.yml on one
  vertical time axis (piecewise linear: more room per year from 2005, where events
  crowd), coloured by the wave it belongs to, with the three waves shaded.
  Labels are spread out just enough not to overlap (the least-squares placement below)
  and joined to their year by a thin line.
* ``fig_scale``: the parameter counts of the table's landmark networks against their
  year, on a log scale.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import yaml

DATA = Path(__file__).resolve().parents[1] / "overview" / "history.yml"
WAVE_COLORS = {
    "cybernetics": "tab:blue",
    "connectionism": "tab:orange",
    "deep-learning": "tab:green",
    "between": "0.4",
}


# --8<-- [start:loader]
def load_history(path=DATA) -> dict:
    """Read the timeline's data table: ``waves``, ``events``, ``scale``, ``trends``."""
    with open(path, encoding="utf-8") as file:
        return yaml.safe_load(file)
# --8<-- [end:loader]


def spread(wanted: np.ndarray, gap: float) -> np.ndarray:
    """Positions as close as possible (least squares) to the sorted ``wanted`` ones with
    neighbours at least ``gap`` apart.

    With z_i = y_i - i gap the constraint y_{i+1} - y_i >= gap becomes z non-decreasing,
    so the answer is the isotonic regression of wanted_i - i gap (pool adjacent
    violators), shifted back.
    """
    offsets = gap * np.arange(len(wanted))
    blocks: list[list[float]] = []  # [mean, count] of each pooled block
    for value in wanted - offsets:
        blocks.append([value, 1])
        # merge backwards while the block means decrease
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean, count = blocks.pop()
            prev_mean, prev_count = blocks[-1]
            total = prev_count + count
            blocks[-1] = [(prev_mean * prev_count + mean * count) / total, total]
    z = np.concatenate([np.full(int(count), mean) for mean, count in blocks])
    return z + offsets


# The time axis is piecewise linear: the years from 2005 on, crowded with events, get
# SLOW_DOWN times more room per year than the years before.
BREAK_YEAR, SLOW_DOWN = 2005, 2.6


def axis_position(year):
    """Where a year sits on the timeline's (piecewise linear) axis."""
    year = np.asarray(year, dtype=float)
    return np.where(year <= BREAK_YEAR, year,
                    BREAK_YEAR + SLOW_DOWN * (year - BREAK_YEAR))


def short_people(people: str) -> str:
    """'Ada Lovelace, Charles Babbage' -> 'Lovelace, Babbage'; three or more names, or
    'X et al.', -> 'Surname et al.'."""
    names = [n.strip() for n in people.split("(")[0].split(",")]
    surnames = [n.replace(" et al.", "").split()[-1] for n in names]
    if len(names) > 2 or "et al." in people:
        return f"{surnames[0]} et al."
    return ", ".join(surnames)


def fig_timeline():
    data = load_history()
    events = data["events"]
    years = np.array([e["year"] for e in events], dtype=float)
    last_year = 2026
    wanted = axis_position(years)
    # labels at least 1.55 axis units apart, as close to their year as that allows
    label_y = spread(wanted, gap=1.55)

    fig, ax = plt.subplots(figsize=(8.2, 12))
    axis_x, label_x = 0.13, 0.21
    top = min(wanted.min(), label_y.min()) - 1.5
    bottom = max(axis_position(last_year), label_y.max()) + 1
    for wave in data["waves"]:
        end = wave["end"] if wave["end"] is not None else last_year
        y0, y1 = axis_position(wave["start"]), axis_position(end)
        color = WAVE_COLORS[wave["id"]]
        ax.axhspan(y0, y1, color=color, alpha=0.08, lw=0)
        span = f"{wave['start']}-" + ("" if wave["end"] is None else str(wave["end"]))
        ax.text(0.025, (y0 + y1) / 2, f"{wave['name']}\n{span}", rotation=90,
                ha="center", va="center", fontsize=10, color=color, fontweight="bold")
    # the time axis, with a tick every decade (every 5 years after the break)
    ax.plot([axis_x, axis_x], [axis_position(1942), axis_position(last_year)],
            color="0.3", lw=1.2)
    ticks = list(range(1950, BREAK_YEAR, 10)) + list(range(BREAK_YEAR, last_year, 5))
    for tick in ticks:
        y = axis_position(tick)
        ax.plot([axis_x - 0.008, axis_x + 0.008], [y, y], color="0.3", lw=1)
        ax.text(axis_x - 0.015, y, str(tick), ha="right", va="center", fontsize=9,
                color="0.3")
    ax.text(axis_x + 0.012, axis_position(BREAK_YEAR) - 0.4,
            f"from {BREAK_YEAR}: {SLOW_DOWN:g}x more room per year", fontsize=7.5,
            color="0.35", ha="left", va="bottom", style="italic")
    for event, y_axis, y in zip(events, wanted, label_y):
        color = WAVE_COLORS[event["wave"]]
        ax.plot([axis_x, label_x - 0.01], [y_axis, y], color=color, lw=0.7, alpha=0.8)
        ax.plot([axis_x], [y_axis], "o", color=color, ms=4, zorder=3)
        ax.text(label_x, y,
                f"{event['year']}  {event['label']}  ({short_people(event['people'])})",
                ha="left", va="center", fontsize=9, color="black")
    ax.set_xlim(0, 1)
    ax.set_ylim(bottom, top)  # time runs down the page
    ax.axis("off")
    return fig


def fig_scale():
    data = load_history()
    rows = data["scale"]
    years = np.array([r["year"] for r in rows], dtype=float)
    params = np.array([r["parameters"] for r in rows], dtype=float)
    # least-squares line of log2(parameters) against the year: its slope is doublings
    # per year
    slope, intercept = np.polyfit(years, np.log2(params), 1)

    fig, ax = plt.subplots(figsize=(7.5, 4.2))
    ax.scatter(years, params, color="tab:green", zorder=3)
    for r, x, p in zip(rows, years, params):
        ax.annotate(r["model"], (x, p), textcoords="offset points", xytext=(6, -4),
                    fontsize=8.5)
    grid = np.linspace(years.min(), years.max(), 50)
    ax.plot(grid, 2.0 ** (slope * grid + intercept), color="0.4", lw=1, ls="--",
            label=f"least-squares fit: doubling every {12 / slope:.0f} months")
    ax.set_yscale("log")
    ax.set_xlim(years.min() - 2, years.max() + 8)
    ax.set_xlabel("year")
    ax.set_ylabel("parameters (as each paper states)")
    ax.legend(loc="upper left", fontsize=9)
    ax.set_title("Size of landmark networks (the scale table of history.yml)",
                 fontsize=11)
    return fig
