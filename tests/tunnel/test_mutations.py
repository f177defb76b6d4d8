"""One change at a time to a recorded forced tunnel, on each platform: what must flip the verdict and what must not."""

import ipaddress
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dpaguard.errors import InputError
from dpaguard.tunnel import check_tunnel

FIXTURES = Path(__file__).parent / "fixtures"
POOL = ipaddress.IPv4Network("172.16.201.0/24")
SERVER = "203.0.113.10"


def copy(tmp_path: Path, platform: str, fixture: str = "pass_forced") -> Path:
    target = tmp_path / f"{platform}-{fixture}"
    shutil.copytree(FIXTURES / platform / fixture, target)
    return target


def edit_json(path: Path, change) -> None:
    raw = path.read_bytes()
    doc = json.loads(raw.decode("utf-16") if raw[:2] == b"\xff\xfe" else raw)
    doc = change(doc)
    path.write_text(json.dumps(doc))


def verdict(directory: Path, **kwargs):
    return check_tunnel(POOL, routes_dir=directory, **kwargs)


# ------------------------------------------------------------------ Linux

TUN9 = {"ifindex": 9, "ifname": "tun9", "flags": ["POINTOPOINT", "MULTICAST", "NOARP", "UP", "LOWER_UP"],
        "operstate": "UNKNOWN", "link_type": "none", "linkinfo": {"info_kind": "tun", "info_data": {"type": "tun"}}}


def linux_add(d: Path, *, routes=(), links=(), addrs=(), rules=None):
    edit_json(d / "ip-route.json", lambda doc: doc + list(routes))
    edit_json(d / "ip-link.json", lambda doc: doc + list(links))
    edit_json(d / "ip-addr.json", lambda doc: doc + list(addrs))
    if rules is not None:
        edit_json(d / "ip-rule.json", lambda doc: rules)


def linux_link(d: Path, name: str, **changes):
    def change(doc):
        for entry in doc:
            if entry["ifname"] == name:
                entry.update(changes)
        return doc
    edit_json(d / "ip-link.json", change)


def pool_addr(name: str, local: str) -> dict:
    return {"ifindex": 9, "ifname": name, "flags": ["UP", "LOWER_UP"],
            "addr_info": [{"family": "inet", "local": local, "prefixlen": 24, "scope": "global", "label": name}]}


def test_linux_named_tunnel_passes_and_a_named_non_holder_is_refused(tmp_path):
    d = copy(tmp_path, "linux")
    assert verdict(d, tunnel_interface="tun0", vpn_server=SERVER).ok
    named = verdict(d, tunnel_interface="wlan0")
    assert named.reason == "wlan0 holds no IPv4 address in the VPN pool 172.16.201.0/24 (it has: 192.168.1.23/24)"
    missing = verdict(d, tunnel_interface="vpn9")
    assert missing.reason == "no interface vpn9 (found: eth0, lo, tun0, wlan0): the VPN is not connected"


@pytest.mark.parametrize("linkinfo, described", [
    ({"info_kind": "tun", "info_data": {"type": "tap"}}, "link kind tun, type tap: an Ethernet tap, not a layer-3 tunnel"),
    ({"info_kind": "veth"}, "link kind veth"),
    ({"info_kind": "dummy"}, "link kind dummy"),
    (None, "no link kind: a physical link"),
])
def test_linux_only_tun_wireguard_ppp_are_tunnels(tmp_path, linkinfo, described):
    d = copy(tmp_path, "linux")
    linux_link(d, "tun0", linkinfo=linkinfo)
    result = verdict(d, vpn_server=SERVER)
    assert result.reason == (f"tun0 holds 172.16.201.3 in the VPN pool 172.16.201.0/24 but is not a tunnel device"
                             f" ({described}): a local network that uses the pool's range is not the VPN")


def test_linux_ppp_is_a_tunnel(tmp_path):
    d = copy(tmp_path, "linux")
    linux_link(d, "tun0", linkinfo={"info_kind": "ppp"})
    assert verdict(d, vpn_server=SERVER).tunnel_kind == "ppp"


def test_linux_pool_on_lan_and_tunnel_is_an_overlap(tmp_path):
    d = copy(tmp_path, "linux")
    linux_add(d, addrs=[pool_addr("eth0", "172.16.201.77")])
    assert verdict(d, vpn_server=SERVER).reason == (
        "eth0 also hold(s) an address in the VPN pool 172.16.201.0/24 besides the tunnel tun0: the local network"
        " overlaps the pool")


