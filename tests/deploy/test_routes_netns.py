"""The forced-tunnel check (OUS-6.1.c) on real kernel routing tables, in a throwaway network namespace.

Nothing is ever sent: the tests create interfaces and routes (private addresses only) and read them
back with `ip -j`. The namespace has no link to the host, and IPv6 address generation is off on
every interface made here, so not even the kernel's own neighbour discovery goes out.
"""

import ipaddress
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dpaguard.deploy.routes import check_forced_tunnel, read_host_routes

REPO = Path(__file__).resolve().parents[2]
NS = f"dpaguard-test-{os.getpid()}"
POOL = ipaddress.IPv4Network("172.16.201.0/24")

# Runs inside the namespace exactly as `dpaguard deploy` would run on the operator's machine.
CHILD = """
import ipaddress, json
from dpaguard.deploy.routes import check_forced_tunnel, read_host_routes
routes, addrs = read_host_routes()
v = check_forced_tunnel(routes, addrs, tunnel_interface=None, vpn_pool=ipaddress.IPv4Network("172.16.201.0/24"))
print(json.dumps({"ok": v.ok, "reason": v.reason, "tunnel": v.tunnel_interface, "address": str(v.pool_address)}))
"""


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and done.returncode != 0:
        pytest.fail(f"`ip {' '.join(args)}` failed: {done.stderr.strip()}")
    return done


def add_link(name: str) -> None:
    made = ip("-n", NS, "link", "add", name, "type", "dummy", check=False)
    if made.returncode != 0:
        # Kernels built without CONFIG_DUMMY (Firecracker guests, for one): a veth pair with both
        # ends inside the namespace stands in; its peer must be up for the link to have carrier.
        ip("-n", NS, "link", "add", name, "type", "veth", "peer", "name", f"{name}-p")
        ip("-n", NS, "link", "set", f"{name}-p", "addrgenmode", "none")
        ip("-n", NS, "link", "set", f"{name}-p", "up")
    ip("-n", NS, "link", "set", name, "addrgenmode", "none")
    ip("-n", NS, "link", "set", name, "up")


@pytest.fixture
def netns(request) -> str:
    """A namespace with a fake Wi-Fi link (private LAN, default route) and a fake tunnel holding a pool address."""
    if shutil.which("ip") is None:
        pytest.skip("ip (iproute2) is not installed, so no network namespace can be made")
    if os.geteuid() != 0:
        pytest.skip("not root: creating a network namespace needs CAP_SYS_ADMIN")
    ip("netns", "del", NS, check=False)  # left over by a crashed run that had the same pid
    made = ip("netns", "add", NS, check=False)
    if made.returncode != 0:
        pytest.skip(f"this machine does not allow network namespaces: `ip netns add {NS}`: {made.stderr.strip()}")
    request.addfinalizer(lambda: ip("netns", "del", NS, check=False))
    ip("-n", NS, "link", "set", "lo", "up")
    add_link("wlan-test")
    ip("-n", NS, "addr", "add", "192.168.77.23/24", "dev", "wlan-test")
    ip("-n", NS, "route", "add", "default", "via", "192.168.77.1", "dev", "wlan-test", "proto", "dhcp", "metric", "600")
    add_link("tun-test")
    ip("-n", NS, "addr", "add", "172.16.201.5/24", "dev", "tun-test")
    ip("-n", NS, "route", "add", "10.60.0.0/16", "via", "172.16.201.1", "dev", "tun-test")
    return NS


def force_tunnel(ns: str) -> None:
    # What the Azure P2S gateway pushes for forced tunnelling: two halves beat any default.
    for half in ("0.0.0.0/1", "128.0.0.0/1"):
        ip("-n", ns, "route", "add", half, "via", "172.16.201.1", "dev", "tun-test")


def verdict_inside(ns: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    done = subprocess.run(
        ["ip", "netns", "exec", ns, sys.executable, "-c", CHILD],
        capture_output=True, text=True, timeout=60, cwd=REPO, env=env,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_forced_tunnel_passes(netns):
    force_tunnel(netns)
    verdict = verdict_inside(netns)
    assert (verdict["ok"], verdict["tunnel"], verdict["address"]) == (True, "tun-test", "172.16.201.5"), verdict["reason"]
    assert "all internet traffic goes into tun-test (0.0.0.0/1, 128.0.0.0/1)" in verdict["reason"]


def test_split_tunnel_fails(netns):
    verdict = verdict_inside(netns)
    assert not verdict["ok"]
    assert verdict["reason"].startswith(
        "route 0.0.0.0/0 via 192.168.77.1 dev wlan-test (metric 600) escapes the tunnel: no route via tun-test is"
        " more specific or preferred"
    ), verdict["reason"]


def test_ipv6_default_outside_tunnel_fails(netns):
    force_tunnel(netns)
    ip("-n", netns, "-6", "route", "add", "default", "via", "fe80::1", "dev", "wlan-test", "metric", "600")
    verdict = verdict_inside(netns)
    assert not verdict["ok"]
    assert verdict["reason"].startswith("route ::/0 via fe80::1 dev wlan-test (metric 600) escapes the tunnel"), verdict["reason"]


def test_policy_table_outside_tunnel_fails(netns):
    force_tunnel(netns)
    ip("-n", netns, "route", "add", "default", "via", "192.168.77.1", "dev", "wlan-test", "table", "100")
    ip("-n", netns, "rule", "add", "to", "198.51.100.0/24", "lookup", "100")
    verdict = verdict_inside(netns)
    assert verdict["reason"].startswith("route 0.0.0.0/0 via 192.168.77.1 dev wlan-test (metric 0) table 100 escapes")


def test_reader_netns_option_reads_that_namespace(netns):
    force_tunnel(netns)
    routes, addrs = read_host_routes(netns=netns)
    verdict = check_forced_tunnel(routes, addrs, tunnel_interface="tun-test", vpn_pool=POOL)
    assert (verdict.ok, verdict.pool_address) == (True, ipaddress.IPv4Address("172.16.201.5")), verdict.reason
