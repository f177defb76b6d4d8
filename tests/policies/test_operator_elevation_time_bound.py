import datetime as dt

import pytest

from policies.rbac import operator_elevation_time_bound as module
from policies.rbac.operator_elevation_time_bound import POLICY, duration_days
from tests.policies.helpers import failing_urns, outcome, run
from tests.policies.rbac_fixtures import (
    OPERATOR_GUID,
    READER_GUID,
    RG,
    UNKNOWN,
    assignment,
    container,
    definitions,
    eligibility,
)


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch):
    monkeypatch.setattr(module, "today", lambda: dt.date(2026, 6, 1))


CASES = [
    ("pass_180_days", {"type": "AfterDuration", "duration": "P180D"}, "pass"),
    ("pass_365_days", {"type": "AfterDuration", "duration": "P365D"}, "pass"),
    ("pass_hours", {"type": "AfterDuration", "duration": "PT4320H"}, "pass"),
    ("pass_one_year", {"type": "AfterDuration", "duration": "P1Y"}, "pass"),
    ("pass_case", {"type": "afterduration", "duration": "p90d"}, "pass"),
    ("pass_end_date_within_a_year", {"type": "AfterDateTime", "endDateTime": "2027-01-01T00:00:00Z"}, "pass"),
    ("fail_no_expiration", {"type": "NoExpiration"}, "fail"),
    ("fail_expiration_absent", None, "fail"),
    ("fail_366_days", {"type": "AfterDuration", "duration": "P366D"}, "fail"),
    ("fail_two_years", {"type": "AfterDuration", "duration": "P2Y"}, "fail"),
    ("fail_twelve_months", {"type": "AfterDuration", "duration": "P12M"}, "fail"),
    ("fail_unreadable_duration", {"type": "AfterDuration", "duration": "six months"}, "fail"),
    ("fail_duration_absent", {"type": "AfterDuration"}, "fail"),
    ("fail_end_date_far", {"type": "AfterDateTime", "endDateTime": "2030-01-01T00:00:00Z"}, "fail"),
    ("fail_odd_types", {"type": 1, "duration": 180}, "fail"),
    # Unknown (unset in the program) reads as absent: an unreadable duration, refused.
    ("fail_unknown_duration", {"type": "AfterDuration", "duration": UNKNOWN}, "fail"),
    ("unknown_secret_type", {"type": "[secret]", "duration": "P1D"}, "unknown"),
]


@pytest.mark.parametrize(("case", "expiration", "expected"), CASES, ids=[c[0] for c in CASES])
def test_eligibility(case, expiration, expected):
    evaluation = run(POLICY, *definitions(), eligibility("ops", RG, OPERATOR_GUID, expiration))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_start_date_counts():
    expiration = {"type": "AfterDateTime", "endDateTime": "2030-01-01T00:00:00Z"}
    ok = eligibility("ops", RG, OPERATOR_GUID, expiration)
    ok.inputs["scheduleInfo"]["startDateTime"] = "2029-06-01T00:00:00Z"
    assert outcome(run(POLICY, *definitions(), ok)) == "pass"


def test_standing_operator_assignment_fails_data_roles_do_not():
    standing = assignment("ops-standing", RG, OPERATOR_GUID)
    data = assignment("reader", container("rec-a"), READER_GUID)
    assert failing_urns(run(POLICY, *definitions(), standing, data)) == {standing.urn}


def test_duration_days():
    assert duration_days("P180D") == 180 and duration_days("P2W") == 14 and duration_days("PT24H") == 1
    assert duration_days("P") is None and duration_days("PT") is None and duration_days(None) is None


def test_violation_names_clause_resource_and_fix():
    evaluation = run(POLICY, *definitions(), eligibility("roles-operator-eligible", RG, OPERATOR_GUID,
                                                         {"type": "NoExpiration"}))
    (finding,) = evaluation.mandatory
    assert "OUS-6.2" in finding.message and "'roles-operator-eligible'" in finding.message
    assert "never expires" in finding.message and "AfterDuration" in finding.message
    assert finding.clauses == ("OUS-6.2", "ECG-7")
