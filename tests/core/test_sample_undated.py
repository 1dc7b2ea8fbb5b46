"""Records without any date stay in the sample (case 11's win rate needs them)."""

from pathlib import Path

import pytest

from l2c_core.integrity import audit_files

CASES = Path(__file__).resolve().parents[2].parent / "shared" / "cases"


@pytest.mark.skipif(not CASES.is_dir(), reason="../shared/cases is not present")
def test_sample_undated_closed_records_are_audited() -> None:
    path = CASES / "11-sf-15char-case-ids.csv"
    audit = audit_files([(path.name, path.read_bytes())])
    # 3 opportunities after the 15/18-character duplicate; 1 won of 2 closed.
    assert audit.records == 3 and audit.audited == 3
    assert audit.metrics.win_rate == pytest.approx(0.5)
    assert sum(audit.metrics.avg_won_amount.values()) == pytest.approx(18_000)
