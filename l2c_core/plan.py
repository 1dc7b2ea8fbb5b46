"""The six-week plan: ranked fixes placed into three two-week blocks and a backlog.

Three rules from the method hold for any input: fix data first (Data, People and
Measurement may start in weeks 1-2; Process and Tooling wait for weeks 3-4),
fix process before tooling (a fix comes strictly after every block holding one
of its prerequisites), and pilot AI last (AI readiness only in weeks 5-6, and
only once the Data dimension reaches the AI-readiness threshold).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from l2c_core.opportunity import RankedRemediation

BLOCKS = ("weeks 1-2", "weeks 3-4", "weeks 5-6", "after week 6")
BLOCK_THEMES = (
    "Data and stage-gate remediation",
    "Process redesign and tool-consolidation planning",
    "The first AI pilot",
    "Execution and measurement",
)
BACKLOG = len(BLOCKS) - 1
DEFAULT_CAPACITY_DAYS = 15.0
DEFAULT_AI_THRESHOLD = 70.0
AI_DIMENSION = "ai_readiness"
# The first block each dimension may start in.
EARLIEST_BLOCK: Mapping[str, int] = {
    "data": 0,
    "people": 0,
    "measurement": 0,
    "process": 1,
    "tooling": 1,
    AI_DIMENSION: 2,
}


class PlanItem(BaseModel):
    """One fix in the plan."""

    model_config = ConfigDict(frozen=True)

    remediation: str
    title: str
    dimension: str
    owner: str
    effort_days: float
    outcome: str
    rank: int
    note: str = ""


class Block(BaseModel):
    """A two-week block (or the backlog) and what it holds."""

    model_config = ConfigDict(frozen=True)

    name: str
    theme: str
    capacity_days: float | None
    used_days: float
    items: tuple[PlanItem, ...]


class Plan(BaseModel):
    """The sequenced plan."""

    model_config = ConfigDict(frozen=True)

    blocks: tuple[Block, ...]
    capacity_days: float
    ai_threshold: float
    data_score: float
    ai_waits: str | None = None


def _order(ranked: Sequence[RankedRemediation]) -> list[RankedRemediation]:
    """Rank order, except that a prerequisite always comes before what needs it."""
    by_id = {r.remediation: r for r in ranked}
    done: set[str] = set()
    order: list[RankedRemediation] = []

    def take(item: RankedRemediation, stack: tuple[str, ...]) -> None:
        if item.remediation in done or item.remediation in stack:
            return
        for prerequisite in item.prerequisites:
            if prerequisite in by_id:
                take(by_id[prerequisite], (*stack, item.remediation))
        done.add(item.remediation)
        order.append(item)

    for item in sorted(ranked, key=lambda r: r.rank):
        take(item, ())
    return order


def build_plan(
    ranked: Sequence[RankedRemediation],
    *,
    data_score: float,
    capacity_days: float = DEFAULT_CAPACITY_DAYS,
    ai_threshold: float = DEFAULT_AI_THRESHOLD,
) -> Plan:
    """Place ranked fixes into blocks.

    Each fix, in rank order (its prerequisites first), goes to the earliest block
    that its dimension allows, that comes strictly after every block holding one
    of its prerequisites, and that still has capacity for its effort; otherwise
    it goes after week 6.

    Args:
        ranked: the ranked remediations.
        data_score: the Data dimension's score (measured where an export was
            audited), compared with ``ai_threshold``.
        capacity_days: person-days each two-week block can absorb.
        ai_threshold: the Data score an AI pilot needs.

    Returns:
        The plan; ``ai_waits`` explains why AI items went to the backlog.
    """
    if capacity_days < 0:
        raise ValueError("capacity_days must be at least 0")
    used = [0.0] * BACKLOG
    placed: dict[str, int] = {}
    contents: list[list[PlanItem]] = [[] for _ in BLOCKS]
    ai_ready = data_score >= ai_threshold
    ai_waits = None
    for item in _order(ranked):
        earliest = EARLIEST_BLOCK.get(item.dimension, 1)
        after = max((placed.get(p, -1) for p in item.prerequisites), default=-1)
        note = ""
        block = BACKLOG
        if item.dimension == AI_DIMENSION and not ai_ready:
            note = "waits until Data reaches the AI-readiness threshold"
            ai_waits = (
                f"The AI pilot waits: the Data dimension scores {data_score:.0f}, "
                f"below the AI-readiness threshold of {ai_threshold:.0f}. AI on "
                "unreliable records makes confident wrong decisions; fix the data "
                "first and the pilot follows."
            )
        elif any(placed.get(p) == BACKLOG for p in item.prerequisites):
            note = "waits for a prerequisite in the backlog"
        else:
            last = 2 if item.dimension == AI_DIMENSION else BACKLOG - 1
            start = max(earliest, after + 1)
            for candidate in range(start, last + 1):
                if used[candidate] + item.effort_days <= capacity_days:
                    block = candidate
                    break
            else:
                note = (
                    "follows a prerequisite that ends in weeks 5-6"
                    if start > last
                    else "no block had capacity left"
                )
        if block < BACKLOG:
            used[block] += item.effort_days
        placed[item.remediation] = block
        contents[block].append(
            PlanItem(
                remediation=item.remediation,
                title=item.title,
                dimension=item.dimension,
                owner=item.owner,
                effort_days=item.effort_days,
                outcome=item.outcome,
                rank=item.rank,
                note=note,
            )
        )
    themes = list(BLOCK_THEMES)
    if ai_waits:
        themes[2] = "Remaining foundation work (the AI pilot waits)"
    blocks = tuple(
        Block(
            name=name,
            theme=theme,
            capacity_days=capacity_days if i < BACKLOG else None,
            used_days=used[i]
            if i < BACKLOG
            else sum(p.effort_days for p in contents[i]),
            items=tuple(contents[i]),
        )
        for i, (name, theme) in enumerate(zip(BLOCKS, themes, strict=True))
    )
    return Plan(
        blocks=blocks,
        capacity_days=capacity_days,
        ai_threshold=ai_threshold,
        data_score=data_score,
        ai_waits=ai_waits,
    )
