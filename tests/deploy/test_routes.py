"""Forced-tunnel check (OUS-6.1.c) on recorded `ip -j` output: pass/fail table, invariants, input errors."""

import copy
import ipaddress
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dpaguard.deploy.routes import TunnelVerdict, check_forced_tunnel, read_host_routes
from dpaguard.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures"
POOL = ipaddress.IPv4Network("172.16.201.0/24")
SERVER = ipaddress.IPv4Address("203.0.113.10")


def load(case: str) -> tuple[list[dict], list[dict]]:
    """Routes as `ip -j -4 route show table all` + `ip -j -6 ...` print them, and `ip -j addr`."""
    read = lambda name: json.loads((FIXTURES / case / name).read_text())  # noqa: E731
    return read("route4.json") + read("route6.json"), read("addr.json")


def add(*extra: dict):
    def mutate(routes, addrs):
        routes.extend(extra)

    return mutate


def edit(dst: str, dev: str, /, **changes):
    """Change the main-table route to `dst` via `dev`."""

    def mutate(routes, addrs):
        hits = [r for r in routes if r.get("dst") == dst and r.get("dev") == dev and "table" not in r]
        assert len(hits) == 1, f"fixture has {len(hits)} routes {dst} dev {dev}"
        hits[0].update(changes)
        for key in [k for k, v in changes.items() if v is None]:
            del hits[0][key]

    return mutate


def drop(*dsts: str):
    def mutate(routes, addrs):
        routes[:] = [r for r in routes if r.get("dst") not in dsts or "table" in r]

    return mutate


def link(ifname: str, **changes):
    def mutate(routes, addrs):
        next(a for a in addrs if a["ifname"] == ifname).update(changes)

    return mutate


def add_link(entry: dict):
    def mutate(routes, addrs):
        addrs.append(entry)

    return mutate


def case(fixture, expect_ok, fragment, *mutations, id, **kwargs):
    return pytest.param(fixture, mutations, kwargs, expect_ok, fragment, id=id)


FORCED = "pass_azure_openvpn_forced"
WLAN_HOST = {"dst": "198.51.100.7", "gateway": "192.168.1.1", "dev": "wlan0", "flags": []}
VPN0 = {
    "ifindex": 6, "ifname": "vpn0", "flags": ["POINTOPOINT", "NOARP", "UP", "LOWER_UP"], "operstate": "UNKNOWN",
    "addr_info": [{"family": "inet", "local": "172.16.201.9", "prefixlen": 24, "scope": "global", "label": "vpn0"}],
}

