"""Dollar-sized opportunities: which fixes apply, what each is worth, how they rank.

Each lever (the conversion at one stage, win rate, cycle, deal size) is sized
once from its inputs; the fixes that move it share its gap by the catalogue's
shares, so the business case never counts one gap twice. A fix's net value is
``gross × ramp × (1 − adoption risk)`` with ``ramp = (12 − months) ÷ 12``.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from l2c_core.audit import Audit
from l2c_core.catalogue import DOLLAR_KINDS, Catalogue, Remediation
from l2c_core.integrity import MIN_RECORDS
from l2c_core.profile import Profile
from l2c_core.questionnaire import UNKNOWN, Answer

SIZING_FILE = Path(__file__).resolve().parent.parent / "questionnaires" / "sizing.toml"
HORIZON_MONTHS = 12
Source = Literal["measured", "profile", "default", "what-if"]


class Input(BaseModel):
    """One input of the sizing, with where it came from."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    value: float
    unit: Literal["money", "rate", "days", "count"]
    source: Source
    note: str = ""
    reliable: bool = True


class Assumptions(BaseModel):
    """What a consultant can adjust live; None keeps the resolved input."""

    model_config = ConfigDict(frozen=True)

    target_conversion: dict[int, float] = {}
    target_win_rate: float | None = None
    target_cycle_days: float | None = None
    ramp_months: float | None = None
    adoption_risk: float | None = None
    engagement_cost: float | None = None


class Opportunity(BaseModel):
    """A dollar-sized fix, with the math that produced it."""

    model_config = ConfigDict(frozen=True)

    remediation: str
    title: str
    kind: str
    lever: str
    gross: float
    net: float
    low: float
    high: float
    share: float
    ramp: float
    adoption_risk: float
    inputs: dict[str, Input]
    formula: str
    illustrative: bool


class RankedRemediation(BaseModel):
    """A triggered (or prerequisite) fix with its value per person-day."""

    model_config = ConfigDict(frozen=True)

    rank: int
    remediation: str
    title: str
    dimension: str
    kind: str
    owner: str
    effort_days: float
    horizon_months: float
    outcome: str
    value: float
    value_per_day: float
    reasons: tuple[str, ...]
    prerequisites: tuple[str, ...]
    done_when: str


class BusinessCase(BaseModel):
    """The sum of the sized fixes against the engagement's cost."""

    model_config = ConfigDict(frozen=True)

    currency: str
    net: float
    low: float
    high: float
    gross: float
    engagement_cost: Input
    multiple: float | None
    illustrative: bool


class Sizing(BaseModel):
    """Everything the opportunity model computed."""

    model_config = ConfigDict(frozen=True)

    currency: str
    inputs: dict[str, Input]
    opportunities: tuple[Opportunity, ...]
    remediations: tuple[RankedRemediation, ...]
    business_case: BusinessCase
    warnings: tuple[str, ...] = ()


@cache
def sizing_defaults() -> dict[str, Any]:
    """The catalogue's default sizing figures (``questionnaires/sizing.toml``)."""
    return tomllib.loads(SIZING_FILE.read_text(encoding="utf-8"))


def money(value: float, currency: str) -> str:
    """Format an amount for the math view: ``$5,760,000`` or ``EUR 1,200``."""
    sign = "−" if value < 0 else ""
    if currency == "USD":
        return f"{sign}${abs(value):,.0f}"
    return f"{sign}{currency} {abs(value):,.0f}"


# --- which fixes apply -------------------------------------------------------


def trigger_reasons(
    remediation: Remediation,
    answers: Mapping[str, Answer],
    audit: Audit | None,
    below_target: Mapping[str, bool],
) -> list[str]:
    """Why a fix applies: the answers, rule failures or metrics that trigger it."""
    reasons = []
    for question_id, highest in remediation.trigger.questions.items():
        answer = answers.get(question_id)
        if answer == UNKNOWN:
            reasons.append(f"{question_id} answered Don't know")
        elif isinstance(answer, int) and answer <= highest:
            reasons.append(f"{question_id} answered level {answer} (≤ {highest})")
    if audit is not None:
        for rule_id, threshold in remediation.trigger.rules.items():
            rule = audit.rules.get(rule_id)
            rate = rule.failure_rate if rule else None
            if rate is not None and rate >= threshold:
                reasons.append(
                    f"{rule_id} failed by {rate:.0%} of audited records "
                    f"(≥ {threshold:.0%})"
                )
    for metric in remediation.trigger.metrics:
        if below_target.get(metric):
            reasons.append(f"measured {metric.replace('_', ' ')} is worse than target")
    return reasons


