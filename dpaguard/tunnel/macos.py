"""macOS: `netstat -rn` and `ifconfig` into a Snapshot.

Formats, from Apple's netstat(1) and ifconfig(8) man pages and the BSD netstat sources they
document (route.c `netname`/`domask`, as shipped in Apple's network_cmds):
- `netstat -rn` prints a "Routing tables" banner, then an "Internet:" and an "Internet6:" section,
  each with a header line (Destination Gateway Flags [Refs Use] Netif Expire) and one route per
  line. An IPv4 destination drops trailing zero octets and omits the mask when it is the address
  class's natural mask ("127" is 127.0.0.0/8, "192.168.1" is 192.168.1.0/24, "0/1" and "128.0/1"
  are the forced-tunnel halves), "default" is the zero route, a host (flag H) has no mask. IPv6
  destinations may carry a "%scope" zone. A gateway "link#N" or a hardware address is on-link.
- Flags: U up, G gateway, H host, S static, R reject, B blackhole, I interface-scoped
  (RTF_IFSCOPE: only for sockets bound to that interface), W cloned, L link-layer, and others
  that do not change where packets go.
- `ifconfig` prints one block per interface, "name: flags=HEX<UP,POINTOPOINT,RUNNING,...> mtu N",
  then tab-indented lines: "inet A [--> P] netmask 0xHEX [broadcast B]", "inet6 A%zone prefixlen N",
  "status: active|inactive" (media interfaces only). RUNNING (IFF_RUNNING) is the carrier.
The tunnel is a utun interface (the kernel's user-tunnel control, which Network Extension packet
tunnels such as the Azure VPN Client for macOS use): a utunN name with POINTOPOINT. macOS names
interfaces itself; a user cannot rename en0 to utun0.
"""

from __future__ import annotations

import ipaddress
import re

from dpaguard.errors import InputError
from dpaguard.tunnel.inputs import run
from dpaguard.tunnel.model import DROP, FORWARD, HOST, MAIN, Interface, IPInterface, IPNetwork, Route, Snapshot

FILES = ("netstat-rn.txt", "ifconfig.txt")
COMMANDS: dict[str, list[str]] = {"netstat-rn.txt": ["netstat", "-rn"], "ifconfig.txt": ["ifconfig"]}

_UTUN = re.compile(r"utun\d+")
_HEADER = re.compile(r"^(\S+): flags=([0-9a-fA-F]+)<([^>]*)>")
_MAC = re.compile(r"^[0-9a-fA-F]{1,2}(:[0-9a-fA-F]{1,2}){5}$")


def read_live() -> Snapshot:
    texts = {}
    for name, argv in COMMANDS.items():
        text = run(argv)
        assert text is not None
        texts[name] = text
    return parse(texts, "live")


def parse(texts: dict[str, str], source: str) -> Snapshot:
    interfaces = _interfaces(texts["ifconfig.txt"])
    routes = _routes(texts["netstat-rn.txt"])
    return Snapshot("macos", source, tuple(interfaces), tuple(routes))


def _routes(text: str) -> list[Route]:
    routes: list[Route] = []
    family: int | None = None
    columns: list[str] | None = None
    sections = 0
    for n, line in enumerate(text.splitlines(), 1):
        where = f"netstat-rn.txt line {n}"
        words = line.split()
        if not words or line.strip() == "Routing tables":
            continue
        if line.strip() in ("Internet:", "Internet6:"):
            family, columns = (4 if line.strip() == "Internet:" else 6), None
            sections += 1
            continue
        if family is None:
            raise InputError(f"{where}: {line.strip()[:60]!r} before an Internet: or Internet6: section")
        if columns is None:
            if words[0] != "Destination":
                raise InputError(f"{where}: expected the Destination Gateway Flags ... header")
            columns = words
            for needed in ("Gateway", "Flags", "Netif"):
                if needed not in columns:
                    raise InputError(f"{where}: header has no {needed} column")
            continue
        netif_at = columns.index("Netif")
        if len(words) <= netif_at:
            raise InputError(f"{where}: {len(words)} fields, expected at least {netif_at + 1}")
        dst, gateway, flags, netif = words[0], words[1], words[columns.index("Flags")], words[netif_at]
        routes.append(_route(dst, gateway, flags, netif, family, where))
    if sections == 0:
        raise InputError("netstat-rn.txt: no Internet: section, so it is not `netstat -rn` output")
    return routes


