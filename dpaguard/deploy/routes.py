"""Forced-tunnel check (OUS-6.1.c): does this machine's routing send all internet traffic into the VPN?

OUS-6.1.c allows remote operation only over an encrypted VPN that blocks simultaneous internet
access, so `dpaguard deploy` refuses to run unless routing proves there is no split tunnel.

Input is the parsed JSON of `ip -j -4 route show table all`, `ip -j -6 route show table all`
(concatenated into one list) and `ip -j addr`. Decisions, each failing closed:

- Every table is read, not only `main`. Policy routing (`ip rule`) can only choose which table a
  packet is looked up in, so if no table holds a route that sends public traffic outside the
  tunnel, no rule can either; `ip -j rule` is therefore not needed. The price: an escaping route
  in a table no rule uses still fails the check, and VPNs that force the tunnel with rules alone
  (wg-quick's fwmark table with the main default suppressed) are refused, not understood.
- The tunnel must carry all public IPv4 space in `main` (default, or 0.0.0.0/1 + 128.0.0.0/1, or
  any set of routes covering it), and in every table no route via another interface may win the
  longest-prefix match for a public address: not a default with lower or equal metric, not a more
  specific public prefix (an on-link public LAN counts too).
- IPv6 needs no tunnel route (Azure point-to-site carries IPv4 only), but any IPv6 route to public
  space via another interface is an escape: the classic split-tunnel leak.
- "Public" is everything outside loopback, link-local, multicast, private (RFC 1918, ULA) and the
  never-routed 0.0.0.0/8 and 255.255.255.255; documentation and CGNAT ranges count as public, so
  in doubt a route is treated as leaving to the internet.
- One exception: the VPN client needs a host route (/32, /128) to the gateway's public address via
  the physical interface, or its own packets would loop into the tunnel. With `vpn_server` given,
  only host routes to that address are allowed; without it, at most one public host route in total
  is allowed (assumed to be the server's) and reported in the verdict, because any second one could
  only be an exemption for some other host. `dpaguard deploy` should pass the gateway's address.
- Routes via the tunnel flagged `linkdown`/`dead`, or limited to some sources (`src`) or a TOS,
  never count as carrying traffic into the tunnel; drop routes (blackhole, unreachable, prohibit)
  and throw (falls through to other tables, which are checked too) never leak.
"""

import ipaddress
import json
import os
import subprocess
from dataclasses import dataclass
from typing import Any

from dpaguard.errors import InputError

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_NON_PUBLIC: dict[int, tuple[IPNetwork, ...]] = {
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
    6: tuple(
        ipaddress.IPv6Network(n)
        for n in ("::/128", "::1/128", "fe80::/10", "fc00::/7", "ff00::/8")
    ),
}
_GLOBAL_UNICAST_V6 = ipaddress.IPv6Network("2000::/3")
_ANY_DST = frozenset({"default", "all", "any"})
# Types that describe this host's own addresses, not where traffic is sent.
_HOST_TYPES = frozenset({"local", "broadcast", "anycast", "multicast"})
_DROP_TYPES = frozenset({"blackhole", "unreachable", "prohibit", "throw"})
_DEAD_FLAGS = frozenset({"linkdown", "dead"})
_IP_TIMEOUT_S = 10


@dataclass(frozen=True)
class TunnelVerdict:
    """Whether routing forces all internet traffic into the VPN tunnel (OUS-6.1.c)."""

    ok: bool
    reason: str
    tunnel_interface: str | None
    pool_address: ipaddress.IPv4Address | None
    # The VPN server whose host route was allowed outside the tunnel, given or detected.
    vpn_server: IPAddress | None = None


@dataclass(frozen=True)
class _Route:
    net: IPNetwork
    kind: str  # "forward", "drop" or "host"
    hops: tuple[tuple[str, str | None], ...]  # (dev, gateway); dev "?" when ip printed none
    metric: int
    table: str
    restricted: bool
    dead: bool
    text: str

    def via_only(self, dev: str) -> bool:
        return all(d == dev for d, _ in self.hops)

    def carries_all(self, tunnel: str) -> bool:
        """True if all traffic this route matches goes into the live tunnel."""
        return self.kind == "forward" and self.via_only(tunnel) and not (self.dead or self.restricted)

    def sort_key(self) -> tuple:
        net = self.net
        return (net.version, net.prefixlen, int(net.network_address), self.metric, self.table, self.text)


