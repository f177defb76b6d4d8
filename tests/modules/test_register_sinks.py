"""The register's private-endpoint subnets and audit workspace (modules/config.py policy_register
`privateEndpointSubnets`, `auditWorkspaceId`) are the ones the program uses.

storage-children-name-stack-account holds every PrivateEndpoint's subnet.id to the first, and
audit-log-workspace-matches-register every diagnostic setting's workspaceId to the second. The expected
ids are written out by hand from stacks/Pulumi.<stack>.yaml (subscriptionId, prefix) and the names
modules/vpn.py and modules/audit.py give (rg-<prefix>-network/vnet-<prefix>/private-endpoints,
rg-<prefix>-audit/log-<prefix>-audit); the tests read the plan again, never the function that computes them.
"""

from __future__ import annotations

import pytest

from tests.policies.plans import SHIPPED_STACKS, shipped_plan

OUS_SUB = "/subscriptions/9b2e6f3a-1c4d-4e8f-a7b6-3d5c2e1f0a94"
ECG_SUB = "/subscriptions/2c7e9a1b-5d3f-4b6e-9a8c-7e1d0f4b2a65"
EXPECTED = {
    "ous-kvalitetslab": (
        [f"{OUS_SUB}/resourceGroups/rg-ouskl-network/providers/Microsoft.Network/virtualNetworks/vnet-ouskl/"
         "subnets/private-endpoints"],
        f"{OUS_SUB}/resourceGroups/rg-ouskl-audit/providers/Microsoft.OperationalInsights/workspaces/log-ouskl-audit",
    ),
    "ecg247": (
        [f"{ECG_SUB}/resourceGroups/rg-ecg247-network/providers/Microsoft.Network/virtualNetworks/vnet-ecg247/"
         "subnets/private-endpoints"],
        f"{ECG_SUB}/resourceGroups/rg-ecg247-audit/providers/Microsoft.OperationalInsights/workspaces/"
        "log-ecg247-audit",
    ),
}
ENDPOINT = "azure-native:network:PrivateEndpoint"
SUBNET = "azure-native:network:Subnet"
SETTINGS = ("azure-native:monitor:DiagnosticSetting", "azure-native:monitor:SubscriptionDiagnosticSetting",
            "azure-native:aadiam:DiagnosticSetting")


def _plan(stack: str) -> dict:
    plan = shipped_plan(stack)
    assert not isinstance(plan, str), plan
    return plan


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_register_names_the_shipped_subnet_and_workspace(stack):
    register = _plan(stack)["register"]
    assert (register["privateEndpointSubnets"], register["auditWorkspaceId"]) == EXPECTED[stack]


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_every_private_endpoint_sits_in_the_register_subnet(stack):
    plan = _plan(stack)
    endpoints = [r for r in plan["resources"] if r["type"] == ENDPOINT]
    assert endpoints
    assert {r["inputs"]["subnet"]["id"] for r in endpoints} == set(plan["register"]["privateEndpointSubnets"])


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_every_diagnostic_setting_sends_to_the_register_workspace(stack):
    plan = _plan(stack)
    settings = [r for r in plan["resources"] if r["type"] in SETTINGS]
    assert {r["type"] for r in settings} == set(SETTINGS)
    assert {r["inputs"]["workspaceId"] for r in settings} == {plan["register"]["auditWorkspaceId"]}
