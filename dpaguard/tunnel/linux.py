"""Linux: `ip -j route show table all`, `ip -j addr`, `ip -j -d link` and `ip -j rule` into a Snapshot.

Field names and defaults are iproute2's JSON output (iproute2 `ip/iproute.c`, `ip/ipaddress.c`,
`ip/iprule.c`): a missing `metric` is 0, a missing `table` is main, a missing `type` is unicast.
`ip route show table all` lists both families; IPv6 routes carry `pref` (RTA_PREF), which the
kernel reports for every IPv6 route and never for IPv4, so a bare `default` is placed by it.
The tunnel device kind is `linkinfo.info_kind` from `ip -d link` (rtnl_link_ops kind: "tun" for
tun/tap, "wireguard", "ppp").
"""

from __future__ import annotations

import ipaddress
from typing import Any

from dpaguard.errors import InputError
from dpaguard.tunnel.inputs import as_list, obj, opt, parse_json, run
from dpaguard.tunnel.model import DROP, FORWARD, HOST, MAIN, Interface, IPInterface, IPNetwork, Route, Rule, Snapshot

FILES = ("ip-route.json", "ip-addr.json", "ip-link.json", "ip-rule.json")
COMMANDS: dict[str, list[str]] = {
    "ip-route.json": ["ip", "-j", "route", "show", "table", "all"],
    "ip-addr.json": ["ip", "-j", "addr", "show"],
    "ip-link.json": ["ip", "-j", "-d", "link", "show"],
    "ip-rule.json": ["ip", "-j", "rule", "show"],
}
TUNNEL_KINDS = frozenset({"tun", "wireguard", "ppp"})

_ANY_DST = frozenset({"default", "all", "any"})
_HOST_TYPES = frozenset({"local", "broadcast", "anycast", "multicast"})
_DROP_TYPES = frozenset({"blackhole", "unreachable", "prohibit", "throw"})
_DEAD_FLAGS = frozenset({"linkdown", "dead"})


def read_live(netns: str | None = None) -> Snapshot:
    """Run the four commands (`ip -n NETNS` for another namespace); IPv6 rules are added when IPv6 is on."""
    texts: dict[str, str] = {}
    prefix = ["ip", "-n", netns] if netns else ["ip"]
    for name, argv in COMMANDS.items():
        text = run(prefix + argv[1:])
        assert text is not None
        texts[name] = text
    docs = {name: parse_json(text, f"`{' '.join(COMMANDS[name])}`") for name, text in texts.items()}
    rules6_text = run(prefix + ["-6", "-j", "rule", "show"], allow_fail=("not supported",))
    if rules6_text is not None:
        docs["ip-rule.json"] = as_list(docs["ip-rule.json"], "ip-rule.json", "`ip -j rule`") + as_list(
            parse_json(rules6_text, "`ip -6 -j rule`"), "`ip -6 -j rule`", "`ip -j rule`")
    return parse(docs, "live" if netns is None else f"live (netns {netns})")


def parse(docs: dict[str, Any], source: str) -> Snapshot:
    """Parsed JSON of the four files (keys as in FILES) into a Snapshot; InputError on malformed input."""
    routes = [_route(r, f"ip-route.json[{i}]") for i, r in enumerate(as_list(docs["ip-route.json"], "ip-route.json", "`ip -j route`"))]
    if routes and not any(r.table == "local" for r in routes):
        # Without the local table this is `ip route` of main only; other tables would go unseen.
        raise InputError("ip-route.json: no route in table local, so it is not `ip -j route show table all`")
    interfaces = _interfaces(as_list(docs["ip-addr.json"], "ip-addr.json", "`ip -j addr`"),
                             as_list(docs["ip-link.json"], "ip-link.json", "`ip -j -d link`"))
    rules = [_rule(r, f"ip-rule.json[{i}]") for i, r in enumerate(as_list(docs["ip-rule.json"], "ip-rule.json", "`ip -j rule`"))]
    return Snapshot("linux", source, tuple(interfaces), tuple(routes), tuple(rules))


