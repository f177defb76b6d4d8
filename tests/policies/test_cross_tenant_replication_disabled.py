import pytest

from policies.storage.cross_tenant_replication_disabled import POLICY, STORAGE_ACCOUNT
from tests.policies.helpers import outcome, resource, run
from tests.policies.stores import UNKNOWN

CASES = [
    ("pass_false", {"allowCrossTenantReplication": False}, "pass"),
    ("fail_true", {"allowCrossTenantReplication": True}, "fail"),
    ("fail_absent", {}, "fail"),
    ("fail_odd_type", {"allowCrossTenantReplication": 0}, "fail"),
    ("unknown_value", {"allowCrossTenantReplication": UNKNOWN}, "unknown"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_storage_account(case, inputs, expected):
    evaluation = run(POLICY, resource(STORAGE_ACCOUNT, "acct", inputs))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, resource(STORAGE_ACCOUNT, "ecg247ecg01", {})).mandatory
    assert "[ECG-10" in finding.message and "'ecg247ecg01'" in finding.message
    assert "set allowCrossTenantReplication: false" in finding.message
