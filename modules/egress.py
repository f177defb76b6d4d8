"""SecuredHubEgress: point-to-site VPN on a Virtual WAN secured hub, internet only via Azure Firewall (OUS-6.1.c).

Why a Virtual WAN hub and not a firewall behind the VNet gateway: with the VNet gateway's
forced tunnel (0.0.0.0/1 + 128.0.0.0/1) clients' internet traffic reaches the gateway and
is dropped; steering it on to a firewall would need a 0.0.0.0/0 route on GatewaySubnet,
which Microsoft Learn "About VPN Gateway configuration settings" (Gateway subnet) lists as
unsupported. The documented design for point-to-site internet traffic through an inspection
point is a Virtual WAN hub with routing intent: "When an Internet Traffic Routing Policy is
configured on a Virtual WAN hub, all branch (Remote User VPN (Point-to-site VPN), ...)
connections ... forward Internet-bound traffic to the Azure Firewall" and the hub advertises
0.0.0.0/0 to them (Microsoft Learn "How to configure Virtual WAN Hub routing intent and
routing policies"; "Configure forced tunneling for Virtual WAN Point-to-site VPN";
"Securing internet access with routing intent", direct-access mode, GA in Azure public cloud).

What clients may reach (OUS-6.1.c blocks *simultaneous internet access*, not the services an
operator must use): Entra ID sign-in, Azure Resource Manager, Microsoft Graph and the Pulumi
state backend, by FQDN over HTTPS (application rules); everything else is denied by the
firewall's default action, and both verdicts are logged to the audit workspace (OUS-6.b).
No network rule may match the clients' traffic, not even a deny-all: Azure Firewall applies
network rules before application rules whatever their priorities, and rules are terminating
(Microsoft Learn "Azure Firewall rule processing logic", "Azure Firewall Policy rule sets"),
so a network deny-all would refuse the allowed services too. Unmatched traffic is denied by
default ("By default, Azure Firewall denies all traffic until you manually configure rules"). IPv6: the client pool and the
hub are IPv4 only; see docs/runbook.md for how a client's native IPv6 is handled.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import monitor, network

from modules import config, naming
from modules.vpn import AAD_ISSUER_URL, AAD_TENANT_URL  # the same Entra ID values (Azure VPN Client)

# The services an operator needs while connected, by FQDN (Azure Firewall application rules
# match the TLS SNI). Microsoft Learn: "Microsoft identity platform and OAuth 2.0" / "Azure
# AD authentication endpoints" (login.microsoftonline.com, the Entra ID token endpoint that
# az and MSAL use), "Azure Resource Manager overview" (management.azure.com), "Microsoft
# Graph service root endpoints" (graph.microsoft.com). The state backend is per stack.
ENTRA_FQDNS = ("login.microsoftonline.com",)
ARM_FQDNS = ("management.azure.com",)
GRAPH_FQDNS = ("graph.microsoft.com",)
HTTPS = 443

# Logs of a hub firewall and of a Virtual WAN P2S gateway (Microsoft Learn "Monitoring data
# reference for Azure Firewall" resource-specific tables; "Monitoring Azure Virtual WAN - data
# reference", P2S VPN gateway diagnostics).
FIREWALL_LOG_CATEGORIES = ("AZFWApplicationRule", "AZFWNetworkRule", "AZFWThreatIntel", "AZFWDnsQuery")
P2S_GATEWAY_LOG_CATEGORIES = ("GatewayDiagnosticLog", "IKEDiagnosticLog", "P2SDiagnosticLog")


ALLOW_PRIORITY = 200


@dataclass(frozen=True)
class SecuredHubEgressArgs:
    """Everything the hub needs, as plain validated values."""

    stack: str
    prefix: str
    agreements: tuple[str, ...]
    location: str
    """Region of the hub, its firewall and gateway (norwayeast: zones for the firewall, ECG-10)."""
    subscription_id: str
    tenant_id: str
    resource_group_name: str
    """The network resource group (modules/vpn.py creates it)."""
    vnet_id: str
    """The VNet with the private endpoints and the DNS resolver, connected to the hub."""
    hub_address_prefix: ipaddress.IPv4Network
    vpn_client_pool: ipaddress.IPv4Network
    audience: str
    dns_server: str
    """The DNS Private Resolver's inbound endpoint, handed to P2S clients (modules/dns.py)."""
    allowed_fqdns: tuple[tuple[str, tuple[str, ...]], ...]
    """(rule name, FQDNs) the firewall lets VPN clients reach over HTTPS; nothing else."""
    workspace_id: str
    """The audit Log Analytics workspace (modules/audit.py)."""

    @classmethod
    def from_config(cls, cfg: config.StackConfig, *, resource_group_name: str, vnet_id: str, dns_server: str,
                    workspace_id: str) -> SecuredHubEgressArgs:
        if cfg.egress is None:
            raise config.ConfigError("egress", "is required for the secured hub")
        return cls(
            stack=cfg.stack,
            prefix=cfg.prefix,
            agreements=cfg.agreements,
            location=cfg.location,
            subscription_id=cfg.subscription_id,
            tenant_id=cfg.tenant_id,
            resource_group_name=resource_group_name,
            vnet_id=vnet_id,
            hub_address_prefix=cfg.egress.hub_address_prefix,
            vpn_client_pool=cfg.network.vpn_client_pool,
            audience=cfg.vpn.audience,
            dns_server=dns_server,
            allowed_fqdns=(
                ("entra-id-sign-in", ENTRA_FQDNS),
                ("azure-resource-manager", ARM_FQDNS),
                ("microsoft-graph", GRAPH_FQDNS),
                ("pulumi-state-backend", cfg.egress.state_backend_fqdns),
            ),
            workspace_id=workspace_id,
        )


