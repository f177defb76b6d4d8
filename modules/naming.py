"""Azure names and ARM ids derived from config, known before anything exists.

Components pass these strings (not `resource.id` outputs) wherever a scope or a reference
names another resource, and order creation with `depends_on`. A preview then shows every
scope, so the policy pack decides on it instead of deferring on an unknown value.
"""

from __future__ import annotations

import uuid

TAG_AGREEMENT = "dpaguard-agreement"
TAG_STACK = "dpaguard-stack"
TAG_DATA_CLASS = "dpaguard-data-class"
TAG_CONTROLLER = "dpaguard-controller"

# OUS-2 / ECG-3: what a store holds, as a tag every store carries.
DATA_CLASS = {"OUS": "therapy-recordings", "ECG": "ecg-patient-data"}


def subscription_id(sub: str) -> str:
    return f"/subscriptions/{sub}"


def resource_group_id(sub: str, rg: str) -> str:
    return f"{subscription_id(sub)}/resourceGroups/{rg}"


def resource_id(sub: str, rg: str, provider_type: str, *names: str) -> str:
    """ARM id of a resource: `provider_type` like `Microsoft.Storage/storageAccounts/blobServices`,
    one name per type segment after the namespace."""
    namespace, *types = provider_type.split("/")
    if len(types) != len(names):
        raise ValueError(f"{provider_type} needs {len(types)} names, got {len(names)}")
    path = "/".join(f"{t}/{n}" for t, n in zip(types, names, strict=True))
    return f"{resource_group_id(sub, rg)}/providers/{namespace}/{path}"


def storage_account_id(sub: str, rg: str, account: str) -> str:
    return resource_id(sub, rg, "Microsoft.Storage/storageAccounts", account)


def blob_service_id(sub: str, rg: str, account: str) -> str:
    return resource_id(sub, rg, "Microsoft.Storage/storageAccounts/blobServices", account, "default")


def container_id(sub: str, rg: str, account: str, container: str) -> str:
    return resource_id(
        sub, rg, "Microsoft.Storage/storageAccounts/blobServices/containers", account, "default", container
    )


def data_resource_group(prefix: str, agreement: str) -> str:
    # OUS-3: each agreement's data sits in a resource group of its own.
    return f"rg-{prefix}-{agreement.lower()}-data"


def network_resource_group(prefix: str) -> str:
    return f"rg-{prefix}-network"


def audit_resource_group(prefix: str) -> str:
    return f"rg-{prefix}-audit"


def recordings_container(controller_id: str) -> str:
    return f"rec-{controller_id}"


def scores_container(controller_id: str) -> str:
    return f"scores-{controller_id}"


def ecg_container(controller_id: str) -> str:
    return f"ecg-{controller_id}"


def ous_account(prefix: str) -> str:
    return f"{prefix}rec"


def ecg_account(prefix: str, shard: int) -> str:
    return f"{prefix}ecg{shard:02d}"


# ---------------------------------------------------------------- network (vpn.py)

# Azure requires exactly this name for the subnet a virtual network gateway lives in.
GATEWAY_SUBNET = "GatewaySubnet"
PRIVATE_ENDPOINT_SUBNET = "private-endpoints"
DNS_RESOLVER_SUBNET = "dns-resolver-inbound"
# Microsoft Learn "Azure DNS Private Resolver endpoints and rulesets": the inbound endpoint's
# subnet is delegated to this service and holds nothing else.
DNS_RESOLVER_DELEGATION = "Microsoft.Network/dnsResolvers"
# The zone Azure resolves `<account>.blob.core.windows.net` through for private endpoints.
BLOB_PRIVATE_DNS_ZONE = "privatelink.blob.core.windows.net"


def virtual_network(prefix: str) -> str:
    return f"vnet-{prefix}"


def private_endpoint_nsg(prefix: str) -> str:
    return f"nsg-{prefix}-{PRIVATE_ENDPOINT_SUBNET}"


def vpn_gateway(prefix: str) -> str:
    return f"vpngw-{prefix}"


def vpn_public_ip(prefix: str) -> str:
    return f"pip-{prefix}-vpngw"


def dns_zone_link(prefix: str) -> str:
    return f"link-{prefix}-vnet"


def virtual_wan(prefix: str) -> str:
    return f"vwan-{prefix}"


def virtual_hub(prefix: str) -> str:
    return f"vhub-{prefix}"


def hub_firewall(prefix: str) -> str:
    return f"afw-{prefix}-hub"


