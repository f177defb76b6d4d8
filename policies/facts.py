"""The facts both engines read: written once, imported by nothing.

The CrossGuard pack (`policies/*`) and the checkov checks (`policies/checkov/*`, loaded by
file path from `_dpa.py`) stay independent in logic but read their facts from here, and
tests/policies/test_facts.py asserts that what each engine reads is the same. This module
imports nothing so checkov can load it without the pack on its path.

What the agreements fix lives here, never only in the register (`--policy-pack-config`):
a forgotten config must not turn a clause into a pass.
"""

# ECG-6 / ECG-10 / OUS-6.1.b: data and every resource in Norway. Azure's Norwegian regions,
# each the other's pair (Microsoft Learn, "Azure cross-region replication pairings").
NORWAY_REGIONS = ("norwayeast", "norwaywest")
# Norwegian regions with availability zones (Microsoft Learn "Azure regions list": Norway East
# three zones, Norway West none). The same set as modules/config.ZONE_REGIONS (a test keeps them
# equal; the pack cannot import modules/).
ZONE_REGIONS = frozenset({"norwayeast"})
REGION_PAIR = {
    "norwayeast": "norwaywest",
    "norwaywest": "norwayeast",
    "swedencentral": "swedensouth",
    "northeurope": "westeurope",
    "westeurope": "northeurope",
}

# ECG-10: EU member states, Iceland, Liechtenstein and Norway (ISO 3166-1 alpha-2).
EEA_COUNTRIES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split()
)

# OUS-6.1.e: storage accepts TLS 1.2 or newer (azure-native MinimumTlsVersion values).
MODERN_TLS = ("TLS1_2", "TLS1_3")

# RFC 1918 and RFC 4193 ranges: what "private" means for routes, NSG sources and VPN pools.
PRIVATE_RANGES = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")

# OUS-6.1.d, ScubaGear MS.AAD.3.1/3.6: the built-in "Phishing-resistant MFA" authentication strength
# (Microsoft Learn, "Built-in authentication strengths"; ScubaGear's test data shows it as Id
# 00000000-0000-0000-0000-000000000004 with AllowedCombinations windowsHelloForBusiness, fido2,
# x509CertificateMultiFactor, exactly the set `IsPhishingResistantMFA` in Rego/Utils/AAD.rego accepts).
# modules/access.py keeps its own copy, prefixed as pulumi-azuread wants it (tests/policies/test_facts.py).
PHISHING_RESISTANT_STRENGTH = "00000000-0000-0000-0000-000000000004"
# OUS-6.1.d: built-in authentication strengths that require MFA (Microsoft Graph
# authenticationStrengthPolicy ids: MFA, passwordless MFA, phishing-resistant MFA).
MFA_STRENGTHS = (
    "00000000-0000-0000-0000-000000000002",
    "00000000-0000-0000-0000-000000000003",
    PHISHING_RESISTANT_STRENGTH,
)
# ScubaGear aad.md "Highly Privileged Roles", as Entra role template ids (Microsoft Learn, "Microsoft
# Entra built-in roles"; ScubaGear Sample-Reports/ProviderSettingsExport.json `privileged_roles`).
# modules/access.py keeps the same dict (the program cannot import the pack; a test keeps them equal).
HIGHLY_PRIVILEGED_ROLES = {
    "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
    "Privileged Role Administrator": "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "User Administrator": "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "SharePoint Administrator": "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    "Exchange Administrator": "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "Hybrid Identity Administrator": "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
    "Application Administrator": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "Cloud Application Administrator": "158c047a-c907-4556-b7ef-446551a6b5f7",
}
AZURE_MANAGEMENT_APP = "797f4846-ba00-4fd7-ba43-dac1f8f63013"

# OUS-6.2 / OUS-6.1.a: built-in Azure roles too broad for any task here, by GUID (Microsoft
# Learn, "Azure built-in roles").
PRIVILEGED_ROLES = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635": "Owner",
    "b24988ac-6180-42a0-ab88-20f7382dd24c": "Contributor",
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9": "User Access Administrator",
    "f58310d9-a9f6-439a-9e8d-f62e7b41a168": "Role Based Access Control Administrator",
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "17d1049b-9a84-46fb-8f53-869881c3d3ab": "Storage Account Contributor",
    "c12c1c16-33a1-487b-954d-41c89c60f349": "Reader and Data Access",
}
# Built-in roles that are data roles (blob data actions, or account keys that open the data).
BUILTIN_DATA_ROLES = {
    "b7e6dc6d-f1e8-4753-8033-0f276bb0955b": "Storage Blob Data Owner",
    "ba92f5b4-2d11-453d-a403-e96b0029c9fe": "Storage Blob Data Contributor",
    "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1": "Storage Blob Data Reader",
    "c12c1c16-33a1-487b-954d-41c89c60f349": "Reader and Data Access",
    "17d1049b-9a84-46fb-8f53-869881c3d3ab": "Storage Account Contributor",
}