class SecuredHubEgress(pulumi.ComponentResource):
    """Virtual WAN, secured hub (Azure Firewall + routing intent), Entra ID P2S gateway, VNet connection."""

    hub_id: str
    firewall_id: str
    firewall_policy_id: str
    gateway_id: str
    """The hub's point-to-site gateway (what clients connect to)."""

    def __init__(self, name: str, args: SecuredHubEgressArgs, wait_for: list[pulumi.Resource] | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("dpaguard:network:SecuredHubEgress", name, None, opts)
        sub, rg = args.subscription_id, args.resource_group_name
        tags = {naming.TAG_STACK: args.stack, naming.TAG_AGREEMENT: ",".join(args.agreements)}
        wan_name, hub_name = naming.virtual_wan(args.prefix), naming.virtual_hub(args.prefix)
        policy_name, fw_name = naming.firewall_policy(args.prefix), naming.hub_firewall(args.prefix)
        gw_name, sc_name = naming.p2s_gateway(args.prefix), naming.vpn_server_configuration(args.prefix)
        wan_id = naming.resource_id(sub, rg, "Microsoft.Network/virtualWans", wan_name)
        hub_id = naming.resource_id(sub, rg, "Microsoft.Network/virtualHubs", hub_name)
        policy_id = naming.resource_id(sub, rg, "Microsoft.Network/firewallPolicies", policy_name)
        fw_id = naming.resource_id(sub, rg, "Microsoft.Network/azureFirewalls", fw_name)
        sc_id = naming.resource_id(sub, rg, "Microsoft.Network/vpnServerConfigurations", sc_name)
        gw_id = naming.resource_id(sub, rg, "Microsoft.Network/p2svpnGateways", gw_name)
        first = list(wait_for or [])
        clients = str(args.vpn_client_pool)

        wan = network.VirtualWan(
            f"{name}-wan",
            virtual_wan_name=wan_name,
            resource_group_name=rg,
            location=args.location,
            # Standard: hubs with firewalls, P2S gateways and routing intent need it.
            type="Standard",
            disable_vpn_encryption=False,
            allow_branch_to_branch_traffic=False,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=first),
        )
        hub = network.VirtualHub(
            f"{name}-hub",
            virtual_hub_name=hub_name,
            resource_group_name=rg,
            location=args.location,
            address_prefix=str(args.hub_address_prefix),
            virtual_wan=network.SubResourceArgs(id=wan_id),
            sku="Standard",
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[wan]),
        )

        policy = network.FirewallPolicy(
            f"{name}-policy",
            firewall_policy_name=policy_name,
            resource_group_name=rg,
            location=args.location,
            sku=network.FirewallPolicySkuArgs(tier=network.FirewallPolicySkuTier.STANDARD),
            # Known-malicious destinations are refused even among the allowed services.
            threat_intel_mode=network.AzureFirewallThreatIntelMode.DENY,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=first),
        )
        rules = network.FirewallPolicyRuleCollectionGroup(
            f"{name}-rules",
            rule_collection_group_name="vpn-client-egress",
            firewall_policy_name=policy_name,
            resource_group_name=rg,
            priority=ALLOW_PRIORITY,
            rule_collections=[
                network.FirewallPolicyFilterRuleCollectionArgs(
                    rule_collection_type="FirewallPolicyFilterRuleCollection",
                    name="allow-operator-services",
                    priority=ALLOW_PRIORITY,
                    action=network.FirewallPolicyFilterRuleCollectionActionArgs(
                        type=network.FirewallPolicyFilterRuleCollectionActionType.ALLOW),
                    rules=[
                        network.ApplicationRuleArgs(
                            rule_type="ApplicationRule",
                            name=rule_name,
                            description=f"OUS-6.1.c: VPN clients may reach {rule_name} over HTTPS, nothing else",
                            source_addresses=[clients],
                            protocols=[network.FirewallPolicyRuleApplicationProtocolArgs(
                                protocol_type=network.FirewallPolicyRuleApplicationProtocolType.HTTPS, port=HTTPS)],
                            target_fqdns=list(fqdns),
                        )
                        for rule_name, fqdns in args.allowed_fqdns
                    ],
                ),
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )

        firewall = network.AzureFirewall(
            f"{name}-firewall",
            azure_firewall_name=fw_name,
            resource_group_name=rg,
            location=args.location,
            sku=network.AzureFirewallSkuArgs(name=network.AzureFirewallSkuName.AZF_W_HUB,
                                             tier=network.AzureFirewallSkuTier.STANDARD),
            virtual_hub=network.SubResourceArgs(id=hub_id),
            hub_ip_addresses=network.HubIPAddressesArgs(public_ips=network.HubPublicIPAddressesArgs(count=1)),
            firewall_policy=network.SubResourceArgs(id=policy_id),
            # Zone-redundant like the rest of the network (norwayeast has three zones, config checks).
            zones=["1", "2", "3"],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[hub, policy, rules]),
        )

        server_config = network.VpnServerConfiguration(
            f"{name}-vpn-config",
            vpn_server_configuration_name=sc_name,
            resource_group_name=rg,
            location=args.location,
            properties=network.VpnServerConfigurationPropertiesArgs(
                # OUS-6.1.e: OpenVPN with Entra ID (Conditional Access applies), nothing else.
                vpn_protocols=[network.VpnGatewayTunnelingProtocol.OPEN_VPN],
                vpn_authentication_types=[network.VpnAuthenticationType.AAD],
                aad_authentication_parameters=network.AadAuthenticationParametersArgs(
                    aad_tenant=AAD_TENANT_URL.format(tenant=args.tenant_id),
                    aad_issuer=AAD_ISSUER_URL.format(tenant=args.tenant_id),
                    aad_audience=args.audience,
                ),
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=first),
        )
        gateway = network.P2sVpnGateway(
            f"{name}-p2s-gateway",
            gateway_name=gw_name,
            resource_group_name=rg,
            location=args.location,
            virtual_hub=network.SubResourceArgs(id=hub_id),
            vpn_server_configuration=network.SubResourceArgs(id=sc_id),
            vpn_gateway_scale_unit=1,
            # Clients resolve the private endpoints through the DNS resolver (modules/dns.py).
            custom_dns_servers=[args.dns_server],
            p2_s_connection_configurations=[
                network.P2SConnectionConfigurationArgs(
                    name="vpn-clients",
                    vpn_client_address_pool=network.AddressSpaceArgs(address_prefixes=[clients]),
                    # Internet security on: clients get the hub's default route (forced tunnel), so
                    # their internet traffic goes to the firewall ("Configure forced tunneling for
                    # Virtual WAN Point-to-site VPN").
                    enable_internet_security=True,
                )
            ],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[hub, server_config, firewall]),
        )

        routing = network.RoutingIntent(
            f"{name}-routing-intent",
            routing_intent_name="egress-through-firewall",
            virtual_hub_name=hub_name,
            resource_group_name=rg,
            routing_policies=[
                network.RoutingPolicyArgs(name="InternetTraffic", destinations=["Internet"], next_hop=fw_id),
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[firewall]),
        )

        network.HubVirtualNetworkConnection(
            f"{name}-vnet-connection",
            connection_name=f"conn-{args.prefix}-vnet",
            virtual_hub_name=hub_name,
            resource_group_name=rg,
            remote_virtual_network=network.SubResourceArgs(id=args.vnet_id),
            # The VNet holds only private endpoints and the resolver: its internet traffic, if
            # any, is inspected too; the hub reaches the VNet, the VNet uses no hub gateway.
            enable_internet_security=True,
            allow_hub_to_remote_vnet_transit=True,
            allow_remote_vnet_to_use_hub_vnet_gateways=True,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[hub, routing, *first]),
        )

        # OUS-6.b: every allowed and denied connection, and who connected to the VPN. The firewall
        # writes resource-specific tables (AZFWApplicationRule, ...: "Dedicated"); the P2S gateway's
        # categories have only the AzureDiagnostics table (Microsoft Learn "Supported logs for
        # Microsoft.Network/p2sVpnGateways"), so its setting asks for no destination type.
        for key, target, resource, categories, destination in (
            ("firewall", fw_id, firewall, FIREWALL_LOG_CATEGORIES, "Dedicated"),
            ("p2s-gateway", gw_id, gateway, P2S_GATEWAY_LOG_CATEGORIES, None),
        ):
            monitor.DiagnosticSetting(
                f"{name}-{key}-diag",
                name="dpaguard-audit",
                resource_uri=target,
                workspace_id=args.workspace_id,
                log_analytics_destination_type=destination,
                logs=[monitor.DiagnosticsLogSettingsArgs(category=c, enabled=True) for c in categories],
                metrics=[monitor.DiagnosticsMetricSettingsArgs(category="AllMetrics", enabled=True)],
                opts=pulumi.ResourceOptions(parent=self, depends_on=[resource, *first]),
            )

        self.hub_id = hub_id
        self.firewall_id = fw_id
        self.firewall_policy_id = policy_id
        self.gateway_id = gw_id
        self.register_outputs({"hubId": hub_id, "firewallId": fw_id, "firewallPolicyId": policy_id,
                               "p2sGatewayId": gw_id})