@dataclass(frozen=True)
class _Link:
    flags: tuple[str, ...] | None
    v4: tuple[ipaddress.IPv4Interface, ...]


@dataclass(frozen=True)
class _Escape:
    route: _Route
    why: str
    example: IPAddress


def check_forced_tunnel(
    routes: list[dict],
    addrs: list[dict],
    *,
    tunnel_interface: str | None,
    vpn_pool: ipaddress.IPv4Network,
    vpn_server: IPAddress | None = None,
) -> TunnelVerdict:
    """Judge parsed `ip -j` routes (both families, all tables) and `ip -j addr` against OUS-6.1.c.

    Raises InputError (one line) on malformed input; missing fields take ip's defaults.
    """
    if not isinstance(vpn_pool, ipaddress.IPv4Network):
        raise InputError(f"vpn_pool must be an IPv4 network, got {vpn_pool!r}")
    if vpn_server is not None and not isinstance(vpn_server, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        raise InputError(f"vpn_server must be an IP address, got {vpn_server!r}")
    parsed = _parse_routes(routes)
    links = _parse_links(addrs)

    def refuse(reason: str, tunnel: str | None = None, address: ipaddress.IPv4Address | None = None) -> TunnelVerdict:
        return TunnelVerdict(False, reason, tunnel, address)

    holders = sorted(name for name, link in links.items() if any(a.ip in vpn_pool for a in link.v4))
    if tunnel_interface is None:
        if not holders:
            return refuse(f"no interface holds an IPv4 address in the VPN pool {vpn_pool}: the VPN is not connected")
        if len(holders) > 1:
            return refuse(
                f"interfaces {', '.join(holders)} all hold addresses in {vpn_pool};"
                " name the tunnel with tunnel_interface"
            )
        tunnel = holders[0]
    else:
        tunnel = tunnel_interface
        if tunnel not in links:
            found = ", ".join(sorted(links)) or "none"
            return refuse(f"no interface {tunnel} (found: {found}): the VPN is not connected", tunnel)
        if tunnel not in holders:
            have = ", ".join(str(a) for a in sorted(links[tunnel].v4)) or "none"
            return refuse(f"{tunnel} holds no IPv4 address in the VPN pool {vpn_pool} (it has: {have})", tunnel)
    address = min(a.ip for a in links[tunnel].v4 if a.ip in vpn_pool)
    flags = links[tunnel].flags
    if flags is not None and ("UP" not in flags or "NO-CARRIER" in flags):
        return refuse(f"tunnel interface {tunnel} is down (flags {','.join(flags)})", tunnel, address)

    escapes = _escapes(parsed, tunnel)
    allowed, escapes = _allow_server_route(escapes, vpn_server)
    if escapes:
        first = escapes[0]
        more = f"; {len(escapes) - 1} more route(s) escape" if len(escapes) > 1 else ""
        leaves = "+".join(sorted({d for d, _ in first.route.hops if d != tunnel}))
        return refuse(
            f"{first.route.text} escapes the tunnel: {first.why}; traffic to public addresses such as"
            f" {first.example} leaves by {leaves}, not {tunnel} (OUS-6.1.c: no split tunnelling){more}",
            tunnel,
            address,
        )

    carried = [r for r in parsed if r.net.version == 4 and r.table == "main" and r.carries_all(tunnel)]
    if _subtract([ipaddress.IPv4Network("0.0.0.0/0")], [r.net for r in carried] + list(_NON_PUBLIC[4])):
        shown = ", ".join(str(n) for n in ipaddress.collapse_addresses(r.net for r in carried)) or "nothing"
        return refuse(
            f"{tunnel} does not carry all IPv4 internet traffic (its live routes in main cover only {shown});"
            f" OUS-6.1.c needs the default route or 0.0.0.0/1 + 128.0.0.0/1 via {tunnel}",
            tunnel,
            address,
        )

    wide = ", ".join(str(r.net) for r in sorted(carried, key=_Route.sort_key) if r.net.prefixlen <= 1)
    server = f"; host route to VPN server {allowed} stays outside the tunnel" if allowed else ""
    return TunnelVerdict(
        True,
        f"all internet traffic goes into {tunnel} ({wide or 'public IPv4 space'}), no route in any table or"
        f" family bypasses it; {tunnel} holds {address} in {vpn_pool}{server}",
        tunnel,
        address,
        allowed,
    )


def read_host_routes(*, netns: str | None = None) -> tuple[list[dict], list[dict]]:
    """Run `ip -j` for IPv4 and IPv6 routes (all tables) and addresses; no shell.

    `netns` reads another network namespace (`ip -n NAME`). Each route gets a `family` key,
    since `ip` prints none and a bare `default` would not say which family it is.
    """
    routes = [_tag(r, "inet") for r in _ip_json(["-4", "route", "show", "table", "all"], netns, "routes")]
    routes += [_tag(r, "inet6") for r in _ip_json(["-6", "route", "show", "table", "all"], netns, "routes", v6=True)]
    addrs = _ip_json(["addr", "show"], netns, "addresses")
    return routes, addrs


def _tag(route: Any, family: str) -> Any:
    return {**route, "family": family} if isinstance(route, dict) else route


def _ip_json(args: list[str], netns: str | None, what: str, *, v6: bool = False) -> list:
    argv = ["ip"] + (["-n", netns] if netns else []) + ["-j"] + args
    shown = " ".join(argv)
    try:
        done = subprocess.run(
            argv,
            capture_output=True,
            text=True,
            timeout=_IP_TIMEOUT_S,
            env={**os.environ, "LC_ALL": "C"},  # stable English error lines
        )
    except FileNotFoundError:
        raise InputError(f"cannot read {what}: ip not found; install iproute2") from None
    except subprocess.TimeoutExpired:
        raise InputError(f"cannot read {what}: `{shown}` did not finish in {_IP_TIMEOUT_S} s") from None
    except OSError as e:
        raise InputError(f"cannot read {what}: cannot run ip: {e.strerror or e}") from None
    if done.returncode != 0:
        message = next((line.strip() for line in done.stderr.splitlines() if line.strip()), "no message")
        # IPv6 disabled in the kernel: no IPv6 route exists, so none can leak.
        if v6 and "address family not supported" in done.stderr.lower():
            return []
        raise InputError(f"cannot read {what}: `{shown}` failed (exit {done.returncode}): {message}")
    if not done.stdout.strip():
        return []  # older iproute2 prints nothing for an empty dump
    try:
        data = json.loads(done.stdout)
    except json.JSONDecodeError as e:
        raise InputError(f"cannot read {what}: `{shown}` printed invalid JSON ({e.msg}, line {e.lineno})") from None
    if not isinstance(data, list):
        raise InputError(f"cannot read {what}: `{shown}` printed a JSON {type(data).__name__}, not a list")
    return data


def _parse_routes(routes: Any) -> list[_Route]:
    if not isinstance(routes, list):
        raise InputError(f"routes: expected the JSON list printed by `ip -j route`, got {type(routes).__name__}")
    return [_parse_route(i, r) for i, r in enumerate(routes)]


def _parse_route(i: int, r: Any) -> _Route:
    where = f"routes[{i}]"
    if not isinstance(r, dict):
        raise InputError(f"{where}: expected a JSON object, got {type(r).__name__}")
    dst = _opt(r, "dst", str, where)
    if not dst:
        raise InputError(f"{where}: no 'dst'")
    family = _opt(r, "family", str, where)
    if family not in (None, "inet", "inet6"):
        raise InputError(f"{where}: family {family!r} is neither inet nor inet6")
    kind_name = _opt(r, "type", str, where) or "unicast"
    kind = "host" if kind_name in _HOST_TYPES else "drop" if kind_name in _DROP_TYPES else "forward"

    if dst.lower() in _ANY_DST:
        version = 6 if family == "inet6" or (family is None and _looks_v6(r, where)) else 4
        net: IPNetwork = ipaddress.IPv4Network("0.0.0.0/0") if version == 4 else ipaddress.IPv6Network("::/0")
    else:
        try:
            net = ipaddress.ip_network(dst, strict=False)
        except ValueError:
            raise InputError(f"{where}: dst {dst!r} is not an IP prefix") from None
        if family is not None and net.version != (6 if family == "inet6" else 4):
            raise InputError(f"{where}: dst {dst} does not belong to family {family}")

    metric = _opt(r, "metric", int, where)
    if metric is None:
        metric = 0  # ip omits the metric when it is 0
    table = _opt(r, "table", (str, int), where)
    table = "main" if table is None else str(table)
    flags = _flags(r, where)
    hops: list[tuple[str, str | None]] = []
    dead = bool(flags & _DEAD_FLAGS)
    nexthops = _opt(r, "nexthops", list, where)
    for j, hop in enumerate(nexthops or [r]):
        hop_where = f"{where}.nexthops[{j}]" if nexthops else where
        if not isinstance(hop, dict):
            raise InputError(f"{hop_where}: expected a JSON object, got {type(hop).__name__}")
        dev = _opt(hop, "dev", str, hop_where) or "?"
        hops.append((dev, _gateway(hop, hop_where)))
        if hop is not r:
            dead = dead or bool(_flags(hop, hop_where) & _DEAD_FLAGS)
    # A route limited to some sources or a TOS does not catch all traffic.
    src = _opt(r, "src", str, where)
    restricted = bool(src and src not in ("default", "::/0", "0.0.0.0/0"))
    restricted = restricted or r.get("tos") not in (None, 0, "0", "default")

    words = [f"route {net}"] if kind == "forward" else [f"{kind_name} route {net}"]
    if src and restricted:
        words.append(f"from {src}")
    for dev, gateway in hops:
        words += ([f"via {gateway}"] if gateway else []) + ([f"dev {dev}"] if kind == "forward" or dev != "?" else [])
    words.append(f"(metric {metric})")
    if table != "main":
        words.append(f"table {table}")
    return _Route(net, kind, tuple(hops), metric, table, restricted, dead, " ".join(words))


def _opt(d: dict, key: str, types: type | tuple[type, ...], where: str) -> Any:
    """A missing key is None; a present one of the wrong type is malformed input."""
    value = d.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, types):
        raise InputError(f"{where}: '{key}' is {type(value).__name__} {value!r}, not what ip prints")
    return value