def _route(raw: Any, where: str) -> Route:
    r = obj(raw, where)
    dst = opt(r, "dst", str, where)
    if dst is None:
        raise InputError(f"{where}: no 'dst'")
    family = opt(r, "family", str, where)
    if family not in (None, "inet", "inet6"):
        raise InputError(f"{where}: family {family!r} is neither inet nor inet6")
    kind_name = opt(r, "type", str, where) or "unicast"
    kind = HOST if kind_name in _HOST_TYPES else DROP if kind_name in _DROP_TYPES else FORWARD

    net: IPNetwork
    if dst.lower() in _ANY_DST:
        v6 = family == "inet6" or (family is None and _looks_v6(r, where))
        net = ipaddress.IPv6Network("::/0") if v6 else ipaddress.IPv4Network("0.0.0.0/0")
    else:
        try:
            net = ipaddress.ip_network(dst, strict=False)
        except ValueError:
            raise InputError(f"{where}: dst {dst!r} is not an IP prefix") from None
        if family is not None and net.version != (6 if family == "inet6" else 4):
            raise InputError(f"{where}: dst {dst} does not belong to family {family}")

    metric = opt(r, "metric", int, where) or 0  # ip omits the metric when it is 0
    table_raw = opt(r, "table", (str, int), where)
    table = MAIN if table_raw is None else str(table_raw)
    flags = _flags(r, where)
    dead = bool(flags & _DEAD_FLAGS)
    hops: list[tuple[str, str | None]] = []
    nexthops = opt(r, "nexthops", list, where)
    for j, hop_raw in enumerate(nexthops or [r]):
        hop_where = f"{where}.nexthops[{j}]" if nexthops else where
        hop = obj(hop_raw, hop_where)
        hops.append((opt(hop, "dev", str, hop_where) or "?", _gateway(hop, hop_where)))
        if hop is not r:
            dead = dead or bool(_flags(hop, hop_where) & _DEAD_FLAGS)
    # A route limited to some sources or a TOS does not catch all traffic.
    src = opt(r, "src", str, where)
    restricted = bool(src and src not in ("default", "::/0", "0.0.0.0/0"))
    restricted = restricted or r.get("tos") not in (None, 0, "0", "default")

    words = [f"route {net}"] if kind == FORWARD else [f"{kind_name} route {net}"]
    if src and restricted:
        words.append(f"from {src}")
    for dev, gateway in hops:
        words += ([f"via {gateway}"] if gateway else []) + ([f"dev {dev}"] if kind == FORWARD or dev != "?" else [])
    words.append(f"(metric {metric})")
    if table != MAIN:
        words.append(f"table {table}")
    return Route(net, kind, tuple(hops), metric, table, restricted, dead, False, " ".join(words))


def _flags(d: dict[str, Any], where: str) -> frozenset[str]:
    flags = opt(d, "flags", list, where) or []
    return frozenset(f.lower() for f in flags if isinstance(f, str))


def _gateway(hop: dict[str, Any], where: str) -> str | None:
    gateway: str | None = opt(hop, "gateway", str, where)
    via = opt(hop, "via", dict, where)  # IPv4 route with an IPv6 next hop (RFC 5549)
    if gateway is None and via is not None:
        gateway = opt(via, "host", str, where)
    return gateway


def _looks_v6(r: dict[str, Any], where: str) -> bool:
    if "pref" in r:
        return True
    gateway = opt(r, "gateway", str, where)
    try:
        return gateway is not None and ipaddress.ip_address(gateway).version == 6
    except ValueError:
        return False


