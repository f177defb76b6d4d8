"""The forced-tunnel verdict (OUS-6.1.c) on a platform-neutral `Snapshot`.

OUS-6.1.c allows remote operation only over an encrypted VPN that blocks simultaneous internet
access. Decisions, each failing closed:

- The tunnel is positively identified: an interface the platform reports as a tunnel device
  (Linux link kind tun/wireguard/ppp, the Windows Azure VPN Client adapter, a macOS utun), up,
  with carrier, holding an IPv4 address in the stack's point-to-site pool. Holding a pool address
  is not enough: a home router may hand out that range on a physical link. If a non-tunnel
  interface also holds a pool address the local network overlaps the pool, and that is refused too.
- Every table is read. Policy routing (Linux `ip rule`) only chooses which table a packet is
  looked up in, so if no table holds a route that sends public traffic outside the tunnel, no
  rule can either; rules are used to say which rule reaches an escaping table. The price: an
  escaping route in a table no rule uses still fails, and VPNs that force the tunnel with fwmark
  rules alone (wg-quick) are refused: any process allowed to set that mark could bypass them.
- Within a table, a route via another interface escapes if it wins the longest-prefix match for
  some public address: not a default with lower or equal metric, not a more specific public
  prefix (an on-link public LAN counts too).
- All public IPv4 space must be carried by live routes into the tunnel in the main table (the
  default route, or 0.0.0.0/1 + 128.0.0.0/1: Microsoft Learn, "Configure Azure VPN Client optional
  settings", forced tunneling by advertised custom routes or the profile's <includeroutes>; the
  gateway gives no internet access, so forced traffic to the internet is dropped). IPv6:
  the pool is IPv4 (Azure point-to-site hands out IPv4 only), so IPv6 internet traffic must go
  into the tunnel or nowhere; any IPv6 route to public space via another interface is an escape.
- "Public" is everything outside loopback, link-local, multicast, private (RFC 1918, ULA) and the
  never-routed 0.0.0.0/8 and 255.255.255.255; documentation and CGNAT ranges count as public.
- One exception: the VPN client needs a host route (/32, /128) to the gateway's public address
  outside the tunnel, or its own packets would loop into it. With `vpn_server` only host routes to
  that address are allowed; without it at most one public host route in total (reported in the
  verdict). A wider route to the gateway's network is never allowed.
- Routes limited to some sources or a TOS, or flagged linkdown/dead, never carry traffic into the
  tunnel. Scoped routes (macOS flag I) serve only sockets bound to an interface and are left out,
  as are drop routes. Sockets bound to a physical interface (SO_BINDTODEVICE, IP_BOUND_IF,
  IP_UNICAST_IF) can still use a physical default route that ordinary lookups never pick; no
  routing table can rule that out, so it is not judged here.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from dpaguard.errors import InputError
from dpaguard.tunnel.model import FORWARD, MAIN, Interface, IPAddress, IPNetwork, Route, Snapshot

CLAUSE = "OUS-6.1.c"
# An operator's workstation holds tens of routes, hundreds with containers; judging is quadratic
# in escaping routes, so a full routing table (a router's) is refused instead of judged slowly.
MAX_ROUTES = 5000
# Escaping routes listed in an audit entry (`Verdict.audit_detail`); the total is given beside them.
AUDIT_ESCAPES = 50

NON_PUBLIC: dict[int, tuple[IPNetwork, ...]] = {
    4: tuple(
        ipaddress.IPv4Network(n)
        for n in (
            "0.0.0.0/8",  # "this network", never a destination (RFC 1122)
            "10.0.0.0/8",
            "172.16.0.0/12",
            "192.168.0.0/16",
            "127.0.0.0/8",
            "169.254.0.0/16",
            "224.0.0.0/4",
            "255.255.255.255/32",  # limited broadcast, never forwarded (RFC 919)
        )
    ),
    6: tuple(ipaddress.IPv6Network(n) for n in ("::/128", "::1/128", "fe80::/10", "fc00::/7", "ff00::/8")),
}
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_ALL: dict[int, IPNetwork] = {4: ipaddress.IPv4Network("0.0.0.0/0"), 6: ipaddress.IPv6Network("::/0")}


@dataclass(frozen=True)
class Verdict:
    """Whether this machine forces all internet traffic into the VPN tunnel (OUS-6.1.c)."""

    ok: bool
    reason: str
    platform: str
    source: str
    tunnel_interface: str | None = None
    tunnel_kind: str | None = None
    pool_address: ipaddress.IPv4Address | None = None
    vpn_server: IPAddress | None = None
    """The VPN gateway: as given; on a pass without one given, the host route found outside the tunnel."""
    escapes: tuple[str, ...] = field(default=())
    """Every route that escapes the tunnel, as text."""

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def audit_detail(self) -> dict[str, Any]:
        """JSON-ready fields for the audit log; a refusal carries everything needed to see why."""
        return {
            "clause": CLAUSE,
            "decision": "forced" if self.ok else "refused",
            "reason": self.reason,
            "platform": self.platform,
            "source": self.source,
            "interface": self.tunnel_interface,
            "kind": self.tunnel_kind,
            "address": None if self.pool_address is None else str(self.pool_address),
            "vpnServer": None if self.vpn_server is None else str(self.vpn_server),
            # the first few name the problem; all of them could outgrow an audit entry (64 KiB)
            "escapes": list(self.escapes[:AUDIT_ESCAPES]),
            "escapesTotal": len(self.escapes),
        }


@dataclass(frozen=True)
class _Escape:
    route: Route
    why: str
    example: IPAddress


def judge(
    snapshot: Snapshot,
    pool: ipaddress.IPv4Network,
    *,
    vpn_server: IPAddress | None = None,
    tunnel_interface: str | None = None,
) -> Verdict:
    """Judge one snapshot against OUS-6.1.c; see the module docstring for the rules.

    Raises InputError (exit 2) for a snapshot of more than MAX_ROUTES routes.
    """
    if len(snapshot.routes) > MAX_ROUTES:
        raise InputError(f"{snapshot.source}: {len(snapshot.routes)} routes, more than the {MAX_ROUTES} an operator's"
                         " machine holds; not judged")
    _printable(snapshot)
    by_name = {i.name: i for i in snapshot.interfaces}

    def refuse(reason: str, tunnel: Interface | None = None, address: ipaddress.IPv4Address | None = None,
               escapes: tuple[str, ...] = ()) -> Verdict:
        return Verdict(False, reason, snapshot.platform, snapshot.source,
                       tunnel.name if tunnel else None, tunnel.tunnel_kind if tunnel else None, address,
                       vpn_server, escapes)

    holders = sorted((i for i in snapshot.interfaces if _pool_addresses(i, pool)), key=lambda i: i.name)
    if tunnel_interface is not None:
        tunnel = by_name.get(tunnel_interface)
        if tunnel is None:
            found = ", ".join(sorted(by_name)) or "none"
            return refuse(f"no interface {tunnel_interface} (found: {found}): the VPN is not connected")
        if tunnel not in holders:
            have = ", ".join(str(a) for a in tunnel.addresses if a.version == 4) or "none"
            return refuse(f"{tunnel.name} holds no IPv4 address in the VPN pool {pool} (it has: {have})", tunnel)
    else:
        if not holders:
            return refuse(f"no interface holds an IPv4 address in the VPN pool {pool}: the VPN is not connected")
        tunnels = [i for i in holders if i.tunnel_kind]
        if len(tunnels) > 1:
            return refuse(f"interfaces {', '.join(i.name for i in tunnels)} all hold addresses in {pool};"
                          " name the tunnel with --tunnel-interface")
        tunnel = tunnels[0] if tunnels else holders[0]
    address = min(_pool_addresses(tunnel, pool))
    if not tunnel.tunnel_kind:
        return refuse(
            f"{tunnel.name} holds {address} in the VPN pool {pool} but is not a tunnel device ({tunnel.described}):"
            " a local network that uses the pool's range is not the VPN", tunnel, address)
    others = [i.name for i in holders if i is not tunnel]
    if others:
        return refuse(
            f"{', '.join(others)} also hold(s) an address in the VPN pool {pool} besides the tunnel {tunnel.name}:"
            " the local network overlaps the pool", tunnel, address)
    if not tunnel.up:
        return refuse(f"tunnel interface {tunnel.name} is down ({tunnel.state})", tunnel, address)
    if not tunnel.carrier:
        return refuse(f"tunnel interface {tunnel.name} has no carrier ({tunnel.state}): the VPN client is not"
                      " attached", tunnel, address)

    escapes = _escapes(list(snapshot.routes), tunnel.name)
    allowed, escapes = _allow_server_route(escapes, vpn_server)
    texts = tuple(f"{e.route.text}: {e.why}" for e in escapes)
    if escapes:
        first = escapes[0]
        more = f"; {len(escapes) - 1} more route(s) escape" if len(escapes) > 1 else ""
        leaves = "+".join(sorted({d for d, _ in first.route.hops if d != tunnel.name}))
        reached = _rules_reaching(snapshot, first.route.table)
        return refuse(
            f"{first.route.text} escapes the tunnel{reached}: {first.why}; traffic to public addresses such as"
            f" {first.example} leaves by {leaves}, not {tunnel.name} ({CLAUSE}: no split tunnelling){more}",
            tunnel, address, texts)

    main4 = [r for r in snapshot.routes if r.net.version == 4 and r.table == MAIN]
    carried = [r for r in main4 if r.carries_all(tunnel.name)]
    if _left(_ALL[4], [r.net for r in carried] + list(NON_PUBLIC[4])):
        v4 = [r.net for r in carried if isinstance(r.net, ipaddress.IPv4Network)]
        shown = ", ".join(str(n) for n in ipaddress.collapse_addresses(v4)) or "nothing"
        return refuse(
            f"{tunnel.name} does not carry all IPv4 internet traffic (its live routes cover only {shown});"
            f" {CLAUSE} needs the default route or 0.0.0.0/1 + 128.0.0.0/1 via {tunnel.name}", tunnel, address)

    wide = ", ".join(str(r.net) for r in sorted(carried, key=Route.sort_key) if r.net.prefixlen <= 1)
    v6_into = [r for r in snapshot.routes if r.net.version == 6 and r.carries_all(tunnel.name)
               and _left(r.net, list(NON_PUBLIC[6]))]
    v6 = f"IPv6 internet into {tunnel.name}" if v6_into else "no IPv6 internet route"
    server = f"; host route to VPN server {allowed} stays outside the tunnel" if allowed else ""
    return Verdict(
        True,
        f"all internet traffic goes into {tunnel.name} ({tunnel.tunnel_kind}; {wide or 'public IPv4 space'}; {v6}),"
        f" no route in any table or family bypasses it; {tunnel.name} holds {address} in {pool}{server}",
        snapshot.platform, snapshot.source, tunnel.name, tunnel.tunnel_kind, address, allowed, (),
    )


def _printable(snapshot: Snapshot) -> None:
    """Every text a verdict may quote is printable: a newline in a recorded file (or a renamed
    adapter) must not add lines to the one-line answer or to the audit log's reason."""
    texts = [(f"interface {i.name[:40]!r}", t) for i in snapshot.interfaces for t in (i.name, i.described, i.state)]
    texts += [(f"route {r.text[:60]!r}", r.text) for r in snapshot.routes]
    texts += [(f"rule {r.text[:60]!r}", r.text) for r in snapshot.rules]
    for what, text in texts:
        if not text.isprintable():
            raise InputError(f"{snapshot.source}: {what} contains control characters; not judged")