# The one role that deploys the program (`<prefix> deployer`, modules/roles.py) writes of
# Microsoft.Authorization only role assignments, which its eligibility's ABAC condition bounds
# (rbac-delegation-constrained). It exists only as expiring PIM eligibility
# (rbac-operator-elevation-time-bound). Role definitions, PIM eligibility requests and policy
# assignments are owner-managed (modules/deploy_rights.py OWNER_MANAGED_TYPES: no condition can
# bound them, Microsoft Learn "Authorization actions and attributes"); they and every other
# Microsoft.Authorization write (elevateAccess, deny assignments, locks, exemptions, policy
# definitions) stay refused.
DEPLOYER_AUTHZ_WRITES = ("microsoft.authorization/roleassignments/",)

# Built-in Azure Policy definitions "Allowed locations" and "Allowed locations for resource groups".
ALLOWED_LOCATIONS_DEFINITIONS = {
    "e56962a6-4747-49cd-b67b-bf8b01975c4c": "Allowed locations",
    "e765b5de-1225-4ba3-bd56-1ac6695af988": "Allowed locations for resource groups",
}

# ------------------------------------------------------------------ resource types

# Types whose location Azure requires (or accepts) to be `global`: DNS resolution, an alert
# definition or a notification list, never stored health data. Front Door, CDN and Traffic
# Manager are global too but carry traffic through edges outside Norway: not listed.
GLOBAL_TYPES = frozenset({
    "azure-native:privatedns:PrivateZone",
    "azure-native:privatedns:VirtualNetworkLink",
    "azure-native:dns:Zone",
    "azure-native:monitor:ActionGroup",
    "azure-native:monitor:ActivityLogAlert",
    "azure-native:monitor:MetricAlert",
})
GLOBAL_ARM_TYPES = frozenset({
    "microsoft.network/privatednszones",
    "microsoft.network/privatednszones/virtualnetworklinks",
    "microsoft.network/dnszones",
    "microsoft.insights/actiongroups",
    "microsoft.insights/activitylogalerts",
    "microsoft.insights/metricalerts",
})

# The closed world (governance-closed-world): the only types a DPA stack may contain. Each is
# one the pack understands: some policy reads its data-bearing properties, or it carries no
# data and no access (a DNS link, a lock). Anything else, in any provider, is refused.
# Versioned azure-native tokens (`azure-native:storage/v20230101:StorageAccount`) are read as
# their base type first (policies/lib.base_type).
KNOWN_TYPES = frozenset({
    # stack, components, providers
    "pulumi:pulumi:Stack",
    "pulumi:providers:azure-native",
    "pulumi:providers:azuread",
    "pulumi:providers:random",
    # resources
    "azure-native:resources:ResourceGroup",
    "azure-native:storage:StorageAccount",
    "azure-native:storage:BlobServiceProperties",
    "azure-native:storage:BlobContainer",
    "azure-native:storage:ManagementPolicy",
    # network (modules/vpn.py; egress and DNS of issue 10)
    "azure-native:network:VirtualNetwork",
    "azure-native:network:Subnet",
    "azure-native:network:NetworkSecurityGroup",
    "azure-native:network:PublicIPAddress",
    "azure-native:network:VirtualNetworkGateway",
    "azure-native:network:PrivateEndpoint",
    "azure-native:network:PrivateDnsZoneGroup",
    "azure-native:network:RouteTable",
    "azure-native:network:Route",
    "azure-native:network:AzureFirewall",
    "azure-native:network:FirewallPolicy",
    "azure-native:network:FirewallPolicyRuleCollectionGroup",
    "azure-native:network:VirtualWan",
    "azure-native:network:VirtualHub",
    "azure-native:network:HubRouteTable",
    "azure-native:network:HubVirtualNetworkConnection",
    "azure-native:network:RoutingIntent",
    "azure-native:network:VpnServerConfiguration",
    "azure-native:network:P2sVpnGateway",
    "azure-native:dnsresolver:DnsResolver",
    "azure-native:dnsresolver:InboundEndpoint",
    "azure-native:privatedns:PrivateZone",
    "azure-native:privatedns:VirtualNetworkLink",
    # audit
    "azure-native:operationalinsights:Workspace",
    "azure-native:monitor:DiagnosticSetting",
    "azure-native:monitor:SubscriptionDiagnosticSetting",
    "azure-native:monitor:ActionGroup",
    "azure-native:monitor:ActivityLogAlert",
    "azure-native:monitor:ScheduledQueryRule",
    "azure-native:monitor:MetricAlert",
    "azure-native:aadiam:DiagnosticSetting",  # issue 14 (G): Entra ID logs, read by audit-entra-logs-to-workspace
    # access
    "azure-native:authorization:RoleDefinition",
    "azure-native:authorization:RoleAssignment",
    "azure-native:authorization:PimRoleEligibilitySchedule",
    "azure-native:authorization:PolicyAssignment",
    "azure-native:authorization:ManagementLockAtResourceGroupLevel",
    "azure-native:authorization:ManagementLockAtResourceLevel",
    "azuread:index/group:Group",
    "azuread:index/groupMember:GroupMember",
    "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy",
    "azuread:index/namedLocation:NamedLocation",
})
# Components of this program (`dpaguard:<area>:<Name>`) create nothing themselves.
COMPONENT_PREFIX = "dpaguard:"