CASES = [
    # Passing: the tunnel carries everything public; only the server's host route stays outside.
    case(FORCED, True, "all internet traffic goes into tun0 (0.0.0.0/1, 128.0.0.0/1), no route in any table or family"
         " bypasses it; tun0 holds 172.16.201.3 in 172.16.201.0/24; host route to VPN server 203.0.113.10 stays outside",
         id="pass_forced_halves_server_detected"),
    case(FORCED, True, "host route to VPN server 203.0.113.10 stays outside the tunnel",
         id="pass_forced_halves_server_named", tunnel_interface="tun0", vpn_server=SERVER),
    case("pass_default_via_vpn0", True, "all internet traffic goes into vpn0 (0.0.0.0/0)", id="pass_default_lower_metric"),
    case(FORCED, True, "goes into tun0", add({"type": "blackhole", "dst": "198.51.100.0/24", "flags": []}),
         id="pass_blackholed_public_prefix"),
    case(FORCED, True, "goes into tun0",
         add({"dst": "192.168.50.0/24", "gateway": "192.168.1.1", "dev": "wlan0", "flags": []},
             {"dst": "10.0.0.0/8", "gateway": "192.168.1.1", "dev": "wlan0", "flags": []}),
         id="pass_private_lan_routes_outside"),
    case(FORCED, True, "goes into tun0",
         add({"dst": "default", "dev": "tun0", "metric": 1, "flags": [], "pref": "medium"},
             {"dst": "default", "gateway": "fe80::1", "dev": "wlan0", "protocol": "ra", "metric": 600, "flags": [], "pref": "medium"}),
         id="pass_ipv6_default_via_tunnel_wins"),
    case(FORCED, True, "goes into tun0", add({"dst": "default", "dev": "tun0", "table": "51820", "flags": []}),
         id="pass_policy_table_into_tunnel"),
    # Failing: every way traffic can reach the internet outside the tunnel.
    case("fail_split_tunnel", False, "route 0.0.0.0/0 via 192.168.1.1 dev wlan0 (metric 600) escapes the tunnel: no route"
         " via tun0 is more specific or preferred; traffic to public addresses such as 1.0.0.0 leaves by wlan0, not tun0"
         " (OUS-6.1.c: no split tunnelling)", id="fail_split_tunnel"),
    case("fail_lower_metric_default", False, "route 0.0.0.0/0 via 192.168.10.1 dev eth0 (metric 20) escapes the tunnel:"
         " it beats route 0.0.0.0/0 dev vpn0 (metric 50)", id="fail_lower_metric_default"),
    case("pass_default_via_vpn0", False, "route 0.0.0.0/0 via 192.168.1.1 dev wlan0 (metric 50) escapes the tunnel: it"
         " ties with route 0.0.0.0/0 dev vpn0 (metric 50)", edit("default", "wlan0", metric=50),
         id="fail_equal_metric_default"),
    case("fail_public_24_via_eth0", False, "route 198.51.100.0/24 via 192.168.10.1 dev eth0 (metric 100) escapes the"
         " tunnel: it is more specific than route 128.0.0.0/1 via 172.16.201.1 dev tun0 (metric 0)",
         id="fail_public_24_via_eth0"),
    case("fail_ipv6_default_wlan0", False, "route ::/0 via fe80::1 dev wlan0 (metric 600) escapes the tunnel: no route via"
         " tun0 is more specific or preferred; traffic to public addresses such as 2000:: leaves by wlan0, not tun0"
         " (OUS-6.1.c: no split tunnelling); 1 more route(s) escape", id="fail_ipv6_default_wlan0"),
    case("fail_ipv6_default_wlan0", False, "route 2001:db8:4a1:7700::/64 dev wlan0 (metric 600) escapes the tunnel",
         drop("default"), add({"dst": "0.0.0.0/1", "gateway": "172.16.201.1", "dev": "tun0", "flags": []}),
         id="fail_ipv6_public_onlink_prefix"),
    case("fail_address_outside_pool", False, "no interface holds an IPv4 address in the VPN pool 172.16.201.0/24: the VPN"
         " is not connected", id="fail_address_outside_pool_detect"),
    case("fail_address_outside_pool", False, "tun0 holds no IPv4 address in the VPN pool 172.16.201.0/24 (it has:"
         " 10.8.0.6/24)", id="fail_address_outside_pool_named", tunnel_interface="tun0"),
    case("fail_no_tunnel", False, "no interface holds an IPv4 address in the VPN pool 172.16.201.0/24",
         id="fail_no_tunnel_detect"),
    case("fail_no_tunnel", False, "no interface tun0 (found: eth0, lo, wlan0): the VPN is not connected",
         id="fail_no_tunnel_named", tunnel_interface="tun0"),
    case(FORCED, False, "route 203.0.113.10/32 via 192.168.1.1 dev wlan0 (metric 0) escapes the tunnel: it is a host route,"
         " but not to the VPN server 198.51.100.99", id="fail_host_route_not_to_named_server",
         vpn_server=ipaddress.IPv4Address("198.51.100.99")),
    case(FORCED, False, "route 198.51.100.7/32 via 192.168.1.1 dev wlan0 (metric 0) escapes the tunnel: it is one of 2 public"
         " host routes outside the tunnel, and only one, the VPN server's, may be (name it with vpn_server)",
         add(WLAN_HOST), id="fail_second_host_route_server_unnamed"),
    case(FORCED, False, "route 198.51.100.7/32 via 192.168.1.1 dev wlan0 (metric 0) escapes the tunnel: it is a host route,"
         " but not to the VPN server 203.0.113.10", add(WLAN_HOST), id="fail_second_host_route_server_named",
         vpn_server=SERVER),
    case(FORCED, False, "route 203.0.113.0/28 via 192.168.1.1 dev wlan0 (metric 0) escapes the tunnel: it is more"
         " specific than route 128.0.0.0/1", add({"dst": "203.0.113.0/28", "gateway": "192.168.1.1", "dev": "wlan0"}),
         id="fail_server_exemption_is_host_routes_only", vpn_server=SERVER),
    case(FORCED, False, "route 0.0.0.0/0 via 192.168.1.1 dev wlan0 (metric 0) table 100 escapes the tunnel",
         add({"dst": "default", "gateway": "192.168.1.1", "dev": "wlan0", "table": "100", "flags": []}),
         id="fail_policy_table_escape"),
    case(FORCED, False, "route 198.51.100.0/24 dev wlan0 (metric 0) table local escapes the tunnel",
         add({"dst": "198.51.100.0/24", "dev": "wlan0", "table": "local", "scope": "link", "flags": []}),
         id="fail_unicast_route_in_local_table"),
    case(FORCED, False, "route 0.0.0.0/0 via 192.168.1.1 dev wlan0 (metric 600) escapes the tunnel: no live route via tun0"
         " is more specific or preferred", edit("0.0.0.0/1", "tun0", flags=["linkdown"]),
         id="fail_linkdown_tunnel_route"),
    case(FORCED, False, "route 0.0.0.0/1 via 172.16.201.1 dev tun0 via 192.168.1.1 dev wlan0 (metric 0) escapes the"
         " tunnel: no route via tun0 is more specific or preferred; traffic to public addresses such as 1.0.0.0 leaves by"
         " wlan0, not tun0",
         edit("0.0.0.0/1", "tun0", dev=None, gateway=None, nexthops=[
             {"gateway": "172.16.201.1", "dev": "tun0", "weight": 1, "flags": []},
             {"gateway": "192.168.1.1", "dev": "wlan0", "weight": 1, "flags": []}]),
         id="fail_multipath_half_via_wlan0"),
    case(FORCED, False, "route ::/0 via fe80::1 dev wlan0 (metric 600) escapes the tunnel: no route via tun0",
         add({"dst": "default", "src": "2001:db8:1::/64", "dev": "tun0", "metric": 1, "flags": [], "pref": "medium"},
             {"dst": "default", "gateway": "fe80::1", "dev": "wlan0", "protocol": "ra", "metric": 600, "flags": [], "pref": "medium"}),
         id="fail_source_restricted_tunnel_route_does_not_count"),
    case(FORCED, False, "tunnel interface tun0 is down (flags POINTOPOINT,MULTICAST,NOARP)",
         link("tun0", flags=["POINTOPOINT", "MULTICAST", "NOARP"], operstate="DOWN"), id="fail_tunnel_admin_down"),
    case(FORCED, False, "interfaces tun0, vpn0 all hold addresses in 172.16.201.0/24; name the tunnel with"
         " tunnel_interface", add_link(VPN0), id="fail_two_pool_holders"),
    case(FORCED, True, "goes into tun0", add_link(VPN0), id="pass_two_pool_holders_named", tunnel_interface="tun0"),
    case(FORCED, False, "tun0 does not carry all IPv4 internet traffic (its live routes in main cover only 10.60.0.0/16,"
         " 172.16.201.0/24); OUS-6.1.c needs the default route or 0.0.0.0/1 + 128.0.0.0/1 via tun0",
         drop("0.0.0.0/1", "128.0.0.0/1", "default", "203.0.113.10"), id="fail_tunnel_covers_too_little"),
]


