import pytest

from policies.storage.copy_scope_private_link import POLICY, STORAGE_ACCOUNT
from tests.policies.helpers import outcome, resource, run
from tests.policies.stores import UNKNOWN

CASES = [
    ("pass_private_link", {"allowedCopyScope": "PrivateLink"}, "pass"),
    ("fail_aad", {"allowedCopyScope": "AAD"}, "fail"),
    ("fail_absent", {}, "fail"),
    ("fail_odd_type", {"allowedCopyScope": ["PrivateLink"]}, "fail"),
    ("unknown_value", {"allowedCopyScope": UNKNOWN}, "unknown"),
    ("unknown_secret", {"allowedCopyScope": "[secret]"}, "unknown"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_storage_account(case, inputs, expected):
    evaluation = run(POLICY, resource(STORAGE_ACCOUNT, "acct", inputs))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, resource(STORAGE_ACCOUNT, "ousklrec", {"allowedCopyScope": "AAD"})).mandatory
    assert "[OUS-6.1.b" in finding.message and "'ousklrec'" in finding.message
    assert "set allowedCopyScope: PrivateLink" in finding.message
