import pytest

from policies.audit.log_workspace_retention import POLICY, TABLE
from tests.policies.audit_fixtures import UNKNOWN, workspace
from tests.policies.helpers import outcome, resource, run
from tests.policies.registers import register

CASES = [
    ("pass_365_days", workspace(), "pass"),
    ("pass_longer", workspace(retentionInDays=730), "pass"),
    ("pass_float_from_wire", workspace(retentionInDays=365.0), "pass"),
    ("pass_capping_absent", workspace(workspaceCapping=None), "pass"),
    ("fail_shorter_than_register", workspace(retentionInDays=180), "fail"),
    ("fail_default_30_days", workspace(retentionInDays=None), "fail"),
    ("fail_daily_cap", workspace(workspaceCapping={"dailyQuotaGb": 5}), "fail"),
    ("fail_odd_types", workspace(retentionInDays="365"), "fail"),
    ("unknown_retention", workspace(retentionInDays=UNKNOWN), "unknown"),
    ("unknown_secret_retention", workspace(retentionInDays="[secret]"), "unknown"),
]


@pytest.mark.parametrize(("case", "resource_", "expected"), CASES, ids=[c[0] for c in CASES])
def test_workspace(case, resource_, expected):
    evaluation = run(POLICY, resource_, register=register())
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_floor_of_90_days_even_if_register_says_less():
    assert outcome(run(POLICY, workspace(retentionInDays=60), register=register(logRetentionDays=30))) == "fail"
    assert outcome(run(POLICY, workspace(retentionInDays=90), register=register(logRetentionDays=30))) == "pass"


@pytest.mark.parametrize(("inputs", "expected"), [
    ({"retentionInDays": -1, "totalRetentionInDays": -1}, "pass"),
    ({"retentionInDays": 400}, "pass"),
    ({"retentionInDays": 30}, "fail"),
    ({"totalRetentionInDays": 90}, "fail"),
    ({"retentionInDays": "30"}, "pass"),
])
def test_table_overrides(inputs, expected):
    assert outcome(run(POLICY, resource(TABLE, "StorageBlobLogs", inputs), register=register())) == expected


def test_without_register_it_is_undecided():
    assert outcome(run(POLICY, workspace())) == "unknown"


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, workspace(retentionInDays=30), register=register()).mandatory
    assert "[OUS-6.b" in finding.message and "'workspace'" in finding.message and "at least 365" in finding.message
    assert finding.clauses == ("OUS-6.b", "ECG-7S")
