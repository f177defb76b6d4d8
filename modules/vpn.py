"""ForcedTunnelVpn: the only way into the data network (OUS-6.1.c, OUS-6.1.e, OUS-6.1.b).

A point-to-site VPN gateway that authenticates with Entra ID over OpenVPN and pushes routes
covering the whole IPv4 space to every client, so no client traffic bypasses the tunnel;
a virtual network whose private-endpoint subnet is fenced by an NSG; and the private DNS
zone the storage private endpoints register in.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network, privatedns, resources

from modules import config, naming

# OUS-6.1.c forced tunnelling: two /1 routes cover all of IPv4 and are more specific than the
# client's own default route, so every destination goes into the tunnel while the client is
# connected (no split tunnelling). The gateway does not forward that traffic to the internet,
# which is what "blocks simultaneous internet access" requires.
FORCED_TUNNEL_ROUTES = ("0.0.0.0/1", "128.0.0.0/1")

# Azure's documented values for Entra ID authentication on a P2S gateway (Azure public cloud):
# the tenant URL without a trailing backslash, the issuer with its trailing slash (without it
# connections fail).
AAD_TENANT_URL = "https://login.microsoftonline.com/{tenant}"
AAD_ISSUER_URL = "https://sts.windows.net/{tenant}/"

HTTPS_PORT = "443"


@dataclass(frozen=True)
class ForcedTunnelVpnArgs:
    """Everything the network needs, as plain validated values."""

    stack: str
    """Stack name, tagged on every resource (naming.TAG_STACK)."""
    prefix: str
    """Stack prefix every Azure name derives from."""
    agreements: tuple[str, ...]
    """Agreements the network serves; tagged (naming.TAG_AGREEMENT) since it is shared by them."""
    location: str
    """Region of every regional resource (norwayeast/norwaywest only, ECG-10)."""
    subscription_id: str
    tenant_id: str
    """Entra ID tenant the VPN authenticates against (OUS-6.1.c)."""
    vnet_cidr: ipaddress.IPv4Network
    gateway_subnet: ipaddress.IPv4Network
    private_endpoint_subnet: ipaddress.IPv4Network
    vpn_client_pool: ipaddress.IPv4Network
    """Addresses handed to VPN clients; the only outside source the NSG lets in."""
    dns_resolver_subnet: ipaddress.IPv4Network
    """Inbound endpoint subnet of the DNS Private Resolver (modules/dns.py), delegated to it."""
    dns_server: ipaddress.IPv4Address
    """The resolver's inbound endpoint address: the VNet's DNS server, so VPN clients receive it."""
    sku: str
    """Zone-redundant (AZ) gateway SKU."""
    generation: str
    """Gateway generation the SKU exists in (config.VPN_GENERATIONS derives it with the SKU)."""
    audience: str
    """Application id of the Azure VPN Client registration (the token audience)."""
    vnet_gateway: bool = True
    """False when point-to-site VPN terminates on the secured hub (modules/egress.py)."""

    @classmethod
    def from_config(cls, cfg: config.StackConfig) -> ForcedTunnelVpnArgs:
        return cls(
            stack=cfg.stack,
            prefix=cfg.prefix,
            agreements=cfg.agreements,
            location=cfg.location,
            subscription_id=cfg.subscription_id,
            tenant_id=cfg.tenant_id,
            vnet_cidr=cfg.network.vnet_cidr,
            gateway_subnet=cfg.network.gateway_subnet,
            private_endpoint_subnet=cfg.network.private_endpoint_subnet,
            vpn_client_pool=cfg.network.vpn_client_pool,
            dns_resolver_subnet=cfg.network.dns_resolver_subnet,
            dns_server=cfg.network.dns_resolver_ip,
            sku=cfg.vpn.sku,
            generation=cfg.vpn.generation,
            audience=cfg.vpn.audience,
            vnet_gateway=cfg.egress is None,
        )


class ForcedTunnelVpn(pulumi.ComponentResource):
    """Network resource group, VNet, NSG, zone-redundant P2S VPN gateway and blob private DNS zone.

    Every id it exposes is an ARM id string built from names, known in a preview.
    """

    resource_group_name: str
    vnet_id: str
    private_endpoint_subnet_id: str
    dns_resolver_subnet_id: str
    blob_dns_zone_id: str
    gateway_id: str | None
    """The VNet gateway, or None when clients connect to the secured hub (modules/egress.py)."""
    gateway_name: str | None
    vnet: pulumi.Resource
    """The VNet (its subnets inline): what the DNS resolver waits for."""
    blob_dns_link: pulumi.Resource
    """The privatelink zone's link to the VNet, which the resolver answers from."""
    private_endpoint_dependencies: list[pulumi.Resource]
    """What a private endpoint in `private_endpoint_subnet_id` must wait for (subnet, NSG, DNS zone, link)."""

    def __init__(self, name: str, args: ForcedTunnelVpnArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("dpaguard:network:ForcedTunnelVpn", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        sub = args.subscription_id
        rg_name = naming.network_resource_group(args.prefix)
        vnet_name = naming.virtual_network(args.prefix)
        nsg_name = naming.private_endpoint_nsg(args.prefix)
        pip_name = naming.vpn_public_ip(args.prefix)
        gateway_name = naming.vpn_gateway(args.prefix)
        tags = {naming.TAG_STACK: args.stack, naming.TAG_AGREEMENT: ",".join(args.agreements)}

        nsg_id = naming.resource_id(sub, rg_name, "Microsoft.Network/networkSecurityGroups", nsg_name)
        pip_id = naming.resource_id(sub, rg_name, "Microsoft.Network/publicIPAddresses", pip_name)
        vnet_id = naming.virtual_network_id(sub, rg_name, vnet_name)
        gateway_subnet_id = naming.subnet_id(sub, rg_name, vnet_name, naming.GATEWAY_SUBNET)
        pe_subnet_id = naming.private_endpoint_subnet_id(sub, args.prefix)
        dns_subnet_id = naming.subnet_id(sub, rg_name, vnet_name, naming.DNS_RESOLVER_SUBNET)
        zone_id = naming.private_dns_zone_id(sub, rg_name, naming.BLOB_PRIVATE_DNS_ZONE)
        gateway_id = naming.resource_id(sub, rg_name, "Microsoft.Network/virtualNetworkGateways", gateway_name)

        group = resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name=rg_name,
            location=args.location,
            tags=tags,
            opts=child,
        )
        in_group = pulumi.ResourceOptions(parent=self, depends_on=[group])

        pe_subnet = str(args.private_endpoint_subnet)
        nsg = network.NetworkSecurityGroup(
            f"{name}-pe-nsg",
            network_security_group_name=nsg_name,
            resource_group_name=rg_name,
            location=args.location,
            security_rules=_private_endpoint_rules(
                pe_subnet, vnet=str(args.vnet_cidr), vpn_clients=str(args.vpn_client_pool)
            ),
            tags=tags,
            opts=in_group,
        )

        # Subnets are declared inline in the VNet rather than as separate `network.Subnet`
        # resources: one resource then owns the whole address layout, so a later update of the
        # VNet never removes or fights over subnets it does not list, and the policy pack sees
        # each subnet's NSG and network policies on the VNet's own inputs.
        vnet = network.VirtualNetwork(
            f"{name}-vnet",
            virtual_network_name=vnet_name,
            resource_group_name=rg_name,
            location=args.location,
            address_space=network.AddressSpaceArgs(address_prefixes=[str(args.vnet_cidr)]),
            # P2S clients do not use Azure DNS (168.63.129.16), so nothing would answer for the
            # privatelink zone: the VNet's DNS server is the Private Resolver's inbound endpoint,
            # which resolves through Azure DNS and the zones linked to this VNet ("Azure DNS
            # Private Resolver endpoints and rulesets"). Clients get the VNet's custom DNS servers
            # with the downloaded profile; where the Azure VPN Client profile lacks them (reported
            # for Entra ID profiles: Azure/ALZ-PowerShell-Module#449), the runbook adds the same
            # address as <dnsservers> (Microsoft Learn "Azure VPN Client optional configuration
            # settings"). Re-download the profile after a change.
            dhcp_options=network.DhcpOptionsArgs(dns_servers=[str(args.dns_server)]),
            subnets=[
                # No NSG on GatewaySubnet: Azure does not support one there for VPN gateways.
                network.SubnetArgs(name=naming.GATEWAY_SUBNET, address_prefix=str(args.gateway_subnet)),
                network.SubnetArgs(
                    name=naming.PRIVATE_ENDPOINT_SUBNET,
                    address_prefix=pe_subnet,
                    network_security_group=network.NetworkSecurityGroupArgs(id=nsg_id),
                    # OUS-6.1.b: NSG rules apply to private endpoints only with network policies enabled.
                    private_endpoint_network_policies=network.VirtualNetworkPrivateEndpointNetworkPolicies.ENABLED,
                    # OUS-6.1.b: nothing in the data subnet gets Azure's implicit outbound internet path.
                    default_outbound_access=False,
                ),
                network.SubnetArgs(
                    name=naming.DNS_RESOLVER_SUBNET,
                    address_prefix=str(args.dns_resolver_subnet),
                    delegations=[
                        network.DelegationArgs(name="dns-resolvers", service_name=naming.DNS_RESOLVER_DELEGATION)
                    ],
                    default_outbound_access=False,
                ),
            ],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[group, nsg]),
        )

        # With a Virtual WAN secured hub (config `egress`, modules/egress.py) clients connect to
        # the hub's P2S gateway; a VNet connected to a hub must not have a gateway of its own
        # (Microsoft Learn "Connect a virtual network to a Virtual WAN hub", prerequisites).
        if args.vnet_gateway:
            # A zone-redundant Standard IP, which the AZ gateway SKUs require.
            pip = network.PublicIPAddress(
                f"{name}-gateway-ip",
                public_ip_address_name=pip_name,
                resource_group_name=rg_name,
                location=args.location,
                sku=network.PublicIPAddressSkuArgs(
                    name=network.PublicIPAddressSkuName.STANDARD,
                    tier=network.PublicIPAddressSkuTier.REGIONAL,
                ),
                public_ip_allocation_method=network.IPAllocationMethod.STATIC,
                public_ip_address_version=network.IPVersion.I_PV4,
                zones=["1", "2", "3"],
                tags=tags,
                opts=in_group,
            )

            network.VirtualNetworkGateway(
                f"{name}-gateway",
                virtual_network_gateway_name=gateway_name,
                resource_group_name=rg_name,
                location=args.location,
                gateway_type=network.VirtualNetworkGatewayType.VPN,
                vpn_type=network.VpnType.ROUTE_BASED,
                # Derived with the SKU (config.VPN_GENERATIONS): VpnGw1AZ exists only as Generation1.
                vpn_gateway_generation=network.VpnGatewayGeneration(args.generation),
                sku=network.VirtualNetworkGatewaySkuArgs(
                    name=network.VirtualNetworkGatewaySkuName(args.sku),
                    tier=network.VirtualNetworkGatewaySkuTier(args.sku),
                ),
                active_active=False,
                enable_bgp=False,
                ip_configurations=[
                    network.VirtualNetworkGatewayIPConfigurationArgs(
                        name="default",
                        private_ip_allocation_method=network.IPAllocationMethod.DYNAMIC,
                        public_ip_address=network.SubResourceArgs(id=pip_id),
                        subnet=network.SubResourceArgs(id=gateway_subnet_id),
                    )
                ],
                vpn_client_configuration=network.VpnClientConfigurationArgs(
                    vpn_client_address_pool=network.AddressSpaceArgs(address_prefixes=[str(args.vpn_client_pool)]),
                    # OUS-6.1.e: OpenVPN (TLS) is the only protocol that carries Entra ID authentication;
                    # no SSTP and no certificate or RADIUS login that would bypass Conditional Access.
                    vpn_client_protocols=[network.VpnClientProtocol.OPEN_VPN],
                    vpn_authentication_types=[network.VpnAuthenticationType.AAD],
                    aad_tenant=AAD_TENANT_URL.format(tenant=args.tenant_id),
                    aad_issuer=AAD_ISSUER_URL.format(tenant=args.tenant_id),
                    aad_audience=args.audience,
                ),
                # OUS-6.1.c: no split tunnelling, see FORCED_TUNNEL_ROUTES.
                custom_routes=network.AddressSpaceArgs(address_prefixes=list(FORCED_TUNNEL_ROUTES)),
                tags=tags,
                opts=pulumi.ResourceOptions(parent=self, depends_on=[vnet, pip]),
            )

        # Private DNS zones are global resources: Azure accepts no other location for them.
        zone = privatedns.PrivateZone(
            f"{name}-blob-dns",
            private_zone_name=naming.BLOB_PRIVATE_DNS_ZONE,
            resource_group_name=rg_name,
            location="global",
            tags=tags,
            opts=in_group,
        )
        link = privatedns.VirtualNetworkLink(
            f"{name}-blob-dns-link",
            virtual_network_link_name=naming.dns_zone_link(args.prefix),
            private_zone_name=naming.BLOB_PRIVATE_DNS_ZONE,
            resource_group_name=rg_name,
            location="global",
            virtual_network=privatedns.SubResourceArgs(id=vnet_id),
            # Only the private endpoints' records belong in the zone, never VM auto-registrations.
            registration_enabled=False,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[zone, vnet]),
        )

        self.resource_group_name = rg_name
        self.vnet_id = vnet_id
        self.private_endpoint_subnet_id = pe_subnet_id
        self.dns_resolver_subnet_id = dns_subnet_id
        self.vnet = vnet
        self.blob_dns_link = link
        self.blob_dns_zone_id = zone_id
        self.gateway_id = gateway_id if args.vnet_gateway else None
        self.gateway_name = gateway_name if args.vnet_gateway else None
        self.private_endpoint_dependencies = [vnet, nsg, zone, link]
        self.register_outputs(
            {
                "resourceGroupName": rg_name,
                "vnetId": vnet_id,
                "privateEndpointSubnetId": pe_subnet_id,
                "dnsResolverSubnetId": dns_subnet_id,
                "blobDnsZoneId": zone_id,
                "gatewayId": self.gateway_id,
                "gatewayName": self.gateway_name,
            }
        )


