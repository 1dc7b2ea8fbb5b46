"""A seeded, Salesforce-shaped Opportunity export of any size, for the benchmarks.

The values follow the Salesforce data export in ``../shared/data/real/``
(API names, 18-character ids, ``2023-02-07 20:47:49`` timestamps, ``1``/``0``
flags, UTF-8, LF). Fields are quoted only where needed: quoting every field,
as Salesforce does, would add 40 bytes a row and take the 1,000,000-row file
from ~205 MB to ~245 MB, past the upload limit the quality bar is set at.

The file carries the defects the six record rules look for, at rates close to a
neglected CRM: blank next steps, missing champions, loss reasons outside the
taxonomy, open deals with a close date in the past, and so on. It holds only
what the library and the DuckDB reference read alike: unique ids, Salesforce's
default stages, ISO dates, plain spaces.

Rows are drawn in chunks of ``CHUNK_ROWS``, each from a generator seeded by
``(seed, chunk)``, so the 100,000-row file is the first chunk of the
1,000,000-row one. The latest ``LastModifiedDate`` falls on ``AS_OF`` in every
file, so both sides infer that date.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
from pathlib import Path

import numpy as np

# Bump when the content changes, so cached files are not reused.
VERSION = 2
DATA_DIR = Path(__file__).resolve().parent / ".data"
CHUNK_ROWS = 100_000
AS_OF = dt.date(2026, 11, 30)
SPAN_DAYS = 3 * 365  # created dates: the three years before AS_OF
DAY = 86_400

FIELDS = (
    "Id",
    "Name",
    "Description",
    "StageName",
    "Amount",
    "CloseDate",
    "Type",
    "NextStep",
    "IsClosed",
    "IsWon",
    "CurrencyIsoCode",
    "OwnerId",
    "CreatedDate",
    "LastModifiedDate",
    "LastStageChangeDate",
    "Loss_Reason__c",
    "Primary_Competitor__c",
    "Champion__c",
    "Champion_Role__c",
    "Contact_Count__c",
)

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECKSUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_OPEN_STAGES = (
    "Prospecting",
    "Qualification",
    "Needs Analysis",
    "Value Proposition",
    "Id. Decision Makers",
    "Perception Analysis",
    "Proposal/Price Quote",
    "Negotiation/Review",
)
_TYPES = ("New Business", "Existing Business", "")
_CURRENCIES = ("USD", "EUR", "GBP", "CAD", "MXN")
_CURRENCY_SHARES = (0.6, 0.2, 0.1, 0.05, 0.05)
# The default taxonomy, three of them as users type them; then reasons outside it.
_LOSS_REASONS = (
    "Price",
    "Lost to Competitor",
    "No Decision / Non-Responsive",
    "No Budget / Lost Funding",
    "Timing",
    "Product Fit",
    "Other",
    " price ",
    "TIMING",
    "lost to competitor",
)
_OFF_TAXONOMY = ("Went dark", "Budget cut", "Chose in-house", "Champion left", "?")
_COMPETITORS = ("Gong", "Clari", "HubSpot", "Outreach", "Salesloft", "In-house")
_ROLES = ("Economic Buyer", "Decision Maker", "Technical Buyer", "Influencer")
_FIRST = ("Anna", "José", "Wei", "Priya", "Tom", "Zoë", "Lars", "Aiko", "Omar", "Eva")
_LAST = ("Smith", "Müller", "Chen", "Patel", "Novak", "García", "Kim", "Dubois")
_ACCOUNTS = ("Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Tyrell")
_NEXT_STEPS = (
    "Send proposal",
    "Demo for IT",
    "Pricing call",
    "Security review",
    "Call champion",
    "Legal redlines",
)
_DESCRIPTIONS = (
    "TBD",
    "Renewal, 50 seats",
    'Said "maybe" on the call',
    "Pilot first\nthen rollout",
    "Via partner",
    "Upsell from Q3 review",
)


def _salesforce_id(prefix: str, number: int) -> str:
    """An 18-character id: 9-character prefix, base-62 number, case-safe suffix."""
    digits = ""
    for _ in range(6):
        number, digit = divmod(number, 62)
        digits = _BASE62[digit] + digits
    id15 = prefix + digits
    suffix = ""
    for start in (0, 5, 10):
        bits = 0
        for i, char in enumerate(id15[start : start + 5]):
            if "A" <= char <= "Z":
                bits |= 1 << i
        suffix += _CHECKSUM[bits]
    return id15 + suffix


_OWNERS = tuple(_salesforce_id("0055g0000", 62**4 * 3 + 7919 * k) for k in range(40))


def _timestamps(seconds: np.ndarray) -> list[str]:
    """``YYYY-MM-DD HH:MM:SS`` for epoch seconds, as the data export writes them."""
    text = np.datetime_as_string(seconds.astype("datetime64[s]"), unit="s")
    return np.char.replace(text, "T", " ").tolist()


def _chunk(seed: int, index: int, n: int) -> bytes:
    """Rows ``index * CHUNK_ROWS`` onwards as CSV bytes, without the header."""
    rng = np.random.default_rng([seed, index])
    as_of = (AS_OF - dt.date(1970, 1, 1)).days * DAY
    export = as_of + 16 * 3600  # the export ran at four in the afternoon

    # Created over three years; open deals lean recent, as real pipelines do.
    age = rng.integers(0, SPAN_DAYS, n)
    is_open = rng.random(n) < 0.77 * np.exp(-age / 400)
    won = ~is_open & (rng.random(n) < 0.4)
    created = as_of - age * DAY + rng.integers(8 * 3600, 15 * 3600, n)

    # Close dates: closed deals after created, open deals ahead; then defects.
    cycle = rng.gamma(2.0, 45.0, n).astype(np.int64) + 1
    today = as_of // DAY
    close = np.where(
        is_open,
        today + rng.integers(0, 270, n),
        np.minimum(created // DAY + cycle, today - rng.integers(0, 3, n)),
    )
    roll = rng.random(n)
    close = np.where(is_open & (roll < 0.12), today - 1 - cycle, close)
    close = np.where((roll >= 0.12) & (roll < 0.14), created // DAY - 1, close)
    close = np.where((roll >= 0.14) & (roll < 0.145), today + 800, close)
    close = np.where(~is_open & (roll >= 0.145) & (roll < 0.16), today + 5, close)
    close_text = np.datetime_as_string(close.astype("datetime64[D]"), unit="D").tolist()
    for i in np.flatnonzero(roll >= 0.995).tolist():
        close_text[i] = ("", "3999-12-31", "2026-02-30")[i % 3]

    # Modified after created (and after the close of a closed deal), before the
    # export; the stage changed between created and modified.
    touched = np.where(is_open, created, np.maximum(created, close * DAY))
    modified = np.minimum(touched + rng.integers(3600, 60 * DAY, n), export - 1)
    modified = np.maximum(modified, created)
    changed = created + ((modified - created) * rng.random(n)).astype(np.int64)
    if index == 0:
        modified[0] = changed[0] = export  # the latest modification: on AS_OF
    created_text = _timestamps(created)
    modified_text = _timestamps(modified)
    changed_text = _timestamps(changed)

    stage = rng.integers(0, len(_OPEN_STAGES), n)
    kind = rng.choice(3, n, p=(0.45, 0.35, 0.2))
    currency = rng.choice(len(_CURRENCIES), n, p=_CURRENCY_SHARES)
    amount = np.round(rng.lognormal(10.0, 1.0, n), -2).astype(np.int64)
    owner = rng.integers(0, len(_OWNERS), n)
    account = rng.integers(0, len(_ACCOUNTS) * 500, n)
    first, last = rng.integers(0, len(_FIRST), n), rng.integers(0, len(_LAST), n)
    pick = rng.integers(0, 1 << 30, n)
    rolls = rng.random((n, 8))

    rows = []
    number = 62**5 * 9 + index * CHUNK_ROWS * 7
    for i in range(n):
        p = int(pick[i])
        r_next, r_comp, r_champ, r_role, r_loss, r_desc, r_change, r_amount = rolls[i]
        if is_open[i]:
            stage_name, closed, is_won = _OPEN_STAGES[int(stage[i])], "0", "0"
            next_step = _NEXT_STEPS[p % 6] if r_next >= 0.25 else ""
            loss = _LOSS_REASONS[p % 10] if r_loss < 0.02 else ""
        elif won[i]:
            stage_name, closed, is_won = "Closed Won", "1", "1"
            next_step = _NEXT_STEPS[p % 6] if r_next < 0.1 else ""
            loss = _OFF_TAXONOMY[p % 5] if r_loss < 0.01 else ""
        else:
            stage_name, closed, is_won = "Closed Lost", "1", "0"
            next_step = ""
            if r_loss < 0.6:
                loss = _LOSS_REASONS[p % 10]
            elif r_loss < 0.8:
                loss = _OFF_TAXONOMY[p % 5]
            else:
                loss = ""
        a = int(account[i])
        rows.append(
            (
                _salesforce_id("0065g0000", number + 7 * i),
                f"{_ACCOUNTS[a % 7]} {a // 7}-{close_text[i][:4]}",
                _DESCRIPTIONS[p % 6] if r_desc < 0.15 else "",
                stage_name,
                "" if r_amount < 0.03 else int(amount[i]),
                close_text[i],
                _TYPES[int(kind[i])],
                next_step,
                closed,
                is_won,
                _CURRENCIES[int(currency[i])],
                _OWNERS[int(owner[i])],
                created_text[i],
                modified_text[i],
                "" if r_change < 0.08 else changed_text[i],
                loss,
                "" if r_comp < 0.3 else "None" if r_comp < 0.4 else _COMPETITORS[p % 6],
                f"{_FIRST[int(first[i])]} {_LAST[int(last[i])]}"
                if r_champ >= 0.25
                else "",
                _ROLES[p % 4] if r_role >= 0.15 else "",
                "" if r_role < 0.05 else p % 6,
            )
        )
    body = io.StringIO()
    csv.writer(body, lineterminator="\n").writerows(rows)
    return body.getvalue().encode("utf-8")


def path_for(rows: int, seed: int = 0) -> Path:
    """The cache path of the export with ``rows`` rows and ``seed``."""
    return DATA_DIR / f"opportunities-v{VERSION}-seed{seed}-rows{rows}.csv"


def generate(rows: int, seed: int = 0, path: Path | None = None) -> Path:
    """Write the export, or reuse the one already written, and return its path."""
    path = path or path_for(rows, seed)
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.partial-{os.getpid()}")
    with partial.open("wb") as out:
        out.write((",".join(FIELDS) + "\n").encode())
        for index, start in enumerate(range(0, rows, CHUNK_ROWS)):
            out.write(_chunk(seed, index, min(CHUNK_ROWS, rows - start)))
    partial.replace(path)  # a killed run never leaves a half file to be reused
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description="Write the benchmark export.")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, help="default: benchmarks/.data/")
    args = parser.parse_args()
    path = generate(args.rows, args.seed, args.out)
    print(f"{path}: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