# --- inputs ------------------------------------------------------------------


def resolve_inputs(
    profile: Profile, audit: Audit | None, assumptions: Assumptions
) -> tuple[dict[str, Input], list[str]]:
    """Pick each sizing input: measured, else the profile, else the default.

    A consultant's what-if overrides the targets and the engagement cost.

    Returns:
        Inputs by key and warnings about what could not be used.
    """
    defaults = sizing_defaults()
    warnings: list[str] = []
    inputs: dict[str, Input] = {}
    currency = profile.currency

    def put(
        key: str, label: str, value: float, unit: Any, source: Source, note: str = ""
    ) -> None:
        inputs[key] = Input(
            key=key, label=label, value=value, unit=unit, source=source, note=note
        )

    # Measured values from the audit take precedence.
    measured_win = measured_cycle = measured_deal = None
    if audit is not None:
        metrics = audit.metrics
        if metrics.win_rate is not None and metrics.win_rate_records:
            measured_win = metrics.win_rate
        if metrics.median_cycle_days:
            measured_cycle = metrics.median_cycle_days
        amounts = metrics.avg_won_amount
        if len(amounts) == 1:
            ((code, value),) = amounts.items()
            if code in (currency, "", "unknown"):
                # An export without a currency column is taken as the profile's.
                measured_deal = value
            elif code in profile.fx_rates:
                measured_deal = value * profile.fx_rates[code]
        elif len(amounts) > 1:
            # Averaging across currencies needs counts per currency, which the
            # audit's aggregates do not carry; the profile's figure is used.
            warnings.append(
                "The export holds several currencies without converted amounts; deal "
                "size comes from the profile or the catalogue default."
            )

    def pick(
        key: str,
        label: str,
        unit: Any,
        measured: float | None,
        given: float | None,
        default: float,
        records: int | None = None,
    ) -> None:
        thin = measured is not None and records is not None and records < MIN_RECORDS
        if measured is not None and not (thin and given is not None):
            note = f"rests on {records} records, too few to rely on" if thin else ""
            put(key, label, measured, unit, "measured", note)
            if thin:
                inputs[key] = inputs[key].model_copy(update={"reliable": False})
        elif given is not None:
            note = (
                f"the export measures {measured:,.4g} over only {records} records; "
                "the profile's figure is used"
                if thin and measured is not None
                else ""
            )
            put(key, label, given, unit, "profile", note)
        else:
            put(key, label, float(default), unit, "default")

    records = audit.metrics.win_rate_records if audit else None
    pick(
        "win_rate",
        "current win rate",
        "rate",
        measured_win,
        profile.win_rate,
        defaults["win_rate"],
        records,
    )
    pick(
        "cycle_days",
        "current sales cycle (days)",
        "days",
        measured_cycle,
        profile.cycle_days,
        defaults["cycle_days"],
        audit.metrics.cycle_records if audit else None,
    )
    pick(
        "avg_deal_size",
        "average won deal size",
        "money",
        measured_deal,
        profile.avg_deal_size,
        defaults["avg_deal_size"],
        audit.outcomes.won if audit else None,
    )
    pick(
        "annual_new_arr",
        "annual won new-business ARR",
        "money",
        None,
        profile.annual_new_arr,
        defaults["annual_new_arr"],
    )
    engagement = assumptions.engagement_cost
    if engagement is not None:
        put("engagement_cost", "engagement cost", engagement, "money", "what-if")
    else:
        pick(
            "engagement_cost",
            "engagement cost",
            "money",
            None,
            profile.engagement_cost,
            defaults["engagement_cost"],
        )

    # Stage pipeline and conversion, for every stage the profile or defaults name.
    stages = sorted(
        set(profile.pipeline_by_stage)
        | set(profile.conversion)
        | {int(k) for k in defaults["conversion"]}
    )
    for stage in stages:
        coverage = defaults["pipeline_coverage"].get(str(stage))
        pipeline_default = (
            inputs["annual_new_arr"].value * coverage if coverage is not None else 0.0
        )
        given = profile.pipeline_by_stage.get(stage)
        if given is not None:
            put(
                f"pipeline_{stage}",
                f"pipeline entering stage {stage} per year",
                given,
                "money",
                "profile",
            )
        else:
            put(
                f"pipeline_{stage}",
                f"pipeline entering stage {stage} per year",
                pipeline_default,
                "money",
                "default",
                f"{coverage or 0:g} × annual new ARR" if coverage else "no default",
            )
        # Only conversion measured from stage history counts: without history
        # the export knows current stages alone, and the figure is an estimate.
        measured_rate, measured_records = None, None
        if audit is not None:
            rows = [
                row
                for row in audit.metrics.stage_conversion
                if row.rate is not None
                and row.from_number == stage
                and not row.estimated
            ]
            if rows:
                best = max(rows, key=lambda row: row.records)
                measured_rate, measured_records = best.rate, best.records
        conv_default = defaults["conversion"].get(str(stage), 0.0)
        pick(
            f"conversion_{stage}",
            f"stage {stage}→{stage + 1} conversion",
            "rate",
            measured_rate,
            profile.conversion.get(stage),
            conv_default,
            measured_records,
        )

    # Targets: what-if, else profile, else the catalogue's.
    target_defaults = defaults["targets"]
    for stage in stages:
        current = inputs[f"conversion_{stage}"].value
        chosen: tuple[float, Source] = (
            float(target_defaults["conversion"].get(str(stage), current)),
            "default",
        )
        if stage in profile.target_conversion:
            chosen = (profile.target_conversion[stage], "profile")
        if stage in assumptions.target_conversion:
            chosen = (assumptions.target_conversion[stage], "what-if")
        put(
            f"target_conversion_{stage}",
            f"target stage {stage}→{stage + 1} conversion",
            chosen[0],
            "rate",
            chosen[1],
        )
    win = inputs["win_rate"].value
    value, source = _target(
        assumptions.target_win_rate,
        profile.target_win_rate,
        min(1.0, win + target_defaults["win_rate_points"]),
    )
    put("target_win_rate", "target win rate", value, "rate", source)
    cycle = inputs["cycle_days"].value
    value, source = _target(
        assumptions.target_cycle_days,
        profile.target_cycle_days,
        cycle * (1 - target_defaults["cycle_reduction"]),
    )
    put("target_cycle_days", "target sales cycle (days)", value, "days", source)
    deal = inputs["avg_deal_size"].value
    value, source = _target(
        None,
        profile.target_avg_deal_size,
        deal * (1 + target_defaults["deal_size_increase"]),
    )
    put("target_avg_deal_size", "target average deal size", value, "money", source)
    return inputs, warnings


