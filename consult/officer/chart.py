"""Geometry for the server-drawn "responses by day" bar chart (inline SVG, no JavaScript).

The template `officer/_chart.html` draws what `day_chart` returns. Counts hidden by
disclosure control are not drawn; the chart's description and the data table say so.
"""

from __future__ import annotations

from dataclasses import dataclass

from consult.data.dashboard_figures import Day

WIDTH, HEIGHT = 720, 300
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 48
STARTED_COLOUR = "#1d70b8"  # blue: 5.2:1 against white
SUBMITTED_COLOUR = "#00703c"  # green: 5.9:1 against white


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    colour: str
    label: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    baseline: float
    left: float
    right: float
    hidden: int
    description: str


def _nice_top(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 5:
            return step * max(1, -(-value // step))
    return value


def day_chart(days: list[Day]) -> Chart:
    """Bars for responses started and submitted on each day (two bars a day)."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    shown = [c.value for d in days for c in (d.started, d.submitted) if not c.suppressed]
    top = _nice_top(max(shown, default=0) or 1)
    slot = plot_width / max(len(days), 1)
    bar_width = max(slot * 0.4, 0.5)
    baseline = TOP + plot_height
    bars: list[Bar] = []
    hidden = 0
    for index, day in enumerate(days):
        for offset, (cell, colour, what) in enumerate(
            ((day.started, STARTED_COLOUR, "started"), (day.submitted, SUBMITTED_COLOUR, "submitted"))
        ):
            if cell.suppressed:
                hidden += 1
                continue
            if cell.value == 0:
                continue
            height = plot_height * cell.value / top
            x = LEFT + index * slot + slot * 0.1 + offset * bar_width
            bars.append(
                Bar(
                    x,
                    baseline - height,
                    bar_width,
                    height,
                    colour,
                    f"{day.on.day} {day.on:%B}: {cell} {what}",
                )
            )
    steps = 5 if top >= 5 else top
    y_ticks = [Tick(baseline - plot_height * i / steps, f"{top * i // steps:,}") for i in range(steps + 1)]
    every = max(1, -(-len(days) // 8))
    x_ticks = [
        Tick(LEFT + i * slot + slot / 2, f"{d.on.day} {d.on:%b}")
        for i, d in enumerate(days)
        if i % every == 0
    ]
    description = (
        f"Bar chart of responses started (blue) and submitted (green) on each day from "
        f"{days[0].on.day} {days[0].on:%B %Y} to {days[-1].on.day} {days[-1].on:%B %Y}."
        if days
        else "No responses yet."
    )
    if hidden:
        description += " Days with fewer responses than the disclosure threshold are not drawn."
    return Chart(WIDTH, HEIGHT, bars, y_ticks, x_ticks, baseline, LEFT, WIDTH - RIGHT, hidden, description)
