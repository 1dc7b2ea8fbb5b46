"""Stages: outcomes (open, won, lost, unmapped) from flags or names, and their order."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, cast

Outcome = Literal["open", "won", "lost", "unmapped"]

# Words that name a won or a lost stage, in the languages CRM exports arrive in.
_WON = re.compile(
    r"\b(won|win|closed ?won|ganad[oa]s?|ganhos?|gagnee?s?|gewonnen|vinto|vinta|"
    r"gewonnen|signed|firmad[oa]|booked|contracted)\b"
)
_LOST = re.compile(
    r"\b(lost|loss|closed ?lost|perdid[oa]s?|perdu[e]?s?|verloren|pers[oa]|perdu|"
    r"abandoned|dead|disqualified|descartad[oa]|cancell?ed|rejected|no decision)\b"
)
# HubSpot's default pipeline stage ids, which exports show instead of labels.
HUBSPOT_DEFAULTS = {
    "appointmentscheduled": "Appointment Scheduled",
    "qualifiedtobuy": "Qualified To Buy",
    "presentationscheduled": "Presentation Scheduled",
    "decisionmakerboughtin": "Decision Maker Bought-In",
    "contractsent": "Contract Sent",
    "closedwon": "Closed Won",
    "closedlost": "Closed Lost",
}
_INTERNAL_ID = re.compile(r"^(?=.*\d)[A-Za-z0-9_\-]{6,}$")


def _plain(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[_\-:/]+", " ", folded.lower()).strip()


def stage_label(stage: str) -> str:
    """Return the label for a stage value, translating HubSpot's default ids."""
    return HUBSPOT_DEFAULTS.get(stage.strip().lower(), stage.strip())


def outcome_from_name(stage: str) -> Outcome:
    """Classify a stage by its name alone.

    A name that says won or lost is that; any other name is open; a value that
    is no name at all (a number, or an internal id such as ``1048837210``) is
    unmapped, for the user to map.
    """
    label = stage_label(stage)
    if not label:
        return "unmapped"
    plain = _plain(label)
    if _WON.search(plain) and not _LOST.search(plain):
        return "won"
    if _LOST.search(plain):
        return "lost"
    if re.fullmatch(r"[\d.\s]+", label) or (
        " " not in label and _INTERNAL_ID.match(label)
    ):
        return "unmapped"
    return "open"


def outcome(stage: str, is_closed: bool | None, is_won: bool | None) -> Outcome:
    """Classify a record from its closed/won flags where present, else its stage name.

    Closed and not won is lost; a closed flag alone decides closed, and the name
    then decides won or lost; a probability never decides an outcome.
    """
    by_name = outcome_from_name(stage)
    if is_closed is None:
        if is_won:
            return "won"
        return by_name
    if not is_closed:
        return "open" if by_name != "unmapped" else "unmapped"
    if is_won is not None:
        return "won" if is_won else "lost"
    return "won" if by_name == "won" else "lost"


# --- classification of an export's stages ------------------------------------------

Source = Literal["flags", "name", "pipeline file", "user"]


@dataclass(frozen=True)
class StageInfo:
    """One stage of a pipeline-stages file: label, closed/won flags, position."""

    label: str
    closed: bool | None
    won: bool | None
    order: float | None = None


@dataclass(frozen=True)
class StageRow:
    """One stage as the stage-map editor shows it."""

    pipeline: str
    stage: str
    outcome: Outcome
    order: int | None
    count: int
    source: Source


Catalogue = Mapping[tuple[str, str], StageInfo]


def lookup(catalogue: Catalogue, pipeline: str, stage: str) -> StageInfo | None:
    """The pipeline-stages file's entry for a stage (by id or label), if any."""
    key = stage.strip().casefold()
    return catalogue.get((pipeline.strip().casefold(), key)) or catalogue.get(("", key))


def map_key(pipeline: str, stage: str) -> str:
    """The stage-map key of a stage in one pipeline: ``<pipeline>|<stage>``."""
    return f"{pipeline}|{stage}" if pipeline else stage


