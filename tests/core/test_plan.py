"""The planner's three sequencing rules, on examples and on generated inputs."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from l2c_core.opportunity import RankedRemediation
from l2c_core.plan import BACKLOG, BLOCKS, EARLIEST_BLOCK, build_plan

DIMENSIONS = tuple(EARLIEST_BLOCK)


def _item(
    rank: int, dimension: str, effort: float, prerequisites: tuple[str, ...] = ()
):
    return RankedRemediation(
        rank=rank,
        remediation=f"{dimension}.r{rank}",
        title=f"Fix {rank}",
        dimension=dimension,
        kind="data",
        owner="RevOps lead",
        effort_days=effort,
        horizon_months=1,
        outcome="win rate",
        value=0,
        value_per_day=0,
        reasons=("test",),
        prerequisites=prerequisites,
        done_when="done",
    )


def _where(plan) -> dict[str, int]:
    return {
        i.remediation: b for b, block in enumerate(plan.blocks) for i in block.items
    }


def test_build_plan_blocks_are_named_as_the_contract_says() -> None:
    plan = build_plan([], data_score=80)
    assert [b.name for b in plan.blocks] == [
        "weeks 1-2",
        "weeks 3-4",
        "weeks 5-6",
        "after week 6",
    ]


def test_build_plan_process_waits_for_weeks_3_4_and_data_goes_first() -> None:
    plan = build_plan([_item(1, "process", 3), _item(2, "data", 3)], data_score=80)
    where = _where(plan)
    assert where["process.r1"] == 1 and where["data.r2"] == 0


def test_build_plan_prerequisite_pushes_its_dependant_later() -> None:
    items = [_item(1, "people", 3, ("data.r2",)), _item(2, "data", 14)]
    where = _where(build_plan(items, data_score=80))
    assert where == {"data.r2": 0, "people.r1": 1}


def test_build_plan_capacity_overflow_goes_to_the_next_block_then_backlog() -> None:
    items = [_item(i, "data", 10) for i in range(1, 5)]
    where = _where(build_plan(items, data_score=80, capacity_days=15))
    assert [where[f"data.r{i}"] for i in range(1, 5)] == [0, 1, 2, BACKLOG]


def test_build_plan_ai_waits_below_the_threshold_and_says_why() -> None:
    plan = build_plan([_item(1, "ai_readiness", 5), _item(2, "data", 5)], data_score=55)
    assert _where(plan)["ai_readiness.r1"] == BACKLOG
    assert plan.ai_waits is not None and "55" in plan.ai_waits and "70" in plan.ai_waits
    ready = build_plan([_item(1, "ai_readiness", 5)], data_score=70)
    assert _where(ready)["ai_readiness.r1"] == 2 and ready.ai_waits is None


@st.composite
def _inputs(draw):
    count = draw(st.integers(0, 25))
    items = []
    for rank in range(1, count + 1):
        dimension = draw(st.sampled_from(DIMENSIONS))
        earlier = [i.remediation for i in items]
        prerequisites = (
            tuple(draw(st.lists(st.sampled_from(earlier), max_size=3, unique=True)))
            if earlier
            else ()
        )
        items.append(
            _item(
                rank,
                dimension,
                draw(st.sampled_from([0.5, 1, 2, 3, 5, 8, 13])),
                prerequisites,
            )
        )
    # Shuffle ranks so prerequisites are not always ranked first.
    ranks = draw(st.permutations(list(range(1, count + 1))))
    items = [
        i.model_copy(update={"rank": r}) for i, r in zip(items, ranks, strict=True)
    ]
    return (
        items,
        draw(st.floats(0, 100)),
        draw(st.sampled_from([0.0, 5.0, 15.0, 30.0])),
        draw(st.floats(0, 100)),
    )


@settings(max_examples=2000, deadline=None)
@given(_inputs())
def test_build_plan_rules_hold_for_generated_inputs(case) -> None:
    items, data_score, capacity, threshold = case
    plan = build_plan(
        items, data_score=data_score, capacity_days=capacity, ai_threshold=threshold
    )
    where = _where(plan)
    by_id = {i.remediation: i for i in items}
    assert sorted(where) == sorted(by_id), "every fix is placed exactly once"
    assert [b.name for b in plan.blocks] == list(BLOCKS)
    for block_index, block in enumerate(plan.blocks[:BACKLOG]):
        assert sum(i.effort_days for i in block.items) <= capacity + 1e-9
        for placed in block.items:
            item = by_id[placed.remediation]
            assert block_index >= EARLIEST_BLOCK[item.dimension]
            if item.dimension == "ai_readiness":
                assert block_index == 2 and data_score >= threshold
            for prerequisite in item.prerequisites:
                assert where[prerequisite] < block_index
    if any(i.dimension == "ai_readiness" for i in items) and data_score < threshold:
        assert plan.ai_waits is not None
