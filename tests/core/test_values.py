"""Per-column value rules: amounts, dates, booleans and ids."""

from __future__ import annotations

import datetime as dt
import random

import numpy as np
import pyarrow as pa
import pytest

from l2c_core.dates import parse_date_column
from l2c_core.values import (
    canonical_id,
    infer_date_order,
    infer_decimal_mark,
    is_scientific_id,
    parse_amount,
    parse_bool,
    parse_date,
    parse_timestamp,
    salesforce_checksum,
)

TODAY = dt.date(2026, 3, 4)

# --- amounts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "currency"),
    [
        # case 04, every form
        ("USD 1,234.56", 1234.56, "USD"),
        ("$48,000", 48000.0, "USD"),
        ("(1,200.00)", -1200.0, None),
        ("-$350.00", -350.0, "USD"),
        ("$1.234,56", 1234.56, "USD"),
        ("EUR 12.500,00", 12500.0, "EUR"),
        # case 09a
        ("12.500,00", 12500.0, None),
        ("8.250,50", 8250.5, None),
        ("1.999,99", 1999.99, None),
        # firefly-iii#1087 and readr#444 forms
        ("$1.23", 1.23, "USD"),
        ("€1,44", 1.44, "EUR"),
        ("(33.52)", -33.52, None),
        ("€(63.12)", -63.12, "EUR"),
        ("($182.77)", -182.77, "USD"),
        ("-$3", -3.0, "USD"),
        ("($3)", -3.0, "USD"),
        # codes and signs after the number, other locales
        ("12.500,00 EUR", 12500.0, "EUR"),
        ("1.234,56 €", 1234.56, "EUR"),
        ("USD (1,200.00)", -1200.0, "USD"),
        ("(EUR 1,200)", -1200.0, "EUR"),
        ("R$ 1.000,00", 1000.0, "BRL"),
        ("CHF 1'234.50", 1234.5, "CHF"),
        ("1 234,56 kr", 1234.56, None),
        ("$22,700.00", 22700.0, "USD"),
        ("1,234,567.89", 1234567.89, None),
        ("1.234.567", 1234567.0, None),
        ("0,02", 0.02, None),
        ("1.234,56-", -1234.56, None),
        ("21000", 21000.0, None),
    ],
)
def test_parse_amount_written_forms_value_and_currency(text, value, currency):
    amount = parse_amount(text)
    assert amount.status == "ok"
    assert amount.value == pytest.approx(value)
    assert amount.currency == currency


def test_parse_amount_blank_is_missing_not_zero():
    amount = parse_amount("   ")
    assert (amount.value, amount.status) == (None, "missing")


@pytest.mark.parametrize("text", ["TBD", "n/a", "EUR", "-", "12abc", "100 USD €"])
def test_parse_amount_not_a_number_invalid(text):
    amount = parse_amount(text)
    assert amount.value is None
    assert amount.status == "invalid"


@pytest.mark.parametrize("text", ["1.234", "€2.500", "12.000"])
def test_parse_amount_one_dot_three_digits_without_evidence_ambiguous(text):
    amount = parse_amount(text)
    assert amount.value is None
    assert amount.status == "ambiguous"


def test_parse_amount_one_dot_three_digits_column_mark_dot_decides():
    assert parse_amount("1.234", ".").value == pytest.approx(1.234)


def test_parse_amount_one_dot_three_digits_column_mark_comma_decides():
    assert parse_amount("1.234", ",").value == pytest.approx(1234.0)


def test_parse_amount_comma_three_digits_column_mark_comma_is_decimal():
    assert parse_amount("1,234", ",").value == pytest.approx(1.234)


def test_infer_decimal_mark_european_column_comma():
    assert infer_decimal_mark(["12.500,00", "8.250,50", "1.234", ""]) == ","


def test_infer_decimal_mark_us_column_dot():
    assert infer_decimal_mark(["1,234.56", "99.5", "1.234"]) == "."


def test_infer_decimal_mark_no_evidence_none():
    assert infer_decimal_mark(["1.234", "48000", ""]) is None


