"""VpnClientDns: name resolution of the private endpoints for point-to-site VPN clients (OUS-6.1.b/c).

With public network access disabled, `<account>.blob.core.windows.net` is reachable only at
its private endpoint, and only a resolver that sees the `privatelink.blob.core.windows.net`
zone returns that address. Azure DNS (168.63.129.16) answers only inside the VNet; VPN
clients cannot query it. An Azure DNS Private Resolver's inbound endpoint can: it has an
address in the VNet, resolves with Azure DNS and every private zone linked to that VNet
(Microsoft Learn "What is Azure DNS Private Resolver?", "Azure DNS Private Resolver
endpoints and rulesets"). modules/vpn.py sets that address as the VNet's DNS server (handed
to clients with the VPN profile; docs/runbook.md says how to check the profile carries it) and
delegates the endpoint's subnet to the resolver service; modules/egress.py sets it as the hub
P2S gateway's custom DNS server.

How a connected client resolves `ousklrec.blob.core.windows.net` (docs/runbook.md):
client -> inbound endpoint (VNet DNS server, through the tunnel) -> Azure DNS: public CNAME
`ousklrec.privatelink.blob.core.windows.net` -> linked private zone A record -> the private
endpoint's 10.x address -> HTTPS through the tunnel to the private endpoint.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import dnsresolver

from modules import config, naming


@dataclass(frozen=True)
class VpnClientDnsArgs:
    """Where the resolver lives and the one address it answers on."""

    stack: str
    prefix: str
    agreements: tuple[str, ...]
    subscription_id: str
    location: str
    """Region of the resolver (norwayeast/norwaywest only, ECG-10); the VNet's region."""
    resource_group_name: str
    """The network resource group (modules/vpn.py)."""
    vnet_id: str
    subnet_id: str
    """The inbound endpoint's subnet, delegated to Microsoft.Network/dnsResolvers (modules/vpn.py)."""
    address: ipaddress.IPv4Address
    """Static address of the inbound endpoint: the VNet's DNS server, so it must never move."""

    @classmethod
    def from_config(cls, cfg: config.StackConfig, *, resource_group_name: str, vnet_id: str,
                    subnet_id: str) -> VpnClientDnsArgs:
        return cls(
            stack=cfg.stack,
            prefix=cfg.prefix,
            agreements=cfg.agreements,
            subscription_id=cfg.subscription_id,
            location=cfg.location,
            resource_group_name=resource_group_name,
            vnet_id=vnet_id,
            subnet_id=subnet_id,
            address=cfg.network.dns_resolver_ip,
        )


class VpnClientDns(pulumi.ComponentResource):
    """A DNS Private Resolver in the VNet with one inbound endpoint at a static address."""

    resolver_id: str
    inbound_endpoint_id: str
    address: str

    def __init__(self, name: str, args: VpnClientDnsArgs, wait_for: list[pulumi.Resource] | None = None,
                 opts: pulumi.ResourceOptions | None = None):
        super().__init__("dpaguard:network:VpnClientDns", name, None, opts)
        tags = {naming.TAG_STACK: args.stack, naming.TAG_AGREEMENT: ",".join(args.agreements)}
        resolver_name = naming.dns_resolver(args.prefix)
        endpoint_name = naming.dns_inbound_endpoint(args.prefix)
        resolver = dnsresolver.DnsResolver(
            f"{name}-resolver",
            dns_resolver_name=resolver_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            virtual_network=dnsresolver.SubResourceArgs(id=args.vnet_id),
            tags=tags,
            # The VNet (with the delegated subnet) and the privatelink zone's link must exist first.
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(wait_for or [])),
        )
        dnsresolver.InboundEndpoint(
            f"{name}-inbound",
            inbound_endpoint_name=endpoint_name,
            dns_resolver_name=resolver_name,
            resource_group_name=args.resource_group_name,
            location=args.location,
            ip_configurations=[
                dnsresolver.IpConfigurationArgs(
                    subnet=dnsresolver.SubResourceArgs(id=args.subnet_id),
                    # Static: the VNet's DNS server setting names this address.
                    private_ip_allocation_method=dnsresolver.IpAllocationMethod.STATIC,
                    private_ip_address=str(args.address),
                )
            ],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[resolver]),
        )
        sub, rg = args.subscription_id, args.resource_group_name
        self.resolver_id = naming.resource_id(sub, rg, "Microsoft.Network/dnsResolvers", resolver_name)
        self.inbound_endpoint_id = naming.resource_id(sub, rg, "Microsoft.Network/dnsResolvers/inboundEndpoints",
                                                      resolver_name, endpoint_name)
        self.address = str(args.address)
        self.register_outputs({"resolverId": self.resolver_id, "inboundEndpointId": self.inbound_endpoint_id,
                               "address": self.address})
