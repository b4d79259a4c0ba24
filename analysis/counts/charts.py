"""Bar charts of a question's overall answers (matplotlib, Agg backend), with alt text.

Colours are from the Okabe–Ito palette, safe for the common colour-vision deficiencies,
and every bar is labelled with its value (whole per cent, rounded half up from the counts, as
the alternative text gives it) so colour never carries meaning alone. Long
option texts are wrapped. Suppressed options get no bar and the label "[c]".
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path
from typing import NamedTuple

from analysis.counts.counting import NOT_ANSWERED, CountsResult
from analysis.counts.tables import SUPPRESSED_MARK
from analysis.percentages import percent_text

__all__ = ["OKABE_ITO", "chart_alt_text", "question_chart", "write_charts"]

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_BAR = OKABE_ITO[0]
_TEXT = "#0b0c0c"


class _Bar(NamedTuple):
    option: str
    count: int | None  # None: not shown (suppressed, or too few answered for a percentage)
    answered: int | None
    suppressed: bool

    @property
    def percent(self) -> str | None:
        """Whole per cent, from the counts (`analysis.percentages`), or None if not shown."""
        if self.count is None or not self.answered:
            return None
        return percent_text(self.count, self.answered)

    @property
    def length(self) -> float:
        return 100 * self.count / self.answered if self.percent is not None else 0.0  # type: ignore[operator]


def _overall(result: CountsResult, question_id: str) -> list[_Bar]:
    rows = result.table[
        (result.table["question_id"] == question_id)
        & (result.table["segment_by"] == "all")
        & (result.table["option"] != NOT_ANSWERED)
    ]

    def number(value: object) -> int | None:
        return None if value is None or str(value) == "<NA>" else int(value)  # type: ignore[call-overload]

    return [
        _Bar(
            str(r.option),
            None if str(r.percent) == "<NA>" else number(r.count),
            number(r.answered),
            bool(r.suppressed),
        )
        for r in rows.itertuples(index=False)
    ]


def chart_alt_text(result: CountsResult, question_id: str) -> str:
    """A sentence giving every bar's value as the chart labels it, and the base."""
    bars = _overall(result, question_id)
    parts = []
    for bar in bars:
        if bar.suppressed:
            parts.append(f"{bar.option}: suppressed")
        elif bar.percent is None:
            parts.append(f"{bar.option}: no percentage shown")
        else:
            parts.append(f"{bar.option}: {bar.percent} per cent")
    answered = next((bar.answered for bar in bars if bar.answered), None)
    of = f"of the {answered:,} who answered" if answered else "of those who answered"
    return f"Bar chart of answers to question {question_id[1:]}, per cent {of}. " + "; ".join(parts) + "."


def question_chart(result: CountsResult, question_id: str, fmt: str = "png") -> bytes:
    """One horizontal bar chart (per cent of those who answered) as PNG or SVG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if fmt not in ("png", "svg"):
        raise ValueError(f"chart format must be png or svg, not {fmt!r}")
    bars = _overall(result, question_id)
    labels = ["\n".join(textwrap.wrap(bar.option, 38)) for bar in bars]
    values = [bar.length for bar in bars]
    height = 0.6 + 0.55 * sum(label.count("\n") + 1 for label in labels)
    fig, ax = plt.subplots(figsize=(8, max(2.2, height)), dpi=100)
    try:
        positions = list(range(len(bars)))[::-1]
        ax.barh(positions, values, color=_BAR, height=0.6)
        ax.set_yticks(positions, labels, fontsize=10, color=_TEXT)
        ax.set_xlim(0, 110)
        ax.set_xlabel("Per cent of those who answered", color=_TEXT)
        for y, bar in zip(positions, bars, strict=True):
            text = SUPPRESSED_MARK if bar.suppressed else "n/a" if bar.percent is None else f"{bar.percent}%"
            ax.text(bar.length + 1, y, text, va="center", fontsize=10, color=_TEXT)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        fig.tight_layout()
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, metadata={"Date": None} if fmt == "svg" else None)
        return buffer.getvalue()
    finally:
        plt.close(fig)


def write_charts(result: CountsResult, directory: str | Path, fmt: str = "png") -> list[Path]:
    """One chart file per question (`q1.png`, …) in `directory`; returns the paths."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for question_id in dict.fromkeys(result.table["question_id"]):
        path = folder / f"{question_id}.{fmt}"
        path.write_bytes(question_chart(result, question_id, fmt))
        paths.append(path)
    return paths