# Shapes refused by name, with the reason a reader gets (all also outside KNOWN_TYPES).
REFUSED_TYPES = {
    "azure-native:resources:Resource": "a generic resource of any ARM type, unseen by every policy",
    "azure-native:authorization:PolicyExemption": "a policy exemption switches off the allowed-locations "
    "assignment (or any other) for part of the subscription",
    "azure-native:authorization:DenyAssignment": "a deny assignment can block a controller's access (OUS-11)",
    "azuread:index/directoryRoleAssignment:DirectoryRoleAssignment": "an Entra directory role (e.g. Global "
    "Administrator) can grant itself any Azure role and change Conditional Access",
    "azuread:index/directoryRole:DirectoryRole": "activates an Entra directory role (see DirectoryRoleAssignment)",
    "azuread:index/directoryRoleEligibilityScheduleRequest:DirectoryRoleEligibilityScheduleRequest":
    "PIM eligibility for an Entra directory role (see DirectoryRoleAssignment)",
    "azuread:index/directoryRoleMember:DirectoryRoleMember": "membership of an Entra directory role",
    "azuread:index/customDirectoryRole:CustomDirectoryRole": "a custom Entra directory role",
    "azuread:index/administrativeUnitRoleMember:AdministrativeUnitRoleMember": "an Entra directory role "
    "scoped to an administrative unit",
    "azuread:index/appRoleAssignment:AppRoleAssignment": "an app role (e.g. Microsoft Graph "
    "RoleManagement.ReadWrite.Directory) grants directory rights outside the stack's groups",
}
# Whole providers the pack does not read: the classic provider and azapi reach every ARM type.
REFUSED_PREFIXES = {
    "azure-native:resources:Deployment": "a nested ARM deployment (or deployment stack) creates whatever its "
    "inline template says, unseen by every policy",
    "azure:": "the classic azure provider (pulumi-azure): its types are not read by the pack",
    "azapi:": "azapi sends any ARM body unseen by the pack",
    "pulumi:providers:azure": "the classic azure provider (pulumi-azure)",
    "pulumi:providers:azapi": "the azapi provider",
}

# Regional types: the KNOWN_TYPES whose SDK resource has a `location` input (global ones
# included: they must say `global`); tests/policies/test_facts.py derives this set from the
# installed SDK. A regional resource without an explicit location is refused: azure-native
# would fill it in from the resource group or the provider config, which the plan can't show.
REGIONAL_TYPES = frozenset({
    "azure-native:authorization:PolicyAssignment",
    "azure-native:dnsresolver:DnsResolver",
    "azure-native:dnsresolver:InboundEndpoint",
    "azure-native:monitor:ActionGroup",
    "azure-native:monitor:ActivityLogAlert",
    "azure-native:monitor:MetricAlert",
    "azure-native:monitor:ScheduledQueryRule",
    "azure-native:network:AzureFirewall",
    "azure-native:network:FirewallPolicy",
    "azure-native:network:NetworkSecurityGroup",
    "azure-native:network:PrivateEndpoint",
    "azure-native:network:PublicIPAddress",
    "azure-native:network:RouteTable",
    "azure-native:network:VirtualHub",
    "azure-native:network:VirtualNetwork",
    "azure-native:network:VirtualNetworkGateway",
    "azure-native:network:VirtualWan",
    "azure-native:network:P2sVpnGateway",
    "azure-native:network:VpnServerConfiguration",
    "azure-native:operationalinsights:Workspace",
    "azure-native:privatedns:PrivateZone",
    "azure-native:privatedns:VirtualNetworkLink",
    "azure-native:resources:ResourceGroup",
    "azure-native:storage:StorageAccount",
})
# The same set as checkov sees it (ARM resource types, lower case), for policies/checkov.
REGIONAL_ARM_TYPES = frozenset({
    "microsoft.resources/resourcegroups",
    "microsoft.storage/storageaccounts",
    "microsoft.network/virtualnetworks",
    "microsoft.network/networksecuritygroups",
    "microsoft.network/publicipaddresses",
    "microsoft.network/virtualnetworkgateways",
    "microsoft.network/privateendpoints",
    "microsoft.network/routetables",
    "microsoft.network/azurefirewalls",
    "microsoft.network/firewallpolicies",
    "microsoft.network/virtualwans",
    "microsoft.network/virtualhubs",
    "microsoft.network/p2svpngateways",
    "microsoft.network/vpnserverconfigurations",
    "microsoft.network/dnsresolvers",
    "microsoft.network/dnsresolvers/inboundendpoints",
    "microsoft.operationalinsights/workspaces",
    "microsoft.insights/scheduledqueryrules",
    "microsoft.insights/actiongroups",
    "microsoft.insights/activitylogalerts",
    "microsoft.insights/metricalerts",
    "microsoft.network/privatednszones",
    "microsoft.network/privatednszones/virtualnetworklinks",
    "microsoft.authorization/policyassignments",
})
