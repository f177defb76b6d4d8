"""Windows: `Get-NetRoute`, `Get-NetIPAddress` and `Get-NetAdapter`, each `| ConvertTo-Json`, into a Snapshot.

Property names and value types are those of the CIM classes the cmdlets return, as documented on
Microsoft Learn: "MSFT_NetRoute class" (DestinationPrefix, NextHop, InterfaceIndex/ifIndex,
InterfaceAlias, RouteMetric uint16, AddressFamily uint16: IPv4 (2), IPv6 (23)), "MSFT_NetIPAddress
class" (IPAddress, PrefixLength uint8, InterfaceIndex, InterfaceAlias, AddressFamily) and
"MSFT_NetAdapter class" (Name, InterfaceDescription, InterfaceIndex, InterfaceType uint32 = the
IANA ifType, HardwareInterface, MediaConnectionState uint32 = NET_IF_MEDIA_CONNECT_STATE: Unknown
(0), Connected (1), Disconnected (2), InterfaceOperationalStatus uint32 = IF_OPER_STATUS: Up (1)
... LowerLayerDown (7)), with "Get-NetRoute" (nettcpip module) for the effective metric: the
route's RouteMetric plus its interface's InterfaceMetric. ConvertTo-Json writes CIM enumerations
as their integers and one object (not a list) when the cmdlet returned one.

The tunnel is the VPN connection's adapter. The Azure VPN Client is a plug-in of Windows' VPN
platform (Microsoft Learn, "Create an Intune profile to deploy VPN client profiles": a VPNv2
<PluginProfile> with PluginPackageFamilyName Microsoft.AzureVpn_8wekyb3d8bbwe, kept in the app's
rasphone.pbk phonebook), and that platform presents a connection as a RAS software adapter
(HardwareInterface false) of IANA ifType ppp (23), named after the connection profile. No Microsoft
document found states the adapter's InterfaceDescription, so the description is not trusted. A physical or virtual Ethernet or Wi-Fi
adapter (ifType 6, 71) is never the tunnel, whatever address it holds. An on-link NextHop is
0.0.0.0 or ::.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from dpaguard.errors import InputError
from dpaguard.tunnel.inputs import obj, opt, parse_json, run
from dpaguard.tunnel.model import FORWARD, HOST, MAIN, Interface, IPInterface, IPNetwork, Route, Snapshot

FILES = ("Get-NetRoute.json", "Get-NetIPAddress.json", "Get-NetAdapter.json")
# Depth 1 keeps the nested CIM metadata (CimClass, CimInstanceProperties) from bloating the output.
COMMANDS: dict[str, list[str]] = {
    name: ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command",
           f"{name.removesuffix('.json')} | ConvertTo-Json -Depth 1"]
    for name in FILES
}
AF = {2: 4, 23: 6}  # MSFT_NetRoute / MSFT_NetIPAddress AddressFamily
IF_TYPE_PPP = 23  # IANAifType-MIB ppp(23)
_IF_TYPES = {6: "ethernetCsmacd", 23: "ppp", 24: "softwareLoopback", 53: "propVirtual", 71: "ieee80211",
             131: "tunnel", 243: "wwanPP", 244: "wwanPP2"}
_MEDIA = {0: "Unknown", 1: "Connected", 2: "Disconnected"}
_OPER = {1: "Up", 2: "Down", 3: "Testing", 4: "Unknown", 5: "Dormant", 6: "NotPresent", 7: "LowerLayerDown"}
_ON_LINK = frozenset({"0.0.0.0", "::"})


def read_live() -> Snapshot:
    docs = {}
    for name, argv in COMMANDS.items():
        text = run(argv)
        assert text is not None
        docs[name] = parse_json(text, f"`{argv[-1]}`") if text.strip() else []
    return parse(docs, "live")


def parse(docs: dict[str, Any], source: str) -> Snapshot:
    adapters = _listed(docs["Get-NetAdapter.json"], "Get-NetAdapter.json")
    addresses = _listed(docs["Get-NetIPAddress.json"], "Get-NetIPAddress.json")
    routes_raw = _listed(docs["Get-NetRoute.json"], "Get-NetRoute.json")

    names: dict[int, str] = {}
    interfaces: dict[str, dict[str, Any]] = {}
    for i, raw in enumerate(adapters):
        where = f"Get-NetAdapter.json[{i}]"
        a = obj(raw, where)
        name = opt(a, "Name", str, where) or opt(a, "InterfaceAlias", str, where)
        index = _index(a, where)
        if not name:
            raise InputError(f"{where}: no 'Name'")
        names[index] = name
        interfaces[name] = {"adapter": a, "where": where, "addresses": []}
    for i, raw in enumerate(addresses):
        where = f"Get-NetIPAddress.json[{i}]"
        a = obj(raw, where)
        name = _name(a, where, names)
        interfaces.setdefault(name, {"adapter": None, "where": where, "addresses": []})["addresses"].append(
            _address(a, where))
    routes = [_route(obj(raw, f"Get-NetRoute.json[{i}]"), f"Get-NetRoute.json[{i}]", names)
              for i, raw in enumerate(routes_raw)]
    return Snapshot("windows", source, tuple(_interface(n, v) for n, v in sorted(interfaces.items())), tuple(routes))


def _listed(doc: Any, where: str) -> list[Any]:
    if isinstance(doc, dict):
        return [doc]  # ConvertTo-Json of a single object
    if not isinstance(doc, list):
        raise InputError(f"{where}: expected the JSON that `... | ConvertTo-Json` prints, got {type(doc).__name__}")
    return doc


def _index(a: dict[str, Any], where: str) -> int:
    index = opt(a, "ifIndex", int, where)
    index = opt(a, "InterfaceIndex", int, where) if index is None else index
    if index is None:
        raise InputError(f"{where}: no 'ifIndex' or 'InterfaceIndex'")
    return int(index)


def _name(a: dict[str, Any], where: str, names: dict[int, str]) -> str:
    index = _index(a, where)
    alias = opt(a, "InterfaceAlias", str, where)
    # Interfaces Get-NetAdapter does not list (the loopback pseudo-interface) are named by alias
    # and index, so an alias alone can never make a route look like the tunnel adapter's.
    return names.get(index) or f"{alias or 'interface'} (ifIndex {index})"


def _family(a: dict[str, Any], where: str) -> int | None:
    family = opt(a, "AddressFamily", int, where)
    if family is None:
        return None
    if family not in AF:
        raise InputError(f"{where}: AddressFamily {family} is neither IPv4 (2) nor IPv6 (23)")
    return AF[family]


def _address(a: dict[str, Any], where: str) -> IPInterface:
    ip = opt(a, "IPAddress", str, where)
    length = opt(a, "PrefixLength", int, where)
    if ip is None or length is None:
        raise InputError(f"{where}: needs 'IPAddress' and 'PrefixLength'")
    try:
        address = ipaddress.ip_interface(f"{ip.split('%')[0]}/{length}")
    except ValueError:
        raise InputError(f"{where}: {ip}/{length} is not an IP address") from None
    family = _family(a, where)
    if family is not None and family != address.version:
        raise InputError(f"{where}: {ip} does not match AddressFamily {a['AddressFamily']}")
    return address


def _route(r: dict[str, Any], where: str, names: dict[int, str]) -> Route:
    prefix = opt(r, "DestinationPrefix", str, where)
    if prefix is None:
        raise InputError(f"{where}: no 'DestinationPrefix'")
    try:
        net: IPNetwork = ipaddress.ip_network(prefix, strict=False)
    except ValueError:
        raise InputError(f"{where}: DestinationPrefix {prefix!r} is not an IP prefix") from None
    family = _family(r, where)
    if family is not None and family != net.version:
        raise InputError(f"{where}: {prefix} does not match AddressFamily {r['AddressFamily']}")
    name = _name(r, where, names)
    hop = opt(r, "NextHop", str, where)
    gateway = None if hop is None or hop in _ON_LINK else hop
    route_metric = opt(r, "RouteMetric", int, where)
    if_metric = opt(r, "InterfaceMetric", int, where)
    # Windows picks among equal prefixes by RouteMetric + InterfaceMetric; without both it is unknown.
    metric = None if route_metric is None or if_metric is None else route_metric + if_metric
    kind = HOST if net.is_multicast or str(net) == "255.255.255.255/32" else FORWARD
    shown = f"metric {route_metric}+{if_metric}" if metric is not None else f"RouteMetric {route_metric}, InterfaceMetric unknown"
    text = f"route {net} via {gateway or 'on-link'} on {name!r} ({shown})"
    return Route(net, kind, ((name, gateway),), metric, MAIN, False, False, False, text)


def _interface(name: str, found: dict[str, Any]) -> Interface:
    a = found["adapter"]
    where = found["where"]
    addresses = tuple(found["addresses"])
    if a is None:
        return Interface(name, None, "not listed by Get-NetAdapter", False, False, "not an adapter", addresses)
    description = opt(a, "InterfaceDescription", str, where) or ""
    if_type = opt(a, "InterfaceType", int, where)
    hardware = opt(a, "HardwareInterface", bool, where)
    status = opt(a, "Status", str, where)
    media = opt(a, "MediaConnectionState", int, where)
    oper = opt(a, "InterfaceOperationalStatus", int, where)
    type_name = _IF_TYPES.get(if_type, str(if_type)) if if_type is not None else "unknown"
    if if_type == IF_TYPE_PPP and hardware is False:
        kind: str | None = "Azure VPN Client (Windows VPN adapter, ifType ppp)"
        described = f"{description!r}, ifType {type_name}"
    else:
        kind = None
        hw = "hardware" if hardware else "software" if hardware is False else "HardwareInterface unknown"
        described = f"{description!r}, ifType {type_name}, {hw}: not a VPN connection adapter"
    up = status == "Up" and oper in (None, 1)
    state = (f"Status {status}, InterfaceOperationalStatus {_OPER.get(oper, oper) if oper is not None else 'unknown'},"
             f" MediaConnectionState {_MEDIA.get(media, media) if media is not None else 'unknown'}")
    return Interface(name, kind, described, up, media == 1, state, addresses)