def _target(
    what_if: float | None, given: float | None, default: float
) -> tuple[float, Source]:
    if what_if is not None:
        return what_if, "what-if"
    if given is not None:
        return given, "profile"
    return default, "default"


# --- levers ------------------------------------------------------------------


def lever_label(lever: str) -> str:
    """A lever in words: ``conversion:2`` is "stage 2→3 conversion"."""
    if lever.startswith("conversion:"):
        stage = int(lever.split(":")[1])
        return f"stage {stage}→{stage + 1} conversion"
    return {
        "win_rate": "win rate",
        "cycle": "sales cycle",
        "deal_size": "deal size",
    }.get(lever, lever)


def lever_of(remediation: Remediation) -> str:
    """The lever a dollar fix moves, such as ``conversion:2`` or ``win_rate``."""
    if remediation.kind == "conversion":
        assert remediation.impact is not None and remediation.impact.stage is not None
        return f"conversion:{remediation.impact.stage}"
    return {"win_rate": "win_rate", "velocity": "cycle", "deal_size": "deal_size"}[
        remediation.kind
    ]


def lever_gross(
    lever: str, inputs: dict[str, Input], currency: str
) -> tuple[float, list[str], str]:
    """The gross annual value of closing a lever's gap, its input keys and its math."""
    arr = inputs["annual_new_arr"].value
    if lever.startswith("conversion:"):
        stage = int(lever.split(":")[1])
        if f"pipeline_{stage}" not in inputs:
            return (
                0.0,
                [],
                f"no figure for the pipeline entering stage {stage}: enter it in the "
                "company profile to size this fix",
            )
        pipeline = inputs[f"pipeline_{stage}"].value
        current = inputs[f"conversion_{stage}"].value
        target = inputs[f"target_conversion_{stage}"].value
        gross = pipeline * max(0.0, target - current)
        keys = [
            f"pipeline_{stage}",
            f"conversion_{stage}",
            f"target_conversion_{stage}",
        ]
        math = (
            f"{money(pipeline, currency)} stage-{stage} pipeline × "
            f"({target:.1%} − {current:.1%}) = {money(gross, currency)}"
        )
        return gross, keys, math
    if lever == "win_rate":
        win, target = inputs["win_rate"].value, inputs["target_win_rate"].value
        closed = arr / win if win > 0 else 0.0
        gross = closed * max(0.0, target - win)
        math = (
            f"{money(closed, currency)} closed per year (ARR ÷ win rate) × "
            f"({target:.1%} − {win:.1%}) = {money(gross, currency)}"
        )
        return gross, ["annual_new_arr", "win_rate", "target_win_rate"], math
    if lever == "cycle":
        cycle, target = inputs["cycle_days"].value, inputs["target_cycle_days"].value
        gross = arr * max(0.0, cycle - target) / 365
        math = (
            f"{money(arr, currency)} won ARR × ({cycle:.0f} − {target:.0f} days) ÷ 365 "
            f"= {money(gross, currency)}"
        )
        return gross, ["annual_new_arr", "cycle_days", "target_cycle_days"], math
    deal, target = inputs["avg_deal_size"].value, inputs["target_avg_deal_size"].value
    deals = arr / deal if deal > 0 else 0.0
    gross = deals * max(0.0, target - deal)
    math = (
        f"{deals:,.0f} won deals per year (ARR ÷ deal size) × "
        f"({money(target, currency)} − {money(deal, currency)}) = "
        f"{money(gross, currency)}"
    )
    return gross, ["annual_new_arr", "avg_deal_size", "target_avg_deal_size"], math


