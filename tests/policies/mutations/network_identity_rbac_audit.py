"""Mutations for the network, identity, rbac and audit policies.

Each mutation edits the real plan the way a plausible mistake (or a shortcut) would: a second
VPN protocol, a trusted-location exemption, Owner for the operators, a shorter log retention.
Resources are found by type and by what their inputs say (a role's name, a container scope),
not by Pulumi names, so the mutations follow the components as they evolve.
"""

from __future__ import annotations

import copy
from typing import Any

from tests.policies.mutations import Mutation, find, remove, resources

BOTH = ("ous-kvalitetslab", "ecg247")
OUS = ("ous-kvalitetslab",)
ECG = ("ecg247",)
# The shipped stacks without `egress` (tests/policies/plans.py): the VNet gateway of modules/vpn.py.
VNETGW = ("ous-kvalitetslab-vnetgw", "ecg247-vnetgw")

GATEWAY = "azure-native:network:VirtualNetworkGateway"
NSG = "azure-native:network:NetworkSecurityGroup"
CA = "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy"
GROUP_MEMBER = "azuread:index/groupMember:GroupMember"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
PIM = "azure-native:authorization:PimRoleEligibilitySchedule"
WORKSPACE = "azure-native:operationalinsights:Workspace"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"
ACTIVITY_DIAGNOSTIC = "azure-native:monitor:SubscriptionDiagnosticSetting"
ACTION_GROUP = "azure-native:monitor:ActionGroup"
OWNER = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
AZURE_MANAGEMENT = "797f4846-ba00-4fd7-ba43-dac1f8f63013"


# ------------------------------------------------------------------ finding things in a plan


def _add(plan: dict, like: dict, type_: str, name: str, inputs: dict[str, Any], **extra: Any) -> dict:
    """A new resource beside `like` (same parent and stack), appended to the plan."""
    prefix = like["urn"].split("::")[0] + "::" + like["urn"].split("::")[1]
    parent_type = like["urn"].split("::")[2].rsplit("$", 1)[0]
    new = copy.deepcopy(like)
    new.update(type=type_, name=name, inputs=inputs, dependencies=[], propertyDependencies={},
               urn=f"{prefix}::{parent_type}${type_}::{name}")
    new.update(extra)
    plan["resources"].append(new)
    return new


def _gateway(plan: dict) -> dict[str, Any]:
    return find(plan, GATEWAY)["inputs"]


def _ca(plan: dict, *, app: str | None = None, client_type: str | None = None) -> dict[str, Any]:
    for r in resources(plan, CA):
        conditions = r["inputs"].get("conditions", {})
        if app and app not in conditions.get("applications", {}).get("includedApplications", []):
            continue
        if client_type and client_type not in conditions.get("clientAppTypes", []):
            continue
        return r
    raise AssertionError(f"no conditional access policy for app={app} client={client_type} in {plan['stack']}")


def _mfa_policy(plan: dict) -> dict[str, Any]:
    return _ca(plan, app=AZURE_MANAGEMENT)["inputs"]


def _role(plan: dict, kind: str) -> dict[str, Any]:
    for r in resources(plan, ROLE_DEFINITION):
        if r["inputs"].get("roleName", "").endswith(f" {kind}"):
            return r
    raise AssertionError(f"no {kind} role definition in {plan['stack']}")


def _role_guid(plan: dict, kind: str) -> str:
    return _role(plan, kind)["inputs"]["roleDefinitionId"].lower()


def _assignment(plan: dict, kind: str, container_prefix: str) -> dict[str, Any]:
    guid = _role_guid(plan, kind)
    for r in resources(plan, ROLE_ASSIGNMENT):
        scope = r["inputs"].get("scope", "")
        if r["inputs"].get("roleDefinitionId", "").lower().endswith(guid) and f"/containers/{container_prefix}" in scope:
            return r
    raise AssertionError(f"no {kind} assignment on a {container_prefix}* container in {plan['stack']}")


def _data_group(plan: dict) -> str:
    return "rg-" + find(plan, ROLE_DEFINITION)["inputs"]["assignableScopes"][0].rsplit("/rg-", 1)[1]


