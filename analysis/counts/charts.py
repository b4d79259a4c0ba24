"""Bar charts of a question's overall answers (matplotlib, Agg backend), with alt text.

Colours are from the Okabe–Ito palette, safe for the common colour-vision deficiencies,
and every bar is labelled with its value so colour never carries meaning alone. Long
option texts are wrapped. Suppressed options get no bar and the label "[c]".
"""

from __future__ import annotations

import io
import textwrap
from pathlib import Path

from analysis.counts.counting import NOT_ANSWERED, CountsResult
from analysis.counts.tables import SUPPRESSED_MARK

__all__ = ["OKABE_ITO", "chart_alt_text", "question_chart", "write_charts"]

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
_BAR = OKABE_ITO[0]
_TEXT = "#0b0c0c"


def _overall(result: CountsResult, question_id: str) -> list[tuple[str, float | None, bool]]:
    rows = result.table[
        (result.table["question_id"] == question_id)
        & (result.table["segment_by"] == "all")
        & (result.table["option"] != NOT_ANSWERED)
    ]
    return [
        (
            str(r.option),
            None if r.percent is None or str(r.percent) == "<NA>" else float(r.percent),
            bool(r.suppressed),
        )
        for r in rows.itertuples(index=False)
    ]


def chart_alt_text(result: CountsResult, question_id: str) -> str:
    """A sentence giving every bar's value, for the image's alt attribute."""
    parts = []
    for option, percent, suppressed in _overall(result, question_id):
        if suppressed:
            parts.append(f"{option}: suppressed")
        elif percent is None:
            parts.append(f"{option}: no percentage shown")
        else:
            parts.append(f"{option}: {percent:.1f} per cent")
    return (
        f"Bar chart of answers to {question_id.upper()}, per cent of those who answered. "
        + "; ".join(parts)
        + "."
    )


def question_chart(result: CountsResult, question_id: str, fmt: str = "png") -> bytes:
    """One horizontal bar chart (per cent of those who answered) as PNG or SVG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if fmt not in ("png", "svg"):
        raise ValueError(f"chart format must be png or svg, not {fmt!r}")
    bars = _overall(result, question_id)
    labels = ["\n".join(textwrap.wrap(option, 38)) for option, _, _ in bars]
    values = [percent or 0.0 for _, percent, _ in bars]
    height = 0.6 + 0.55 * sum(label.count("\n") + 1 for label in labels)
    fig, ax = plt.subplots(figsize=(8, max(2.2, height)), dpi=100)
    try:
        positions = list(range(len(bars)))[::-1]
        ax.barh(positions, values, color=_BAR, height=0.6)
        ax.set_yticks(positions, labels, fontsize=10, color=_TEXT)
        ax.set_xlim(0, 110)
        ax.set_xlabel("Per cent of those who answered", color=_TEXT)
        for y, (_, percent, suppressed) in zip(positions, bars, strict=True):
            text = SUPPRESSED_MARK if suppressed else "n/a" if percent is None else f"{percent:.0f}%"
            ax.text((percent or 0.0) + 1, y, text, va="center", fontsize=10, color=_TEXT)
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
