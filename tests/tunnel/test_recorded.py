"""The tunnel check (OUS-6.1.c) on recorded outputs of Linux, Windows and macOS: one table of cases.

Fixtures are named for their outcome. Linux ones hold iproute2's JSON as `ip -j` prints it (shapes
checked against the real `ip` in test_netns.py); Windows ones `Get-NetRoute`, `Get-NetIPAddress`,
`Get-NetAdapter | ConvertTo-Json` with the MSFT_NetRoute / MSFT_NetIPAddress / MSFT_NetAdapter
property names and integer enumerations Microsoft Learn documents (pass_forced/Get-NetRoute.json is
UTF-16 with a byte-order mark, as Windows PowerShell 5.1's `>` writes it); macOS ones `netstat -rn`
and `ifconfig` text in the layout of netstat(1)/ifconfig(8) (classful destinations, link#N, flags).
"""

import ipaddress
from pathlib import Path

import pytest

from dpaguard.tunnel import Verdict, check_tunnel

FIXTURES = Path(__file__).parent / "fixtures"
POOL = ipaddress.IPv4Network("172.16.201.0/24")  # stacks/Pulumi.ous-kvalitetslab.yaml network.vpnClientPool
ECG_POOL = ipaddress.IPv4Network("172.16.247.0/24")  # stacks/Pulumi.ecg247.yaml network.vpnClientPool


def pool_of(fixture: str) -> ipaddress.IPv4Network:
    return ECG_POOL if fixture.endswith("_ecg247") else POOL
SERVER = "203.0.113.10"

LINUX_FORCED = ("all internet traffic goes into tun0 (tun; 0.0.0.0/1, 128.0.0.0/1; no IPv6 internet route), no route in"
                " any table or family bypasses it; tun0 holds 172.16.201.3 in 172.16.201.0/24; host route to VPN server"
                " 203.0.113.10 stays outside the tunnel")
SPLIT_TAIL = "traffic to public addresses such as 1.0.0.0 leaves by {out}, not {tun} (OUS-6.1.c: no split tunnelling)"

CASES = [
    # (platform, fixture, vpn_server, ok, the whole reason)
    ("linux", "pass_forced", None, True, LINUX_FORCED),
    ("linux", "pass_forced", SERVER, True, LINUX_FORCED),
    ("linux", "pass_forced_ecg247", SERVER, True,
     "all internet traffic goes into tun0 (tun; 0.0.0.0/1, 128.0.0.0/1; no IPv6 internet route), no route in any table"
     " or family bypasses it; tun0 holds 172.16.247.3 in 172.16.247.0/24; host route to VPN server 203.0.113.10 stays"
     " outside the tunnel"),
    ("linux", "pass_wireguard_forced", SERVER, True,
     "all internet traffic goes into wg0 (wireguard; 0.0.0.0/1, 128.0.0.0/1; no IPv6 internet route), no route in any"
     " table or family bypasses it; wg0 holds 172.16.201.9 in 172.16.201.0/24; host route to VPN server 203.0.113.10"
     " stays outside the tunnel"),
    ("linux", "fail_split", SERVER, False,
     "route 0.0.0.0/0 via 192.168.1.1 dev wlan0 (metric 600) escapes the tunnel: no route via tun0 is more specific or"
     " preferred; " + SPLIT_TAIL.format(out="wlan0", tun="tun0")),
    ("linux", "fail_pool_address_on_eth0", None, False,
     "eth0 holds 172.16.201.50 in the VPN pool 172.16.201.0/24 but is not a tunnel device (no link kind: a physical"
     " link): a local network that uses the pool's range is not the VPN"),
    ("linux", "fail_tunnel_down", None, False,
     "tunnel interface tun0 is down (flags POINTOPOINT,MULTICAST,NOARP, operstate DOWN)"),
    ("linux", "fail_tunnel_no_carrier", None, False,
     "tunnel interface tun0 has no carrier (flags NO-CARRIER,POINTOPOINT,MULTICAST,NOARP,UP, operstate DOWN): the VPN"
     " client is not attached"),
    ("linux", "fail_ipv6_escape", SERVER, False,
     "route ::/0 via fe80::1 dev wlan0 (metric 600) escapes the tunnel: no route via tun0 is more specific or preferred;"
     " traffic to public addresses such as 2000:: leaves by wlan0, not tun0 (OUS-6.1.c: no split tunnelling);"
     " 1 more route(s) escape"),
    ("linux", "fail_policy_bypass", SERVER, False,
     "route 0.0.0.0/0 via 192.168.1.1 dev wlan0 (metric 0) table 100 escapes the tunnel (reached by rule 100: from all"
     " fwmark 0x1 lookup 100): no route via tun0 is more specific or preferred; "
     + SPLIT_TAIL.format(out="wlan0", tun="tun0")),
    ("linux", "fail_gateway_24", SERVER, False,
     "route 203.0.113.0/24 via 192.168.1.1 dev wlan0 (metric 0) escapes the tunnel: only a host route to the VPN server"
     " 203.0.113.10 may stay outside the tunnel, not the network 203.0.113.0/24; traffic to public addresses such as"
     " 203.0.113.0 leaves by wlan0, not tun0 (OUS-6.1.c: no split tunnelling)"),
    ("linux", "fail_gateway_24", None, False,
     "route 203.0.113.0/24 via 192.168.1.1 dev wlan0 (metric 0) escapes the tunnel: it is more specific than route"
     " 128.0.0.0/1 via 172.16.201.1 dev tun0 (metric 0)"),
    ("windows", "pass_forced", SERVER, True,
     "all internet traffic goes into ouskl-vnet (Azure VPN Client (Windows VPN adapter, ifType ppp); 0.0.0.0/1,"
     " 128.0.0.0/1; no IPv6 internet route), no route in any table or family bypasses it; ouskl-vnet holds"
     " 172.16.201.4 in 172.16.201.0/24; host route to VPN server 203.0.113.10 stays outside the tunnel"),
    ("windows", "fail_split", SERVER, False,
     "route 0.0.0.0/0 via 192.168.1.1 on 'Wi-Fi' (metric 0+35) escapes the tunnel: no route via ouskl-vnet is more"
     " specific or preferred; " + SPLIT_TAIL.format(out="Wi-Fi", tun="ouskl-vnet")),
    ("windows", "fail_pool_address_on_ethernet", None, False,
     "Ethernet holds 172.16.201.50 in the VPN pool 172.16.201.0/24 but is not a tunnel device ('Intel(R) Ethernet"
     " Connection (16) I219-LM', ifType ethernetCsmacd, hardware: not a VPN connection adapter): a local network that"
     " uses the pool's range is not the VPN"),
    ("macos", "pass_forced", SERVER, True,
     "all internet traffic goes into utun3 (utun; 0.0.0.0/1, 128.0.0.0/1; no IPv6 internet route), no route in any table"
     " or family bypasses it; utun3 holds 172.16.201.7 in 172.16.201.0/24; host route to VPN server 203.0.113.10 stays"
     " outside the tunnel"),
    ("macos", "fail_split", SERVER, False,
     "route 0.0.0.0/0 via 192.168.1.1 dev en0 (flags UGScg) escapes the tunnel: no route via utun3 is more specific or"
     " preferred; " + SPLIT_TAIL.format(out="en0", tun="utun3")),
    ("macos", "fail_pool_address_on_en0", None, False,
     "en0 holds 172.16.201.50 in the VPN pool 172.16.201.0/24 but is not a tunnel device (en interface, not a utun):"
     " a local network that uses the pool's range is not the VPN"),
]


