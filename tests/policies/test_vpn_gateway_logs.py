import pytest

from policies.audit.vpn_gateway_logs import POLICY, VIRTUAL_NETWORK_GATEWAY
from tests.policies.audit_fixtures import GATEWAY_ID, SUB, UNKNOWN, diagnostic, logs, workspace
from tests.policies.helpers import failing_urns, outcome, resource, run


def gateway(**changes):
    inputs = {"resourceGroupName": "rg-t-network", "virtualNetworkGatewayName": "vpngw-t", "gatewayType": "Vpn"}
    inputs.update(changes)
    return resource(VIRTUAL_NETWORK_GATEWAY, "gw", inputs)


OTHER_WS = f"{SUB}/resourceGroups/x/providers/Microsoft.OperationalInsights/workspaces/y"
CASES = [
    ("pass_all_gateway_categories", [diagnostic("d", GATEWAY_ID, logs("GatewayDiagnosticLog", "IKEDiagnosticLog",
                                                                      "P2SDiagnosticLog"))], "pass"),
    ("pass_all_logs", [diagnostic("d", GATEWAY_ID, [{"categoryGroup": "allLogs", "enabled": True}])], "pass"),
    ("fail_no_setting", [], "fail"),
    ("fail_without_p2s", [diagnostic("d", GATEWAY_ID, logs("GatewayDiagnosticLog", "IKEDiagnosticLog"))], "fail"),
    ("fail_disabled", [diagnostic("d", GATEWAY_ID, logs("P2SDiagnosticLog", enabled=False))], "fail"),
    ("fail_other_workspace", [diagnostic("d", GATEWAY_ID, logs("P2SDiagnosticLog"), workspace_id=OTHER_WS)], "fail"),
    ("fail_odd_types", [diagnostic("d", GATEWAY_ID, {"P2SDiagnosticLog": True})], "fail"),
    ("unknown_uri", [diagnostic("d", UNKNOWN, logs("P2SDiagnosticLog"))], "unknown"),
]


@pytest.mark.parametrize(("case", "settings", "expected"), CASES, ids=[c[0] for c in CASES])
def test_gateway_logs(case, settings, expected):
    gw = gateway()
    evaluation = run(POLICY, workspace(), gw, *settings)
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]
    if expected == "fail":
        assert failing_urns(evaluation) == {gw.urn}


def test_expressroute_gateway_needs_none():
    assert outcome(run(POLICY, workspace(), gateway(gatewayType="ExpressRoute"))) == "pass"


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, workspace(), gateway()).findings
    assert "[OUS-6.b" in finding.message and "'gw'" in finding.message and "P2SDiagnosticLog" in finding.message
    assert finding.clauses == ("OUS-6.b", "OUS-6.1.c")