def test_linux_two_tunnels_in_the_pool_must_be_named(tmp_path):
    d = copy(tmp_path, "linux")
    linux_add(d, links=[TUN9], addrs=[pool_addr("tun9", "172.16.201.99")])
    assert verdict(d).reason == "interfaces tun0, tun9 all hold addresses in 172.16.201.0/24; name the tunnel with --tunnel-interface"


def test_linux_second_public_host_route(tmp_path):
    d = copy(tmp_path, "linux")
    linux_add(d, routes=[{"dst": "198.51.100.7", "gateway": "192.168.1.1", "dev": "wlan0", "flags": []}])
    unnamed = verdict(d)
    assert unnamed.reason.startswith(
        "route 198.51.100.7/32 via 192.168.1.1 dev wlan0 (metric 0) escapes the tunnel: it is one of 2 public host"
        " routes outside the tunnel, and only one, the VPN server's, may be (name it with --vpn-server)"), unnamed.reason
    named = verdict(d, vpn_server=SERVER)
    assert named.reason.startswith("route 198.51.100.7/32 via 192.168.1.1 dev wlan0 (metric 0) escapes the tunnel: it is"
                                   " a host route, but not to the VPN server 203.0.113.10")
    assert len(named.escapes) == 1


def test_linux_host_route_to_another_server_is_refused(tmp_path):
    d = copy(tmp_path, "linux")
    result = verdict(d, vpn_server="198.51.100.99")
    assert result.reason.startswith("route 203.0.113.10/32 via 192.168.1.1 dev wlan0 (metric 0) escapes the tunnel: it is"
                                    " a host route, but not to the VPN server 198.51.100.99")


def test_linux_wg_quick_fwmark_forcing_is_refused(tmp_path):
    # wg-quick: table 51820 holds the default via wg0, rules send unmarked traffic there; main keeps
    # the physical default for the marked (encrypted) packets, which any CAP_NET_ADMIN process can mark.
    d = copy(tmp_path, "linux", "fail_split")
    linux_add(d, routes=[{"dst": "default", "dev": "tun0", "table": "51820", "flags": []}],
              rules=[{"priority": 0, "src": "all", "table": "local"},
                     {"priority": 32764, "src": "all", "table": "main", "suppress_prefixlength": 0},
                     {"priority": 32765, "not": True, "src": "all", "fwmark": "0xca6c", "table": "51820"},
                     {"priority": 32766, "src": "all", "table": "main"}])
    assert verdict(d, vpn_server=SERVER).reason.startswith("route 0.0.0.0/0 via 192.168.1.1 dev wlan0 (metric 600) escapes")


def test_linux_escaping_table_no_rule_uses_is_still_refused(tmp_path):
    d = copy(tmp_path, "linux")
    linux_add(d, routes=[{"dst": "198.51.100.0/24", "dev": "wlan0", "table": "200", "flags": []}])
    assert verdict(d, vpn_server=SERVER).reason.startswith(
        "route 198.51.100.0/24 dev wlan0 (metric 0) table 200 escapes the tunnel (table 200: no rule looks it up now,"
        " one added later would)")


def test_linux_ipv6_into_the_tunnel_passes(tmp_path):
    d = copy(tmp_path, "linux", "fail_ipv6_escape")
    linux_add(d, routes=[{"dst": "default", "dev": "tun0", "metric": 1, "flags": [], "pref": "medium"},
                         {"dst": "2001:db8:4a1:7700::/64", "dev": "tun0", "metric": 1, "flags": [], "pref": "medium"}])
    result = verdict(d, vpn_server=SERVER)
    assert result.ok, result.reason
    assert "IPv6 internet into tun0" in result.reason


def test_linux_multipath_half_via_wlan0_escapes(tmp_path):
    d = copy(tmp_path, "linux")

    def change(doc):
        for r in doc:
            if r.get("dst") == "0.0.0.0/1":
                r.pop("gateway"), r.pop("dev")
                r["nexthops"] = [{"gateway": "172.16.201.1", "dev": "tun0", "weight": 1, "flags": []},
                                 {"gateway": "192.168.1.1", "dev": "wlan0", "weight": 1, "flags": []}]
        return doc
    edit_json(d / "ip-route.json", change)
    assert verdict(d, vpn_server=SERVER).reason.startswith(
        "route 0.0.0.0/1 via 172.16.201.1 dev tun0 via 192.168.1.1 dev wlan0 (metric 0) escapes the tunnel")