@pytest.mark.parametrize("platform, fixture, server, ok, reason", CASES,
                         ids=[f"{c[0]}-{c[1]}-{'server' if c[2] else 'noserver'}" for c in CASES])
def test_verdict(platform, fixture, server, ok, reason):
    verdict = check_tunnel(pool_of(fixture), routes_dir=FIXTURES / platform / fixture, vpn_server=server)
    assert (verdict.platform, verdict.ok) == (platform, ok), verdict.reason
    if ok:
        assert verdict.reason == reason
    else:
        assert verdict.reason.startswith(reason), verdict.reason
    assert verdict.exit_code == (0 if ok else 1)


def test_every_fixture_is_in_the_table_and_named_for_its_outcome():
    dirs = {(p.parent.name, p.name) for p in FIXTURES.glob("*/*") if p.is_dir()}
    assert dirs == {(c[0], c[1]) for c in CASES}
    for platform, name in dirs:
        assert check_tunnel(pool_of(name), routes_dir=FIXTURES / platform / name).ok == name.startswith("pass_"), name


@pytest.mark.parametrize("platform, tunnel, kind, address", [
    ("linux", "tun0", "tun", "172.16.201.3"),
    ("windows", "ouskl-vnet", "Azure VPN Client (Windows VPN adapter, ifType ppp)", "172.16.201.4"),
    ("macos", "utun3", "utun", "172.16.201.7"),
])
def test_audit_detail_of_a_pass(platform, tunnel, kind, address):
    verdict = check_tunnel(POOL, routes_dir=FIXTURES / platform / "pass_forced", vpn_server=ipaddress.ip_address(SERVER))
    detail = verdict.audit_detail()
    assert {k: v for k, v in detail.items() if k != "reason"} == {
        "clause": "OUS-6.1.c", "decision": "forced", "platform": platform,
        "source": str(FIXTURES / platform / "pass_forced"), "interface": tunnel, "kind": kind, "address": address,
        "vpnServer": SERVER, "escapes": [], "escapesTotal": 0,
    }


def test_audit_detail_of_a_refusal_lists_every_escape():
    verdict = check_tunnel(POOL, routes_dir=FIXTURES / "linux" / "fail_ipv6_escape", vpn_server=SERVER)
    detail = verdict.audit_detail()
    assert (detail["decision"], detail["interface"], detail["address"], detail["vpnServer"]) == (
        "refused", "tun0", "172.16.201.3", SERVER)
    assert detail["escapes"] == [  # widest first
        "route ::/0 via fe80::1 dev wlan0 (metric 600): no route via tun0 is more specific or preferred",
        "route 2001:db8:4a1:7700::/64 dev wlan0 (metric 600): no route via tun0 is more specific or preferred",
    ]


def test_verdict_is_a_frozen_value():
    verdict = check_tunnel(POOL, routes_dir=FIXTURES / "linux" / "pass_forced")
    assert isinstance(verdict, Verdict)
    with pytest.raises(AttributeError):
        verdict.ok = False  # type: ignore[misc]
