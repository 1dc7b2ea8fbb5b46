"""Altair charts of a result, shared by the Streamlit pages and the PDF report."""

from __future__ import annotations

from typing import Any

import altair as alt
import vl_convert

from l2c_core.opportunity import Opportunity
from l2c_core.plan import BLOCKS, Plan
from l2c_core.scoring import Scores

CURRENT = "Current"
TARGET = "Target"
# Okabe-Ito blue and orange: distinct under every common colour-vision deficiency
# and in greyscale print (dark vs light).
SERIES_COLOURS = ("#0072B2", "#E69F00")
DIMENSION_NAMES = {
    "data": "Data",
    "process": "Process",
    "tooling": "Tooling",
    "people": "People",
    "measurement": "Measurement",
    "ai_readiness": "AI readiness",
}


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


def opportunities_chart(
    opportunities: tuple[Opportunity, ...], currency: str
) -> alt.LayerChart:
    """Net value by remediation as bars, with the low-high range as a rule.

    Args:
        opportunities: the sized fixes, largest first.
        currency: the currency the figures are in, for the axis title.

    Returns:
        A layered chart: bars for net value, rules from low to high.
    """
    rows = [
        {
            "fix": o.title,
            "net": round(o.net),
            "low": round(o.low),
            "high": round(o.high),
            "illustrative": "illustrative" if o.illustrative else "from your figures",
        }
        for o in opportunities
    ]
    order = [o.title for o in opportunities]
    base = alt.Chart(alt.InlineData(values=rows)).encode(
        y=alt.Y("fix:N", sort=order, title=None, axis=alt.Axis(labelLimit=260))
    )
    bars = base.mark_bar(color=SERIES_COLOURS[0], height={"band": 0.7}).encode(
        x=alt.X("net:Q", title=f"Net value in the first 12 months ({currency})"),
        tooltip=[
            alt.Tooltip("fix:N", title="Fix"),
            alt.Tooltip("net:Q", title="Net", format=",.0f"),
            alt.Tooltip("low:Q", title="Low", format=",.0f"),
            alt.Tooltip("high:Q", title="High", format=",.0f"),
            alt.Tooltip("illustrative:N", title="Inputs"),
        ],
    )
    ranges = base.mark_rule(color="#333333").encode(x="low:Q", x2="high:Q")
    chart = alt.layer(bars, ranges).properties(
        title=alt.TitleParams(
            "Opportunities: net value and range",
            subtitle="Bars are the expected net value; lines span low to high.",
            anchor="start",
        ),
        width=420,
        height=alt.Step(24),
    )
    assert isinstance(chart, alt.LayerChart)
    return chart


def plan_chart(plan: Plan) -> alt.Chart:
    """The six-week plan as a timeline: one bar per fix across its block.

    Args:
        plan: the sequenced plan.

    Returns:
        A Gantt-style chart; items after week 6 sit in a last column.
    """
    starts = {BLOCKS[0]: 0, BLOCKS[1]: 2, BLOCKS[2]: 4, BLOCKS[3]: 6}
    rows = [
        {
            "fix": item.title,
            "block": block.name,
            "start": starts[block.name],
            "end": starts[block.name] + 2,
            "owner": item.owner,
            "dimension": DIMENSION_NAMES.get(item.dimension, item.dimension),
            "effort": item.effort_days,
            "order": index,
        }
        for index, (block, item) in enumerate(
            (b, i) for b in plan.blocks for i in b.items
        )
    ]
    chart: alt.Chart = (
        alt.Chart(alt.InlineData(values=rows))
        .mark_bar(height={"band": 0.7}, cornerRadius=2)
        .encode(
            y=alt.Y(
                "fix:N",
                sort=alt.EncodingSortField("order"),
                title=None,
                axis=alt.Axis(labelLimit=260),
            ),
            x=alt.X(
                "start:Q",
                title="Week",
                scale=alt.Scale(domain=[0, 8], nice=False),
                axis=alt.Axis(
                    values=[0, 2, 4, 6, 8],
                    labelExpr="datum.value >= 8 ? '' : datum.value == 6 ? 'after 6' "
                    ": datum.value + 1",
                ),
            ),
            x2="end:Q",
            color=alt.Color(
                "dimension:N",
                title="Dimension",
                scale=alt.Scale(
                    domain=[
                        "Data",
                        "People",
                        "Measurement",
                        "Process",
                        "Tooling",
                        "AI readiness",
                    ],
                    range=[
                        "#0072B2",
                        "#56B4E9",
                        "#009E73",
                        "#E69F00",
                        "#D55E00",
                        "#CC79A7",
                    ],
                ),
                legend=alt.Legend(orient="bottom", columns=3),
            ),
            tooltip=[
                alt.Tooltip("fix:N", title="Fix"),
                alt.Tooltip("block:N", title="When"),
                alt.Tooltip("owner:N", title="Owner"),
                alt.Tooltip("effort:Q", title="Person-days"),
            ],
        )
        .properties(
            title=alt.TitleParams(
                "The six-week plan",
                subtitle="Weeks 1-2 data, 3-4 process and tooling, 5-6 the AI pilot.",
                anchor="start",
            ),
            width=420,
            height=alt.Step(22),
        )
    )
    return chart


def chart_svg(chart: alt.TopLevelMixin, *, font: str | None = None) -> str:
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