def test_linux_route_dump_without_local_table_is_unreadable(tmp_path):
    d = copy(tmp_path, "linux")
    edit_json(d / "ip-route.json", lambda doc: [r for r in doc if r.get("table") != "local"])
    with pytest.raises(InputError, match=r"^ip-route.json: no route in table local, so it is not `ip -j route show table all`$"):
        verdict(d)


# ------------------------------------------------------------------ Windows

def windows_adapter(d: Path, name: str, **changes):
    def change(doc):
        for entry in doc:
            if entry["Name"] == name:
                entry.update(changes)
        return doc
    edit_json(d / "Get-NetAdapter.json", change)


def windows_routes(d: Path, change):
    edit_json(d / "Get-NetRoute.json", change)


@pytest.mark.parametrize("changes, reason", [
    ({"Status": "Disconnected", "InterfaceOperationalStatus": 2, "MediaConnectionState": 2},
     "tunnel interface ouskl-vnet is down (Status Disconnected, InterfaceOperationalStatus Down, MediaConnectionState"
     " Disconnected)"),
    ({"MediaConnectionState": 2},
     "tunnel interface ouskl-vnet has no carrier (Status Up, InterfaceOperationalStatus Up, MediaConnectionState"
     " Disconnected): the VPN client is not attached"),
    ({"InterfaceType": 71, "HardwareInterface": True},
     "ouskl-vnet holds 172.16.201.4 in the VPN pool 172.16.201.0/24 but is not a tunnel device ('ouskl-vnet', ifType"
     " ieee80211, hardware: not a VPN connection adapter)"),
    ({"InterfaceType": 23, "HardwareInterface": True},
     "ouskl-vnet holds 172.16.201.4 in the VPN pool 172.16.201.0/24 but is not a tunnel device ('ouskl-vnet', ifType"
     " ppp, hardware: not a VPN connection adapter)"),
])
def test_windows_adapter_state(tmp_path, changes, reason):
    d = copy(tmp_path, "windows")
    windows_adapter(d, "ouskl-vnet", **changes)
    assert verdict(d, vpn_server=SERVER).reason.startswith(reason)


def _vpn_default(metric_vpn: int, metric_wifi: int, drop_if_metric: bool = False):
    def change(doc):
        halves = [r for r in doc if r["DestinationPrefix"] in ("0.0.0.0/1", "128.0.0.0/1")]
        for r in halves:
            doc.remove(r)
        default = dict(halves[0], DestinationPrefix="0.0.0.0/0", RouteMetric=0, InterfaceMetric=metric_vpn)
        doc.append(default)
        for r in doc:
            if r["DestinationPrefix"] == "0.0.0.0/0" and r["InterfaceAlias"] == "Wi-Fi":
                r["InterfaceMetric"] = metric_wifi
            if drop_if_metric:
                r.pop("InterfaceMetric", None)
        return doc
    return change


def test_windows_default_route_metrics_decide(tmp_path):
    d = copy(tmp_path / "a", "windows")
    windows_routes(d, _vpn_default(25, 35))
    assert verdict(d, vpn_server=SERVER).ok
    d = copy(tmp_path / "b", "windows")
    windows_routes(d, _vpn_default(25, 5))
    assert verdict(d, vpn_server=SERVER).reason.startswith(
        "route 0.0.0.0/0 via 192.168.1.1 on 'Wi-Fi' (metric 0+5) escapes the tunnel: it beats route 0.0.0.0/0 via"
        " on-link on 'ouskl-vnet' (metric 0+25)")


def test_windows_unknown_interface_metric_is_a_tie(tmp_path):
    d = copy(tmp_path, "windows")
    windows_routes(d, _vpn_default(25, 35, drop_if_metric=True))
    assert verdict(d, vpn_server=SERVER).reason.startswith(
        "route 0.0.0.0/0 via 192.168.1.1 on 'Wi-Fi' (RouteMetric 0, InterfaceMetric unknown) escapes the tunnel: it ties"
        " with route 0.0.0.0/0 via on-link on 'ouskl-vnet'")


