"""network-firewall-logs-on: every firewall logs its rule verdicts to the stack's workspace (C, issue 10)."""

from __future__ import annotations

import pytest

from policies.network.firewall_logs_on import AZURE_FIREWALL, POLICY
from tests.policies.audit_fixtures import SUB, WORKSPACE_ID, logs, workspace
from tests.policies.helpers import failing_urns, outcome, resource, run

FIREWALL_ID = f"{SUB}/resourceGroups/rg-t-network/providers/Microsoft.Network/azureFirewalls/afw-t-hub"
OTHER_WS = f"{SUB}/resourceGroups/x/providers/Microsoft.OperationalInsights/workspaces/y"


def firewall():
    return resource(AZURE_FIREWALL, "fw", {"resourceGroupName": "rg-t-network", "azureFirewallName": "afw-t-hub",
                                           "location": "norwayeast"})


def setting(entries, *, ws=None, on=True, workspace_id=WORKSPACE_ID):
    deps = ([firewall().urn] if on else []) + ([ws.urn] if ws is not None else [])
    return resource("azure-native:monitor:DiagnosticSetting", "d",
                    {"name": "dpaguard-audit", "resourceUri": FIREWALL_ID, "workspaceId": workspace_id,
                     "logs": entries}, dependencies=deps)


WS = workspace()
CASES = [
    ("pass_rule_logs", [setting(logs("AZFWApplicationRule", "AZFWNetworkRule"), ws=WS)], "pass"),
    ("pass_all_logs", [setting([{"categoryGroup": "allLogs", "enabled": True}], ws=WS)], "pass"),
    ("fail_no_setting", [], "fail"),
    ("fail_network_rules_missing", [setting(logs("AZFWApplicationRule"), ws=WS)], "fail"),
    ("fail_disabled", [setting(logs("AZFWApplicationRule", "AZFWNetworkRule", enabled=False), ws=WS)], "fail"),
    ("fail_not_to_a_stack_workspace", [setting(logs("AZFWApplicationRule", "AZFWNetworkRule"), ws=None,
                                               workspace_id=OTHER_WS)], "fail"),
    ("fail_logs_something_else", [setting(logs("AZFWApplicationRule", "AZFWNetworkRule"), ws=WS, on=False)], "fail"),
]


@pytest.mark.parametrize(("case", "settings", "expected"), CASES, ids=[c[0] for c in CASES])
def test_firewall_logs(case, settings, expected):
    fw = firewall()
    evaluation = run(POLICY, WS, fw, *settings)
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]
    if expected == "fail":
        assert failing_urns(evaluation) == {fw.urn}


def test_violation_names_clauses_resource_and_fix():
    (finding,) = run(POLICY, WS, firewall()).findings
    assert finding.message.startswith("[OUS-6.b, OUS-6.1.c] ") and "'fw'" in finding.message
    assert "AZFWNetworkRule" in finding.message and finding.clauses == ("OUS-6.b", "OUS-6.1.c")