def _flags(d: dict, where: str) -> frozenset[str]:
    flags = _opt(d, "flags", list, where) or []
    return frozenset(f.lower() for f in flags if isinstance(f, str))


def _gateway(hop: dict, where: str) -> str | None:
    gateway = _opt(hop, "gateway", str, where)
    via = _opt(hop, "via", dict, where)  # IPv4 route with an IPv6 next hop (RFC 5549)
    if gateway is None and via is not None:
        gateway = _opt(via, "host", str, where)
    return gateway


def _looks_v6(r: dict, where: str) -> bool:
    # The kernel reports a preference (RTA_PREF) for every IPv6 route and never for IPv4.
    if "pref" in r:
        return True
    gateway = _opt(r, "gateway", str, where)
    try:
        return gateway is not None and ipaddress.ip_address(gateway).version == 6
    except ValueError:
        return False


def _parse_links(addrs: Any) -> dict[str, _Link]:
    if not isinstance(addrs, list):
        raise InputError(f"addrs: expected the JSON list printed by `ip -j addr`, got {type(addrs).__name__}")
    links: dict[str, _Link] = {}
    for i, entry in enumerate(addrs):
        where = f"addrs[{i}]"
        if not isinstance(entry, dict):
            raise InputError(f"{where}: expected a JSON object, got {type(entry).__name__}")
        name = _opt(entry, "ifname", str, where)
        if not name:
            raise InputError(f"{where}: no 'ifname'")
        raw_flags = _opt(entry, "flags", list, where)
        flags = None if raw_flags is None else tuple(f for f in raw_flags if isinstance(f, str))
        v4: list[ipaddress.IPv4Interface] = []
        for j, info in enumerate(_opt(entry, "addr_info", list, where) or []):
            info_where = f"{where}.addr_info[{j}]"
            # ip prints {} for entries filtered out of the listing.
            if not isinstance(info, dict) or info.get("family") != "inet" or info.get("local") is None:
                continue
            local = _opt(info, "local", str, info_where)
            prefixlen = _opt(info, "prefixlen", int, info_where)
            try:
                v4.append(ipaddress.IPv4Interface(f"{local}/{32 if prefixlen is None else prefixlen}"))
            except ValueError:
                raise InputError(f"{info_where}: {local}/{prefixlen} is not an IPv4 address") from None
        previous = links.get(name)
        if previous is not None:
            v4 = list(previous.v4) + v4
            flags = flags if flags is not None else previous.flags
        links[name] = _Link(flags, tuple(v4))
    return links


