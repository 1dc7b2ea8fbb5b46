"""Altair charts of a result, shared by the Streamlit pages and the PDF report."""

from __future__ import annotations

from typing import Any

import altair as alt
import vl_convert

from l2c_core.scoring import Scores

CURRENT = "Current"
TARGET = "Target"
# Okabe-Ito blue and orange: distinct under every common colour-vision deficiency
# and in greyscale print (dark vs light).
SERIES_COLOURS = ("#0072B2", "#E69F00")


def _rows(scores: Scores) -> list[dict[str, Any]]:
    """One row per dimension and series, in questionnaire order."""
    rows: list[dict[str, Any]] = []
    for order, dimension in enumerate(scores.dimensions):
        for series, value in ((CURRENT, dimension.current), (TARGET, dimension.target)):
            rows.append(
                {
                    "dimension": dimension.name,
                    "dimension_id": dimension.id,
                    "order": order,
                    "series": series,
                    "score": round(value, 1),
                }
            )
    return rows


def scores_chart(scores: Scores) -> alt.Chart:
    """Chart each dimension's current score beside its target.

    Horizontal bars on a fixed 0-100 axis, one pair per dimension in the order
    the questionnaire lists them, with the current score in dark blue and the
    target in light orange. The data is inline, so the spec renders offline.

    Args:
        scores: the scores of one assessment.

    Returns:
        A chart that Streamlit can show and ``chart_svg`` can export.
    """
    names = [dimension.name for dimension in scores.dimensions]
    series = alt.Color(
        "series:N",
        title=None,
        scale=alt.Scale(domain=[CURRENT, TARGET], range=list(SERIES_COLOURS)),
        legend=alt.Legend(orient="bottom", direction="horizontal", symbolType="square"),
    )
    # altair types its mark_* methods as returning Any; the annotation restores
    # the type for callers.
    chart: alt.Chart = (
        alt.Chart(alt.InlineData(values=_rows(scores)))
        .mark_bar(height={"band": 0.9})
        .encode(
            y=alt.Y(
                "dimension:N",
                sort=names,
                title=None,
                axis=alt.Axis(labelLimit=160, labelFontSize=12, ticks=False),
                scale=alt.Scale(paddingInner=0.3, paddingOuter=0.15),
            ),
            yOffset=alt.YOffset("series:N", sort=[CURRENT, TARGET]),
            x=alt.X(
                "score:Q",
                title="Score (0–100)",
                scale=alt.Scale(domain=[0, 100], nice=False),
                axis=alt.Axis(values=[0, 25, 50, 75, 100], labelFontSize=11),
            ),
            color=series,
            tooltip=[
                alt.Tooltip("dimension:N", title="Dimension"),
                alt.Tooltip("series:N", title="Series"),
                alt.Tooltip("score:Q", title="Score", format=".0f"),
            ],
        )
        .properties(
            title=alt.TitleParams(
                "Dimension scores: current vs target",
                subtitle="Targets are the playbook's targets, not industry benchmarks.",
                anchor="start",
                offset=12,
            ),
            width=420,
            height=alt.Step(13),
        )
    )
    return chart


def chart_svg(chart: alt.Chart, *, font: str | None = None) -> str:
    """Export a chart to SVG without a browser.

    Args:
        chart: any chart of this module.
        font: a font family for every text mark, for instance the PDF's body
            font; ``None`` keeps the chart's own.

    Returns:
        The SVG document as a string.
    """
    config = {"font": font} if font else None
    svg: str = vl_convert.vegalite_to_svg(chart.to_dict(), config=config)
    return svg
