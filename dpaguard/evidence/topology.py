"""The topology picture: an inline SVG generated from the plan, for a reader who is not an engineer.

Drawn: the regions the resources sit in (and where replicas go), the virtual network with its
subnets, the point-to-site VPN gateway with its client pool and whether it forces the tunnel
(routes covering 0.0.0.0/0 pushed to clients: Microsoft Learn, "About point-to-site VPN
routing", custom routes / forced tunneling) or, on a Virtual WAN secured hub, the hub's P2S
gateway (forced when every connection configuration has internet security on and the hub's
routing intent sends Internet traffic to its Azure Firewall: Microsoft Learn "Configure forced
tunneling for Virtual WAN Point-to-site VPN", "How to configure Virtual WAN Hub routing intent
and routing policies"), the egress rule, the storage accounts with their
network exposure and private endpoints, the audit workspace, and the groups that can reach
each account. Everything is laid out on a fixed grid, so the same plan gives the same bytes.
"""

from __future__ import annotations

import ipaddress
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from typing import Any

from dpaguard.evidence.access import Review

ACCOUNT = "azure-native:storage:StorageAccount"
VNET = "azure-native:network:VirtualNetwork"
GATEWAY = "azure-native:network:VirtualNetworkGateway"
ENDPOINT = "azure-native:network:PrivateEndpoint"
NSG = "azure-native:network:NetworkSecurityGroup"
WORKSPACE = "azure-native:operationalinsights:Workspace"
FIREWALL = "azure-native:network:AzureFirewall"
HUB_GATEWAY = "azure-native:network:P2sVpnGateway"
SERVER_CONFIG = "azure-native:network:VpnServerConfiguration"
ROUTING_INTENT = "azure-native:network:RoutingIntent"
RULE_GROUP = "azure-native:network:FirewallPolicyRuleCollectionGroup"

# Azure's region pairs for the Norway regions (Microsoft Learn, "Azure region pairs and nonpaired regions").
PAIRS = {"norwayeast": "norwaywest", "norwaywest": "norwayeast"}
GEO_SKUS = ("GRS", "GZRS")


@dataclass
class Store:
    name: str
    location: str
    sku: str
    public: str
    private_endpoint: bool
    readers: list[str] = field(default_factory=list)


@dataclass
class Topology:
    regions: list[str]
    vnet: str
    address_space: list[str]
    subnets: list[tuple[str, str, list[str]]]
    """name, prefix, what sits in it"""
    gateway: str
    client_pool: list[str]
    protocols: list[str]
    auth: list[str]
    forced_tunnel: bool
    egress: str
    egress_blocked: bool
    stores: list[Store]
    workspace: str
    workspace_location: str
    egress_allowed: list[str] = field(default_factory=list)
    hub: bool = False
    """Clients connect to a Virtual WAN hub's P2S gateway (connected to the VNet), not a gateway in GatewaySubnet."""
    """Destinations the egress firewall lets VPN clients reach (FQDNs of its allow rules); empty: none."""


