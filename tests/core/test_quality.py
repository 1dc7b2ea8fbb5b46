"""Data-quality warnings read as sentences."""

from l2c_core.quality import quality_warnings


def test_quality_warning_for_one_finding_is_singular() -> None:
    one, two = (
        quality_warnings({"amount_missing": n}, "deals.csv", {})[0].message
        for n in (1, 2)
    )
    assert one == "deals.csv: 1 opportunity has no amount."
    assert two == "deals.csv: 2 opportunities have no amount."
