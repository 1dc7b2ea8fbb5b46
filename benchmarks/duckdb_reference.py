"""The six record rules as a data analyst would write them in DuckDB.

One query over the file read as text (``all_varchar``), no tuning: each rule of
DESIGN section 5 over every record, ``as_of`` the latest ``LastModifiedDate``,
dates compared by calendar day as written (the first ten characters). The
generated export has unique ids and Salesforce's default stages, so there is
nothing to de-duplicate and no unmapped stage; the closed/won flags decide the
outcome.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

RULES = (
    "stage_timestamps",
    "close_date",
    "next_step",
    "champion",
    "competitor",
    "loss_reason",
)
# The default taxonomy (questionnaires/loss_reasons.toml), lower case: run.py
# checks the two agree.
LOSS_REASONS = (
    "price",
    "lost to competitor",
    "no decision / non-responsive",
    "no budget / lost funding",
    "timing",
    "product fit",
    "other",
)

SQL = """
WITH opportunities AS (
    SELECT * FROM read_csv($path, header = true, all_varchar = true)
),
as_of AS (
    SELECT max(try_cast(left(LastModifiedDate, 10) AS DATE)) AS day
    FROM opportunities
),
typed AS (
    SELECT
        CASE
            WHEN coalesce(lower(trim(IsClosed)), '') NOT IN ('1', 'true') THEN 'open'
            WHEN lower(trim(IsWon)) IN ('1', 'true') THEN 'won'
            ELSE 'lost'
        END AS outcome,
        try_cast(left(trim(CloseDate), 10) AS DATE) AS close_date,
        try_cast(left(trim(CreatedDate), 10) AS DATE) AS created_date,
        try_cast(left(trim(LastStageChangeDate), 10) AS DATE) AS stage_changed,
        coalesce(trim(NextStep), '') AS next_step,
        coalesce(trim(Champion__c), '') AS champion,
        coalesce(trim(Champion_Role__c), '') AS champion_role,
        try_cast(trim(Contact_Count__c) AS DOUBLE) AS contact_count,
        coalesce(trim(Primary_Competitor__c), '') AS competitor,
        coalesce(lower(trim(Loss_Reason__c)), '') AS loss_reason,
        as_of.day AS as_of
    FROM opportunities, as_of
),
checked AS (
    SELECT
        outcome,
        as_of,
        stage_changed IS NOT NULL AS stage_timestamps_ok,
        coalesce(
            close_date >= coalesce(created_date, close_date)
            AND close_date <= as_of + 730
            AND CASE WHEN outcome = 'open' THEN close_date >= as_of
                     ELSE close_date <= as_of END,
            false
        ) AS close_date_ok,
        outcome = 'open' AS next_step_applies,
        next_step <> '' AS next_step_ok,
        champion <> '' AND champion_role <> '' AND coalesce(contact_count >= 2, false)
            AS champion_ok,
        competitor <> '' AS competitor_ok,
        outcome = 'lost' OR loss_reason <> '' AS loss_reason_applies,
        outcome = 'lost' AND loss_reason IN (
            'price', 'lost to competitor', 'no decision / non-responsive',
            'no budget / lost funding', 'timing', 'product fit', 'other'
        ) AS loss_reason_ok
    FROM typed
)
SELECT
    max(as_of) AS as_of,
    count(*) AS records,
    count_if(outcome = 'open') AS open,
    count_if(outcome = 'won') AS won,
    count_if(outcome = 'lost') AS lost,
    count(*) AS stage_timestamps_applicable,
    count_if(NOT stage_timestamps_ok) AS stage_timestamps_failed,
    count(*) AS close_date_applicable,
    count_if(NOT close_date_ok) AS close_date_failed,
    count_if(next_step_applies) AS next_step_applicable,
    count_if(next_step_applies AND NOT next_step_ok) AS next_step_failed,
    count(*) AS champion_applicable,
    count_if(NOT champion_ok) AS champion_failed,
    count(*) AS competitor_applicable,
    count_if(NOT competitor_ok) AS competitor_failed,
    count_if(loss_reason_applies) AS loss_reason_applicable,
    count_if(loss_reason_applies AND NOT loss_reason_ok) AS loss_reason_failed,
    count_if(
        stage_timestamps_ok
        AND close_date_ok
        AND (NOT next_step_applies OR next_step_ok)
        AND champion_ok
        AND competitor_ok
        AND (NOT loss_reason_applies OR loss_reason_ok)
    ) AS clean
FROM checked
"""


def audit(path: Path) -> dict[str, Any]:
    """Run the query on one export and return its counts in the audit's shape."""
    connection = duckdb.connect()
    cursor = connection.execute(SQL, {"path": str(path)})
    names = [column[0] for column in cursor.description]
    row = dict(zip(names, cursor.fetchone(), strict=True))
    connection.close()
    return {
        "as_of": row["as_of"].isoformat(),
        "records": row["records"],
        "outcomes": {k: row[k] for k in ("open", "won", "lost")},
        "rules": {
            rule: {
                "applicable": row[f"{rule}_applicable"],
                "failed": row[f"{rule}_failed"],
            }
            for rule in RULES
        },
        "clean": row["clean"],
    }


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(audit(Path(sys.argv[1])), indent=2))
