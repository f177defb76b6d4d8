"""Which ARM resource each azure-native type token is, and how its inputs map to ARM.

The Python SDK states the API version of each resource (see `sdk.py`, generated into
`api_versions.json`) but not its ARM type, its name path, or where azure-native departs
from ARM's shape; those come from the Azure REST API specs the provider is generated from
and are written here by hand, one entry per token, checked by `tests/arm/test_catalog.py`
(every token the shipped stacks use is here; name parameters are path parameters of the
SDK's getter; every token has an API version).

How azure-native departs from ARM, and how an entry undoes it:
- Path parameters (`resourceGroupName`, `accountName`, `containerName`, `scope`, ...) are
  inputs beside the properties; ARM has them in `name` (child names are `parent/child`),
  in the deployment's resource group, or in `scope`. `names` lists them in URL order.
- Properties are flattened: ARM's `properties` object becomes top-level inputs, and so does
  the `properties` of sub-resources inside arrays (NSG `securityRules[]`, VNet `subnets[]`,
  private endpoint connections). `top_level` names the inputs that stay ARM top-level
  fields; `subresources` the output paths whose items get their `properties` back.
- Some properties are renamed (x-ms-client-name): storage `networkRuleSet` is ARM
  `networkAcls`, `enableHttpsTrafficOnly` is `supportsHttpsTrafficOnly`, a role
  definition's `roleType` is `type`. `renames` maps output paths back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

DEPLOYMENT_TOKEN = "azure-native:resources:Deployment"
"""Not rendered from plans (see `render`); its API version is the nested deployments'."""

TOP = ("location", "tags", "sku", "kind", "identity", "zones", "extendedLocation", "plan", "etag", "managedBy")
"""Inputs that are top-level fields of an ARM resource unless an entry says otherwise."""


@dataclass(frozen=True)
class Segment:
    """One segment of an ARM name: the value of input `key`, else `default` (a fixed segment when key is None)."""

    key: str | None
    default: str | None = None


def n(key: str, default: str | None = None) -> Segment:
    return Segment(key, default)


def lit(value: str) -> Segment:
    return Segment(None, value)


@dataclass(frozen=True)
class ArmType:
    arm_type: str
    """Exact ARM casing; `{input}` is replaced by that input's value (private DNS record sets)."""
    names: tuple[Segment, ...] = ()
    level: str = "group"
    """group: in the resource group named by `resourceGroupName`; subscription: deployed at the
    subscription; scope: an extension resource, placed by the ARM id in `scope_input`."""
    scope_input: str | None = None
    top_level: tuple[str, ...] = TOP
    subresources: tuple[str, ...] = ()
    """Output paths (`a.b[]`) whose items are sub-resources: `name`/`id` stay, the rest goes under `properties`."""
    renames: tuple[tuple[str, str], ...] = ()
    """(output path, ARM key): `networkRuleSet` -> `networkAcls`,
    `networkAcls.ipRules[].iPAddressOrRange` -> `value`."""
    drop: tuple[str, ...] = ()
    """Inputs that are neither path parameters nor ARM properties (client-side options)."""
    fixed: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """Properties the provider always sends for this token."""
    nested_properties: bool = False
    """The token takes ARM `properties` as one input (not flattened)."""
    generated_name: bool = False
    """No name input: the provider picks a GUID; the template uses one derived from the URN."""
    guid_if_absent: bool = False
    """The name input is optional (the provider picks a GUID when it is absent); same as above then."""

    def name_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.names if s.key is not None)

    def path_inputs(self) -> frozenset[str]:
        keys = {*self.name_keys(), "resourceGroupName", "subscriptionId", *self.drop}
        if self.scope_input:
            keys.add(self.scope_input)
        keys.update(part.strip("{}") for part in self.arm_type.split("/") if part.startswith("{"))
        return frozenset(keys)


_SUBRESOURCE = ("name", "id", "etag", "type")
"""Keys of a flattened sub-resource that stay beside its `properties`."""
SUBRESOURCE_KEYS = frozenset(_SUBRESOURCE)

_STORAGE = "Microsoft.Storage/storageAccounts"

