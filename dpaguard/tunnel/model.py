"""What the tunnel check reads from any operating system: interfaces, routes and (Linux) rules.

Each platform reader (`linux`, `windows`, `macos`) turns its tools' output into a `Snapshot`;
`judge` decides on the snapshot alone, so the three platforms share one rule set.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPInterface = ipaddress.IPv4Interface | ipaddress.IPv6Interface

# The one table every platform has; Linux names it `main`, Windows and macOS have only this one.
MAIN = "main"

# Route kinds: "forward" sends packets out of an interface, "drop" discards them (blackhole,
# unreachable, prohibit; Linux `throw` falls through to later rules, whose tables are all checked
# too), "host" describes this host's own addresses (local, broadcast, multicast).
FORWARD, DROP, HOST = "forward", "drop", "host"


@dataclass(frozen=True)
class Interface:
    """A network interface as the platform describes it."""

    name: str
    tunnel_kind: str | None
    """What makes it a tunnel device ("tun", "wireguard", "ppp", "utun", "Azure VPN Client"); None if it is not one."""
    described: str
    """What the platform says it is, for messages ("link kind veth", "no link kind: a physical link", ...)."""
    up: bool
    carrier: bool
    state: str
    """The raw flags/status, quoted in messages."""
    addresses: tuple[IPInterface, ...]


@dataclass(frozen=True)
class Route:
    """One route; `hops` are (interface, gateway) pairs, interface "?" when the platform printed none."""

    net: IPNetwork
    kind: str
    hops: tuple[tuple[str, str | None], ...]
    metric: int | None
    """Lower wins among equal prefixes; None when the platform did not say (ties with anything)."""
    table: str
    restricted: bool
    """Matches only some packets (a source prefix, a TOS): never counts as carrying all traffic."""
    dead: bool
    """Flagged linkdown/dead: may be skipped, so it neither carries traffic nor shadows another route."""
    scoped: bool
    """macOS RTF_IFSCOPE (flag I): used only by sockets bound to that interface, not by ordinary lookups."""
    text: str

    def via_only(self, dev: str) -> bool:
        return all(d == dev for d, _ in self.hops)

    def carries_all(self, tunnel: str) -> bool:
        """True if all ordinary traffic this route matches goes into the live tunnel."""
        return self.kind == FORWARD and self.via_only(tunnel) and not (self.dead or self.restricted or self.scoped)

    def sort_key(self) -> tuple[int, int, int, int, str, str]:
        net = self.net
        metric = -1 if self.metric is None else self.metric
        return (net.version, net.prefixlen, int(net.network_address), metric, self.table, self.text)


@dataclass(frozen=True)
class Rule:
    """A Linux policy-routing rule (`ip -j rule`): which table it looks up, as `ip rule` prints it."""

    priority: int
    table: str | None
    text: str


@dataclass(frozen=True)
class Snapshot:
    """Everything one reading of a machine's network state holds."""

    platform: str
    source: str
    interfaces: tuple[Interface, ...]
    routes: tuple[Route, ...]
    rules: tuple[Rule, ...] = ()
