"""Any bytes: the audit returns an Audit or says in one sentence why it cannot.

Arbitrary bytes, and real exports and failure cases mutated (truncated, bytes
flipped, delimiters, quotes, NULs and line breaks inserted, lines shuffled or
repeated), through both readers. Nothing but ``L2CError`` may escape.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from l2c_core import reader
from l2c_core.audit import Audit
from l2c_core.errors import L2CError
from l2c_core.integrity import audit_files

SHARED = (Path(__file__).parents[2] / ".." / "shared").resolve()
TODAY = dt.date(2026, 12, 31)
_INLINE = [
    b"Opportunity ID,Stage,Amount,Close Date\n006A1,Closed Won,1000,2026-01-05\n"
    b'006A2,Prospecting,"2,500",2026-05-01\n',
    b"Name;Stage;Amount;Close Date\r\nA;Won;1.200,00;15.01.2026\r\nB;Open;9,5;"
    b"20/05/2026\r\n\r\nTotal;;1.209,50;\r\n",
    "Deal Name\tDeal Stage\tPipeline\n\u00c5ngstr\u00f6m\tclosedwon\tSales\n"
    "Z\u00f6e\t1048837210\tServices\n".encode("cp1252"),
]


def _seeds() -> list[bytes]:
    """Small exports to mutate: the inline ones, the cases, small real files."""
    seeds = list(_INLINE)
    if SHARED.is_dir():
        paths = sorted((SHARED / "cases").glob("*.csv")) + sorted(
            (SHARED / "data" / "real").rglob("*.csv")
        )
        seeds += [p.read_bytes()[:40_000] for p in paths if p.stat().st_size]
    return seeds


SEEDS = _seeds()
_INSERTS = [b",", b";", b"\t", b'"', b'""', b"\x00", b"\n", b"\r", b"\r\n", b"\xff"]


def _mutate(data: bytes, seed: int, steps: int) -> bytes:
    rng = random.Random(seed)
    out = bytearray(data)
    for _ in range(steps):
        if not out:
            break
        at = rng.randrange(len(out))
        kind = rng.randrange(6)
        if kind == 0:
            out = out[:at]
        elif kind == 1:
            out[at] = rng.randrange(256)
        elif kind == 2:
            out[at:at] = rng.choice(_INSERTS) * rng.randint(1, 3)
        elif kind == 3:
            lines = bytes(out).split(b"\n")
            rng.shuffle(lines)
            out = bytearray(b"\n".join(lines))
        elif kind == 4:
            lines = bytes(out).split(b"\n")
            line = rng.choice(lines)
            lines.insert(rng.randrange(len(lines) + 1), line)
            out = bytearray(b"\n".join(lines))
        else:
            del out[at : at + rng.randint(1, 40)]
    return bytes(out)


def _check(data: bytes, arrow: bool) -> None:
    limit = 0 if arrow else reader.ARROW_MIN_BYTES
    with mock.patch.object(reader, "ARROW_MIN_BYTES", limit):
        try:
            audit = audit_files([("export.csv", data)], today=TODAY)
        except L2CError as exc:
            message = str(exc)
            assert message.strip(), "an empty message"
            assert "\n" not in message, message
            assert "Traceback" not in message
            return
    assert isinstance(audit, Audit)
    assert 0 <= audit.audited <= audit.records


_FUZZ = settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
    database=None,
)


@settings(_FUZZ, max_examples=150)
@given(data=st.binary(max_size=3000), arrow=st.booleans())
def test_fuzz_arbitrary_bytes_audit_or_plain_refusal(data, arrow):
    _check(data, arrow)


@_FUZZ
@given(
    index=st.integers(min_value=0, max_value=len(SEEDS) - 1),
    seed=st.integers(min_value=0, max_value=2**32),
    steps=st.integers(min_value=1, max_value=6),
    arrow=st.booleans(),
)
def test_fuzz_mutated_exports_audit_or_plain_refusal(index, seed, steps, arrow):
    _check(_mutate(SEEDS[index], seed, steps), arrow)