def _private_endpoint_rules(subnet: str, *, vnet: str, vpn_clients: str) -> list[network.SecurityRuleArgs]:
    """HTTPS to the private endpoints from VPN clients and the VNet; everything else denied.

    OUS-6.1.b: no management port and no source outside the tunnel and the VNet is ever allowed.
    The explicit denies sit above Azure's default rules, whose AllowVnetInBound would otherwise
    admit any peered or gateway-connected range.
    """

    def rule(name: str, priority: int, direction, access, protocol, source: str, destination: str, port: str, why: str):
        return network.SecurityRuleArgs(
            name=name,
            priority=priority,
            direction=direction,
            access=access,
            protocol=protocol,
            source_address_prefix=source,
            source_port_range="*",
            destination_address_prefix=destination,
            destination_port_range=port,
            description=why,
        )

    inbound, outbound = network.SecurityRuleDirection.INBOUND, network.SecurityRuleDirection.OUTBOUND
    allow, deny = network.SecurityRuleAccess.ALLOW, network.SecurityRuleAccess.DENY
    tcp, any_protocol = network.SecurityRuleProtocol.TCP, network.SecurityRuleProtocol.ASTERISK
    return [
        rule("allow-https-from-vpn-clients", 100, inbound, allow, tcp, vpn_clients, subnet, HTTPS_PORT,
             "OUS-6.1.c: storage over HTTPS from VPN clients only"),
        rule("allow-https-from-vnet", 110, inbound, allow, tcp, vnet, subnet, HTTPS_PORT,
             "OUS-6.1.b: storage over HTTPS from inside the VNet"),
        rule("deny-internet-inbound", 4000, inbound, deny, any_protocol, "Internet", "*", "*",
             "OUS-6.1.b: nothing from the internet reaches the data subnet"),
        rule("deny-all-inbound", 4096, inbound, deny, any_protocol, "*", "*", "*",
             "OUS-6.1.b: default deny"),
        rule("deny-internet-outbound", 4000, outbound, deny, any_protocol, "*", "Internet", "*",
             "OUS-6.1.b: data never leaves the secure zone towards the internet"),
    ]