def _interfaces(addrs: list[Any], links: list[Any]) -> list[Interface]:
    kinds: dict[str, tuple[str | None, str]] = {}
    flags_of: dict[str, tuple[str, ...]] = {}
    operstate: dict[str, str] = {}
    for i, raw in enumerate(links):
        where = f"ip-link.json[{i}]"
        entry = obj(raw, where)
        name = opt(entry, "ifname", str, where)
        if not name:
            raise InputError(f"{where}: no 'ifname'")
        info = opt(entry, "linkinfo", dict, where) or {}
        kind = opt(info, "info_kind", str, f"{where}.linkinfo")
        data = opt(info, "info_data", dict, f"{where}.linkinfo") or {}
        subtype = opt(data, "type", str, f"{where}.linkinfo.info_data")
        if kind is None:
            kinds[name] = (None, "no link kind: a physical link")
        elif kind == "tun" and subtype == "tap":
            kinds[name] = (None, "link kind tun, type tap: an Ethernet tap, not a layer-3 tunnel")
        elif kind == "tun" and subtype != "tun":
            # iproute2 prints info_data.type from IFLA_TUN_TYPE (Linux >= 4.15, iproute2 ip/iptuntap.c
            # print_opt); without it a tap looks exactly like a tun, so fail closed
            kinds[name] = (None, "link kind tun without info_data.type: a tun cannot be told from an Ethernet tap")
        elif kind in TUNNEL_KINDS:
            kinds[name] = (kind, f"link kind {kind}")
        else:
            kinds[name] = (None, f"link kind {kind}")
        flags_of[name] = tuple(f for f in opt(entry, "flags", list, where) or [] if isinstance(f, str))
        operstate[name] = opt(entry, "operstate", str, where) or "UNKNOWN"

    addresses: dict[str, list[IPInterface]] = {}
    for i, raw in enumerate(addrs):
        where = f"ip-addr.json[{i}]"
        entry = obj(raw, where)
        name = opt(entry, "ifname", str, where)
        if not name:
            raise InputError(f"{where}: no 'ifname'")
        found = addresses.setdefault(name, [])
        if name not in flags_of:
            flags_of[name] = tuple(f for f in opt(entry, "flags", list, where) or [] if isinstance(f, str))
            operstate[name] = opt(entry, "operstate", str, where) or "UNKNOWN"
        for j, info_raw in enumerate(opt(entry, "addr_info", list, where) or []):
            info_where = f"{where}.addr_info[{j}]"
            # ip prints {} for entries filtered out of the listing.
            if not isinstance(info_raw, dict) or info_raw.get("family") not in ("inet", "inet6") or info_raw.get("local") is None:
                continue
            local = opt(info_raw, "local", str, info_where)
            prefixlen = opt(info_raw, "prefixlen", int, info_where)
            bits = prefixlen if prefixlen is not None else (32 if info_raw["family"] == "inet" else 128)
            try:
                address = ipaddress.ip_interface(f"{local}/{bits}")
            except ValueError:
                raise InputError(f"{info_where}: {local}/{prefixlen} is not an IP address") from None
            if address.version != (4 if info_raw["family"] == "inet" else 6):
                raise InputError(f"{info_where}: {local} is not an {info_raw['family']} address")
            found.append(address)

    result = []
    for name in sorted(set(flags_of) | set(addresses)):
        flags = flags_of.get(name, ())
        kind, described = kinds.get(name, (None, "not listed in ip-link.json"))
        result.append(Interface(
            name=name, tunnel_kind=kind, described=described,
            up="UP" in flags,
            carrier="LOWER_UP" in flags and "NO-CARRIER" not in flags,
            state=f"flags {','.join(flags) or 'none'}, operstate {operstate.get(name, 'UNKNOWN')}",
            addresses=tuple(addresses.get(name, ())),
        ))
    return result


def _rule(raw: Any, where: str) -> Rule:
    entry = obj(raw, where)
    priority = opt(entry, "priority", int, where)
    if priority is None:
        raise InputError(f"{where}: no 'priority'")
    table = opt(entry, "table", (str, int), where)
    # Printed the way `ip rule` prints it, not as JSON keys.
    spelled = {"src": "from", "dst": "to", "table": "lookup"}
    words = [f"{spelled.get(key, key)} {value}" if not isinstance(value, bool) else key
             for key, value in entry.items() if key != "priority" and value not in (False, None)]
    return Rule(priority, None if table is None else str(table), f"{priority}: {' '.join(words)}")