def _get(mapping: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(mapping, Mapping):
            return None
        mapping = mapping.get(key)
    return mapping


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def forces_tunnel(prefixes: Sequence[str]) -> bool:
    """Whether routes pushed to VPN clients cover the whole IPv4 internet (so nothing leaves beside the tunnel)."""
    nets = []
    for p in prefixes:
        try:
            nets.append(ipaddress.ip_network(p, strict=False))
        except ValueError:
            continue
    v4 = sorted(n for n in nets if isinstance(n, ipaddress.IPv4Network))
    collapsed = list(ipaddress.collapse_addresses(v4))
    return collapsed == [ipaddress.IPv4Network("0.0.0.0/0")]


def model(resources: Sequence[Mapping[str, Any]], review: Review) -> Topology:
    """The picture's content from the plan's resources (raw_resources of dpaguard.evidence.access)."""
    by_type: dict[str, list[Mapping[str, Any]]] = {}
    for r in resources:
        by_type.setdefault(str(r["type"]), []).append(r)
    locations = sorted({str(r["inputs"]["location"]) for r in resources
                        if isinstance(r["inputs"].get("location"), str) and r["inputs"]["location"] != "global"})
    vnet = by_type.get(VNET, [{}])[0]
    vi = vnet.get("inputs", {}) if vnet else {}
    gw = by_type.get(GATEWAY, [{}])[0]
    gi = gw.get("inputs", {}) if gw else {}
    inside: dict[str, list[str]] = {}
    for ip in gi.get("ipConfigurations") or []:
        subnet = str(_get(ip, "subnet", "id") or "").rsplit("/", 1)[-1]
        inside.setdefault(subnet, []).append(f"VPN gateway {gi.get('virtualNetworkGatewayName', '?')} "
                                             f"({', '.join(_strings(_get(gi, 'vpnClientConfiguration', 'vpnClientProtocols')))})")
    for pe in by_type.get(ENDPOINT, []):
        subnet = str(_get(pe["inputs"], "subnet", "id") or "").rsplit("/", 1)[-1]
        targets = [str(_get(c, "privateLinkServiceId") or "").rsplit("/", 1)[-1]
                   for c in pe["inputs"].get("privateLinkServiceConnections") or [] if isinstance(c, dict)]
        inside.setdefault(subnet, []).append("private endpoint of " + ", ".join(targets))
    subnets = [(str(s.get("name", "?")), str(s.get("addressPrefix", "?")), sorted(inside.get(str(s.get("name")), [])))
               for s in vi.get("subnets") or [] if isinstance(s, dict)]
    routes = _strings(_get(gi, "customRoutes", "addressPrefixes"))
    gateway = str(gi.get("virtualNetworkGatewayName", "no VPN gateway"))
    client_pool = _strings(_get(gi, "vpnClientConfiguration", "vpnClientAddressPool", "addressPrefixes"))
    protocols = _strings(_get(gi, "vpnClientConfiguration", "vpnClientProtocols"))
    auth = _strings(_get(gi, "vpnClientConfiguration", "vpnAuthenticationTypes"))
    forced = forces_tunnel(routes)
    hub = by_type.get(HUB_GATEWAY, [{}])[0]
    hi = hub.get("inputs", {}) if hub else {}
    if hi and not gi:
        # Virtual WAN secured hub (modules/egress.py): no custom routes; the hub advertises 0.0.0.0/0.
        configs = [c for c in hi.get("p2SConnectionConfigurations") or [] if isinstance(c, dict)]
        gateway = f"{hi.get('gatewayName', '?')} (Virtual WAN hub)"
        client_pool = [p for c in configs for p in _strings(_get(c, "vpnClientAddressPool", "addressPrefixes"))]
        sc = by_type.get(SERVER_CONFIG, [{}])[0]
        sp = _get(sc.get("inputs", {}) if sc else {}, "properties")
        protocols = _strings(_get(sp, "vpnProtocols"))
        auth = _strings(_get(sp, "vpnAuthenticationTypes"))
        to_firewall = any(
            "internet" in [d.lower() for d in _strings(_get(p, "destinations"))]
            and "/azurefirewalls/" in str(_get(p, "nextHop") or "").lower()
            for ri in by_type.get(ROUTING_INTENT, []) for p in ri["inputs"].get("routingPolicies") or []
            if isinstance(p, dict))
        forced = bool(configs) and all(c.get("enableInternetSecurity") is True for c in configs) and to_firewall
    egress, blocked = "outbound internet not restricted in the plan", False
    allowed: list[str] = []
    if by_type.get(FIREWALL):
        fw = by_type[FIREWALL][0]["inputs"]
        egress, blocked = f"egress through Azure Firewall {fw.get('azureFirewallName', '')}".strip(), True
        for group in by_type.get(RULE_GROUP, []):
            for coll in group["inputs"].get("ruleCollections") or []:
                if isinstance(coll, dict) and str(_get(coll, "action", "type") or "").lower() == "allow":
                    allowed += [f for rule in coll.get("rules") or [] for f in _strings(_get(rule, "targetFqdns"))]
        if allowed:
            egress = f"only named services, through Azure Firewall {fw.get('azureFirewallName', '')}; rest denied"
    else:
        for nsg in by_type.get(NSG, []):
            for rule in nsg["inputs"].get("securityRules") or []:
                if isinstance(rule, dict) and rule.get("direction") == "Outbound" and rule.get("access") == "Deny" \
                        and rule.get("destinationAddressPrefix") in ("Internet", "*"):
                    egress, blocked = f"NSG {nsg['inputs'].get('networkSecurityGroupName', '')}: outbound to " \
                                      "the internet denied", True
    endpoints = {str(_get(c, "privateLinkServiceId") or "").rsplit("/", 1)[-1].lower()
                 for pe in by_type.get(ENDPOINT, []) for c in pe["inputs"].get("privateLinkServiceConnections") or []
                 if isinstance(c, dict)}
    stores = []
    for acc in by_type.get(ACCOUNT, []):
        ai = acc["inputs"]
        name = str(ai.get("accountName") or acc["urn"].rsplit("::", 1)[-1])
        store = Store(name, str(ai.get("location", "?")), str(_get(ai, "sku", "name") or "?"),
                      str(ai.get("publicNetworkAccess", "not set")), name.lower() in endpoints)
        for g in review.grants:
            if g.kind == "assignment" and g.scope.split("/", 1)[0].split(" ", 1)[0].lower() == name.lower():
                store.readers.append(g.principal)
        store.readers = sorted(set(store.readers))
        stores.append(store)
    stores.sort(key=lambda s: s.name)
    ws = by_type.get(WORKSPACE, [{}])[0]
    wi = ws.get("inputs", {}) if ws else {}
    regions = list(locations)
    for s in stores:
        if any(geo in s.sku for geo in GEO_SKUS) and PAIRS.get(s.location) and PAIRS[s.location] not in regions:
            regions.append(PAIRS[s.location])
    return Topology(
        regions=sorted(regions),
        vnet=str(vi.get("virtualNetworkName", "no virtual network")),
        address_space=_strings(_get(vi, "addressSpace", "addressPrefixes")),
        subnets=subnets,
        gateway=gateway,
        client_pool=client_pool,
        protocols=protocols,
        auth=auth,
        forced_tunnel=forced,
        egress=egress,
        egress_blocked=blocked,
        stores=stores,
        workspace=str(wi.get("workspaceName", "no audit workspace")),
        workspace_location=str(wi.get("location", "?")),
        egress_allowed=sorted(set(allowed)),
        hub=bool(hi) and not gi,
    )


# ----------------------------------------------------------------------------- drawing

_W = 960


class _Svg:
    def __init__(self) -> None:
        self.parts: list[str] = []

    def box(self, x: int, y: int, w: int, h: int, cls: str, title: str, lines: Sequence[str] = ()) -> None:
        self.parts.append(f'<rect class="{cls}" x="{x}" y="{y}" width="{w}" height="{h}" rx="6"/>')
        self.text(x + 8, y + 18, title, "t")
        for i, line in enumerate(lines):
            self.text(x + 8, y + 36 + 16 * i, line, "s")

    def text(self, x: int, y: int, text: str, cls: str) -> None:
        self.parts.append(f'<text class="{cls}" x="{x}" y="{y}">{escape(text)}</text>')

    def line(self, x1: int, y1: int, x2: int, y2: int, cls: str, label: str = "") -> None:
        self.parts.append(f'<line class="{cls}" x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" marker-end="url(#arrow)"/>')
        if label:
            self.text((x1 + x2) // 2 + 4, (y1 + y2) // 2 - 4, label, "s")


def _wrapped(text: str, width: int, lines: int) -> list[str]:
    out = textwrap.wrap(text, width)
    if len(out) > lines:
        out = out[:lines]
        out[-1] = _clip(out[-1] + " …", width)
    return out


def _clip(text: str, n: int = 52) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def render(topo: Topology) -> str:
    """The SVG element (to be inlined in the page)."""
    svg = _Svg()
    # left column: the virtual network and its subnets; right column: the stores
    subnet_boxes = []
    y = 256
    for name, prefix, items in topo.subnets:
        lines = [prefix] + [_clip(i, 60) for i in items]
        h = 28 + 16 * len(lines)
        subnet_boxes.append((y, h, name, lines, any(i.startswith("private endpoint") for i in items)))
        y += h + 12
    vnet_bottom = max(y, 320)
    store_h = 100
    stores_bottom = 196 + max(1, len(topo.stores)) * (store_h + 12)
    region_bottom = max(vnet_bottom, stores_bottom) + 56
    height = region_bottom + 24

    svg.box(16, 16, 250, 92, "people", "Staff and operators",
            ["Entra ID sign-in, Conditional Access:", "MFA + compliant device",
             "Azure VPN Client (" + "/".join(topo.auth) + ")"])
    internet_lines = ["no route from VPN clients beside the tunnel" if topo.forced_tunnel else
                      "reachable beside the tunnel", *textwrap.wrap(topo.egress, 50)[:2]]
    if topo.egress_allowed:
        internet_lines += _wrapped("allowed: " + ", ".join(topo.egress_allowed), 50, 2)
    internet_bottom = 16 + 44 + 16 * len(internet_lines)
    svg.box(_W - 346, 16, 330, internet_bottom - 16, "blocked" if topo.egress_blocked else "internet",
            "Internet", internet_lines)
    regions = ", ".join(topo.regions) or "?"
    svg.box(16, 160, _W - 32, region_bottom - 160, "region", "")
    # right-aligned, so the tunnel arrow crossing the region's top edge on the left never hides it
    svg.parts.append(f'<text class="t" x="{_W - 28}" y="178" text-anchor="end">{escape("Azure region(s): " + regions)}</text>')
    svg.box(32, 196, 430, vnet_bottom - 196, "vnet", f"Virtual network {topo.vnet}", [", ".join(topo.address_space)])
    pe_anchor = None
    for top, h, name, lines, has_pe in subnet_boxes:
        svg.box(48, top, 398, h, "subnet", f"subnet {name}", lines)
        if has_pe and pe_anchor is None:
            pe_anchor = top + h // 2
    gateway_top = 196 if topo.hub else \
        next((top for top, _h, name, _l, _p in subnet_boxes if name == "GatewaySubnet"), 256)
    tunnel = "forced tunnel: all client traffic (0.0.0.0/0) goes into the VPN" if topo.forced_tunnel else \
        "split tunnel: clients reach the internet beside the VPN"
    svg.line(140, 108, 140, gateway_top, "tunnel" if topo.forced_tunnel else "leak")
    svg.text(150, 126, tunnel, "s")
    svg.text(150, 142, "VPN client pool " + ", ".join(topo.client_pool) + " via gateway " + topo.gateway, "s")
    svg.line(_W - 180, 160, _W - 180, internet_bottom, "blockedline" if topo.egress_blocked else "leak")
    svg.text(_W - 172, (internet_bottom + 160) // 2 + 4, ("outbound: named services only" if topo.egress_allowed else "outbound denied")
             if topo.egress_blocked else "outbound open", "s")
    sy = 196
    for s in topo.stores:
        geo = f" (replica in {PAIRS.get(s.location, '?')})" if any(g in s.sku for g in GEO_SKUS) else ""
        readers = ", ".join(s.readers) or "no group"
        svg.box(490, sy, _W - 522, store_h, "store" if s.public == "Disabled" else "exposed", f"Storage account {s.name}",
                [f"{s.location}, {s.sku}{geo}",
                 f"public network access: {s.public}" + ("; private endpoint" if s.private_endpoint else ""),
                 *_wrapped(f"reached by {len(s.readers)} group(s): {readers}", 70, 2)])
        if pe_anchor is not None and s.private_endpoint:
            svg.line(446, pe_anchor, 490, sy + store_h // 2, "path")
        sy += store_h + 12
    svg.box(32, region_bottom - 44, 430, 30, "audit",
            f"Audit: Log Analytics {topo.workspace} ({topo.workspace_location})")
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="topo-title" '
            f'viewBox="0 0 {_W} {height}" width="100%" class="topology">'
            '<title id="topo-title">Topology: regions, network, VPN, egress, stores and who reaches them</title>'
            '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" '
            'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>')
    return head + "".join(svg.parts) + "</svg>"
