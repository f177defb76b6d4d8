import pytest

from policies.audit.vpn_gateway_logs import POLICY, VIRTUAL_NETWORK_GATEWAY
from tests.policies.audit_fixtures import GATEWAY_ID, SUB, UNKNOWN, diagnostic, logs, workspace
from tests.policies.helpers import failing_urns, outcome, resource, run


def gateway(**changes):
    inputs = {"resourceGroupName": "rg-t-network", "virtualNetworkGatewayName": "vpngw-t", "gatewayType": "Vpn"}
    inputs.update(changes)
    return resource(VIRTUAL_NETWORK_GATEWAY, "gw", inputs)


OTHER_WS = f"{SUB}/resourceGroups/x/providers/Microsoft.OperationalInsights/workspaces/y"
GW = gateway()
OTHER_GW = resource(VIRTUAL_NETWORK_GATEWAY, "gw2", {"gatewayType": "Vpn"})

CASES = [
    ("pass_all_gateway_categories", [diagnostic("d", GATEWAY_ID, logs("GatewayDiagnosticLog", "IKEDiagnosticLog",
                                                                      "P2SDiagnosticLog"), targets=(GW,))], "pass"),
    ("pass_all_logs", [diagnostic("d", GATEWAY_ID, [{"categoryGroup": "allLogs", "enabled": True}], targets=(GW,))],
     "pass"),
    ("fail_no_setting", [], "fail"),
    ("fail_without_p2s", [diagnostic("d", GATEWAY_ID, logs("GatewayDiagnosticLog", "IKEDiagnosticLog"),
                                     targets=(GW,))], "fail"),
    ("fail_disabled", [diagnostic("d", GATEWAY_ID, logs("P2SDiagnosticLog", enabled=False), targets=(GW,))], "fail"),
    ("fail_other_workspace", [diagnostic("d", GATEWAY_ID, logs("P2SDiagnosticLog"), workspace_id=OTHER_WS,
                                         targets=(GW,), to_stack_workspace=False)], "fail"),
    ("unknown_odd_types", [diagnostic("d", GATEWAY_ID, {"P2SDiagnosticLog": True}, targets=(GW,))], "unknown"),
    # Outputs carry no resourceUri: a setting logs the one gateway it depends on; with two it logs neither.
    ("fail_setting_tied_to_two_gateways", [OTHER_GW, diagnostic("d", UNKNOWN, logs("P2SDiagnosticLog"),
                                                                targets=(GW, OTHER_GW))], "fail"),
]


@pytest.mark.parametrize(("case", "settings", "expected"), CASES, ids=[c[0] for c in CASES])
def test_gateway_logs(case, settings, expected):
    evaluation = run(POLICY, workspace(), GW, *settings)
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]
    if expected == "fail" and case != "fail_setting_tied_to_two_gateways":
        assert failing_urns(evaluation) == {GW.urn}


def test_expressroute_gateway_needs_none():
    assert outcome(run(POLICY, workspace(), gateway(gatewayType="ExpressRoute"))) == "pass"


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, workspace(), gateway()).findings
    assert finding.message.startswith("[OUS-6.b, OUS-6.1.c] ") and "'gw'" in finding.message and "P2SDiagnosticLog" in finding.message
    assert finding.clauses == ("OUS-6.b", "OUS-6.1.c")