def _below_target(inputs: dict[str, Input]) -> dict[str, bool]:
    measured = {k for k, v in inputs.items() if v.source == "measured"}
    return {
        "win_rate": "win_rate" in measured
        and inputs["win_rate"].value < inputs["target_win_rate"].value,
        "cycle": "cycle_days" in measured
        and inputs["cycle_days"].value > inputs["target_cycle_days"].value,
        "deal_size": "avg_deal_size" in measured
        and inputs["avg_deal_size"].value < inputs["target_avg_deal_size"].value,
        "conversion": any(
            v.source == "measured" and v.value < inputs[f"target_{k}"].value
            for k, v in inputs.items()
            if k.startswith("conversion_")
        ),
    }


def size(
    catalogue: Catalogue,
    answers: Mapping[str, Answer],
    profile: Profile,
    audit: Audit | None = None,
    assumptions: Assumptions | None = None,
) -> Sizing:
    """Trigger, size and rank the catalogue's fixes for one assessment.

    Args:
        catalogue: the remediation catalogue.
        answers: the validated answers.
        profile: the company profile (possibly empty).
        audit: the audit of the prospect's export, if any.
        assumptions: a consultant's live adjustments.

    Returns:
        The inputs with their sources, the sized opportunities, the ranked
        remediations (triggered fixes and the prerequisites they need) and the
        business case.
    """
    assumptions = assumptions or Assumptions()
    inputs, warnings = resolve_inputs(profile, audit, assumptions)
    currency = profile.reporting_currency or profile.currency
    below = _below_target(inputs)

    reasons = {
        r.id: trigger_reasons(r, answers, audit, below) for r in catalogue.remediations
    }
    chosen = {rid for rid, why in reasons.items() if why}
    # Pull in the prerequisites a triggered fix needs, transitively.
    pending = list(chosen)
    while pending:
        for prerequisite in catalogue.get(pending.pop()).prerequisites:
            if prerequisite not in chosen:
                chosen.add(prerequisite)
                reasons[prerequisite] = [
                    f"needed first by {r}"
                    for r in sorted(chosen)
                    if prerequisite in catalogue.get(r).prerequisites
                ]
                pending.append(prerequisite)

    # Size each lever once, then split it among the triggered fixes moving it.
    dollar = [
        catalogue.get(r)
        for r in sorted(chosen)
        if catalogue.get(r).kind in DOLLAR_KINDS
    ]
    by_lever: dict[str, list[Remediation]] = {}
    for remediation in dollar:
        by_lever.setdefault(lever_of(remediation), []).append(remediation)
    opportunities: list[Opportunity] = []
    for lever, fixes in sorted(by_lever.items()):
        gross_lever, keys, math = lever_gross(lever, inputs, currency)
        total_share = sum(f.impact.share for f in fixes if f.impact)
        scale = 1 / total_share if total_share > 1 else 1.0
        for fix in fixes:
            assert fix.impact is not None
            share = fix.impact.share * scale
            months = (
                assumptions.ramp_months
                if assumptions.ramp_months is not None
                else fix.horizon_months
            )
            months = min(max(months, 0.0), HORIZON_MONTHS)
            ramp = (HORIZON_MONTHS - months) / HORIZON_MONTHS
            risk = (
                assumptions.adoption_risk
                if assumptions.adoption_risk is not None
                else fix.impact.adoption_risk
            )
            gross = gross_lever * share
            factor = ramp * (1 - risk)
            used = {k: inputs[k] for k in keys}
            formula = (
                f"{math}; × share {share:.2f} = {money(gross, currency)} gross; "
                f"× ramp ({HORIZON_MONTHS} − {months:g}) ÷ {HORIZON_MONTHS} = "
                f"{ramp:.2f} × (1 − adoption risk {risk:.0%}) = "
                f"{money(gross * factor, currency)} net"
            )
            opportunities.append(
                Opportunity(
                    remediation=fix.id,
                    title=fix.title,
                    kind=fix.kind,
                    lever=lever,
                    gross=gross,
                    net=gross * factor,
                    low=gross * fix.impact.low * factor,
                    high=gross * fix.impact.high * factor,
                    share=share,
                    ramp=ramp,
                    adoption_risk=risk,
                    inputs=used,
                    formula=formula,
                    illustrative=any(
                        i.source == "default" or not i.reliable for i in used.values()
                    ),
                )
            )
    net_by_id = {o.remediation: o.net for o in opportunities}

    # Rank by value per person-day; an enabling fix is worth what it unlocks.
    def value(remediation: Remediation) -> float:
        if remediation.kind in DOLLAR_KINDS:
            return net_by_id.get(remediation.id, 0.0)
        return sum(
            net_by_id.get(r, 0.0)
            for r in chosen
            if remediation.id in catalogue.get(r).prerequisites
        )

    ranked = sorted(
        (catalogue.get(r) for r in chosen),
        key=lambda r: (-value(r) / r.effort_days, r.dimension != "data", r.id),
    )
    remediations = tuple(
        RankedRemediation(
            rank=i + 1,
            remediation=r.id,
            title=r.title,
            dimension=r.dimension,
            kind=r.kind,
            owner=r.owner,
            effort_days=r.effort_days,
            horizon_months=r.horizon_months,
            outcome=r.outcome,
            value=value(r),
            value_per_day=value(r) / r.effort_days,
            reasons=tuple(reasons[r.id]),
            prerequisites=r.prerequisites,
            done_when=r.done_when,
        )
        for i, r in enumerate(ranked)
    )
    engagement = inputs["engagement_cost"]
    total_net = sum(o.net for o in opportunities)
    business_case = BusinessCase(
        currency=currency,
        net=total_net,
        low=sum(o.low for o in opportunities),
        high=sum(o.high for o in opportunities),
        gross=sum(o.gross for o in opportunities),
        engagement_cost=engagement,
        multiple=total_net / engagement.value if engagement.value > 0 else None,
        illustrative=any(o.illustrative for o in opportunities)
        or engagement.source == "default",
    )
    return Sizing(
        currency=currency,
        inputs=inputs,
        opportunities=tuple(sorted(opportunities, key=lambda o: -o.net)),
        remediations=remediations,
        business_case=business_case,
        warnings=tuple(warnings),
    )
