"""The files beside an opportunity export, recognised by their columns.

Stage history, contact roles, competitors and pipeline stages; each is read per
opportunity id (canonical form).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from l2c_core import arrays
from l2c_core.audit import AuditWarning
from l2c_core.dates import DateOrder, parse_timestamp
from l2c_core.errors import InputFileError
from l2c_core.mapping import map_columns, normalise
from l2c_core.reader import Table
from l2c_core.stages import Catalogue, StageInfo, stage_label
from l2c_core.values import canonical_id_column, parse_bool

# Related files are recognised by their columns (normalised names).
OPPORTUNITY_REF = {"opportunityid", "dealid"}
_HISTORY_MARKS = {
    "fromopportunitystagename",
    "oldstageid",
    "oldstage",
    "fromstage",
    "previousstage",
    "changedat",
    "stagechangedat",
    "eventid",
}
_HISTORY_STAGE = ("stagename", "newstageid", "newstage", "tostage", "stage", "stageid")
_HISTORY_TIME = ("changedat", "stagechangedat", "createddate", "createdat", "date")
_CONTACT_MARKS = {"contactid", "role", "contactrole", "isprimary"}
_COMPETITOR_MARKS = {"competitorname"}
_PIPELINE_MARKS = {"sortorder", "displayorder", "issuccess", "isfinal"}
# Columns of a pipeline-stages file, most specific first.
_CATALOGUE_ID = ("stageid", "statusid", "stage", "id")
_CATALOGUE_LABEL = ("stagename", "stagelabel", "label", "name", "title")
_CATALOGUE_PIPELINE = ("pipelineid", "pipeline", "pipelinename", "categoryid")
_CATALOGUE_CLOSED = ("isfinal", "isclosed", "closed", "final")
_CATALOGUE_WON = ("issuccess", "iswon", "closedwon", "won", "success")
_CATALOGUE_ORDER = ("sortorder", "displayorder", "sort", "order", "position")


@dataclass
class Evidence:
    """What the related files say per opportunity id (canonical form).

    ``history`` has one row per history row: ``id``, ``stage`` (label),
    ``time`` (NaT where unknown) and ``row`` (file order). ``contacts`` is
    indexed by id with ``rows`` (contact-role rows) and ``roles`` (rows naming
    a role); ``competitors`` counts competitor rows per id.
    """

    history: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(
            {"id": [], "stage": [], "time": [], "row": []}
        )
    )
    history_rows: int = 0
    has_history: bool = False
    contacts: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame({"rows": [], "roles": []})
    )
    has_contact_roles: bool = False
    competitors: pd.Series = field(default_factory=lambda: pd.Series(dtype="int64"))
    has_competitors: bool = False


def kind_of(table: Table) -> str:
    """Tell an opportunity file from stage history, contact roles and competitors."""
    names = {normalise(c) for c in table.columns}
    has_ref = bool(names & OPPORTUNITY_REF)
    if has_ref and (names & _HISTORY_MARKS or ("id" in names and "stagename" in names)):
        return "stage_history"
    if has_ref and names & _COMPETITOR_MARKS:
        return "competitors"
    if "opportunityid" in names and names & _CONTACT_MARKS:
        return "contact_roles"
    if (
        names & _PIPELINE_MARKS
        and not has_ref
        and "stage"
        not in map_columns(
            [c for c in table.columns if normalise(c) not in {"stageid", "stagename"}]
        )
    ):
        return "pipeline_stages"
    return "opportunities"


def choose_opportunities(
    tables: Sequence[Table], kinds: list[str], warnings: list[AuditWarning]
) -> int:
    """The index of the opportunity table: the first one with a stage column.

    Other files that are neither opportunities nor a related file (accounts,
    products, a data dictionary in the same zip) are set aside and named.

    Raises:
        InputFileError: no file holds opportunities.
    """
    candidates = [i for i, k in enumerate(kinds) if k == "opportunities"]
    if not candidates:
        names = ", ".join(t.name for t in tables)
        raise InputFileError(
            f"None of {names} holds opportunities; upload the opportunity export "
            "(related files such as stage history go beside it).",
            file_name=tables[0].name if tables else None,
        )
    with_stage = [i for i in candidates if "stage" in map_columns(tables[i].columns)]
    chosen = with_stage[0] if with_stage else candidates[0]
    for i in candidates:
        if i == chosen:
            continue
        kinds[i] = "other"
        warnings.append(
            AuditWarning(
                code="file_ignored",
                message=f"{tables[i].name} is not the opportunity export nor a "
                "stage-history, contact-role, competitor or pipeline-stages file; "
                f"it was not used (the opportunities are read from "
                f"{tables[chosen].name}).",
            )
        )
    return chosen


def _pick(by_name: dict[str, str], names: Sequence[str]) -> str | None:
    return next((by_name[n] for n in names if n in by_name), None)


def stage_catalogue(tables: Sequence[Table], kinds: Sequence[str]) -> Catalogue:
    """(pipeline, stage id or label) → stage, from pipeline-stages files.

    Keys are case-folded; the pipeline is "" for a file without a pipeline
    column, and every stage is also filed under pipeline "" for exports whose
    records do not name their pipeline. A stage's order is its sort-order
    column's number, else its row in the file.
    """
    catalogue: dict[tuple[str, str], StageInfo] = {}
    for table, kind in zip(tables, kinds, strict=True):
        if kind != "pipeline_stages":
            continue
        by_name = {normalise(c): c for c in table.columns}
        id_column = _pick(by_name, _CATALOGUE_ID)
        label_column = _pick(by_name, _CATALOGUE_LABEL)
        if id_column is None and label_column is None:
            continue

        def cells(
            names: Sequence[str],
            table: Table = table,
            by_name: dict[str, str] = by_name,
        ) -> list[str]:
            column = _pick(by_name, names)
            return arrays.texts(table.column(column)) if column else [""] * table.rows

        labels, identifiers = cells(_CATALOGUE_LABEL), cells(_CATALOGUE_ID)
        pipelines, closed = cells(_CATALOGUE_PIPELINE), cells(_CATALOGUE_CLOSED)
        won, order = cells(_CATALOGUE_WON), cells(_CATALOGUE_ORDER)
        has_closed = _pick(by_name, _CATALOGUE_CLOSED) is not None
        has_won = _pick(by_name, _CATALOGUE_WON) is not None
        for row in range(table.rows):
            label, identifier = labels[row].strip(), identifiers[row].strip()
            info = StageInfo(
                label=label or stage_label(identifier),
                closed=parse_bool(closed[row]) if has_closed else None,
                won=parse_bool(won[row]) if has_won else None,
                order=_number(order[row], row),
            )
            pipeline = pipelines[row].strip()
            for key in (identifier, label):
                if not key:
                    continue
                for scope in {pipeline.casefold(), ""}:
                    catalogue.setdefault((scope, key.casefold()), info)
    return catalogue


def _number(text: str, fallback: int) -> float:
    try:
        return float(text.strip().replace(",", "."))
    except ValueError:
        return float(fallback)


def evidence(
    tables: Sequence[Table],
    kinds: Sequence[str],
    label: Callable[[str], str] = stage_label,
    order: DateOrder = "MDY",
    today: dt.date | None = None,
) -> Evidence:
    """Read the stage-history, contact-role and competitor files per opportunity.

    Args:
        tables: every table of the upload.
        kinds: each table's kind.
        label: the stage label for a stage value in a history file.
        order: the date order of the history's timestamps.
        today: the reference for two-digit years in history timestamps.
    """
    found = Evidence()
    histories, contacts, competitors = [], [], []
    for table, kind in zip(tables, kinds, strict=True):
        if kind not in ("stage_history", "contact_roles", "competitors"):
            continue
        by_name = {normalise(c): c for c in table.columns}
        id_column = _pick(by_name, ("opportunityid", "dealid"))
        if id_column is None:
            continue
        ids = arrays.to_series(canonical_id_column(table.column(id_column)))
        ids = ids.astype("str")
        if kind == "stage_history":
            found.has_history = True
            found.history_rows += table.rows
            stage_column = _pick(by_name, _HISTORY_STAGE)
            if stage_column is None:
                continue
            stages = arrays.per_row(table.column(stage_column), label)
            time_column = _pick(by_name, _HISTORY_TIME)
            times = (
                arrays.per_row(
                    table.column(time_column),
                    lambda v: parse_timestamp(v, order, today=today),
                )
                if time_column
                else [None] * table.rows
            )
            histories.append(
                pd.DataFrame(
                    {
                        "id": ids.to_numpy(),
                        "stage": pd.array(stages, dtype="str"),
                        "time": pd.to_datetime(
                            pd.Series(times, dtype="object"), errors="coerce"
                        ).to_numpy(),
                        "row": np.arange(table.rows),
                    }
                )
            )
        elif kind == "contact_roles":
            found.has_contact_roles = True
            role_column = by_name.get("role") or by_name.get("contactrole")
            named = (
                ~arrays.blank(table.column(role_column))
                if role_column
                else np.zeros(table.rows, dtype=bool)
            )
            contacts.append(pd.DataFrame({"id": ids.to_numpy(), "roles": named}))
        else:
            found.has_competitors = True
            competitors.append(ids)
    if histories:
        found.history = pd.concat(histories, ignore_index=True)
    if contacts:
        frame = pd.concat(contacts, ignore_index=True)
        found.contacts = frame.groupby("id").agg(
            rows=("roles", "size"), roles=("roles", "sum")
        )
    if competitors:
        found.competitors = pd.concat(competitors, ignore_index=True).value_counts()
    return found
