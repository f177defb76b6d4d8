"""Mutations for the controls of issue 10 (owner: C): egress firewall and hub, VPN client DNS, deploy rights.

The egress mutations run on the shipped stacks' VNet-gateway variants (`<stack>-vnetgw`, without
the `egress` section: tests/policies/plans.py), so each adds the hub firewall pieces
modules/egress.py would create, with one mistake: an
allow-all rule, a firewall outside Norway or without zones, a firewall whose logs are off, a
point-to-site gateway on the hub that leaves its clients' internet route alone (split tunnel).
"""

from __future__ import annotations

import copy
from typing import Any

from tests.policies.mutations import Mutation, find

BOTH = ("ous-kvalitetslab", "ecg247")
VNETGW = ("ous-kvalitetslab-vnetgw", "ecg247-vnetgw")
VNET = "azure-native:network:VirtualNetwork"
FIREWALL = "azure-native:network:AzureFirewall"
RULE_GROUP = "azure-native:network:FirewallPolicyRuleCollectionGroup"
WORKSPACE = "azure-native:operationalinsights:Workspace"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"
CLIENTS = ["172.16.201.0/24"]


def _add(plan: dict, like: dict, type_: str, name: str, inputs: dict[str, Any],
         dependencies: list[str] | None = None) -> dict:
    """A new resource beside `like` (same parent and stack), appended to the plan."""
    project = "::".join(like["urn"].split("::")[:2])
    parent_type = like["urn"].split("::")[2].rsplit("$", 1)[0]
    new = copy.deepcopy(like)
    new.update(type=type_, name=name, inputs=inputs, dependencies=list(dependencies or []), propertyDependencies={},
               urn=f"{project}::{parent_type}${type_}::{name}")
    # New inputs: the evaluator derives the preview outputs from them (CONTRACT_AB.notes).
    new.pop("outputs", None)
    plan["resources"].append(new)
    return new


def _rg(plan: dict) -> str:
    return find(plan, VNET)["inputs"]["resourceGroupName"]


def _firewall(plan: dict, **changes: Any) -> dict:
    vnet = find(plan, VNET)
    inputs = {"resourceGroupName": _rg(plan), "azureFirewallName": "afw-mut-hub", "location": "norwayeast",
              "zones": ["1", "2", "3"], "sku": {"name": "AZFW_Hub", "tier": "Standard"},
              "hubIPAddresses": {"publicIPs": {"count": 1}}}
    inputs.update(changes)
    return _add(plan, vnet, FIREWALL, "egress-firewall", inputs)


def _logged(plan: dict, firewall: dict) -> None:
    workspace = find(plan, WORKSPACE)
    _add(plan, firewall, DIAGNOSTIC, "egress-firewall-diag",
         {"name": "dpaguard-audit", "resourceUri": "/subscriptions/x/resourceGroups/y/providers/"
          "Microsoft.Network/azureFirewalls/afw-mut-hub", "workspaceId": "w",
          "logAnalyticsDestinationType": "Dedicated",
          "logs": [{"category": c, "enabled": True} for c in ("AZFWApplicationRule", "AZFWNetworkRule")]},
         dependencies=[firewall["urn"], workspace["urn"]])


def allow_all_rule(plan: dict) -> None:
    vnet = find(plan, VNET)
    _add(plan, vnet, RULE_GROUP, "egress-rules", {
        "resourceGroupName": _rg(plan), "firewallPolicyName": "afwp-mut", "ruleCollectionGroupName": "vpn-client-egress",
        "priority": 200,
        "ruleCollections": [{
            "ruleCollectionType": "FirewallPolicyFilterRuleCollection", "name": "allow-operator-services",
            "priority": 200, "action": {"type": "Allow"},
            "rules": [{"ruleType": "ApplicationRule", "name": "everything", "sourceAddresses": CLIENTS,
                       "protocols": [{"protocolType": "Https", "port": 443}], "targetFqdns": ["*"]}],
        }],
    })


def firewall_in_sweden(plan: dict) -> None:
    _logged(plan, _firewall(plan, location="swedencentral"))