TYPES: dict[str, ArmType] = {
    # ------------------------------------------------------------------ resources
    "azure-native:resources:ResourceGroup": ArmType(
        "Microsoft.Resources/resourceGroups", (n("resourceGroupName"),), level="subscription",
    ),
    # ------------------------------------------------------------------ storage
    "azure-native:storage:StorageAccount": ArmType(
        _STORAGE, (n("accountName"),),
        renames=(
            ("networkRuleSet", "networkAcls"),
            ("enableHttpsTrafficOnly", "supportsHttpsTrafficOnly"),
            ("enableNfsV3", "isNfsV3Enabled"),
            ("networkAcls.ipRules[].iPAddressOrRange", "value"),
            ("networkAcls.virtualNetworkRules[].virtualNetworkResourceId", "id"),
            ("encryption.keyVaultProperties", "keyvaultproperties"),
            ("encryption.keyvaultproperties.keyName", "keyname"),
            ("encryption.keyvaultproperties.keyVersion", "keyversion"),
            ("encryption.keyvaultproperties.keyVaultUri", "keyvaulturi"),
        ),
    ),
    "azure-native:storage:BlobServiceProperties": ArmType(
        f"{_STORAGE}/blobServices", (n("accountName"), n("blobServicesName", "default")),
    ),
    "azure-native:storage:BlobContainer": ArmType(
        f"{_STORAGE}/blobServices/containers", (n("accountName"), lit("default"), n("containerName")),
    ),
    "azure-native:storage:BlobContainerImmutabilityPolicy": ArmType(
        f"{_STORAGE}/blobServices/containers/immutabilityPolicies",
        (n("accountName"), lit("default"), n("containerName"), n("immutabilityPolicyName", "default")),
    ),
    "azure-native:storage:ManagementPolicy": ArmType(
        f"{_STORAGE}/managementPolicies", (n("accountName"), n("managementPolicyName", "default")),
    ),
    "azure-native:storage:ObjectReplicationPolicy": ArmType(
        f"{_STORAGE}/objectReplicationPolicies", (n("accountName"), n("objectReplicationPolicyId")),
    ),
    "azure-native:storage:EncryptionScope": ArmType(
        f"{_STORAGE}/encryptionScopes", (n("accountName"), n("encryptionScopeName")),
    ),
    "azure-native:storage:LocalUser": ArmType(f"{_STORAGE}/localUsers", (n("accountName"), n("username"))),
    "azure-native:storage:PrivateEndpointConnection": ArmType(
        f"{_STORAGE}/privateEndpointConnections", (n("accountName"), n("privateEndpointConnectionName")),
    ),
    "azure-native:storage:FileServiceProperties": ArmType(
        f"{_STORAGE}/fileServices", (n("accountName"), n("fileServicesName", "default")),
    ),
    "azure-native:storage:FileShare": ArmType(
        f"{_STORAGE}/fileServices/shares", (n("accountName"), lit("default"), n("shareName")), drop=("expand",),
    ),
    "azure-native:storage:QueueServiceProperties": ArmType(
        f"{_STORAGE}/queueServices", (n("accountName"), n("queueServiceName", "default")),
    ),
    "azure-native:storage:Queue": ArmType(
        f"{_STORAGE}/queueServices/queues", (n("accountName"), lit("default"), n("queueName")),
    ),
    "azure-native:storage:TableServiceProperties": ArmType(
        f"{_STORAGE}/tableServices", (n("accountName"), n("tableServiceName", "default")),
    ),
    "azure-native:storage:Table": ArmType(
        f"{_STORAGE}/tableServices/tables", (n("accountName"), lit("default"), n("tableName")),
    ),
    # ------------------------------------------------------------------ network
    "azure-native:network:NetworkSecurityGroup": ArmType(
        "Microsoft.Network/networkSecurityGroups", (n("networkSecurityGroupName"),),
        subresources=("securityRules[]",),
    ),
    "azure-native:network:SecurityRule": ArmType(
        "Microsoft.Network/networkSecurityGroups/securityRules", (n("networkSecurityGroupName"), n("securityRuleName")),
        drop=("name", "type"),
    ),
    "azure-native:network:VirtualNetwork": ArmType(
        "Microsoft.Network/virtualNetworks", (n("virtualNetworkName"),),
        subresources=("subnets[]", "subnets[].properties.delegations[]", "virtualNetworkPeerings[]"),
    ),
    "azure-native:network:Subnet": ArmType(
        "Microsoft.Network/virtualNetworks/subnets", (n("virtualNetworkName"), n("subnetName")),
        subresources=("delegations[]",), drop=("name", "type"),
    ),
    "azure-native:network:PublicIPAddress": ArmType(
        "Microsoft.Network/publicIPAddresses", (n("publicIpAddressName"),),
    ),
    "azure-native:network:VirtualNetworkGateway": ArmType(
        # ARM keeps a gateway's sku inside properties (unlike a public IP's).
        "Microsoft.Network/virtualNetworkGateways", (n("virtualNetworkGatewayName"),),
        top_level=tuple(k for k in TOP if k != "sku"),
        subresources=(
            "ipConfigurations[]",
            "vpnClientConfiguration.vpnClientRootCertificates[]",
            "vpnClientConfiguration.vpnClientRevokedCertificates[]",
        ),
    ),
    "azure-native:network:LocalNetworkGateway": ArmType(
        "Microsoft.Network/localNetworkGateways", (n("localNetworkGatewayName"),),
    ),
    "azure-native:network:VirtualNetworkGatewayConnection": ArmType(
        # The gateways of a connection are whole (flattened) gateway objects in azure-native.
        "Microsoft.Network/connections", (n("virtualNetworkGatewayConnectionName"),),
        subresources=("virtualNetworkGateway1", "virtualNetworkGateway2", "localNetworkGateway2"),
    ),
    "azure-native:network:PrivateEndpoint": ArmType(
        "Microsoft.Network/privateEndpoints", (n("privateEndpointName"),),
        subresources=("privateLinkServiceConnections[]", "manualPrivateLinkServiceConnections[]", "ipConfigurations[]"),
    ),
    "azure-native:network:PrivateDnsZoneGroup": ArmType(
        "Microsoft.Network/privateEndpoints/privateDnsZoneGroups",
        (n("privateEndpointName"), n("privateDnsZoneGroupName")),
        subresources=("privateDnsZoneConfigs[]",),
    ),
    "azure-native:network:NetworkInterface": ArmType(
        "Microsoft.Network/networkInterfaces", (n("networkInterfaceName"),), subresources=("ipConfigurations[]",),
    ),
    "azure-native:network:RouteTable": ArmType(
        "Microsoft.Network/routeTables", (n("routeTableName"),), subresources=("routes[]",),
    ),
    "azure-native:network:Route": ArmType(
        "Microsoft.Network/routeTables/routes", (n("routeTableName"), n("routeName")), drop=("name", "type"),
    ),
    # ------------------------------------------------------------------ Virtual WAN secured hub
    # ARM keeps these resources' `sku` (and a WAN's `type`) inside properties; rule collections,
    # routing policies and AAD parameters are plain objects, not sub-resources.
    "azure-native:network:VirtualWan": ArmType("Microsoft.Network/virtualWans", (n("virtualWANName"),)),
    "azure-native:network:VirtualHub": ArmType(
        "Microsoft.Network/virtualHubs", (n("virtualHubName"),), top_level=tuple(k for k in TOP if k != "sku"),
    ),
    "azure-native:network:AzureFirewall": ArmType(
        "Microsoft.Network/azureFirewalls", (n("azureFirewallName"),), top_level=tuple(k for k in TOP if k != "sku"),
        subresources=("ipConfigurations[]", "applicationRuleCollections[]", "natRuleCollections[]",
                      "networkRuleCollections[]"),
    ),
    "azure-native:network:FirewallPolicy": ArmType(
        "Microsoft.Network/firewallPolicies", (n("firewallPolicyName"),), top_level=tuple(k for k in TOP if k != "sku"),
    ),
    "azure-native:network:FirewallPolicyRuleCollectionGroup": ArmType(
        "Microsoft.Network/firewallPolicies/ruleCollectionGroups", (n("firewallPolicyName"), n("ruleCollectionGroupName")),
        drop=("name",),
    ),
    "azure-native:network:VpnServerConfiguration": ArmType(
        "Microsoft.Network/vpnServerConfigurations", (n("vpnServerConfigurationName"),), nested_properties=True,
        drop=("name",),
    ),
    "azure-native:network:P2sVpnGateway": ArmType(
        "Microsoft.Network/p2svpnGateways", (n("gatewayName"),), subresources=("p2SConnectionConfigurations[]",),
    ),
    "azure-native:network:RoutingIntent": ArmType(
        "Microsoft.Network/virtualHubs/routingIntent", (n("virtualHubName"), n("routingIntentName")), drop=("name",),
    ),
    "azure-native:network:HubVirtualNetworkConnection": ArmType(
        "Microsoft.Network/virtualHubs/hubVirtualNetworkConnections", (n("virtualHubName"), n("connectionName")),
        drop=("name",),
    ),
    # ------------------------------------------------------------------ DNS private resolver
    "azure-native:dnsresolver:DnsResolver": ArmType("Microsoft.Network/dnsResolvers", (n("dnsResolverName"),)),
    "azure-native:dnsresolver:InboundEndpoint": ArmType(
        "Microsoft.Network/dnsResolvers/inboundEndpoints", (n("dnsResolverName"), n("inboundEndpointName")),
    ),
    # ------------------------------------------------------------------ private DNS
    "azure-native:privatedns:PrivateZone": ArmType("Microsoft.Network/privateDnsZones", (n("privateZoneName"),)),
    "azure-native:privatedns:VirtualNetworkLink": ArmType(
        "Microsoft.Network/privateDnsZones/virtualNetworkLinks", (n("privateZoneName"), n("virtualNetworkLinkName")),
    ),
    "azure-native:privatedns:PrivateRecordSet": ArmType(
        "Microsoft.Network/privateDnsZones/{recordType}", (n("privateZoneName"), n("relativeRecordSetName")),
    ),
    # ------------------------------------------------------------------ authorization
    "azure-native:authorization:RoleDefinition": ArmType(
        "Microsoft.Authorization/roleDefinitions", (n("roleDefinitionId"),), level="scope", scope_input="scope",
        renames=(("roleType", "type"),),
    ),
    "azure-native:authorization:RoleAssignment": ArmType(
        "Microsoft.Authorization/roleAssignments", (n("roleAssignmentName"),), level="scope", scope_input="scope",
    ),
    "azure-native:authorization:PimRoleEligibilitySchedule": ArmType(
        # The provider creates the schedule through a role eligibility schedule *request*
        # (its docstring), always as an admin assignment; ARM deploys that request type.
        "Microsoft.Authorization/roleEligibilityScheduleRequests", (), level="scope", scope_input="scope",
        generated_name=True, fixed=MappingProxyType({"requestType": "AdminAssign"}),
    ),
    "azure-native:authorization:DenyAssignment": ArmType(
        "Microsoft.Authorization/denyAssignments", (n("denyAssignmentId"),), level="scope", scope_input="scope",
        guid_if_absent=True,
    ),
    "azure-native:authorization:PolicyAssignment": ArmType(
        "Microsoft.Authorization/policyAssignments", (n("policyAssignmentName"),), level="scope", scope_input="scope",
    ),
    "azure-native:authorization:PolicyDefinition": ArmType(
        "Microsoft.Authorization/policyDefinitions", (n("policyDefinitionName"),), level="subscription",
    ),
    "azure-native:authorization:ManagementLockAtResourceGroupLevel": ArmType(
        "Microsoft.Authorization/locks", (n("lockName"),),
    ),
    "azure-native:authorization:ManagementLockByScope": ArmType(
        "Microsoft.Authorization/locks", (n("lockName"),), level="scope", scope_input="scope",
    ),
    # ------------------------------------------------------------------ monitor
    "azure-native:monitor:DiagnosticSetting": ArmType(
        "Microsoft.Insights/diagnosticSettings", (n("name"),), level="scope", scope_input="resourceUri",
    ),
    "azure-native:monitor:SubscriptionDiagnosticSetting": ArmType(
        "Microsoft.Insights/diagnosticSettings", (n("name"),), level="subscription",
    ),
    "azure-native:monitor:ActionGroup": ArmType("Microsoft.Insights/actionGroups", (n("actionGroupName"),)),
    "azure-native:monitor:ActivityLogAlert": ArmType(
        "Microsoft.Insights/activityLogAlerts", (n("activityLogAlertName"),),
    ),
    "azure-native:monitor:ScheduledQueryRule": ArmType("Microsoft.Insights/scheduledQueryRules", (n("ruleName"),)),
    "azure-native:monitor:MetricAlert": ArmType("Microsoft.Insights/metricAlerts", (n("ruleName"),)),
    "azure-native:monitor:DataCollectionRule": ArmType(
        "Microsoft.Insights/dataCollectionRules", (n("dataCollectionRuleName"),),
    ),
    # ------------------------------------------------------------------ log analytics
    "azure-native:operationalinsights:Workspace": ArmType(
        # ARM keeps a workspace's sku inside properties.
        "Microsoft.OperationalInsights/workspaces", (n("workspaceName"),),
        top_level=tuple(k for k in TOP if k != "sku"),
    ),
    "azure-native:operationalinsights:Table": ArmType(
        "Microsoft.OperationalInsights/workspaces/tables", (n("workspaceName"), n("tableName")),
    ),
    # ------------------------------------------------------------------ key vault
    "azure-native:keyvault:Vault": ArmType("Microsoft.KeyVault/vaults", (n("vaultName"),), nested_properties=True),
    "azure-native:keyvault:Secret": ArmType(
        "Microsoft.KeyVault/vaults/secrets", (n("vaultName"), n("secretName")), nested_properties=True,
    ),
}