def firewall_policy(prefix: str) -> str:
    return f"afwp-{prefix}-egress"


def p2s_gateway(prefix: str) -> str:
    return f"p2sgw-{prefix}"


def vpn_server_configuration(prefix: str) -> str:
    return f"vpnsc-{prefix}-entra"


def dns_resolver(prefix: str) -> str:
    return f"dnspr-{prefix}"


def dns_inbound_endpoint(prefix: str) -> str:
    return f"in-{prefix}-vpn-clients"


def virtual_network_id(sub: str, rg: str, vnet: str) -> str:
    return resource_id(sub, rg, "Microsoft.Network/virtualNetworks", vnet)


def subnet_id(sub: str, rg: str, vnet: str, subnet: str) -> str:
    return resource_id(sub, rg, "Microsoft.Network/virtualNetworks/subnets", vnet, subnet)


def private_endpoint_subnet_id(sub: str, prefix: str) -> str:
    """ARM id of the subnet every private endpoint of the stack goes in (modules/vpn.py creates it)."""
    return subnet_id(sub, network_resource_group(prefix), virtual_network(prefix), PRIVATE_ENDPOINT_SUBNET)


def private_dns_zone_id(sub: str, rg: str, zone: str) -> str:
    return resource_id(sub, rg, "Microsoft.Network/privateDnsZones", zone)


# ------------------------------------------------------------ authorization (roles.py)

# Fixed namespace for every GUID-named object dpa-guard creates (role definitions, role
# assignments): the same inputs give the same GUID in every run, so a plan never churns names.
GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "dpa-guard")


def stable_guid(*parts: str) -> str:
    return str(uuid.uuid5(GUID_NAMESPACE, "/".join(parts)))


# The stack's custom roles (modules/roles.py defines one RoleDefinition of each) and the ones the
# program grants by role assignment. The deployer's ABAC condition allows writing and deleting role
# assignments of exactly ASSIGNED_ROLES (deploy_rights.deployer_condition), and the policy register
# hands both to the pack (config.StackConfig.policy_register), so they are written here, pulumi-free.
ROLE_KINDS = ("uploader", "reader", "operator", "deployer")
ASSIGNED_ROLES = ("uploader", "reader")


def role_guid(sub: str, prefix: str, kind: str) -> str:
    """The GUID of one of the stack's custom roles (ROLE_KINDS): the same in every run."""
    return stable_guid(sub, prefix, "role", kind)


def role_name(prefix: str, kind: str) -> str:
    """The roleName of one of the stack's custom roles; the pack reads its kind from the last word."""
    return f"dpa-guard {prefix} {kind}"


def role_definition_id(sub: str, guid: str) -> str:
    """ARM id of a custom role defined at subscription scope."""
    return f"{subscription_id(sub)}/providers/Microsoft.Authorization/roleDefinitions/{guid}"


def policy_definition_id(guid: str) -> str:
    """ARM id of a built-in Azure Policy definition."""
    return f"/providers/Microsoft.Authorization/policyDefinitions/{guid}"


# ------------------------------------------------------- storage and audit (storage.py, audit.py)

def private_endpoint(account: str) -> str:
    return f"pe-{account}-blob"


def private_endpoint_nic(account: str) -> str:
    return f"{private_endpoint(account)}-nic"


def private_endpoint_id(sub: str, rg: str, account: str) -> str:
    return resource_id(sub, rg, "Microsoft.Network/privateEndpoints", private_endpoint(account))


def log_workspace(prefix: str) -> str:
    return f"log-{prefix}-audit"


def log_workspace_id(sub: str, prefix: str) -> str:
    return resource_id(
        sub, audit_resource_group(prefix), "Microsoft.OperationalInsights/workspaces", log_workspace(prefix)
    )


def breach_action_group(prefix: str, agreement: str, index: int) -> str:
    return f"ag-{prefix}-{agreement.lower()}-breach-{index:02d}"


def breach_action_group_id(sub: str, prefix: str, agreement: str, index: int) -> str:
    return resource_id(
        sub, audit_resource_group(prefix), "Microsoft.Insights/actionGroups",
        breach_action_group(prefix, agreement, index),
    )


def storage_admin_alert(prefix: str, agreement: str, index: int) -> str:
    return f"alert-{prefix}-{agreement.lower()}-storage-admin-{index:02d}"


def denied_access_alert(prefix: str, agreement: str, index: int) -> str:
    return f"alert-{prefix}-{agreement.lower()}-denied-access-{index:02d}"
