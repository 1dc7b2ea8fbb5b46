"""Map an export's columns to the audit's fields, from the column sets CRMs ship."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Mapping, Sequence

# Field → column names, most specific first. Names compare after normalising
# (lower case, letters and digits only), so "Close Date", "CloseDate" and
# "close_date" are one name. Sources: Salesforce API names and report labels,
# HubSpot and Pipedrive deal exports, Zoho Potentials, Dynamics 365 display
# names, and the generic "CRM Sales Opportunities" shape.
FIELDS: dict[str, tuple[str, ...]] = {
    "id": (
        "Id",
        "Opportunity ID",
        "Opportunity Id",
        "opportunity_id",
        "Record ID",
        "Deal ID",
        "Potential Id",
        "Opportunity",
        "ID",
        "Deal Id",
        "Opportunity Number",
        "Deal Number",
        "Potential ID",
    ),
    "name": (
        "Name",
        "Opportunity Name",
        "Deal Name",
        "Potential Name",
        "Topic",
        "Title",
        "Deal Title",
    ),
    "stage": (
        "StageName",
        "Stage",
        "Deal Stage",
        "deal_stage",
        "Sales Stage",
        "Opportunity Stage",
        "Pipeline Stage",
        "Pipeline Phase",
        "Stage Name",
        "Stage ID",
        "stage_id",
        "Deal Stage ID",
        "dealstage",
        "Status ID",
    ),
    "amount": (
        "Amount (converted)",
        "Amount",
        "close_value",
        "Deal Amount",
        "Value",
        "Deal Value",
        "Est. Revenue",
        "Estimated Revenue",
        "Actual Revenue",
        "Opportunity Amount",
        "Deal value",
        "Expected Amount",
        "Opportunity Value",
    ),
    "currency": (
        "Amount (converted) Currency",
        "CurrencyIsoCode",
        "Amount Currency",
        "Currency",
        "Opportunity Currency",
        "Deal currency code",
        "Currency Code",
    ),
    "close_date": (
        "CloseDate",
        "Close Date",
        "close_date",
        "Closing Date",
        "Expected Close Date",
        "Actual Close Date",
        "Est. Close Date",
        "Estimated Close Date",
        "Expected close date",
        "Won time",
        "closed_at",
        "Closed At",
        "Closed Date",
        "Date Closed",
        "Close Time",
    ),
    "created_date": (
        "CreatedDate",
        "Created Date",
        "Create Date",
        "engage_date",
        "Created On",
        "Created Time",
        "Deal created",
        "Deal create date",
        "Date Created",
        "created_at",
        "Created At",
        "Date Create",
    ),
    "last_modified": (
        "LastModifiedDate",
        "SystemModstamp",
        "Last Modified Date",
        "Modified Time",
        "Last Modified Time",
        "Modified On",
        "Last Modified",
        "Update time",
        "Last modified date",
        "updated_at",
        "Updated At",
        "hs_lastmodifieddate",
        "Date Modify",
    ),
    "last_stage_change": (
        "LastStageChangeDate",
        "Last Stage Change Date",
        "Last Stage Change",
        "Stage Change Date",
        "Last stage change",
        "Date entered current stage",
        "Stage change time",
    ),
    "next_step": (
        "NextStep",
        "Next Step",
        "Next Steps",
        "Next Activity",
        "Next step",
        "hs_next_step",
    ),
    "is_closed": (
        "IsClosed",
        "Is Closed",
        "Closed",
        "hs_is_closed",
        "Is Closed?",
        "Is Deal Closed?",
        "Is Deal Closed",
    ),
    "is_won": (
        "IsWon",
        "Is Won",
        "Won",
        "Is Closed Won",
        "hs_is_closed_won",
        "Is Won?",
        "Is Deal Won?",
        "Is Closed Won?",
    ),
    "owner": (
        "Opportunity Owner",
        "OwnerId",
        "Owner",
        "Deal Owner",
        "sales_agent",
        "Potential Owner",
        "Owner Name",
        "Owner Id",
    ),
    "loss_reason": (
        "Loss_Reason__c",
        "LossReason__c",
        "Loss Reason",
        "Lost Reason",
        "Closed Lost Reason",
        "Reason Lost",
        "Reason for Loss",
        "Lost reason",
        "Status Reason",
    ),
    "competitor": (
        "Primary_Competitor__c",
        "Competitor__c",
        "Primary Competitor",
        "Competitor",
        "Competitors",
        "Main Competitor",
    ),
    "champion": (
        "Champion__c",
        "Champion",
        "Primary Contact",
        "Primary Contact Name",
        "Contact Name",
    ),
    "champion_role": (
        "Champion_Role__c",
        "Champion Role",
        "Primary Contact Role",
        "Contact Role",
    ),
    "contact_count": (
        "Contact_Count__c",
        "Number of Associated Contacts",
        "Contact Count",
        "Number of Contacts",
        "Contacts",
        "num_associated_contacts",
        "Associated Contacts Count",
    ),
    "pipeline": (
        "Pipeline",
        "Sales Pipeline",
        "Pipeline Name",
        "Sales Process",
        "Layout",
    ),
    "type": ("Type", "Opportunity Type", "Deal Type", "Business Type"),
    "stage_sort_order": ("StageSortOrder", "Stage Sort Order", "Stage Order"),
    "probability": (
        "Probability",
        "Probability (%)",
        "Deal probability",
        "Probability %",
    ),
}
REQUIRED = ("stage",)
# Columns above this similarity to a known name are taken when nothing matches exactly.
SIMILARITY = 0.86


def normalise(name: str) -> str:
    """Reduce a column name to lower-case letters and digits."""
    return re.sub(r"[^a-z0-9]", "", name.lower())


_KNOWN = {field: [normalise(n) for n in names] for field, names in FIELDS.items()}


@functools.lru_cache(maxsize=8192)
def _similarity(name: str, field_name: str) -> float:
    """How close a normalised column name is to a field's known names (0-1)."""
    best = 0.0
    for known in (*_KNOWN[field_name], field_name.replace("_", "")):
        matcher = difflib.SequenceMatcher(None, name, known)
        if (
            matcher.real_quick_ratio() >= SIMILARITY
            and matcher.quick_ratio() >= SIMILARITY
        ):
            best = max(best, matcher.ratio())
    return best


