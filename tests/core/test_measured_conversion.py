"""Stage conversion measured from history feeds the sizing; estimates do not."""

from pathlib import Path

import pytest

from l2c_core.assess import assess
from l2c_core.integrity import audit_files
from l2c_core.questionnaire import default_questionnaire

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "real"
WINKEL = REAL / "salesforce-winkel-org-export"


@pytest.mark.skipif(not WINKEL.is_dir(), reason="../shared/data/real is not present")
def test_measured_conversion_from_history_is_used() -> None:
    files = [
        (p.name, p.read_bytes())
        for p in (WINKEL / "Opportunity.csv", WINKEL / "OpportunityHistory.csv")
    ]
    import datetime as dt

    audit = audit_files(files, as_of=dt.date(2023, 9, 1), audit_all=True)
    row = next(r for r in audit.metrics.stage_conversion if r.from_number == 2)
    assert not row.estimated and row.rate is not None
    answers = {q.id: 0 for q in default_questionnaire().questions}
    result = assess(answers, audit=audit)
    assert result.inputs["conversion_2"].source == "measured"
    assert result.inputs["conversion_2"].value == pytest.approx(row.rate)


def test_estimated_conversion_is_not_used() -> None:
    from l2c_core.demo import demo_file_name, demo_opportunities

    audit = audit_files([(demo_file_name(), demo_opportunities())])
    assert all(r.estimated for r in audit.metrics.stage_conversion)
    answers = {q.id: 0 for q in default_questionnaire().questions}
    result = assess(answers, audit=audit)
    assert result.inputs["conversion_2"].source == "default"