def _pool_addresses(interface: Interface, pool: ipaddress.IPv4Network) -> list[ipaddress.IPv4Address]:
    return [a.ip for a in interface.addresses if isinstance(a, ipaddress.IPv4Interface) and a.ip in pool]


def _rules_reaching(snapshot: Snapshot, table: str) -> str:
    if not snapshot.rules or table == MAIN:
        return ""
    reaching = [r for r in snapshot.rules if r.table == table]
    if not reaching:
        return f" (table {table}: no rule looks it up now, one added later would)"
    return " (reached by rule " + "; ".join(r.text for r in reaching) + ")"


def _escapes(routes: list[Route], tunnel: str) -> list[_Escape]:
    """Routes via another interface that win the lookup for some public address, in stable order."""
    # Lookups happen per family and per table (rules pick the table), longest prefix first.
    groups: dict[tuple[int, str], list[Route]] = {}
    for r in routes:
        if not r.scoped:
            groups.setdefault((r.net.version, r.table), []).append(r)
    found = []
    for group in groups.values():
        spans = [(int(r.net.network_address), int(r.net.broadcast_address)) for r in group]
        for route, (lo, hi) in zip(group, spans, strict=True):
            if route.kind != FORWARD or route.via_only(tunnel):
                continue
            peers = [p for p, (plo, phi) in zip(group, spans, strict=True) if plo <= hi and lo <= phi]
            # Only addresses this route really wins count: any more specific or preferred route
            # beats it, and if that one leaves the tunnel too it is reported in its own turn.
            # Routes that catch only some packets (source, TOS) or may be skipped (linkdown)
            # beat nothing; an unknown metric beats nothing either.
            shadows = [
                p.net
                for p in peers
                if not (p.restricted or p.dead)
                and (p.net.prefixlen > route.net.prefixlen or p.net == route.net and _beats(p, route))
            ]
            left = _left(route.net, shadows + list(NON_PUBLIC[route.net.version]))
            if not left:
                continue
            tunnel_peers = sorted((p for p in peers if p.carries_all(tunnel)), key=Route.sort_key)
            rival = next((p for p in tunnel_peers if p.net == route.net), None)
            wider = next((p for p in tunnel_peers if p.net.prefixlen < route.net.prefixlen), None)
            if rival is not None:
                verb = "ties with" if rival.metric is None or rival.metric == route.metric else "beats"
                why = f"it {verb} {rival.text}"
            elif wider is not None:
                why = f"it is more specific than {wider.text}"
            else:
                live = "live " if any(p.via_only(tunnel) and p.dead for p in peers) else ""
                why = f"no {live}route via {tunnel} is more specific or preferred"
            found.append(_Escape(route, why, _example(route.net.version, left)))
    return sorted(found, key=lambda e: e.route.sort_key())