def _route(dst: str, gateway: str, flags: str, netif: str, family: int, where: str) -> Route:
    if not re.fullmatch(r"[A-Za-z]+", flags):
        raise InputError(f"{where}: flags {flags!r} are not netstat route flags")
    net = _destination(dst, "H" in flags, family, where)
    hop = None if gateway.startswith("link#") or _MAC.match(gateway) else gateway.split("%")[0]
    if "R" in flags or "B" in flags:
        kind = DROP
    elif net.is_multicast or str(net) == "255.255.255.255/32":
        kind = HOST
    else:
        kind = FORWARD
    scoped = "I" in flags
    text = f"route {net} via {gateway} dev {netif} (flags {flags})"
    # No metrics: the radix tree holds one unscoped route per destination and mask.
    return Route(net, kind, ((netif, hop),), 0, MAIN, False, "U" not in flags, scoped, text)


def _destination(dst: str, host: bool, family: int, where: str) -> IPNetwork:
    try:
        if dst == "default":
            return ipaddress.IPv4Network("0.0.0.0/0") if family == 4 else ipaddress.IPv6Network("::/0")
        if family == 6:
            address, _, bits = dst.partition("/")
            address = address.split("%")[0]
            return ipaddress.IPv6Network(f"{address}/{bits or 128}", strict=False)
        address, _, bits = dst.partition("/")
        octets = address.split(".")
        if not 1 <= len(octets) <= 4 or not all(o.isdigit() for o in octets):
            raise ValueError
        full = ".".join(octets + ["0"] * (4 - len(octets)))
        if bits:
            length = int(bits)
        elif host:
            length = 32
        else:
            length = _natural_mask(int(octets[0]))
        return ipaddress.IPv4Network(f"{full}/{length}", strict=False)
    except ValueError:
        raise InputError(f"{where}: destination {dst!r} is not what netstat -rn prints") from None


def _natural_mask(first_octet: int) -> int:
    # BSD netstat `forgemask`: class A /8, class B /16, everything above /24.
    if first_octet < 128:
        return 8
    if first_octet < 192:
        return 16
    return 24


def _interfaces(text: str) -> list[Interface]:
    blocks: list[tuple[str, list[str], list[IPInterface], str | None]] = []
    for n, line in enumerate(text.splitlines(), 1):
        where = f"ifconfig.txt line {n}"
        if not line.strip():
            continue
        header = _HEADER.match(line)
        if header:
            blocks.append((header.group(1), header.group(3).split(",") if header.group(3) else [], [], None))
            continue
        if not line[0].isspace():
            raise InputError(f"{where}: {line.strip()[:60]!r} is neither an interface line nor indented")
        if not blocks:
            raise InputError(f"{where}: indented line before any interface")
        words = line.split()
        name, flags, addresses, status = blocks[-1]
        if words[0] == "inet" and len(words) >= 2:
            mask = words[words.index("netmask") + 1] if "netmask" in words[:-1] else "0xffffffff"
            try:
                length = bin(int(mask, 16)).count("1")
                addresses.append(ipaddress.IPv4Interface(f"{words[1]}/{length}"))
            except ValueError:
                raise InputError(f"{where}: {words[1]} netmask {mask} is not an IPv4 address") from None
        elif words[0] == "inet6" and len(words) >= 2:
            length_text = words[words.index("prefixlen") + 1] if "prefixlen" in words[:-1] else "128"
            try:
                addresses.append(ipaddress.IPv6Interface(f"{words[1].split('%')[0]}/{int(length_text)}"))
            except ValueError:
                raise InputError(f"{where}: {words[1]} prefixlen {length_text} is not an IPv6 address") from None
        elif words[0] == "status:" and len(words) >= 2:
            blocks[-1] = (name, flags, addresses, words[1])
    if not blocks:
        raise InputError("ifconfig.txt: no interface, so it is not `ifconfig` output")
    result = []
    for name, flags, addresses, status in blocks:
        tunnel = bool(_UTUN.fullmatch(name)) and "POINTOPOINT" in flags
        described = "utun" if tunnel else f"{re.sub(r'[0-9]+$', '', name) or name} interface, not a utun"
        state = f"flags {','.join(flags) or 'none'}" + (f", status {status}" if status else "")
        result.append(Interface(
            name=name, tunnel_kind="utun" if tunnel else None, described=described,
            up="UP" in flags, carrier="RUNNING" in flags and status in (None, "active"),
            state=state, addresses=tuple(addresses),
        ))
    return sorted(result, key=lambda i: i.name)