def _data_group_id(plan: dict) -> str:
    return find(plan, ROLE_DEFINITION)["inputs"]["assignableScopes"][0]


# ------------------------------------------------------------------ network


def vpn_adds_ikev2(plan: dict) -> None:
    _gateway(plan)["vpnClientConfiguration"]["vpnClientProtocols"].append("IkeV2")


def vpn_adds_certificate_login(plan: dict) -> None:
    p2s = _gateway(plan)["vpnClientConfiguration"]
    p2s["vpnAuthenticationTypes"].append("Certificate")
    p2s["vpnClientRootCertificates"] = [{"name": "laptops", "publicCertData": "MIIC5jCCAc6gAwIBAgIQ"}]


def vpn_issuer_without_slash(plan: dict) -> None:
    p2s = _gateway(plan)["vpnClientConfiguration"]
    p2s["aadIssuer"] = p2s["aadIssuer"].rstrip("/")


def vpn_split_tunnel(plan: dict) -> None:
    # Only the VNet and the private ranges go into the tunnel; everything else straight out.
    _gateway(plan)["customRoutes"]["addressPrefixes"] = ["10.0.0.0/8", "172.16.0.0/12"]


def vpn_custom_routes_removed(plan: dict) -> None:
    del _gateway(plan)["customRoutes"]


def vpn_site_breaks_out(plan: dict) -> None:
    gateway = find(plan, GATEWAY)
    rg = gateway["inputs"]["resourceGroupName"]
    _add(plan, gateway, "azure-native:network:LocalNetworkGateway", "vpn-office-site", {
        "localNetworkGatewayName": "lgw-office", "resourceGroupName": rg, "location": gateway["inputs"]["location"],
        "gatewayIpAddress": "203.0.113.10",
        "localNetworkAddressSpace": {"addressPrefixes": ["192.168.10.0/24", "0.0.0.0/0"]},
    })


def vpn_gateway_not_zone_redundant(plan: dict) -> None:
    _gateway(plan)["sku"] = {"name": "VpnGw1", "tier": "VpnGw1"}


def nsg_ssh_from_internet(plan: dict) -> None:
    find(plan, NSG)["inputs"]["securityRules"].append({
        "name": "allow-ssh-for-support", "priority": 200, "direction": "Inbound", "access": "Allow",
        "protocol": "Tcp", "sourceAddressPrefix": "Internet", "sourcePortRange": "*",
        "destinationAddressPrefix": "*", "destinationPortRange": "22",
    })


def nsg_standalone_rdp_rule(plan: dict) -> None:
    nsg = find(plan, NSG)
    _add(plan, nsg, "azure-native:network:SecurityRule", "vpn-pe-nsg-rdp", {
        "securityRuleName": "allow-rdp", "networkSecurityGroupName": nsg["inputs"]["networkSecurityGroupName"],
        "resourceGroupName": nsg["inputs"]["resourceGroupName"], "priority": 210, "direction": "Inbound",
        "access": "Allow", "protocol": "*", "sourceAddressPrefixes": ["10.0.0.0/8", "*"], "sourcePortRange": "*",
        "destinationAddressPrefix": "*", "destinationPortRanges": ["3000-3999"],
    })


# ------------------------------------------------------------------ identity


def ca_trusted_locations_exempt(plan: dict) -> None:
    _mfa_policy(plan)["conditions"]["locations"]["excludedLocations"] = ["AllTrusted"]


def ca_mfa_or_device(plan: dict) -> None:
    _mfa_policy(plan)["grantControls"]["operator"] = "OR"


def ca_mfa_report_only(plan: dict) -> None:
    _mfa_policy(plan)["state"] = "enabledForReportingButNotEnforced"


def ca_sign_in_frequency_removed(plan: dict) -> None:
    for r in resources(plan, CA):
        r["inputs"].pop("sessionControls", None)


def ca_legacy_auth_allowed(plan: dict) -> None:
    legacy = _ca(plan, client_type="exchangeActiveSync")
    remove(plan, CA, legacy["name"])