def verdict_for(fixture, mutations, kwargs, order=None) -> TunnelVerdict:
    routes, addrs = load(fixture)
    for mutate in mutations:
        mutate(routes, addrs)
    if order is not None:
        routes, addrs = order(routes, addrs)
    kwargs = {"tunnel_interface": None, "vpn_pool": POOL, **kwargs}
    return check_forced_tunnel(routes, addrs, **kwargs)


@pytest.mark.parametrize("fixture, mutations, kwargs, expect_ok, fragment", CASES)
def test_verdict(fixture, mutations, kwargs, expect_ok, fragment):
    verdict = verdict_for(fixture, mutations, kwargs)
    assert (verdict.ok, fragment in verdict.reason) == (expect_ok, True), verdict.reason
    assert "\n" not in verdict.reason


def test_verdict_fields_name_tunnel_pool_address_and_server():
    routes, addrs = load(FORCED)
    verdict = check_forced_tunnel(routes, addrs, tunnel_interface=None, vpn_pool=POOL)
    assert verdict == TunnelVerdict(True, verdict.reason, "tun0", ipaddress.IPv4Address("172.16.201.3"), SERVER)


def test_fixture_names_match_outcomes():
    # Fixtures are named for their outcome; the table runs each unmodified at least once.
    for path in sorted(FIXTURES.iterdir()):
        routes, addrs = load(path.name)
        verdict = check_forced_tunnel(routes, addrs, tunnel_interface=None, vpn_pool=POOL)
        assert verdict.ok == path.name.startswith("pass_"), f"{path.name}: {verdict.reason}"


