"""What `pulumi up` of this program needs from Azure Resource Manager: the deployer role's actions.

A fact module (no Pulumi, no imports of the components): the ARM resource types the program
deploys, the RBAC namespace each is authorised under, and the linked-access actions ARM
checks when one resource references another. `deployer_actions(secured_hub)` derives the
role from them for the stack's configuration; `tests/schemas/test_deploy_rights.py` checks,
per stack, that the role's types are exactly the ARM types of the rendered plan (`dpaguard
arm`), so a new resource type cannot slip in without its rights, and no right stays for a
type the stack does not deploy.

Sources: Microsoft Learn "Azure resource provider operations" (per-namespace operation
tables: `Microsoft.Resources/subscriptions/resourceGroups/write`, `.../join/action`,
`Microsoft.Storage/storageAccounts/PrivateEndpointConnectionsApproval/action`, ...), and
"Azure RBAC: linked access checks" / "Permissions for ... private endpoint" for the join
actions a referencing resource needs on the referenced one.
"""

from __future__ import annotations

# ARM resource type (as in a template) -> (RBAC operation prefix, verbs the program uses).
# Deleting is part of deploying: an `up` removes what config no longer lists (ended
# agreements' role assignments, OUS-8). Role eligibility is removed by an AdminRemove
# *request* (a write), so that type has no delete.
DEPLOYED_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "Microsoft.Resources/resourceGroups": ("Microsoft.Resources/subscriptions/resourceGroups", ("read", "write", "delete")),
    "Microsoft.Storage/storageAccounts": ("Microsoft.Storage/storageAccounts", ("read", "write", "delete")),
    "Microsoft.Storage/storageAccounts/blobServices": ("Microsoft.Storage/storageAccounts/blobServices", ("read", "write")),
    "Microsoft.Storage/storageAccounts/blobServices/containers": (
        "Microsoft.Storage/storageAccounts/blobServices/containers", ("read", "write", "delete")),
    "Microsoft.Storage/storageAccounts/managementPolicies": (
        "Microsoft.Storage/storageAccounts/managementPolicies", ("read", "write", "delete")),
    "Microsoft.Network/networkSecurityGroups": ("Microsoft.Network/networkSecurityGroups", ("read", "write", "delete")),
    "Microsoft.Network/virtualNetworks": ("Microsoft.Network/virtualNetworks", ("read", "write", "delete")),
    "Microsoft.Network/publicIPAddresses": ("Microsoft.Network/publicIPAddresses", ("read", "write", "delete")),
    "Microsoft.Network/virtualNetworkGateways": ("Microsoft.Network/virtualNetworkGateways", ("read", "write", "delete")),
    "Microsoft.Network/privateEndpoints": ("Microsoft.Network/privateEndpoints", ("read", "write", "delete")),
    "Microsoft.Network/privateEndpoints/privateDnsZoneGroups": (
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups", ("read", "write", "delete")),
    "Microsoft.Network/privateDnsZones": ("Microsoft.Network/privateDnsZones", ("read", "write", "delete")),
    "Microsoft.Network/privateDnsZones/virtualNetworkLinks": (
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks", ("read", "write", "delete")),
    "Microsoft.Network/dnsResolvers": ("Microsoft.Network/dnsResolvers", ("read", "write", "delete")),
    "Microsoft.Network/dnsResolvers/inboundEndpoints": (
        "Microsoft.Network/dnsResolvers/inboundEndpoints", ("read", "write", "delete")),
    "Microsoft.OperationalInsights/workspaces": ("Microsoft.OperationalInsights/workspaces", ("read", "write", "delete")),
    "Microsoft.Insights/diagnosticSettings": ("Microsoft.Insights/diagnosticSettings", ("read", "write", "delete")),
    "Microsoft.Insights/actionGroups": ("Microsoft.Insights/actionGroups", ("read", "write", "delete")),
    "Microsoft.Insights/activityLogAlerts": ("Microsoft.Insights/activityLogAlerts", ("read", "write", "delete")),
    "Microsoft.Insights/scheduledQueryRules": ("Microsoft.Insights/scheduledQueryRules", ("read", "write", "delete")),
    "Microsoft.Authorization/roleDefinitions": ("Microsoft.Authorization/roleDefinitions", ("read", "write", "delete")),
    "Microsoft.Authorization/roleAssignments": ("Microsoft.Authorization/roleAssignments", ("read", "write", "delete")),
    "Microsoft.Authorization/roleEligibilityScheduleRequests": (
        "Microsoft.Authorization/roleEligibilityScheduleRequests", ("read", "write")),
    "Microsoft.Authorization/policyAssignments": ("Microsoft.Authorization/policyAssignments", ("read", "write", "delete")),
}

# The Virtual WAN secured hub (modules/egress.py), deployed only with config `egress`.
HUB_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    t: (t, ("read", "write", "delete"))
    for t in (
        "Microsoft.Network/virtualWans",
        "Microsoft.Network/virtualHubs",
        "Microsoft.Network/virtualHubs/hubVirtualNetworkConnections",
        "Microsoft.Network/virtualHubs/routingIntent",
        "Microsoft.Network/azureFirewalls",
        "Microsoft.Network/firewallPolicies",
        "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
        "Microsoft.Network/vpnServerConfigurations",
        "Microsoft.Network/p2svpnGateways",
    )
}
HUB_LINKED_ACTIONS: tuple[tuple[str, str], ...] = (
    ("Microsoft.Network/firewallPolicies/join/action", "the hub firewall uses the firewall policy"),
    ("Microsoft.Network/virtualNetworks/peer/action", "the hub connection peers the hub with the VNet"),
)
# Without a VNet gateway (secured hub), its public IP and the join on it are not deployed.
VNET_GATEWAY_TYPES = ("Microsoft.Network/publicIPAddresses", "Microsoft.Network/virtualNetworkGateways")