def _escapes(routes: list[_Route], tunnel: str) -> list[_Escape]:
    """Routes via another interface that win the lookup for some public address, in stable order."""
    found = []
    for route in routes:
        if route.kind != "forward" or route.via_only(tunnel):
            continue
        # Lookups happen per family and per table (rules pick the table), longest prefix first.
        peers = [
            p for p in routes
            if p.net.version == route.net.version and p.table == route.table and p.net.overlaps(route.net)
        ]
        # Only addresses this route really wins count: any more specific or preferred route beats
        # it, and if that one leaves the tunnel too it is reported in its own turn. Routes that
        # catch only some packets (source, TOS) or may be skipped (linkdown) beat nothing.
        shadows = [
            p.net
            for p in peers
            if not (p.restricted or p.dead)
            and (p.net != route.net and p.net.subnet_of(route.net) or p.net == route.net and p.metric < route.metric)
        ]
        left = _subtract([route.net], shadows + list(_NON_PUBLIC[route.net.version]))
        if not left:
            continue
        tunnel_peers = sorted((p for p in peers if p.carries_all(tunnel)), key=_Route.sort_key)
        rival = next((p for p in tunnel_peers if p.net == route.net), None)
        wider = next((p for p in tunnel_peers if p.net != route.net and route.net.subnet_of(p.net)), None)
        if rival is not None:
            verb = "ties with" if rival.metric == route.metric else "beats"
            why = f"it {verb} {rival.text}"
        elif wider is not None:
            why = f"it is more specific than {wider.text}"
        else:
            live = "live " if any(p.via_only(tunnel) and p.dead for p in peers) else ""
            why = f"no {live}route via {tunnel} is more specific or preferred"
        found.append(_Escape(route, why, _example(left)))
    return sorted(found, key=lambda e: e.route.sort_key())