@pytest.mark.parametrize("fixture, mutations, kwargs, expect_ok, fragment", CASES)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_order_of_routes_and_links_does_not_change_verdict(fixture, mutations, kwargs, expect_ok, fragment, data):
    expected = verdict_for(fixture, mutations, kwargs)

    def shuffle(routes, addrs):
        return data.draw(st.permutations(routes)), data.draw(st.permutations(addrs))

    assert verdict_for(fixture, mutations, kwargs, order=shuffle) == expected


# --- totality: odd fields take ip's defaults; wrong types and garbage are one-line InputErrors ---

@pytest.mark.parametrize(
    "route",
    [
        {"dst": "default", "dev": "tun0"},  # no metric, flags, table, type: ip's defaults
        {"dst": "203.0.113.0/24", "dev": "tun0", "table": 255, "flags": ["onlink", 7], "unknown": {"x": [1]}},
        {"dst": "default", "via": {"family": "inet6", "host": "fe80::1"}, "dev": "tun0", "family": "inet"},
        {"type": "unreachable", "dst": "198.51.100.0/24"},
        {"dst": "198.51.100.0/24"},  # no dev: counted as leaving the tunnel, never as inside it
    ],
)
def test_odd_but_valid_routes_do_not_raise(route):
    routes, addrs = load(FORCED)
    assert isinstance(check_forced_tunnel(routes + [route], addrs, tunnel_interface=None, vpn_pool=POOL), TunnelVerdict)


def test_route_without_dev_is_not_trusted():
    routes, addrs = load(FORCED)
    verdict = check_forced_tunnel(routes + [{"dst": "198.51.100.0/24"}], addrs, tunnel_interface=None, vpn_pool=POOL)
    assert not verdict.ok and "route 198.51.100.0/24 dev ? (metric 0) escapes the tunnel" in verdict.reason


def test_addr_odd_entries_do_not_raise():
    routes, addrs = load(FORCED)
    addrs = addrs + [{"ifname": "wg9", "addr_info": [{}, {"family": "inet6", "local": "::1"}, "junk"]}, {"ifname": "x"}]
    assert check_forced_tunnel(routes, addrs, tunnel_interface=None, vpn_pool=POOL).ok


@pytest.mark.parametrize(
    "routes, addrs, message",
    [
        ({"dst": "default"}, [], "routes: expected the JSON list printed by `ip -j route`, got dict"),
        (["default via 192.168.1.1 dev wlan0"], [], "routes[0]: expected a JSON object, got str"),
        ([{"dev": "wlan0"}], [], "routes[0]: no 'dst'"),
        ([{"dst": "10.0.0.0/33", "dev": "wlan0"}], [], "routes[0]: dst '10.0.0.0/33' is not an IP prefix"),
        ([{"dst": "default", "dev": "wlan0", "metric": "600"}], [], "routes[0]: 'metric' is str '600', not what ip prints"),
        ([{"dst": "default", "dev": "wlan0", "metric": True}], [], "routes[0]: 'metric' is bool True"),
        ([{"dst": "default", "dev": "wlan0", "flags": "linkdown"}], [], "routes[0]: 'flags' is str"),
        ([{"dst": "default", "nexthops": ["wlan0"]}], [], "routes[0].nexthops[0]: expected a JSON object, got str"),
        ([{"dst": "default", "family": "inet7"}], [], "routes[0]: family 'inet7' is neither inet nor inet6"),
        ([{"dst": "::/0", "family": "inet"}], [], "routes[0]: dst ::/0 does not belong to family inet"),
        ([], "lo", "addrs: expected the JSON list printed by `ip -j addr`, got str"),
        ([], [{"addr_info": []}], "addrs[0]: no 'ifname'"),
        ([], [{"ifname": "tun0", "addr_info": [{"family": "inet", "local": "bogus"}]}],
         "addrs[0].addr_info[0]: bogus/None is not an IPv4 address"),
    ],
)
def test_malformed_input_is_one_line_input_error(routes, addrs, message):
    with pytest.raises(InputError) as caught:
        check_forced_tunnel(routes, addrs, tunnel_interface=None, vpn_pool=POOL)
    assert message in caught.value.message and "\n" not in caught.value.message


