"""Stage outcomes: open, won, lost or unmapped, from flags where present, else names."""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

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
