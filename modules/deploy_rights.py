"""What `pulumi up` of this program needs from Azure Resource Manager: the deployer role's actions.

A fact module (no Pulumi, no imports of the components): the ARM resource types the program
deploys, the RBAC namespace each is authorised under, and the linked-access actions ARM
checks when one resource references another. `deployer_actions(secured_hub)` derives the
role from them for the stack's configuration; `tests/schemas/test_deploy_rights.py` checks,
per stack, that the role writes exactly the ARM types of the rendered plan (`dpaguard arm`)
but the owner-managed ones, which it only reads, so a new resource type cannot slip in without
its rights, and no right stays for a type the stack does not deploy.

Sources: Microsoft Learn "Azure resource provider operations" (per-namespace operation
tables: `Microsoft.Resources/subscriptions/resourceGroups/write`, `.../join/action`,
`Microsoft.Storage/storageAccounts/PrivateEndpointConnectionsApproval/action`, ...), and
"Azure RBAC: linked access checks" / "Permissions for ... private endpoint" for the join
actions a referencing resource needs on the referenced one.
"""

from __future__ import annotations

from collections.abc import Iterable

# ARM resource type (as in a template) -> (RBAC operation prefix, verbs the deployer uses).
# Deleting is part of deploying: an `up` removes what config no longer lists (ended
# agreements' role assignments, OUS-8).
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
    "Microsoft.Authorization/roleAssignments": ("Microsoft.Authorization/roleAssignments", ("read", "write", "delete")),
}

# Owner-managed: ARM types the program deploys but the deployer only reads (`pulumi up` reads them
# to diff). An `up` that creates, changes or removes one is run by the subscription owner (the
# identity that runs the bootstrap `up`), never by an activated deployer: no ABAC condition can bound
# these writes, because conditions target only roleAssignments/write and /delete (Microsoft Learn
# "Authorization actions and attributes", Authorization actions). The built-in Contributor withholds
# the same writes: notActions `Microsoft.Authorization/*/Write` ("Create roles, role assignments,
# policy assignments, ...") and `Microsoft.Authorization/*/Delete` (Microsoft Learn "Azure built-in
# roles for General", Contributor).
# ARM type -> (RBAC operation prefix, why the deployer may not write it).
OWNER_MANAGED_TYPES: dict[str, tuple[str, str]] = {
    "Microsoft.Authorization/roleDefinitions": (
        "Microsoft.Authorization/roleDefinitions",
        "a writer could widen the uploader or reader role, which the deployer's condition lets it assign, "
        "or any other custom role (even to `*`)"),
    "Microsoft.Authorization/roleEligibilityScheduleRequests": (
        "Microsoft.Authorization/roleEligibilityScheduleRequests",
        "a writer could make anyone, itself included, eligible for any role, Owner included; Microsoft Learn "
        "\"Assign Azure resource roles in Privileged Identity Management\": Owner and User Access Administrator "
        "manage PIM for Azure resources"),
    "Microsoft.Authorization/policyAssignments": (
        "Microsoft.Authorization/policyAssignments",
        "a writer could delete or widen the allowed-locations assignments that keep every resource in Norway "
        "(ECG-10, OUS-6.1.b) and then deploy anywhere"),
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


# The deployer writes and deletes role assignments because the program manages them (the
# controllers' uploader/reader grants, removed again when an agreement ends). Unconditioned,
# `roleAssignments/write` lets whoever activates the role assign Owner to anyone. Its PIM
# eligibility therefore carries an Azure ABAC condition (`deployer_condition`) of the shape
# Microsoft Learn documents in "Examples to delegate Azure role assignment management with
# conditions" (Example: Constrain roles): write is checked against the *request's* role
# definition id, delete against the *existing* assignment's (attribute sources Request and
# Resource, "Authorization actions and attributes"); every other action passes through.
ROLE_ASSIGNMENTS = "Microsoft.Authorization/roleAssignments"
CONDITION_VERSION = "2.0"
"""Role Assignments - Create (REST 2022-04-01): "Currently the only accepted value is '2.0'"."""

# What stays residual (OUS-6.2): the condition bounds *which roles* the deployer assigns, not *to
# whom*: an activated deployer can give the uploader or reader role of any container in the data
# resource groups (the roles' assignable scopes) to any principal. Every such write or delete raises
# the data resource group's activity-log alert (modules/audit.py WATCHED_OPERATIONS). And whether
# Azure enforces a condition set on a PIM eligibility after activation is not documented as
# supported (Microsoft Learn "Delegate Azure access management to others", Known issues):
# docs/runbook.md step 0 has the owner verify it. Role definitions, eligibility requests and policy
# assignments are not residual any more: they are OWNER_MANAGED_TYPES.


def deployer_condition(assignable_role_guids: Iterable[str]) -> str:
    """The deployer's ABAC condition: role assignments may be written and deleted only for these
    role definition GUIDs (sorted, without duplicates); every other action is unaffected.

    Microsoft Learn "Examples to delegate Azure role assignment management with conditions",
    Example: Constrain roles (the one-line form of its Azure PowerShell tab)."""
    guids = sorted({g.lower() for g in assignable_role_guids})
    if not guids:
        raise ValueError("the deployer must be allowed to assign at least one role")
    ids = "{" + ", ".join(guids) + "}"
    return (
        f"((!(ActionMatches{{'{ROLE_ASSIGNMENTS}/write'}})) OR "
        f"(@Request[{ROLE_ASSIGNMENTS}:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {ids})) AND "
        f"((!(ActionMatches{{'{ROLE_ASSIGNMENTS}/delete'}})) OR "
        f"(@Resource[{ROLE_ASSIGNMENTS}:RoleDefinitionId] ForAnyOfAnyValues:GuidEquals {ids}))"
    )


def deployed_types(secured_hub: bool = False) -> dict[str, tuple[str, tuple[str, ...]]]:
    """ARM type -> (RBAC prefix, verbs) of what the deployer writes in this configuration (every type the
    program deploys but OWNER_MANAGED_TYPES)."""
    if not secured_hub:
        return dict(DEPLOYED_TYPES)
    types = {t: v for t, v in DEPLOYED_TYPES.items() if t not in VNET_GATEWAY_TYPES}
    types.update(HUB_TYPES)
    return types


def deployer_actions(secured_hub: bool = False) -> tuple[str, ...]:
    """Every management-plane action of the deployer role, sorted, without duplicates or wildcards:
    read, write and delete of what it deploys, only read of the owner-managed types."""
    actions = {f"{prefix}/{verb}" for prefix, verbs in deployed_types(secured_hub).values() for verb in verbs}
    actions.update(f"{prefix}/read" for prefix, _ in OWNER_MANAGED_TYPES.values())
    linked = [*LINKED_ACTIONS, *(HUB_LINKED_ACTIONS if secured_hub else ())]
    if secured_hub:
        linked = [(a, why) for a, why in linked if a != "Microsoft.Network/publicIPAddresses/join/action"]
    actions.update(a for a, _ in linked)
    actions.update(a for a, _ in EXTRA_READS)
    return tuple(sorted(actions))