# Custom resources that exist in a plan but have no ARM form, with the reason a reader gets.
NO_ARM_FORM: dict[str, str] = {
    "azure-native:storage:Blob": "a blob is data-plane content uploaded by the provider, not an ARM resource",
    "azure-native:storage:StorageAccountStaticWebsite": "static website hosting is a data-plane setting of the "
    "blob service, not an ARM resource",
}

NO_ARM_PROVIDERS: dict[str, str] = {
    "azuread": "Entra ID object (Microsoft Graph, not Azure Resource Manager): ARM templates cannot create "
    "groups, memberships, applications or Conditional Access policies; checked by the CrossGuard pack only",
    "random": "a value generated by Pulumi's random provider, not an Azure resource",
    "tls": "a key generated by Pulumi's tls provider, not an Azure resource",
    "command": "a local or remote command run by Pulumi, not an Azure resource",
}


_VERSIONED = re.compile(r"^azure-native:(?P<module>[A-Za-z0-9]+)/v(?P<date>\d{8})(?P<preview>preview)?:(?P<kind>\w+)$")


def versioned(token: str) -> tuple[str, str] | None:
    """(base token, API version) of a versioned token: pulumi-azure-native publishes every type once
    per API version as `azure-native:<module>/v<yyyymmdd>[preview]:<Kind>` (e.g.
    `azure-native:storage/v20230101:StorageAccount`, API 2023-01-01); None for a base token."""
    m = _VERSIONED.match(token)
    if m is None:
        return None
    d = m.group("date")
    version = f"{d[:4]}-{d[4:6]}-{d[6:]}" + ("-preview" if m.group("preview") else "")
    return f"azure-native:{m.group('module')}:{m.group('kind')}", version


def base_token(token: str) -> str:
    found = versioned(token)
    return found[0] if found else token


def skip_reason(token: str) -> str | None:
    """Why a custom resource of `token` is not rendered, or None if the catalogue renders it."""
    token = base_token(token)
    if token in TYPES:
        return None
    if token in NO_ARM_FORM:
        return NO_ARM_FORM[token]
    provider = token.split(":", 1)[0]
    if provider in NO_ARM_PROVIDERS:
        return NO_ARM_PROVIDERS[provider]
    if provider == "azure-native":
        return (f"no ARM mapping for {token} in dpaguard/arm/catalog.py yet (add its ARM type and name "
                "parameters, then `python -m dpaguard.arm.sdk --write`)")
    return f"not an Azure Resource Manager resource (provider {provider})"