def ca_staff_excluded(plan: dict) -> None:
    person = plan["register"]["declaredPrincipals"][0]
    _mfa_policy(plan)["conditions"]["users"]["excludedUsers"].append(person)


def group_member_undeclared(plan: dict) -> None:
    member = find(plan, GROUP_MEMBER)
    # OUS stack: Ingrid Berg (skårer, nyansatt) has no confidentiality declaration on record.
    member["inputs"]["memberObjectId"] = "b1af9a00-ed3c-56d4-9125-e94f110733d4"


# ------------------------------------------------------------------ rbac


def rbac_owner_for_operators(plan: dict) -> None:
    pim = find(plan, PIM)
    _add(plan, pim, ROLE_ASSIGNMENT, "roles-operators-owner", {
        "scope": _data_group_id(plan), "principalType": "Group", "principalId": pim["inputs"]["principalId"],
        "roleDefinitionId": f"/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/{OWNER}",
    }, dependencies=list(pim["dependencies"]))


def rbac_uploader_reads(plan: dict) -> None:
    permissions = _role(plan, "uploader")["inputs"]["permissions"][0]
    permissions["dataActions"].append("Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read")


def rbac_operator_wildcard(plan: dict) -> None:
    _role(plan, "operator")["inputs"]["permissions"][0]["actions"] = ["Microsoft.Storage/*"]


def rbac_direct_user_assignment(plan: dict) -> None:
    assignment = _assignment(plan, "reader", "")
    assignment["inputs"]["principalType"] = "User"
    assignment["inputs"]["principalId"] = plan["register"]["declaredPrincipals"][0]


def rbac_reader_at_account(plan: dict) -> None:
    assignment = _assignment(plan, "reader", "")
    assignment["inputs"]["scope"] = assignment["inputs"]["scope"].split("/blobServices/")[0]


def rbac_pim_never_expires(plan: dict) -> None:
    find(plan, PIM)["inputs"]["scheduleInfo"]["expiration"] = {"type": "NoExpiration"}


def rbac_operator_standing_access(plan: dict) -> None:
    pim = find(plan, PIM)
    _add(plan, pim, ROLE_ASSIGNMENT, "roles-operators-standing", {
        "scope": pim["inputs"]["scope"], "principalType": "Group", "principalId": pim["inputs"]["principalId"],
        "roleDefinitionId": pim["inputs"]["roleDefinitionId"],
    }, dependencies=list(pim["dependencies"]))


def ous_access_outlives_agreement(plan: dict) -> None:
    assignment = _assignment(plan, "reader", "rec-")
    assignment["inputs"]["condition"] = assignment["inputs"]["condition"].replace("DateTimeLessThan '20",
                                                                                  "DateTimeLessThan '21")


def ous_access_without_expiry(plan: dict) -> None:
    assignment = _assignment(plan, "uploader", "rec-")
    del assignment["inputs"]["condition"]
    del assignment["inputs"]["conditionVersion"]


def ecg_access_after_agreement_ended(plan: dict) -> None:
    # The physician terminated last year, but the stack still grants their readers access.
    assignment = _assignment(plan, "reader", "ecg-")
    controller = assignment["inputs"]["scope"].rsplit("/containers/ecg-", 1)[1]
    plan["register"]["controllers"][controller]["accessEnds"] = "2025-06-30"


