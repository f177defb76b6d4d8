import pytest

from policies.identity.ca_policies_enabled import POLICY
from tests.policies.ca_fixtures import MFA_DEVICE, UNKNOWN, ca, changed
from tests.policies.helpers import outcome, resource, run

CASES = [
    ("pass_enabled", MFA_DEVICE, "pass"),
    ("fail_report_only", changed(MFA_DEVICE, (("state",), "enabledForReportingButNotEnforced")), "fail"),
    ("fail_disabled", changed(MFA_DEVICE, (("state",), "disabled")), "fail"),
    ("fail_absent", changed(MFA_DEVICE, (("state",), None)), "fail"),
    ("fail_odd_type", changed(MFA_DEVICE, (("state",), True)), "fail"),
    ("pass_case", changed(MFA_DEVICE, (("state",), "Enabled")), "pass"),
    ("unknown_state", changed(MFA_DEVICE, (("state",), UNKNOWN)), "unknown"),
    ("unknown_secret_state", changed(MFA_DEVICE, (("state",), "[secret]")), "unknown"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_state(case, inputs, expected):
    evaluation = run(POLICY, ca("mfa", inputs))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_other_types_are_ignored():
    assert outcome(run(POLICY, resource("azuread:index/group:Group", "g", {"state": "disabled"}))) == "pass"


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, ca("mfa", changed(MFA_DEVICE, (("state",), "disabled")))).mandatory
    assert "OUS-6.1.d" in finding.message and "test: require MFA" in finding.message
    assert "set state: enabled" in finding.message
    assert finding.clauses == ("OUS-6.1.d", "OUS-6.1.c")