def _beats(p: Route, route: Route) -> bool:
    """Same prefix: p wins only with a known, strictly lower metric."""
    return p.metric is not None and route.metric is not None and p.metric < route.metric


def _allow_server_route(escapes: list[_Escape], vpn_server: IPAddress | None) -> tuple[IPAddress | None, list[_Escape]]:
    """Exempt the VPN client's host route to its server (see module docstring); explain the rest."""
    hosts = [e for e in escapes if e.route.net.prefixlen == e.route.net.max_prefixlen]
    server: IPAddress | None
    if vpn_server is not None:
        allowed = [e for e in hosts if e.route.net.network_address == vpn_server]
        server = vpn_server if allowed else None
        note = f"it is a host route, but not to the VPN server {vpn_server}"
    elif len(hosts) == 1:
        allowed, server = hosts, hosts[0].route.net.network_address
        note = ""
    else:
        allowed, server = [], None
        note = (f"it is one of {len(hosts)} public host routes outside the tunnel, and only one,"
                " the VPN server's, may be (name it with --vpn-server)")
    rest = []
    for e in escapes:
        if e in allowed:
            continue
        exemption = e.why.startswith("it is more specific than")
        if e not in hosts and exemption and vpn_server is not None and vpn_server in e.route.net:
            rest.append(_Escape(e.route, f"only a host route to the VPN server {vpn_server} may stay outside the"
                                f" tunnel, not the network {e.route.net}", e.example))
        else:
            rest.append(_Escape(e.route, note, e.example) if e in hosts else e)
    return server, rest


def _left(net: IPNetwork, holes: list[IPNetwork]) -> list[tuple[int, int]]:
    """What remains of `net` after removing `holes`, as inclusive integer ranges (fast for many holes)."""
    lo, hi = int(net.network_address), int(net.broadcast_address)
    cuts = sorted((max(lo, int(h.network_address)), min(hi, int(h.broadcast_address)))
                  for h in holes if h.version == net.version)
    left: list[tuple[int, int]] = []
    at = lo
    for start, end in cuts:
        if end < at or start > hi:
            continue
        if start > at:
            left.append((at, start - 1))
        at = max(at, end + 1)
        if at > hi:
            return left
    left.append((at, hi))
    return left


def _example(version: int, left: list[tuple[int, int]]) -> IPAddress:
    """The lowest public address left, preferring IPv6 global unicast over odd corners of ::/0."""
    if version == 6:
        g_lo, g_hi = int(_GLOBAL_UNICAST_V6.network_address), int(_GLOBAL_UNICAST_V6.broadcast_address)
        inside = [max(lo, g_lo) for lo, hi in left if lo <= g_hi and g_lo <= hi]
        return ipaddress.IPv6Address(min(inside) if inside else left[0][0])
    return ipaddress.IPv4Address(left[0][0])
