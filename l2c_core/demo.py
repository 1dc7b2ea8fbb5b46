"""An invented Salesforce Opportunity export behind "Try with demo answers".

The file is shaped like the ``Opportunity.csv`` of a Salesforce data export (API
field names, every field quoted, LF line endings) and describes a mid-market
pipeline over the 18 months before ``as_of``. Every company, contact and
competitor is invented. Defects are planted at fixed rates, and more often on
some owners' and some deals' records than others, as in a real CRM, so that a
first-pass audit lands in the 55-70 % clean band the playbook describes.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

__all__ = ["demo_file_name", "demo_opportunities", "salesforce_id"]

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_CHECKSUM_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
_TIMESTAMP = "%Y-%m-%d %H:%M:%S"
_SPAN_DAYS = 548  # about 18 months of created dates
_T = TypeVar("_T")

_FIELDS = (
    "Id", "AccountId", "Name", "StageName", "StageSortOrder", "Amount",
    "CurrencyIsoCode", "Probability", "CloseDate", "Type", "NextStep", "LeadSource",
    "IsClosed", "IsWon", "ForecastCategoryName", "OwnerId", "CreatedDate",
    "LastModifiedDate", "SystemModstamp", "LastStageChangeDate", "Loss_Reason__c",
    "Primary_Competitor__c", "Champion__c", "Champion_Role__c", "Contact_Count__c",
)  # fmt: skip

# Salesforce's default sales process: name, sort order, probability, forecast.
_OPEN_STAGES = (
    ("Prospecting", 1, 10, "Pipeline"),
    ("Qualification", 2, 10, "Pipeline"),
    ("Needs Analysis", 3, 20, "Pipeline"),
    ("Value Proposition", 4, 50, "Pipeline"),
    ("Id. Decision Makers", 5, 60, "Pipeline"),
    ("Perception Analysis", 6, 70, "Pipeline"),
    ("Proposal/Price Quote", 7, 75, "Pipeline"),
    ("Negotiation/Review", 8, 90, "Pipeline"),
)
_OPEN_STAGE_WEIGHTS = (18, 17, 15, 13, 10, 8, 11, 8)
_WON = ("Closed Won", 9, 100, "Closed")
_LOST = ("Closed Lost", 10, 0, "Omitted")

# Shares of the whole file; open deals lean recent, as real pipelines do.
_OPEN_SHARE = 0.35
_WIN_RATE = {
    "New Business": 0.33,
    "Existing Customer - Upgrade": 0.55,
    "Existing Customer - Renewal": 0.75,
}

# Defect rates, each of its own population (see _plant_defects).
_PAST_CLOSE_RATE = 0.10  # of open deals
_BLANK_NEXT_STEP_RATE = 0.20  # of open deals
_CLOSE_BEFORE_CREATED_RATE = 0.012  # of all deals, placed on closed ones
_BLANK_STAGE_CHANGE_RATE = 0.08  # of all deals
_BAD_LOSS_REASON_RATE = 0.30  # of lost deals
_STRAY_LOSS_REASON_RATE = 0.005  # of all deals, placed on reopened open ones
_BLANK_COMPETITOR_RATE = 0.15  # of all deals
_CHAMPION_GAP_RATE = 0.20  # of all deals
_BLANK_AMOUNT_RATE = 0.015  # of all deals

# The default loss-reason taxonomy of the audit (DESIGN.md, section 5).
_LOSS_REASONS = (
    "Price",
    "Lost to Competitor",
    "No Decision / Non-Responsive",
    "No Budget / Lost Funding",
    "Timing",
    "Product Fit",
    "Other",
)
_LOSS_REASON_WEIGHTS = (18, 22, 25, 12, 12, 7, 4)
_OFF_TAXONOMY_REASONS = (
    "too expensive", "Went dark", "chose competitor", "budget cut",
    "no response after demo", "Pricing", "Competitor", "bad timing",
    "project cancelled", "n/a",
)  # fmt: skip

_COMPETITORS = (
    "Quotara", "Velmora Cloud", "Stratlane", "Kovalyn CRM", "Fennix Revenue", "Lumarc",
    "Tallyforge",
)  # fmt: skip
_ROLES = (
    "Champion", "Economic Buyer", "Technical Buyer", "Decision Maker",
    "Executive Sponsor", "Influencer", "Evaluator",
)  # fmt: skip
_ROLE_WEIGHTS = (30, 20, 18, 12, 8, 8, 4)
_LEAD_SOURCES = (
    "Web", "Partner Referral", "Trade Show", "Phone Inquiry", "Advertisement",
    "Employee Referral", "Purchased List", "Seminar - Partner", "Other", "",
)  # fmt: skip
_LEAD_SOURCE_WEIGHTS = (25, 12, 10, 8, 6, 6, 5, 4, 6, 8)

_COMPANY_HEADS = (
    "Harbourline", "Northgate", "Bluewater", "Kestrel", "Ashford", "Silverbirch",
    "Marrow", "Tidewell", "Copperfield", "Granite Peak", "Lindqvist", "Oakhurst",
    "Redfern", "Brightmoor", "Calloway", "Dunmore", "Eastwick", "Fairhaven",
    "Glenrock", "Halvorsen", "Ironvale", "Juniper", "Kingsbridge", "Larkspur",
    "Meridale", "Norrland", "Orchard Lane", "Pinecrest", "Quayside", "Rosenthal",
    "Stonebridge", "Thornbury", "Umbra", "Valdemar", "Westmarch", "Yellowfin",
)  # fmt: skip
_COMPANY_TAILS = (
    "Freight", "Logistics", "Health", "Analytics", "Foods", "Energy", "Robotics",
    "Textiles", "Insurance", "Labs", "Outdoor", "Pharma", "Software", "Marine",
    "Dental", "Print", "Telecom", "Hospitality", "Components", "Bio",
)  # fmt: skip
_COMPANY_SUFFIXES = ("", "", "", "", "Ltd", "Inc.", "GmbH", "AB", "S.A.", "B.V.")
_FIRST_NAMES = (
    "Zoë", "Björn", "Léa", "José", "François", "Siobhán", "Małgorzata", "Jürgen",
    "Søren", "Ana", "Priya", "Marcus", "Hannah", "Tomás", "Ingrid", "Chloé",
    "Mateo", "Aoife", "Kenji", "Fatima", "Oskar", "Renée", "Daniel", "Nuria",
    "Elif", "Grace", "Lukas", "Amélie", "Rafael", "Sunniva",
)  # fmt: skip
_LAST_NAMES = (
    "Marchetti", "Åkesson", "Dubois", "Okafor", "Lindgren", "Moreau", "Novak",
    "Fitzgerald", "Kowalczyk", "Brennan", "Schäfer", "Haddad", "Ortega", "Whitlock",
    "Nakamura", "Sørensen", "Castellano", "Byrne", "Lefèvre", "Halloran", "Petrov",
    "Ferreira", "Jansen", "Quigley", "Ibáñez", "Thorsen", "Van Daele", "Abernethy",
)  # fmt: skip
_NEXT_STEPS = (
    "Demo for the {team} team on {date}", "Send revised proposal",
    "Follow up with {first} on pricing", "Security questionnaire due {date}",
    "Intro call booked for {date}", "Waiting on budget sign-off",
    "Schedule call with CFO", "Legal review of MSA redlines",
    "Send ROI model to {first}", "Procurement call {date}", "Confirm decision timeline",
    "Reference call with an existing customer", "Book technical deep-dive",
    "Chase {first} for feedback on quote",
)  # fmt: skip
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_TEAMS = ("finance", "IT", "sales ops", "operations", "leadership")


@dataclass
class _Account:
    id: str
    name: str
    short_name: str
    currency: str
    contacts: list[str]
    won_closes: list[dt.date]


@dataclass
class _Deal:
    number: int
    account: _Account
    owner: str
    created: dt.datetime
    stage: tuple[str, int, int, str]
    deal_type: str
    name: str = ""
    amount: int | None = None
    probability: int = 0
    forecast: str = ""
    close: dt.date = dt.date.min
    next_step: str = ""
    lead_source: str = ""
    stage_changed: dt.datetime | None = None
    modified: dt.datetime = dt.datetime.min
    modstamp: dt.datetime = dt.datetime.min
    loss_reason: str = ""
    competitor: str = ""
    champion: str = ""
    champion_role: str = ""
    contact_count: int = 0
    care: float = 1.0  # weight of this record in defect draws

    @property
    def outcome(self) -> str:
        """Open, won or lost, from the stage."""
        return {"Closed Won": "won", "Closed Lost": "lost"}.get(self.stage[0], "open")


def demo_file_name() -> str:
    """Return the file name the demo export is offered under."""
    return "demo-Opportunity.csv"


def salesforce_id(prefix: str, number: int) -> str:
    """Return the 18-character Salesforce id for ``prefix`` followed by ``number``.

    Args:
        prefix: The leading characters of the 15-character id, at least the
            three-character key prefix (``006`` for opportunities).
        number: Written in Salesforce's base 62 (0-9, A-Z, a-z) and zero-padded
            to fill the rest of the 15 characters.

    Returns:
        The 15-character id followed by its case-safe checksum: for each
        5-character chunk, bit ``i`` is set when character ``i`` is an upper-case
        letter, and the 5-bit value indexes ``A-Z0-5``.

    Raises:
        ValueError: When the prefix is not 3-14 characters, the number is
            negative or the number does not fit the remaining characters.
    """
    width = 15 - len(prefix)
    if not 1 <= width <= 12 or number < 0:
        raise ValueError(f"cannot build an id from {prefix!r} and {number}")
    digits = ""
    while number:
        number, digit = divmod(number, 62)
        digits = _BASE62[digit] + digits
    if len(digits) > width:
        raise ValueError(f"{number} does not fit {width} characters after {prefix!r}")
    id15 = prefix + digits.rjust(width, "0")
    suffix = ""
    for start in (0, 5, 10):
        chunk = id15[start : start + 5]
        bits = sum(1 << i for i, char in enumerate(chunk) if "A" <= char <= "Z")
        suffix += _CHECKSUM_CHARS[bits]
    return id15 + suffix


def demo_opportunities(
    seed: int = 0, rows: int = 600, as_of: dt.date = dt.date(2026, 11, 30)
) -> bytes:
    """Build the demo Opportunity export.

    Args:
        seed: Seeds the only source of randomness; one seed gives one file,
            byte for byte.
        rows: Number of opportunities.
        as_of: The export's date: the latest ``LastModifiedDate`` falls on it, so
            the audit infers it, and created dates span the 548 days before it.

    Returns:
        UTF-8 CSV bytes (no BOM, every field quoted, LF line endings), one row
        per opportunity in id order.

    Raises:
        ValueError: When ``rows`` is below 1.
    """
    if rows < 1:
        raise ValueError(f"rows must be at least 1, not {rows}")
    rng = random.Random(seed)
    # The export is taken late on as_of; nothing in it is later than this.
    snapshot = dt.datetime.combine(as_of, dt.time(16)) + dt.timedelta(
        seconds=rng.randrange(3 * 3600)
    )
    accounts = _accounts(rng, max(8, round(rows * 0.4)))
    # Eight owners with different workloads and different care for the fields.
    owners = [
        salesforce_id("0055g0000", 62**5 * 3 + 18_211 + 977 * k) for k in range(8)
    ]
    owner_care = [0.4, 0.6, 0.8, 1.0, 1.2, 1.6, 2.2, 3.0]
    rng.shuffle(owner_care)

    created = sorted(_created(rng, as_of) for _ in range(rows))
    age_days = [(as_of - c.date()).days for c in created]
    open_rows = _sample(
        rng, range(rows), [math.exp(-age / 120) for age in age_days], _OPEN_SHARE * rows
    )
    is_open = [False] * rows
    for i in open_rows:
        is_open[i] = True

    deals: list[_Deal] = []
    number = 62**5 + rng.randrange(62**4)
    account_weights = [1 / (k + 1) ** 0.7 for k in range(len(accounts))]
    for i in range(rows):
        number += rng.randint(3, 900)
        account = rng.choices(accounts, account_weights)[0]
        owner = rng.choices(range(8), (16, 15, 14, 13, 12, 11, 10, 9))[0]
        deal = _Deal(
            number=number,
            account=account,
            owner=owners[owner],
            created=created[i],
            stage=_OPEN_STAGES[0],
            deal_type=_deal_type(rng, account, created[i].date()),
        )
        # About a fifth of the records were entered in a hurry.
        deal.care = owner_care[owner] * (10.0 if rng.random() < 0.22 else 1.0)
        if is_open[i]:
            _open_deal(rng, deal, as_of, snapshot)
        else:
            _closed_deal(rng, deal, as_of, snapshot)
        if deal.outcome == "won":
            account.won_closes.append(deal.close)
        _describe(rng, deal, as_of)
        deals.append(deal)

    _plant_defects(rng, deals, snapshot)
    # The latest modification is on as_of, so the audit infers that date.
    latest = max(
        (d for d in deals if d.outcome == "open"), key=_modified, default=deals[-1]
    )
    latest.modified = latest.modstamp = snapshot
    return _to_csv(deals)


def _accounts(rng: random.Random, count: int) -> list[_Account]:
    """Invent accounts with a currency and a few contacts each."""
    names = [f"{h} {t}" for h in _COMPANY_HEADS for t in _COMPANY_TAILS]
    rng.shuffle(names)
    number = 62**5 * 2 + rng.randrange(62**4)
    accounts = []
    for k in range(count):
        number += rng.randint(5, 4000)
        base = names[k % len(names)]
        suffix = rng.choice(_COMPANY_SUFFIXES)
        contacts = [
            f"{rng.choice(_FIRST_NAMES)} {rng.choice(_LAST_NAMES)}"
            for _ in range(rng.randint(2, 5))
        ]
        accounts.append(
            _Account(
                id=salesforce_id("0015g0000", number),
                name=f"{base} {suffix}".strip(),
                short_name=base,
                currency=rng.choices(("USD", "EUR", "GBP"), (78, 14, 8))[0],
                contacts=contacts,
                won_closes=[],
            )
        )
    return accounts


def _created(rng: random.Random, as_of: dt.date) -> dt.datetime:
    """Draw a created timestamp in working hours, a little denser lately."""
    day = as_of - dt.timedelta(days=1 + int((_SPAN_DAYS - 1) * rng.random() ** 1.15))
    if day.weekday() >= 5 and rng.random() < 0.85:
        day -= dt.timedelta(days=day.weekday() - 4)  # entered on the Friday
    return _at_work(rng, day)


def _at_work(rng: random.Random, day: dt.date) -> dt.datetime:
    """Return a moment of a working day on ``day``."""
    return dt.datetime.combine(day, dt.time(8)) + dt.timedelta(
        seconds=rng.randrange(10 * 3600)
    )


def _deal_type(rng: random.Random, account: _Account, created: dt.date) -> str:
    """Upgrades and renewals follow an earlier win on the same account."""
    if any(close < created for close in account.won_closes) and rng.random() < 0.9:
        return rng.choices(
            ("Existing Customer - Upgrade", "Existing Customer - Renewal"), (55, 45)
        )[0]
    return "New Business"


def _open_deal(
    rng: random.Random, deal: _Deal, as_of: dt.date, snapshot: dt.datetime
) -> None:
    """Give an open deal its stage, a future close date and its timestamps."""
    age = (snapshot - deal.created).total_seconds() / 86400
    choices = _OPEN_STAGES[:3] if age < 14 else _OPEN_STAGES
    deal.stage = rng.choices(choices, _OPEN_STAGE_WEIGHTS[: len(choices)])[0]
    deal.probability = deal.stage[2]
    deal.forecast = deal.stage[3]
    if deal.stage[1] >= 7:  # reps move late-stage deals up the forecast themselves
        weights = (60, 40, 0) if deal.stage[1] == 7 else (10, 45, 45)
        deal.forecast = rng.choices(("Pipeline", "Best Case", "Commit"), weights)[0]
    if rng.random() < 0.12:
        deal.probability = min(
            95, max(5, deal.probability + rng.choice((-20, -10, 10)))
        )
    remaining = rng.lognormvariate(math.log(12 + 5 * (9 - deal.stage[1])), 0.6)
    deal.close = as_of + dt.timedelta(days=min(400, int(remaining)))
    if deal.stage[1] == 1 or rng.random() < 0.1:
        deal.stage_changed = deal.created  # created in this stage
    else:
        deal.stage_changed = deal.created + (snapshot - deal.created) * rng.uniform(
            0.2, 0.95
        )
    idle = dt.timedelta(days=rng.expovariate(1 / 9))
    deal.modified = max(deal.stage_changed, snapshot - idle)
    deal.modstamp = deal.modified


def _closed_deal(
    rng: random.Random, deal: _Deal, as_of: dt.date, snapshot: dt.datetime
) -> None:
    """Close a deal won or lost on or before ``as_of``."""
    won = rng.random() < _WIN_RATE[deal.deal_type]
    deal.stage = _WON if won else _LOST
    deal.probability = deal.stage[2]
    deal.forecast = deal.stage[3]
    median = 35 if deal.deal_type.endswith("Renewal") else 62 if won else 48
    cycle = int(rng.lognormvariate(math.log(median), 0.6 if won else 0.75))
    age = (as_of - deal.created.date()).days
    if cycle > age:
        cycle = rng.randint(0, age)
    deal.close = deal.created.date() + dt.timedelta(days=cycle)
    # Reps often mark the deal closed a day or two after the close date.
    marked = deal.close + dt.timedelta(
        days=rng.choices((0, 1, 2, 5), (60, 20, 12, 8))[0]
    )
    deal.stage_changed = min(snapshot, max(deal.created, _at_work(rng, marked)))
    if rng.random() < 0.15:  # touched again later, by a mass update or a renewal
        deal.modified = (
            deal.stage_changed + (snapshot - deal.stage_changed) * rng.random()
        )
    else:
        touched = dt.timedelta(hours=rng.expovariate(1 / 30))
        deal.modified = min(snapshot, deal.stage_changed + touched)
    deal.modstamp = deal.modified
    if rng.random() < 0.1:  # a system job touched the record without an edit
        deal.modstamp = min(
            snapshot, deal.modified + dt.timedelta(hours=rng.randint(1, 48))
        )


def _describe(rng: random.Random, deal: _Deal, as_of: dt.date) -> None:
    """Fill the descriptive fields: name, amount, sources, contacts, competitor."""
    account = deal.account
    seats = rng.choice((25, 40, 50, 75, 100, 150, 250))
    year = deal.close.year
    descriptors = {
        "New Business": ("New Logo", "Platform", f"{seats} Seats", "Pilot"),
        "Existing Customer - Upgrade": (
            f"Upsell {seats} Seats",
            "Add-on: Forecasting",
            "Tier Upgrade",
            "Expansion - EMEA",
        ),
        "Existing Customer - Renewal": (
            f"Renewal {year}",
            f"Renewal FY{year % 100:02d}",
            "Multi-year Renewal",
        ),
    }[deal.deal_type]
    deal.name = f"{account.short_name} - {rng.choice(descriptors)}"

    median = {"New Business": 32000, "Existing Customer - Upgrade": 14000}.get(
        deal.deal_type, 26000
    )
    amount = rng.lognormvariate(math.log(median), 0.8)
    amount *= {"USD": 1.0, "EUR": 0.92, "GBP": 0.79}[account.currency]
    step = 500 if amount >= 10000 else 100
    deal.amount = max(1500, round(amount / step) * step)
    deal.lead_source = (
        rng.choices(_LEAD_SOURCES, _LEAD_SOURCE_WEIGHTS)[0]
        if deal.deal_type == "New Business"
        else rng.choice(("", "Other", "Employee Referral"))
    )

    champion = rng.choice(account.contacts)
    first = champion.split(" ")[0]
    if deal.outcome == "open" or rng.random() < 0.5:
        # Dated from when it was written; %b would follow the process locale.
        written = as_of if deal.outcome == "open" else deal.close
        day = written + dt.timedelta(days=rng.randint(1, 21))
        date = f"{day.day:02d} {_MONTHS[day.month - 1]}"
        template = rng.choice(_NEXT_STEPS)
        deal.next_step = template.format(
            team=rng.choice(_TEAMS), date=date, first=first
        )
    if deal.outcome == "won" and rng.random() < 0.5:
        deal.next_step = "Signed - hand over to CS"
    deal.champion = champion
    deal.champion_role = rng.choices(_ROLES, _ROLE_WEIGHTS)[0]
    deal.contact_count = rng.choices(range(2, 10), (30, 25, 17, 11, 7, 5, 3, 2))[0]

    if deal.outcome == "lost":
        deal.loss_reason = rng.choices(_LOSS_REASONS, _LOSS_REASON_WEIGHTS)[0]
        if rng.random() < 0.05:  # case and spacing slips the audit tolerates
            deal.loss_reason = rng.choice(
                (deal.loss_reason.lower(), deal.loss_reason + " ")
            )
    if deal.loss_reason.strip().lower() == "lost to competitor" or rng.random() < 0.6:
        deal.competitor = rng.choices(_COMPETITORS, (22, 18, 15, 14, 12, 10, 9))[0]
    else:
        deal.competitor = "None"


def _plant_defects(
    rng: random.Random, deals: list[_Deal], snapshot: dt.datetime
) -> None:
    """Plant the defects the six record rules look for, at their fixed rates."""
    as_of = snapshot.date()
    rows = len(deals)
    open_deals = [d for d in deals if d.outcome == "open"]
    closed = [d for d in deals if d.outcome != "open"]
    lost = [d for d in deals if d.outcome == "lost"]

    # A stale deal: open, and its close date has passed without an update.
    stale_pool = [d for d in open_deals if (as_of - d.created.date()).days >= 30]
    for deal in _pick(rng, stale_pool, _PAST_CLOSE_RATE * len(open_deals)):
        latest = (as_of - deal.created.date()).days - 1
        deal.close = deal.created.date() + dt.timedelta(days=rng.randint(14, latest))
        deal.care *= 2  # stale deals tend to miss their next step too
        touched = _at_work(rng, deal.close + dt.timedelta(days=rng.randint(0, 20)))
        touched = max(deal.stage_changed or deal.created, min(snapshot, touched))
        deal.modified = deal.modstamp = touched
    for deal in _pick(rng, open_deals, _BLANK_NEXT_STEP_RATE * len(open_deals)):
        deal.next_step = ""
    # Migrated or back-dated records: a close date before the record existed.
    for deal in _pick(rng, closed, _CLOSE_BEFORE_CREATED_RATE * rows):
        deal.close = deal.created.date() - dt.timedelta(days=rng.randint(1, 45))

    # Records from before field history was switched on, so the oldest first.
    for deal in _sample(
        rng,
        deals,
        [d.care * (1 + (as_of - d.created.date()).days / 180) for d in deals],
        _BLANK_STAGE_CHANGE_RATE * rows,
    ):
        deal.stage_changed = None

    for k, deal in enumerate(_pick(rng, lost, _BAD_LOSS_REASON_RATE * len(lost))):
        deal.loss_reason = "" if k % 5 < 3 else rng.choice(_OFF_TAXONOMY_REASONS)
    # Reopened deals keep the loss reason they were once closed with.
    reopened = [d for d in open_deals if d.stage[1] <= 4]
    for deal in _pick(rng, reopened, _STRAY_LOSS_REASON_RATE * rows):
        deal.loss_reason = rng.choice(("Timing", "No Decision / Non-Responsive"))

    for deal in _pick(rng, deals, _BLANK_COMPETITOR_RATE * rows):
        deal.competitor = ""
    # Early-stage deals have not found their champion yet.
    early = [d.care * (2.0 if d.stage[1] <= 2 else 1.0) for d in deals]
    gaps = _sample(rng, deals, early, _CHAMPION_GAP_RATE * rows)
    for k, deal in enumerate(gaps):
        if k % 10 < 4:  # nobody named
            deal.champion, deal.champion_role = "", ""
            deal.contact_count = rng.choice((0, 1))
        elif k % 10 < 7:  # named, role never filled in
            deal.champion_role = ""
        else:  # single-threaded
            deal.contact_count = 1
    for deal in _pick(rng, deals, _BLANK_AMOUNT_RATE * rows):
        deal.amount = None


def _pick(rng: random.Random, pool: Sequence[_Deal], count: float) -> list[_Deal]:
    """Draw ``count`` deals of ``pool``, the careless ones more often."""
    return _sample(rng, pool, [d.care for d in pool], count)


def _sample(
    rng: random.Random, pool: Sequence[_T], weights: Sequence[float], count: float
) -> list[_T]:
    """Weighted sample without replacement (Efraimidis-Spirakis), in pool order."""
    keys = [rng.random() ** (1 / w) for w in weights]
    ranked = sorted(range(len(pool)), key=lambda i: -keys[i])
    chosen = sorted(ranked[: min(len(pool), round(count))])
    return [pool[i] for i in chosen]


def _modified(deal: _Deal) -> dt.datetime:
    """Sort key: the deal's last modification."""
    return deal.modified


def _to_csv(deals: Sequence[_Deal]) -> bytes:
    """Write the deals as a Salesforce data export writes a CSV."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n")
    writer.writerow(_FIELDS)
    for deal in deals:
        name, order, _, _ = deal.stage
        writer.writerow(
            (
                salesforce_id("0065g0000", deal.number),
                deal.account.id,
                deal.name,
                name,
                order,
                "" if deal.amount is None else f"{deal.amount}.00",
                deal.account.currency,
                deal.probability,
                deal.close.isoformat(),
                deal.deal_type,
                deal.next_step,
                deal.lead_source,
                int(deal.outcome != "open"),
                int(deal.outcome == "won"),
                deal.forecast,
                deal.owner,
                deal.created.strftime(_TIMESTAMP),
                deal.modified.strftime(_TIMESTAMP),
                deal.modstamp.strftime(_TIMESTAMP),
                ""
                if deal.stage_changed is None
                else deal.stage_changed.strftime(_TIMESTAMP),
                deal.loss_reason,
                deal.competitor,
                deal.champion,
                deal.champion_role,
                deal.contact_count,
            )
        )
    return buffer.getvalue().encode("utf-8")