def firewall_logs_off(plan: dict) -> None:
    _firewall(plan)


def firewall_without_zones(plan: dict) -> None:
    fw = _firewall(plan)
    del fw["inputs"]["zones"]
    _logged(plan, fw)


def hub_split_tunnel(plan: dict) -> None:
    """A secured hub whose P2S connection leaves internet security off: clients keep their own internet route."""
    vnet = find(plan, VNET)
    rg = _rg(plan)
    wan = _add(plan, vnet, "azure-native:network:VirtualWan", "egress-wan",
               {"resourceGroupName": rg, "virtualWANName": "vwan-mut", "location": "norwayeast", "type": "Standard",
                "disableVpnEncryption": False})
    hub = _add(plan, vnet, "azure-native:network:VirtualHub", "egress-hub",
               {"resourceGroupName": rg, "virtualHubName": "vhub-mut", "location": "norwayeast",
                "addressPrefix": "10.99.0.0/23", "virtualWan": {"id": "wan"}}, dependencies=[wan["urn"]])
    fw = _firewall(plan)
    fw["dependencies"] = [hub["urn"]]
    _logged(plan, fw)
    _add(plan, vnet, "azure-native:network:RoutingIntent", "egress-routing-intent",
         {"resourceGroupName": rg, "virtualHubName": "vhub-mut", "routingIntentName": "egress",
          "routingPolicies": [{"name": "InternetTraffic", "destinations": ["Internet"],
                               "nextHop": f"/subscriptions/x/resourceGroups/{rg}/providers/Microsoft.Network/"
                                          "azureFirewalls/afw-mut-hub"}]}, dependencies=[fw["urn"]])
    _add(plan, vnet, "azure-native:network:P2sVpnGateway", "egress-p2s-gateway",
         {"resourceGroupName": rg, "gatewayName": "p2sgw-mut", "location": "norwayeast",
          "p2SConnectionConfigurations": [{"name": "vpn-clients", "enableInternetSecurity": False,
                                           "vpnClientAddressPool": {"addressPrefixes": CLIENTS}}]},
         dependencies=[hub["urn"]])


ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
PIM = "azure-native:authorization:PimRoleEligibilitySchedule"


def _deployer(plan: dict) -> dict:
    [role] = [r for r in plan["resources"] if r["type"] == ROLE_DEFINITION
              and str(r["inputs"].get("roleName", "")).endswith(" deployer")]
    return role


def _deployer_id(plan: dict) -> str:
    role = _deployer(plan)
    return f"{role['inputs']['scope']}/providers/Microsoft.Authorization/roleDefinitions/{role['inputs']['roleDefinitionId']}"


def deployer_standing(plan: dict) -> None:
    """Deploy rights held standing by the operators group instead of eligible through PIM."""
    [eligible] = [r for r in plan["resources"] if r["type"] == PIM
                  and r["inputs"].get("roleDefinitionId") == _deployer_id(plan)]
    _add(plan, eligible, ROLE_ASSIGNMENT, "deployer-standing",
         {"roleAssignmentName": "6f1d7e2a-0c55-4b8e-9b51-0d6a1f1c9e01", "scope": eligible["inputs"]["scope"],
          "roleDefinitionId": _deployer_id(plan), "principalId": eligible["inputs"]["principalId"],
          "principalType": "Group"}, dependencies=[_deployer(plan)["urn"]])


def deployer_eligible_forever(plan: dict) -> None:
    """The deployer eligibility never expires."""
    [eligible] = [r for r in plan["resources"] if r["type"] == PIM
                  and r["inputs"].get("roleDefinitionId") == _deployer_id(plan)]
    eligible["inputs"]["scheduleInfo"] = {"expiration": {"type": "NoExpiration"}}
    eligible.pop("outputs", None)


def _deployer_eligibility(plan: dict) -> dict:
    [eligible] = [r for r in plan["resources"] if r["type"] == PIM
                  and r["inputs"].get("roleDefinitionId") == _deployer_id(plan)]
    return eligible