# --- dates -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "order", "expected"),
    [
        ("2026-03-04", "MDY", dt.date(2026, 3, 4)),
        ("2026-03-04", "DMY", dt.date(2026, 3, 4)),
        ("2026-02-12 15:30", "MDY", dt.date(2026, 2, 12)),
        ("2026-06-01T09:14:58+05:00", "DMY", dt.date(2026, 6, 1)),
        ("2023-02-07T20:47:49.000+0000", "MDY", dt.date(2023, 2, 7)),
        ("2026-03-04T23:30:00Z", "MDY", dt.date(2026, 3, 4)),  # no tz shift
        ("15/01/2026", "DMY", dt.date(2026, 1, 15)),
        ("04.03.2026", "DMY", dt.date(2026, 3, 4)),
        ("3/4/2026", "MDY", dt.date(2026, 3, 4)),
        ("3/4/2026", "DMY", dt.date(2026, 4, 3)),
        ("4/15/2026", "MDY", dt.date(2026, 4, 15)),
        ("3/4/2026 10:00 AM", "MDY", dt.date(2026, 3, 4)),
        ("14.06.2026 09:20", "DMY", dt.date(2026, 6, 14)),
        ("15 Apr, 2021 00:02:00", "MDY", dt.date(2021, 4, 15)),
        ("Apr 15, 2021", "DMY", dt.date(2021, 4, 15)),
        ("15-Apr-21", "MDY", dt.date(2021, 4, 15)),
        ("15. März 2026", "DMY", dt.date(2026, 3, 15)),
    ],
)
def test_parse_date_written_forms_calendar_day(text, order, expected):
    parsed = parse_date(text, order, today=TODAY)
    assert parsed.status == "ok"
    assert parsed.value == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1/1/68", dt.date(1968, 1, 1)),
        ("1/1/69", dt.date(1969, 1, 1)),
        ("3/4/26", dt.date(2026, 3, 4)),
        ("1/1/46", dt.date(2046, 1, 1)),  # today + 20 years: still ahead
        ("1/1/47", dt.date(1947, 1, 1)),  # beyond: the previous century
    ],
)
def test_parse_date_two_digit_year_nearest_plausible_century(text, expected):
    assert parse_date(text, "MDY", today=TODAY).value == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("46085", dt.date(2026, 3, 4)),
        ("46203", dt.date(2026, 6, 30)),
        ("46150", dt.date(2026, 5, 8)),
        ("45383", dt.date(2024, 4, 1)),
        ("43549", dt.date(2019, 3, 25)),
        ("46085.75", dt.date(2026, 3, 4)),
    ],
)
def test_parse_date_excel_serial_days_from_1899_12_30(text, expected):
    parsed = parse_date(text, "DMY", today=TODAY)
    assert (parsed.value, parsed.status) == (expected, "serial")


@pytest.mark.parametrize("text", ["12345", "99999", "4032026"])
def test_parse_date_number_outside_serial_range_invalid_never_1970(text):
    parsed = parse_date(text, "MDY", today=TODAY)
    assert (parsed.value, parsed.status) == (None, "invalid")


@pytest.mark.parametrize(
    ("text", "order"),
    [("3999-12-31", "MDY"), ("12/31/3999", "MDY"), ("31.12.3999", "DMY")],
)
def test_parse_date_year_3999_placeholder(text, order):
    parsed = parse_date(text, order, today=TODAY)
    assert parsed.status == "placeholder"
    assert parsed.value == dt.date(3999, 12, 31)


@pytest.mark.parametrize(
    ("text", "order"),
    [
        ("01/23/2026", "DMY"),  # case 05a: month 23 must not roll over or swap
        ("23/01/2026", "MDY"),
        ("31/04/2026", "DMY"),
        ("2026-02-30", "MDY"),
        ("13/13/2026", "DMY"),
        ("soon", "MDY"),
    ],
)
def test_parse_date_impossible_in_order_invalid_not_reordered(text, order):
    parsed = parse_date(text, order, today=TODAY)
    assert (parsed.value, parsed.status) == (None, "invalid")


def test_parse_date_blank_missing():
    assert parse_date("  ", "MDY", today=TODAY).status == "missing"


def test_parse_timestamp_keeps_time_of_day_for_ordering():
    assert parse_timestamp("2026-06-08T10:06:00+05:00", "MDY") == dt.datetime(
        2026, 6, 8, 10, 6
    )
    assert parse_timestamp("6/8/2026 1:05 PM", "MDY") == dt.datetime(2026, 6, 8, 13, 5)
    assert parse_timestamp("nope", "MDY") is None


def test_infer_date_order_day_first_evidence_dmy_decided():
    # case 05a: 15/01 and 20/01 prove day-first; the stray 01/23 does not win.
    created = ["02/01/2026", "15/01/2026", "20/01/2026", "10/02/2026", "12/01/2026"]
    close = ["11/03/2026", "04/02/2026", "03/05/2026", "03/03/2026", "01/23/2026"]
    assert infer_date_order([created, close]) == ("DMY", True)


def test_infer_date_order_month_first_evidence_mdy_decided():
    assert infer_date_order([["3/4/2026", "4/15/2026", "2/27/2026"]]) == ("MDY", True)


def test_infer_date_order_only_ambiguous_values_guess_not_decided():
    assert infer_date_order([["03/04/2026", "05/06/2026"]]) == ("MDY", False)


def test_infer_date_order_iso_only_ymd_decided():
    assert infer_date_order([["2026-03-04", "2026-03-05 10:00"]]) == ("YMD", True)


def test_infer_date_order_iso_beside_ambiguous_day_month_still_a_guess():
    # ISO values read the same in any order; they must not make 03/04 unreadable.
    order, decided = infer_date_order([["2026-03-04"], ["03/04/2026"]])
    assert (order, decided) == ("MDY", False)
    assert parse_date("03/04/2026", order).value == dt.date(2026, 3, 4)


def test_infer_date_order_tie_not_decided():
    assert infer_date_order([["15/01/2026", "01/23/2026"]])[1] is False