def _allow_server_route(escapes: list[_Escape], vpn_server: IPAddress | None) -> tuple[IPAddress | None, list[_Escape]]:
    """Exempt the VPN client's host route to its server (see module docstring); explain the rest."""
    hosts = [e for e in escapes if e.route.net.prefixlen == e.route.net.max_prefixlen]
    if vpn_server is not None:
        allowed = [e for e in hosts if e.route.net.network_address == vpn_server]
        server = vpn_server if allowed else None
        note = f"it is a host route, but not to the VPN server {vpn_server}"
    elif len(hosts) == 1:
        allowed, server = hosts, hosts[0].route.net.network_address
        note = ""
    else:
        allowed, server = [], None
        note = (
            f"it is one of {len(hosts)} public host routes outside the tunnel, and only one,"
            " the VPN server's, may be (name it with vpn_server)"
        )
    rest = []
    for e in escapes:
        if e in allowed:
            continue
        rest.append(_Escape(e.route, note, e.example) if e in hosts else e)
    return server, rest


def _subtract(nets: list[IPNetwork], holes: list[IPNetwork]) -> list[IPNetwork]:
    left = list(nets)
    for hole in holes:
        kept: list[IPNetwork] = []
        for net in left:
            if net.version != hole.version or not net.overlaps(hole):
                kept.append(net)
            elif not net.subnet_of(hole):
                kept.extend(net.address_exclude(hole))
        left = kept
    return left


def _example(left: list[IPNetwork]) -> IPAddress:
    """The lowest public address left, preferring IPv6 global unicast over odd corners of ::/0."""
    v6_global = [n for n in left if n.version == 6 and n.overlaps(_GLOBAL_UNICAST_V6)]
    if v6_global:
        return max(min(n.network_address for n in v6_global), _GLOBAL_UNICAST_V6.network_address)
    return min(n.network_address for n in left)