def test_pool_must_be_ipv4_network():
    with pytest.raises(InputError, match="vpn_pool must be an IPv4 network"):
        check_forced_tunnel([], [], tunnel_interface=None, vpn_pool="172.16.201.0/24")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=12)
    | st.sampled_from(["default", "0.0.0.0/1", "::/0", "10.0.0.0/8", "203.0.113.10", "fe80::1", "tun0", "wlan0",
                       "inet", "inet6", "local", "blackhole", "main", "linkdown", "UP"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_any_json_gives_a_verdict_or_input_error(data):
    routes, addrs = load(FORCED)
    target = data.draw(st.sampled_from(["route", "addr"]))
    entries = routes if target == "route" else addrs
    i = data.draw(st.integers(0, len(entries) - 1))
    entry = copy.deepcopy(entries[i])
    keys = ["dst", "gateway", "dev", "metric", "table", "type", "flags", "nexthops", "via", "src", "tos", "pref", "family"]
    if target == "addr":
        keys = ["ifname", "flags", "addr_info", "operstate"]
    entry[data.draw(st.sampled_from(keys))] = data.draw(JSON)
    entries[i] = entry
    try:
        assert isinstance(check_forced_tunnel(routes, addrs, tunnel_interface=None, vpn_pool=POOL), TunnelVerdict)
    except InputError as e:
        assert "\n" not in e.message


# --- read_host_routes: the real `ip`, and a stand-in for its failures ---

def fake_ip(tmp_path: Path, monkeypatch, body: str) -> Path:
    """Put a shell script named `ip` first on PATH; it logs its argv to ip.log."""
    script = tmp_path / "ip"
    script.write_text(f'#!/bin/sh\necho "$*" >> "{tmp_path}/ip.log"\n{body}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    return tmp_path / "ip.log"


def test_reader_reports_missing_ip(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(InputError, match=r"^cannot read routes: ip not found; install iproute2$"):
        read_host_routes()


def test_reader_reports_ip_failure_in_one_line(tmp_path, monkeypatch):
    fake_ip(tmp_path, monkeypatch, 'echo "Error: ipv4: FIB table does not exist." >&2\necho "Dump terminated" >&2\nexit 2')
    with pytest.raises(InputError) as caught:
        read_host_routes()
    assert caught.value.message == (
        "cannot read routes: `ip -j -4 route show table all` failed (exit 2): Error: ipv4: FIB table does not exist."
    )


def test_reader_reports_invalid_json(tmp_path, monkeypatch):
    fake_ip(tmp_path, monkeypatch, "echo '[{\"dst\":\"default\",'")
    with pytest.raises(InputError, match=r"^cannot read routes: `ip -j -4 route show table all` printed invalid JSON"):
        read_host_routes()


def test_reader_runs_three_commands_and_tags_families(tmp_path, monkeypatch):
    fixture = FIXTURES / FORCED
    log = fake_ip(tmp_path, monkeypatch, f"""case "$*" in
  *-4\\ route*) cat "{fixture}/route4.json" ;;
  *-6\\ route*) cat "{fixture}/route6.json" ;;
  *addr*) cat "{fixture}/addr.json" ;;
esac""")
    routes, addrs = read_host_routes(netns="dpaguard-x")
    assert log.read_text().splitlines() == [
        "-n dpaguard-x -j -4 route show table all",
        "-n dpaguard-x -j -6 route show table all",
        "-n dpaguard-x -j addr show",
    ]
    assert {r["family"] for r in routes if "pref" in r} == {"inet6"}
    assert {r["family"] for r in routes if "pref" not in r} == {"inet"}
    assert check_forced_tunnel(routes, addrs, tunnel_interface=None, vpn_pool=POOL).ok


def test_reader_treats_disabled_ipv6_as_no_ipv6_routes(tmp_path, monkeypatch):
    fake_ip(tmp_path, monkeypatch, """case "$*" in
  *-6\\ route*) echo "RTNETLINK answers: Address family not supported by protocol" >&2; exit 2 ;;
  *) echo "[]" ;;
esac""")
    assert read_host_routes() == ([], [])


@pytest.mark.skipif(shutil.which("ip") is None, reason="ip (iproute2) is not installed")
def test_reader_on_this_host_gives_a_verdict():
    routes, addrs = read_host_routes()
    assert isinstance(check_forced_tunnel(routes, addrs, tunnel_interface=None, vpn_pool=POOL), TunnelVerdict)
    assert any(a.get("ifname") == "lo" for a in addrs) or os.environ.get("CI")