def test_windows_ipv6_default_outside_is_an_escape(tmp_path):
    d = copy(tmp_path, "windows")
    windows_routes(d, lambda doc: doc + [dict(doc[-1], DestinationPrefix="::/0", NextHop="fe80::1", AddressFamily=23,
                                              InterfaceAlias="Wi-Fi", InterfaceIndex=12, ifIndex=12, RouteMetric=0,
                                              InterfaceMetric=35)])
    assert verdict(d, vpn_server=SERVER).reason.startswith(
        "route ::/0 via fe80::1 on 'Wi-Fi' (metric 0+35) escapes the tunnel: no route via ouskl-vnet is more specific")


def test_windows_single_object_json(tmp_path):
    # ConvertTo-Json writes a lone object, not a one-element list, when the cmdlet returned one.
    d = copy(tmp_path, "windows", "fail_pool_address_on_ethernet")
    edit_json(d / "Get-NetAdapter.json", lambda doc: doc[0])
    assert verdict(d).reason.startswith("Ethernet holds 172.16.201.50 in the VPN pool")


# ------------------------------------------------------------------ macOS

def macos_edit(d: Path, name: str, old: str, new: str) -> None:
    text = (d / name).read_text()
    assert old in text, old
    (d / name).write_text(text.replace(old, new))


@pytest.mark.parametrize("flags, reason", [
    ("flags=8050<POINTOPOINT,RUNNING,MULTICAST>",
     "tunnel interface utun3 is down (flags POINTOPOINT,RUNNING,MULTICAST)"),
    ("flags=8011<UP,POINTOPOINT,MULTICAST>",
     "tunnel interface utun3 has no carrier (flags UP,POINTOPOINT,MULTICAST): the VPN client is not attached"),
])
def test_macos_utun_state(tmp_path, flags, reason):
    d = copy(tmp_path, "macos")
    macos_edit(d, "ifconfig.txt", "utun3: flags=8051<UP,POINTOPOINT,RUNNING,MULTICAST>", f"utun3: {flags}")
    assert verdict(d, vpn_server=SERVER).reason == reason


def test_macos_unscoped_ipv6_default_via_en0_escapes(tmp_path):
    d = copy(tmp_path, "macos")
    macos_edit(d, "netstat-rn.txt", "default                                 fe80::%utun0                            UGcIg               utun0",
               "default                                 fe80::1%en0                             UGcg                  en0")
    assert verdict(d, vpn_server=SERVER).reason.startswith(
        "route ::/0 via fe80::1%en0 dev en0 (flags UGcg) escapes the tunnel")


def test_macos_scoped_default_via_en0_is_not_ordinary_traffic(tmp_path):
    # The primary default moved to the VPN: en0's default is interface-scoped (flag I).
    d = copy(tmp_path, "macos")
    macos_edit(d, "netstat-rn.txt", "0/1                172.16.201.7       UGScg               utun3",
               "default            172.16.201.7       UGScg               utun3")
    assert verdict(d, vpn_server=SERVER).ok


def test_macos_gateway_network_is_refused(tmp_path):
    d = copy(tmp_path, "macos")
    macos_edit(d, "netstat-rn.txt", "203.0.113.10/32    192.168.1.1        UGSc ", "203.0.113/24       192.168.1.1        UGSc ")
    assert verdict(d, vpn_server=SERVER).reason.startswith(
        "route 203.0.113.0/24 via 192.168.1.1 dev en0 (flags UGSc) escapes the tunnel: only a host route to the VPN"
        " server 203.0.113.10 may stay outside the tunnel, not the network 203.0.113.0/24")


def test_windows_route_on_an_unlisted_index_is_not_the_tunnels(tmp_path):
    # The adapter is matched by ifIndex; an alias alone (unlisted index 99) does not make a route the tunnel's.
    d = copy(tmp_path, "windows", "fail_split")
    windows_routes(d, lambda doc: doc + [dict(r, ifIndex=99, InterfaceIndex=99) for r in doc
                                         if r["DestinationPrefix"] == "10.60.0.0/16"]
                   + [dict(r, DestinationPrefix=p, ifIndex=99, InterfaceIndex=99) for r in doc
                      if r["DestinationPrefix"] == "10.60.0.0/16" for p in ("0.0.0.0/1", "128.0.0.0/1")])
    assert verdict(d, vpn_server=SERVER).reason.startswith(
        "route 0.0.0.0/1 via on-link on 'ouskl-vnet (ifIndex 99)' (metric 1+25) escapes the tunnel")


