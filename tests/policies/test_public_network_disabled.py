import pytest

from policies.storage.public_network_disabled import POLICY, STORAGE_ACCOUNT
from tests.policies.helpers import outcome, resource, run
from tests.policies.stores import UNKNOWN

CASES = [
    ("pass_disabled", {"publicNetworkAccess": "Disabled"}, "pass"),
    ("fail_enabled", {"publicNetworkAccess": "Enabled"}, "fail"),
    ("fail_absent_means_enabled", {}, "fail"),
    ("fail_secured_by_perimeter", {"publicNetworkAccess": "SecuredByPerimeter"}, "fail"),
    ("fail_lower_case", {"publicNetworkAccess": "disabled"}, "fail"),
    ("fail_odd_type", {"publicNetworkAccess": False}, "fail"),
    ("unknown_value", {"publicNetworkAccess": UNKNOWN}, "unknown"),
    ("unknown_secret", {"publicNetworkAccess": "[secret]"}, "unknown"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_storage_account(case, inputs, expected):
    evaluation = run(POLICY, resource(STORAGE_ACCOUNT, "acct", inputs))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_other_types_are_ignored():
    assert outcome(run(POLICY, resource("azure-native:storage:BlobContainer", "c", {}))) == "pass"


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, resource(STORAGE_ACCOUNT, "ousklrec", {})).mandatory
    assert "[OUS-6.1.b" in finding.message and "'ousklrec'" in finding.message
    assert "set publicNetworkAccess: Disabled" in finding.message