# --- ids ---------------------------------------------------------------------


def test_salesforce_checksum_known_suffixes():
    assert salesforce_checksum("0065g00000AbCdE") == "AAV"
    assert salesforce_checksum("0015g00000XyZab") == "AAF"


def test_canonical_id_18_char_equals_its_15_char_form():
    assert canonical_id("0065g00000AbCdEAAV") == canonical_id("0065g00000AbCdE")
    assert canonical_id("0015g00000XyZabAAF") == canonical_id("0015g00000XyZab")


def test_canonical_id_case_variants_stay_distinct():
    ids = {
        canonical_id(v)
        for v in ("0065g00000AbCdE", "0065g00000ABCDE", "0065g00000abcde")
    }
    assert len(ids) == 3


def test_canonical_id_18_char_with_wrong_checksum_not_truncated():
    assert canonical_id("0065g00000AbCdEAAA") == "0065g00000AbCdEAAA"


def test_canonical_id_leading_zeros_kept():
    assert canonical_id("000418") == "000418"
    assert canonical_id(" 07307 ") == "07307"
    assert canonical_id("000418") != canonical_id("418")


@pytest.mark.parametrize("text", ["1.23457E+11", "1.23457e+11", "9.91214E+15", "1E+15"])
def test_is_scientific_id_excel_notation_true(text):
    assert is_scientific_id(text)


@pytest.mark.parametrize(
    "text", ["123457000000", "98765432101", "0065g00000AbCdE", "1E5X", "E+11", ""]
)
def test_is_scientific_id_plain_ids_false(text):
    assert not is_scientific_id(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", True),
        ("true", True),
        ("TRUE", True),
        ("Yes", True),
        ("ja", True),
        ("0", False),
        ("false", False),
        ("No", False),
        ("nein", False),
        ("", None),
        ("maybe", None),
    ],
)
def test_parse_bool_flags(text, expected):
    assert parse_bool(text) is expected


# --- whole columns: the fast paths read what the per-value rules read ------------


def _random_texts(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    shapes = ["2026-03-04", "2026-03-04 10:11:12", "2026-03-04T10:11", "03/04/2026"]
    alphabet = "0123456789-: T/.Z"
    texts = []
    for _ in range(count):
        shape = list(rng.choice(shapes))
        for _ in range(rng.randint(0, 3)):
            shape[rng.randrange(len(shape))] = rng.choice(alphabet)
        texts.append("".join(shape))
    return texts + ["", " ", "2024-02-29", "2023-02-29", "0000-01-01", "3999-12-31"]


@pytest.mark.parametrize("order", ["DMY", "MDY", "YMD"])
def test_parse_date_column_reads_each_value_as_parse_date(order):
    texts = _random_texts(1, 3000)
    column = pa.chunked_array([pa.array(texts[:1500]), pa.array(texts[1500:])])
    parsed = parse_date_column(column, order, today=TODAY)
    statuses = parsed.status_names()
    for text, day, status in zip(texts, parsed.days, statuses, strict=True):
        expected = parse_date(text, order, today=TODAY)
        assert status == expected.status, text
        assert (None if np.isnat(day) else day.item()) == expected.value, text


def test_amount_and_id_columns_read_each_value_as_the_rules(monkeypatch):
    from l2c_core import arrays
    from l2c_core.values import canonical_id_column, parse_amount_column

    monkeypatch.setattr(arrays, "MANY", 0)  # the vectorised paths, even here
    amounts = ["12", "-5", "12.50", "1.234", "USD 1,234.56", "", "TBD", "007"] * 3
    column = pa.chunked_array([pa.array(amounts)])
    parsed = parse_amount_column(column)
    mark = infer_decimal_mark(amounts)
    for text, value in zip(amounts, parsed.values, strict=True):
        expected = parse_amount(text, mark).value
        assert (None if np.isnan(value) else value) == expected, text
    ids = ["0065g00000AbCdEAAV", "0065g00000AbCdEAAA", "000418", " 417 ", "abc"]
    canonical = canonical_id_column(pa.chunked_array([pa.array(ids * 2)]))
    assert canonical.to_pylist() == [canonical_id(i) for i in ids * 2]


@pytest.mark.parametrize("shape", ["2026-03-04 10:11:12", "2026-03-04"])
def test_parse_date_column_uniform_lengths_read_as_parse_date(shape):
    rng = random.Random(len(shape))
    texts = []
    for _ in range(2000):
        text = list(shape)
        for _ in range(rng.randint(0, 2)):
            text[rng.randrange(len(text))] = rng.choice("0123456789-: T/x")
        texts.append("".join(text))
    parsed = parse_date_column(pa.chunked_array([pa.array(texts)]), "MDY", today=TODAY)
    statuses = parsed.status_names()
    for text, day, status in zip(texts, parsed.days, statuses, strict=True):
        expected = parse_date(text, "MDY", today=TODAY)
        assert status == expected.status, text
        assert (None if np.isnat(day) else day.item()) == expected.value, text