WLAN_DEFAULT_V6 = {"dst": "default", "gateway": "fe80::1", "dev": "wlan0", "protocol": "ra", "metric": 600, "flags": [],
                   "pref": "medium"}


@pytest.mark.parametrize("routes, outcome", [
    # Pass: nothing public leaves outside tun0.
    ([{"type": "blackhole", "dst": "198.51.100.0/24", "flags": []}], True),
    ([{"dst": "192.168.50.0/24", "gateway": "192.168.1.1", "dev": "wlan0", "flags": []},
      {"dst": "10.0.0.0/8", "gateway": "192.168.1.1", "dev": "wlan0", "flags": []}], True),
    ([{"dst": "default", "dev": "tun0", "metric": 1, "flags": [], "pref": "medium"}, WLAN_DEFAULT_V6], True),
    ([{"dst": "default", "dev": "tun0", "table": "51820", "flags": []}], True),
    # Refused: each a way out beside the tunnel.
    ([{"dst": "198.51.100.0/24", "gateway": "192.168.1.1", "dev": "wlan0", "metric": 100, "flags": []}],
     "route 198.51.100.0/24 via 192.168.1.1 dev wlan0 (metric 100) escapes the tunnel: it is more specific than route"
     " 128.0.0.0/1 via 172.16.201.1 dev tun0 (metric 0)"),
    ([{"dst": "0.0.0.0/1", "gateway": "192.168.1.1", "dev": "wlan0", "metric": 0, "flags": []}],
     "route 0.0.0.0/1 via 192.168.1.1 dev wlan0 (metric 0) escapes the tunnel: it ties with route 0.0.0.0/1 via"
     " 172.16.201.1 dev tun0 (metric 0)"),
    ([{"dst": "198.51.100.0/24", "dev": "wlan0", "table": "local", "scope": "link", "flags": []}],
     "route 198.51.100.0/24 dev wlan0 (metric 0) table local escapes the tunnel"),
    ([{"dst": "198.51.100.0/24"}], "route 198.51.100.0/24 dev ? (metric 0) escapes the tunnel"),
    ([{"dst": "default", "src": "2001:db8:1::/64", "dev": "tun0", "metric": 1, "flags": [], "pref": "medium"},
      WLAN_DEFAULT_V6],
     "route ::/0 via fe80::1 dev wlan0 (metric 600) escapes the tunnel: no route via tun0 is more specific or preferred"),
])
def test_linux_route_table(tmp_path, routes, outcome):
    d = copy(tmp_path, "linux")
    linux_add(d, routes=routes)
    result = verdict(d, vpn_server=SERVER)
    if outcome is True:
        assert result.ok, result.reason
    else:
        assert result.reason.startswith(outcome), result.reason


def test_linux_linkdown_tunnel_route_carries_nothing(tmp_path):
    d = copy(tmp_path, "linux")

    def change(doc):
        for r in doc:
            if r.get("dst") == "0.0.0.0/1":
                r["flags"] = ["linkdown"]
        return doc
    edit_json(d / "ip-route.json", change)
    assert verdict(d, vpn_server=SERVER).reason.startswith(
        "route 0.0.0.0/0 via 192.168.1.1 dev wlan0 (metric 600) escapes the tunnel: no live route via tun0 is more"
        " specific or preferred")


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
@pytest.mark.parametrize("fixture", ["pass_forced", "fail_split", "fail_ipv6_escape", "fail_policy_bypass"])
def test_linux_order_of_entries_does_not_change_the_verdict(tmp_path, fixture, data):
    expected = check_tunnel(POOL, routes_dir=FIXTURES / "linux" / fixture, vpn_server=SERVER)
    d = tmp_path / "shuffled"
    d.mkdir(exist_ok=True)
    for name in ("ip-route.json", "ip-addr.json", "ip-link.json", "ip-rule.json"):
        doc = json.loads((FIXTURES / "linux" / fixture / name).read_text())
        (d / name).write_text(json.dumps(data.draw(st.permutations(doc))))
    shuffled = check_tunnel(POOL, routes_dir=d, vpn_server=SERVER)
    assert (shuffled.ok, shuffled.reason, shuffled.escapes) == (expected.ok, expected.reason, expected.escapes)
