import pytest

from policies.storage.network_default_deny import POLICY, STORAGE_ACCOUNT
from tests.policies.helpers import outcome, resource, run
from tests.policies.stores import UNKNOWN

DENY = {"defaultAction": "Deny", "bypass": "None", "ipRules": [], "virtualNetworkRules": [], "resourceAccessRules": []}

CASES = [
    ("pass_deny_nothing_around", {"networkRuleSet": DENY}, "pass"),
    ("pass_rule_lists_absent", {"networkRuleSet": {"defaultAction": "Deny", "bypass": "None"}}, "pass"),
    ("fail_no_rule_set", {}, "fail"),
    ("fail_allow", {"networkRuleSet": {**DENY, "defaultAction": "Allow"}}, "fail"),
    ("fail_bypass_absent", {"networkRuleSet": {"defaultAction": "Deny"}}, "fail"),
    ("fail_bypass_azure_services", {"networkRuleSet": {**DENY, "bypass": "AzureServices"}}, "fail"),
    ("fail_bypass_logging_metrics", {"networkRuleSet": {**DENY, "bypass": "Logging, Metrics"}}, "fail"),
    ("fail_ip_rule", {"networkRuleSet": {**DENY, "ipRules": [{"iPAddressOrRange": "203.0.113.0/24"}]}}, "fail"),
    ("fail_vnet_rule", {"networkRuleSet": {**DENY, "virtualNetworkRules": [{"virtualNetworkResourceId": "/x"}]}}, "fail"),
    ("fail_resource_rule", {"networkRuleSet": {**DENY, "resourceAccessRules": [{"resourceId": "/y", "tenantId": "t"}]}},
     "fail"),
    ("fail_odd_types", {"networkRuleSet": ["Deny"]}, "fail"),
    ("unknown_default_action", {"networkRuleSet": {**DENY, "defaultAction": UNKNOWN}}, "unknown"),
    ("unknown_ip_rules", {"networkRuleSet": {**DENY, "ipRules": UNKNOWN}}, "unknown"),
    ("unknown_secret_bypass", {"networkRuleSet": {**DENY, "bypass": "[secret]"}}, "unknown"),
]


@pytest.mark.parametrize(("case", "inputs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_storage_account(case, inputs, expected):
    evaluation = run(POLICY, resource(STORAGE_ACCOUNT, "acct", inputs))
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]


def test_violation_names_clause_resource_sources_and_fix():
    inputs = {"networkRuleSet": {**DENY, "ipRules": [{"iPAddressOrRange": "203.0.113.7"}]}}
    (finding,) = run(POLICY, resource(STORAGE_ACCOUNT, "ecg247ecg00", inputs)).mandatory
    assert "[OUS-6.1.b" in finding.message and "'ecg247ecg00'" in finding.message
    assert "203.0.113.7" in finding.message and "defaultAction Deny, bypass None" in finding.message