def deny_assignment_added(plan: dict) -> None:
    assignment = _assignment(plan, "reader", "")
    _add(plan, assignment, "azure-native:authorization:DenyAssignment", "roles-deny-everyone", {
        "scope": assignment["inputs"]["scope"], "denyAssignmentName": "freeze",
        "permissions": [{"dataActions": ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/*"]}],
        "principals": [{"id": "00000000-0000-0000-0000-000000000000", "type": "SystemDefined"}],
    })


def ous_controller_uploader_removed(plan: dict) -> None:
    remove(plan, ROLE_ASSIGNMENT, _assignment(plan, "uploader", "rec-")["name"])


# ------------------------------------------------------------------ audit


def audit_retention_30_days(plan: dict) -> None:
    find(plan, WORKSPACE)["inputs"]["retentionInDays"] = 30


def audit_blob_deletes_not_logged(plan: dict) -> None:
    for r in resources(plan, DIAGNOSTIC):
        if r["inputs"]["resourceUri"].endswith("/blobServices/default"):
            r["inputs"]["logs"] = [e for e in r["inputs"]["logs"] if e.get("category") != "StorageDelete"]
            return
    raise AssertionError("no blob service diagnostic setting")


def audit_vpn_logs_removed(plan: dict) -> None:
    for r in resources(plan, DIAGNOSTIC):
        if "/virtualNetworkGateways/" in r["inputs"]["resourceUri"]:
            remove(plan, DIAGNOSTIC, r["name"])
            return
    raise AssertionError("no gateway diagnostic setting")


def audit_activity_log_removed(plan: dict) -> None:
    remove(plan, ACTIVITY_DIAGNOSTIC)


def breach_dpo_not_notified(plan: dict) -> None:
    dpo = plan["register"]["dpoEmail"].lower()
    for r in resources(plan, ACTION_GROUP):
        r["inputs"]["emailReceivers"] = [e for e in r["inputs"]["emailReceivers"]
                                         if e["emailAddress"].lower() != dpo]


def breach_controller_not_notified(plan: dict) -> None:
    contact = next(c["contact"].lower() for c in plan["register"]["controllers"].values())
    for r in resources(plan, ACTION_GROUP):
        r["inputs"]["emailReceivers"] = [e for e in r["inputs"]["emailReceivers"]
                                         if e["emailAddress"].lower() != contact]


def breach_alerts_unrouted(plan: dict) -> None:
    remove(plan, "azure-native:monitor:ActivityLogAlert")
    remove(plan, "azure-native:monitor:ScheduledQueryRule")


MUTATIONS: list[Mutation] = [
    # network
    Mutation("vpn-adds-ikev2", VNETGW, vpn_adds_ikev2, {"network-vpn-entra-openvpn"}, {"OUS-6.1.e", "OUS-6.1.c"}),
    Mutation("vpn-adds-certificate-login", VNETGW, vpn_adds_certificate_login, {"network-vpn-entra-openvpn"},
             {"OUS-6.1.c", "OUS-6.1.d"}),
    Mutation("vpn-issuer-without-slash", VNETGW, vpn_issuer_without_slash, {"network-vpn-entra-openvpn"},
             {"OUS-6.1.c"}),
    Mutation("vpn-split-tunnel", VNETGW, vpn_split_tunnel, {"network-vpn-forced-tunnel"}, {"OUS-6.1.c"}),
    Mutation("vpn-custom-routes-removed", VNETGW, vpn_custom_routes_removed, {"network-vpn-forced-tunnel"},
             {"OUS-6.1.c"}),
    Mutation("vpn-site-breaks-out", VNETGW, vpn_site_breaks_out, {"network-vpn-no-internet-breakout"},
             {"OUS-6.1.c", "OUS-6.1.b"}),
    Mutation("vpn-gateway-not-zone-redundant", VNETGW, vpn_gateway_not_zone_redundant,
             {"network-vpn-gateway-zone-redundant"}, {"ECG-7S"}),
    Mutation("nsg-ssh-from-internet", BOTH, nsg_ssh_from_internet, {"network-nsg-no-internet-management-ports"},
             {"OUS-6.1.b", "OUS-6.1.c"}),
    Mutation("nsg-standalone-rdp-rule", BOTH, nsg_standalone_rdp_rule, {"network-nsg-no-internet-management-ports"},
             {"OUS-6.1.b"}),
    # identity
    Mutation("ca-trusted-locations-exempt", BOTH, ca_trusted_locations_exempt, {"identity-ca-mfa-compliant-device"},
             {"OUS-6.1.d"}),
    Mutation("ca-mfa-or-device", BOTH, ca_mfa_or_device, {"identity-ca-mfa-compliant-device"},
             {"OUS-6.1.d", "OUS-6.1.c"}),
    Mutation("ca-mfa-report-only", BOTH, ca_mfa_report_only,
             {"identity-ca-policies-enabled", "identity-ca-mfa-compliant-device", "identity-ca-sign-in-frequency"},
             {"OUS-6.1.d", "OUS-6.1.c"}),
    Mutation("ca-sign-in-frequency-removed", BOTH, ca_sign_in_frequency_removed, {"identity-ca-sign-in-frequency"},
             {"OUS-6.1.c"}),
    Mutation("ca-legacy-auth-allowed", BOTH, ca_legacy_auth_allowed, {"identity-ca-block-legacy-auth"},
             {"OUS-6.1.d"}),
    Mutation("ca-staff-excluded", BOTH, ca_staff_excluded, {"identity-ca-exclusions-break-glass-only"},
             {"OUS-6.1.d", "ECG-7"}),
    Mutation("group-member-undeclared", BOTH, group_member_undeclared, {"identity-group-members-declared"},
             {"OUS-7"}),
    # rbac
    Mutation("rbac-owner-for-operators", BOTH, rbac_owner_for_operators, {"rbac-no-privileged-builtin-roles"},
             {"OUS-6.2", "ECG-7"}),
    Mutation("rbac-uploader-reads", BOTH, rbac_uploader_reads, {"rbac-custom-roles-least-privilege"}, {"OUS-6.2"}),
    Mutation("rbac-operator-wildcard", BOTH, rbac_operator_wildcard, {"rbac-custom-roles-least-privilege"},
             {"OUS-6.2", "ECG-7"}),
    Mutation("rbac-direct-user-assignment", BOTH, rbac_direct_user_assignment, {"rbac-assignments-to-groups"},
             {"OUS-6.2"}),
    Mutation("rbac-reader-at-account", BOTH, rbac_reader_at_account, {"rbac-assignment-scope"},
             {"OUS-6.2", "ECG-6"}),
    Mutation("rbac-pim-never-expires", BOTH, rbac_pim_never_expires, {"rbac-operator-elevation-time-bound"},
             {"OUS-6.2"}),
    Mutation("rbac-operator-standing-access", BOTH, rbac_operator_standing_access,
             {"rbac-operator-elevation-time-bound"}, {"OUS-6.2"}),
    Mutation("ous-access-outlives-agreement", OUS, ous_access_outlives_agreement, {"rbac-access-ends-with-agreement"},
             {"OUS-8"}),
    Mutation("ous-access-without-expiry", OUS, ous_access_without_expiry, {"rbac-access-ends-with-agreement"},
             {"OUS-8"}),
    Mutation("ecg-access-after-agreement-ended", ECG, ecg_access_after_agreement_ended,
             {"rbac-access-ends-with-agreement"}, {"ECG-7"}),
    Mutation("deny-assignment-added", BOTH, deny_assignment_added, {"rbac-controller-access-kept"}, {"OUS-11"}),
    Mutation("ous-controller-uploader-removed", OUS, ous_controller_uploader_removed, {"rbac-controller-access-kept"},
             {"OUS-11"}),
    # audit
    Mutation("audit-retention-30-days", BOTH, audit_retention_30_days, {"audit-log-workspace-retention"},
             {"OUS-6.b"}),
    Mutation("audit-blob-deletes-not-logged", BOTH, audit_blob_deletes_not_logged, {"audit-storage-blob-logs"},
             {"OUS-6.b"}),
    Mutation("audit-vpn-logs-removed", VNETGW, audit_vpn_logs_removed, {"audit-vpn-gateway-logs"}, {"OUS-6.b"}),
    Mutation("audit-activity-log-removed", BOTH, audit_activity_log_removed, {"audit-activity-log"}, {"OUS-6.b"}),
    Mutation("breach-dpo-not-notified", OUS, breach_dpo_not_notified, {"audit-breach-alerts-reach-contacts"},
             {"OUS-6.a"}),
    Mutation("breach-controller-not-notified", BOTH, breach_controller_not_notified,
             {"audit-breach-alerts-reach-contacts"}, {"OUS-6.a", "ECG-8"}),
    Mutation("breach-alerts-unrouted", BOTH, breach_alerts_unrouted, {"audit-breach-alerts-reach-contacts"},
             {"OUS-6.a", "ECG-8"}),
]