def classify(
    value: str,
    pipeline: str,
    is_closed: bool | None,
    is_won: bool | None,
    catalogue: Catalogue,
    stage_map: Mapping[str, str],
) -> tuple[str, Outcome, Source]:
    """A record's stage label, outcome and what decided the outcome.

    The user's stage map wins (``<pipeline>|<stage>`` before ``<stage>``, the
    label before the value as written); then the record's own closed/won
    flags; then the pipeline-stages file's flags for that (pipeline, stage);
    then the name. With a pipeline-stages file, a stage it does not list is
    unmapped.
    """
    info = lookup(catalogue, pipeline, value) if catalogue else None
    label = info.label if info else stage_label(value)
    scope = pipeline.strip()
    for key in (
        f"{scope}|{label}" if scope else None,
        f"{scope}|{value.strip()}" if scope else None,
        label,
        value.strip(),
    ):
        mapped = stage_map.get(key) if key is not None else None
        if mapped in ("open", "won", "lost"):
            return label, cast(Outcome, mapped), "user"
    flagged: Source = "flags" if is_closed is not None or is_won else "name"
    if info is not None:
        result = outcome(
            label,
            is_closed if is_closed is not None else info.closed,
            is_won if is_won is not None else info.won,
        )
        return label, result, "flags" if is_closed is not None else "pipeline file"
    if catalogue and value.strip() and is_closed is None:
        return label, "unmapped", "pipeline file"
    return label, outcome(label, is_closed, is_won), flagged


# --- the order of open stages -------------------------------------------------------

OrderSource = Literal["sort order", "pipeline file", "history", "probability", "name"]
# Words of a stage name in the order a funnel usually goes through them.
_LADDER = (
    "lead",
    "new",
    "prospect",
    "contact",
    "appointment",
    "discover",
    "qualif",
    "need",
    "engag",
    "demo",
    "present",
    "value",
    "solution",
    "decision",
    "perception",
    "propos",
    "quot",
    "negotiat",
    "contract",
    "commit",
    "verbal",
    "closing",
)
_NUMBERED = re.compile(r"^\s*(?:stage\s*)?(\d{1,3})\s*[-.):_ ]")


def name_rank(label: str) -> float | None:
    """Where a stage name usually sits in a funnel (a leading number first)."""
    numbered = _NUMBERED.match(label)
    if numbered:
        return float(numbered[1])
    plain = _plain(label)
    found = [i for i, word in enumerate(_LADDER) if word in plain]
    return 1000.0 + min(found) if found else None


def number_stages(
    required: Mapping[str, Sequence[str]],
    optional: Mapping[str, Sequence[str]],
    sources: Sequence[tuple[OrderSource, Mapping[tuple[str, str], float]]],
) -> tuple[dict[tuple[str, str], int], dict[str, OrderSource]]:
    """Number each pipeline's open stages 1…n from the first source ranking them.

    Args:
        required: pipeline → the open stages records sit in; a source must rank
            all of them to order the pipeline.
        optional: pipeline → open stages known only from history, numbered when
            the chosen source ranks them.
        sources: ranks of (pipeline, label), most trusted source first; a
            pipeline none of them ranks fully is ordered by its stage names, or
            not at all when a name tells nothing.

    Returns:
        (pipeline, label) → number, and pipeline → the source of its order.
    """
    numbers: dict[tuple[str, str], int] = {}
    used: dict[str, OrderSource] = {}
    for pipeline, labels in required.items():
        extra = [s for s in optional.get(pipeline, ()) if s not in labels]
        chosen: tuple[OrderSource, dict[str, float]] | None = None
        for source, ranks in sources:
            if all((pipeline, s) in ranks for s in labels):
                chosen = (
                    source,
                    {
                        s: ranks[(pipeline, s)]
                        for s in (*labels, *extra)
                        if (pipeline, s) in ranks
                    },
                )
                break
        if chosen is None:
            names = {s: name_rank(s) for s in (*labels, *extra)}
            if any(names[s] is None for s in labels):
                continue
            chosen = ("name", {s: r for s, r in names.items() if r is not None})
        assert chosen is not None
        by, order = chosen
        for number, label in enumerate(sorted(order, key=lambda s: (order[s], s))):
            numbers[(pipeline, label)] = number + 1
        used[pipeline] = by
    return numbers, used