def map_columns(
    columns: Sequence[str], overrides: Mapping[str, str | None] | None = None
) -> dict[str, list[str]]:
    """Find the columns that serve each field.

    Args:
        columns: the table's column names.
        overrides: field → column (or None to leave the field unmapped), as the
            user corrected it.

    Returns:
        Field → the columns that serve it, best first. Several columns for one
        field (``LossReason__c`` beside ``Loss_Reason__c``) are coalesced by the
        audit, the populated one winning.
    """
    normalised = {column: normalise(column) for column in columns}
    taken: set[str] = set()
    mapping: dict[str, list[str]] = {}
    overrides = dict(overrides or {})
    for field_name, column in overrides.items():
        if column is not None and column in normalised:
            mapping[field_name] = [column]
            taken.add(column)
    # Exact names first, for every field, so that a near name never takes a
    # column another field names exactly ("Opportunity Name" is the name, not
    # an id that resembles "Opportunity Number").
    for field_name, known in _KNOWN.items():
        if field_name in overrides:
            continue
        matches = sorted(
            (c for c, n in normalised.items() if n in known and c not in taken),
            key=lambda c: known.index(normalised[c]),
        )
        # Duplicated headers arrive as "Name (2)": the first one serves.
        matches = [m for m in matches if not re.search(r" \(\d+\)$", m)] or matches
        if field_name in ("amount", "currency") and matches:
            matches = matches[:1]
        if matches:
            mapping[field_name] = matches
            taken.update(matches)
    # Then near names: the most similar (field, column) pairs first.
    pairs = []
    for order, field_name in enumerate(_KNOWN):
        if field_name in overrides or field_name in mapping:
            continue
        for position, (column, name) in enumerate(normalised.items()):
            if column in taken or not name:
                continue
            ratio = _similarity(name, field_name)
            if ratio >= SIMILARITY:
                pairs.append((-ratio, order, position, field_name, column))
    for *_, field_name, column in sorted(pairs):
        if field_name not in mapping and column not in taken:
            mapping[field_name] = [column]
            taken.add(column)
    return mapping


def looks_like_header(row: Sequence[str]) -> bool:
    """Tell whether a row of cells is an opportunity header: it names a stage column."""
    names = {normalise(cell) for cell in row if cell}
    return bool(names & set(_KNOWN["stage"])) and len(names) >= 2