# Linked access: ARM checks an action on the *referenced* resource when another one points at it.
LINKED_ACTIONS: tuple[tuple[str, str], ...] = (
    ("Microsoft.Network/virtualNetworks/subnets/join/action",
     "private endpoints, the VPN gateway and the DNS resolver's inbound endpoint are placed in subnets"),
    ("Microsoft.Network/networkSecurityGroups/join/action", "the private-endpoint subnet carries the NSG"),
    ("Microsoft.Network/publicIPAddresses/join/action", "the VPN gateway uses the public IP"),
    ("Microsoft.Network/virtualNetworks/join/action", "the DNS resolver and the zone link attach to the VNet"),
    ("Microsoft.Storage/storageAccounts/PrivateEndpointConnectionsApproval/action",
     "a private endpoint to the stack's own account is approved on creation"),
    ("Microsoft.Insights/actionGroups/read", "alerts reference the breach action groups"),
    ("Microsoft.Authorization/policyDefinitions/read", "the allowed-locations assignments reference built-in definitions"),
)

# Reads `pulumi up` does besides the resources themselves: the subscription's provider registrations.
EXTRA_READS: tuple[tuple[str, str], ...] = (
    ("Microsoft.Resources/subscriptions/read", "the provider resolves the subscription"),
    ("Microsoft.Resources/subscriptions/resourceGroups/read", "every resource group the program deploys into"),
)


def deployed_types(secured_hub: bool = False) -> dict[str, tuple[str, tuple[str, ...]]]:
    """ARM type -> (RBAC prefix, verbs) of what the program deploys in this configuration."""
    if not secured_hub:
        return dict(DEPLOYED_TYPES)
    types = {t: v for t, v in DEPLOYED_TYPES.items() if t not in VNET_GATEWAY_TYPES}
    types.update(HUB_TYPES)
    return types


def deployer_actions(secured_hub: bool = False) -> tuple[str, ...]:
    """Every management-plane action of the deployer role, sorted, without duplicates or wildcards."""
    actions = {f"{prefix}/{verb}" for prefix, verbs in deployed_types(secured_hub).values() for verb in verbs}
    linked = [*LINKED_ACTIONS, *(HUB_LINKED_ACTIONS if secured_hub else ())]
    if secured_hub:
        linked = [(a, why) for a, why in linked if a != "Microsoft.Network/publicIPAddresses/join/action"]
    actions.update(a for a, _ in linked)
    actions.update(a for a, _ in EXTRA_READS)
    return tuple(sorted(actions))
