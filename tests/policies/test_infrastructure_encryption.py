import pytest

from policies.storage.infrastructure_encryption import POLICY, STORAGE_ACCOUNT
from tests.policies.helpers import outcome, resource, run
from tests.policies.stores import UNKNOWN

CASES = [
    ("pass_required", {"encryption": {"requireInfrastructureEncryption": True, "keySource": "Microsoft.Storage"}}, "pass"),
    ("fail_false", {"encryption": {"requireInfrastructureEncryption": False}}, "fail"),
    ("fail_no_encryption_block", {}, "fail"),
    ("fail_odd_type", {"encryption": "yes"}, "fail"),
    ("unknown_value", {"encryption": {"requireInfrastructureEncryption": UNKNOWN}}, "unknown"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_storage_account(case, inputs, expected):
    evaluation = run(POLICY, resource(STORAGE_ACCOUNT, "acct", inputs))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, resource(STORAGE_ACCOUNT, "ecg247ecg00", {})).mandatory
    assert "[ECG-7S]" in finding.message and "'ecg247ecg00'" in finding.message
    assert "requireInfrastructureEncryption" in finding.message