def deployer_unconstrained(plan: dict) -> None:
    """The deployer eligibility loses its ABAC condition: an activated deployer can assign Owner to anyone."""
    eligible = _deployer_eligibility(plan)
    eligible["inputs"].pop("condition", None)
    eligible["inputs"].pop("conditionVersion", None)
    eligible.pop("outputs", None)


def deployer_may_assign_owner(plan: dict) -> None:
    """The deployer's condition also lists Owner (Microsoft Learn "Azure built-in roles")."""
    eligible = _deployer_eligibility(plan)
    condition = eligible["inputs"]["condition"]
    eligible["inputs"]["condition"] = condition.replace("GuidEquals {", "GuidEquals {8e3af657-a8ff-443c-a75c-2fe8c4bcb635, ")
    eligible.pop("outputs", None)


def deployer_changes_governance(plan: dict) -> None:
    """The deployer may again write role definitions and eligibility requests and delete policy assignments:
    widen the roles it may assign, make itself eligible for Owner, remove the Norway-only assignments."""
    role = _deployer(plan)
    [perm] = role["inputs"]["permissions"]
    perm["actions"] = [*perm["actions"], "Microsoft.Authorization/roleDefinitions/write",
                       "Microsoft.Authorization/roleEligibilityScheduleRequests/write",
                       "Microsoft.Authorization/policyAssignments/delete"]
    role.pop("outputs", None)


INBOUND = "azure-native:dnsresolver:InboundEndpoint"


def vpn_clients_public_dns(plan: dict) -> None:
    """The VNet hands VPN clients a public resolver: accounts resolve to their public (refused) addresses."""
    vnet = find(plan, VNET)
    vnet["inputs"]["dhcpOptions"] = {"dnsServers": ["1.1.1.1"]}
    vnet.pop("outputs", None)


def resolver_address_dynamic(plan: dict) -> None:
    """The inbound endpoint's address is dynamic, so the VNet's DNS setting can point at nothing."""
    endpoint = find(plan, INBOUND)
    for ip in endpoint["inputs"]["ipConfigurations"]:
        ip["privateIpAllocationMethod"] = "Dynamic"
        ip.pop("privateIpAddress", None)
    endpoint.pop("outputs", None)


MUTATIONS = [
    Mutation("egress-firewall-allow-all", VNETGW, allow_all_rule, {"network-firewall-no-allow-all"}, {"OUS-6.1.c"}),
    Mutation("egress-firewall-outside-norway", VNETGW, firewall_in_sweden, {"network-firewall-in-norway"},
             {"ECG-10", "OUS-6.1.c"}),
    Mutation("egress-firewall-not-zone-redundant", VNETGW, firewall_without_zones, {"network-firewall-in-norway"},
             {"ECG-10"}),
    Mutation("egress-firewall-logs-off", VNETGW, firewall_logs_off, {"network-firewall-logs-on"}, {"OUS-6.b"}),
    Mutation("egress-hub-split-tunnel", VNETGW, hub_split_tunnel, {"network-hub-forced-tunnel"}, {"OUS-6.1.c"}),
    Mutation("dns-vpn-clients-public-resolver", VNETGW, vpn_clients_public_dns, {"network-dns-vpn-clients"},
             {"OUS-6.1.b"}),
    Mutation("dns-resolver-address-dynamic", BOTH, resolver_address_dynamic, {"network-dns-vpn-clients"},
             {"OUS-6.1.b"}),
    Mutation("deployer-standing-assignment", BOTH, deployer_standing, {"rbac-operator-elevation-time-bound"},
             {"OUS-6.2"}),
    Mutation("deployer-eligible-forever", BOTH, deployer_eligible_forever, {"rbac-operator-elevation-time-bound"},
             {"OUS-6.2"}),
    Mutation("deployer-eligibility-unconstrained", BOTH, deployer_unconstrained, {"rbac-delegation-constrained"},
             {"OUS-6.2"}),
    Mutation("deployer-may-assign-owner", BOTH, deployer_may_assign_owner, {"rbac-delegation-constrained"},
             {"OUS-6.2"}),
    Mutation("deployer-changes-governance", BOTH, deployer_changes_governance, {"rbac-custom-roles-least-privilege"},
             {"OUS-6.2"}),
]
