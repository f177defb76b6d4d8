"""The tunnel check on a real kernel: a network namespace with a real tun device, read live by `ip`.

Nothing leaves the namespace: it has no link to the host, its "Wi-Fi" is a veth pair with both ends
inside, and IPv6 address generation is off on every interface made here. The tun device is created
with `ip tuntap add mode tun` and gets its carrier the way a VPN client gives it one: a process
attaches to it through /dev/net/tun (TUNSETIFF) and holds it open; that process only waits.
"""

import ipaddress
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from dpaguard.tunnel import check_tunnel, linux

REPO = Path(__file__).resolve().parents[2]
NS = f"dpaguard-tun-{os.getpid()}"
POOL = ipaddress.IPv4Network("172.16.201.0/24")  # stacks/Pulumi.ous-kvalitetslab.yaml
STACK = "ous-kvalitetslab"
SERVER = "203.0.113.10"

# Holds the tun device open, as a VPN client does: that is what gives it carrier.
HOLDER = """
import fcntl, os, struct, sys
fd = os.open("/dev/net/tun", os.O_RDWR)
TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000  # linux/if_tun.h
fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", sys.argv[1].encode(), IFF_TUN | IFF_NO_PI))
print("attached", flush=True)
sys.stdin.read()
"""


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and done.returncode != 0:
        pytest.fail(f"`ip {' '.join(args)}` failed: {done.stderr.strip()}")
    return done


def inside(*argv: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(["ip", "netns", "exec", NS, *argv], capture_output=True, text=True, timeout=60,
                          cwd=REPO, env=env)


class Lab:
    """The namespace and the VPN-client stand-ins attached to its tun device."""

    def __init__(self) -> None:
        self.holders: list[subprocess.Popen] = []

    def attach(self) -> None:
        holder = subprocess.Popen(["ip", "netns", "exec", NS, sys.executable, "-c", HOLDER, "tun-test"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.holders.append(holder)
        assert holder.stdout is not None and holder.stdout.readline().strip() == "attached"

    def close(self) -> None:
        for holder in self.holders:
            assert holder.stdin is not None
            holder.stdin.close()  # the holder exits when its stdin ends
            holder.wait(timeout=10)


@pytest.fixture
def lab() -> Iterator[Lab]:
    """A namespace with a "Wi-Fi" veth (private LAN, default route) and a tun device holding a pool address."""
    if shutil.which("ip") is None:
        pytest.fail("ip (iproute2) is not installed; ./dev installs it")
    if os.geteuid() != 0:
        pytest.fail("not root: creating a network namespace and a tun device needs CAP_NET_ADMIN")
    ip("netns", "del", NS, check=False)  # left over by a crashed run that had the same pid
    ip("netns", "add", NS)
    made = Lab()
    try:
        ip("-n", NS, "link", "set", "lo", "up")
        ip("-n", NS, "link", "add", "wlan-test", "type", "veth", "peer", "name", "wlan-peer")
        for dev in ("wlan-test", "wlan-peer"):
            ip("-n", NS, "link", "set", dev, "addrgenmode", "none")
            ip("-n", NS, "link", "set", dev, "up")
        ip("-n", NS, "addr", "add", "192.168.77.23/24", "dev", "wlan-test")
        ip("-n", NS, "route", "add", "default", "via", "192.168.77.1", "dev", "wlan-test", "proto", "dhcp", "metric", "600")
        ip("-n", NS, "tuntap", "add", "mode", "tun", "dev", "tun-test")
        ip("-n", NS, "link", "set", "tun-test", "addrgenmode", "none")
        ip("-n", NS, "link", "set", "tun-test", "up")
        ip("-n", NS, "addr", "add", "172.16.201.5/24", "dev", "tun-test")
        ip("-n", NS, "route", "add", "10.60.0.0/16", "via", "172.16.201.1", "dev", "tun-test", "onlink")
        ip("-n", NS, "route", "add", f"{SERVER}/32", "via", "192.168.77.1", "dev", "wlan-test")
        yield made
    finally:
        made.close()
        ip("netns", "del", NS, check=False)


def force_tunnel() -> None:
    # What the Azure P2S gateway pushes for forced tunnelling: two halves beat any default.
    for half in ("0.0.0.0/1", "128.0.0.0/1"):
        ip("-n", NS, "route", "add", half, "via", "172.16.201.1", "dev", "tun-test", "onlink")


def cli_inside(*extra: str) -> subprocess.CompletedProcess:
    return inside(sys.executable, "-m", "dpaguard", "tunnel", "check", "--stack", STACK, "--root", str(REPO), *extra)


def test_forced_tunnel_passes(lab):
    lab.attach()
    force_tunnel()
    done = cli_inside("--vpn-server", SERVER)
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert done.stdout == (
        f"tunnel check {STACK}: forced: all internet traffic goes into tun-test (tun; 0.0.0.0/1, 128.0.0.0/1; no IPv6"
        " internet route), no route in any table or family bypasses it; tun-test holds 172.16.201.5 in"
        " 172.16.201.0/24; host route to VPN server 203.0.113.10 stays outside the tunnel\n")


def test_split_tunnel_fails(lab):
    lab.attach()
    done = cli_inside("--vpn-server", SERVER)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == (
        f"dpaguard: error: tunnel check {STACK} refused: route 0.0.0.0/0 via 192.168.77.1 dev wlan-test (metric 600)"
        " escapes the tunnel: no route via tun-test is more specific or preferred; traffic to public addresses such as"
        " 1.0.0.0 leaves by wlan-test, not tun-test (OUS-6.1.c: no split tunnelling)\n")


def test_tun_without_a_client_has_no_carrier(lab):
    force_tunnel()
    done = cli_inside("--vpn-server", SERVER, "--json")
    assert done.returncode == 1
    detail = json.loads(done.stdout)
    assert (detail["decision"], detail["interface"], detail["kind"], detail["address"]) == (
        "refused", "tun-test", "tun", "172.16.201.5")
    assert detail["reason"].startswith("tunnel interface tun-test has no carrier (flags NO-CARRIER,"), detail["reason"]


def test_ipv6_default_outside_tunnel_fails(lab):
    lab.attach()
    force_tunnel()
    ip("-n", NS, "-6", "route", "add", "default", "via", "fe80::1", "dev", "wlan-test", "metric", "600")
    done = cli_inside("--vpn-server", SERVER)
    assert done.returncode == 1
    assert "refused: route ::/0 via fe80::1 dev wlan-test (metric 600) escapes the tunnel" in done.stderr


def test_policy_routing_bypass_fails(lab):
    lab.attach()
    force_tunnel()
    ip("-n", NS, "route", "add", "default", "via", "192.168.77.1", "dev", "wlan-test", "table", "100")
    ip("-n", NS, "rule", "add", "fwmark", "0x1", "lookup", "100", "priority", "100")
    done = cli_inside("--vpn-server", SERVER)
    assert done.returncode == 1
    assert ("refused: route 0.0.0.0/0 via 192.168.77.1 dev wlan-test (metric 0) table 100 escapes the tunnel (reached by"
            " rule 100: from all fwmark 0x1 lookup 100)") in done.stderr, done.stderr


def test_gateway_network_instead_of_host_fails(lab):
    lab.attach()
    force_tunnel()
    ip("-n", NS, "route", "del", f"{SERVER}/32")
    ip("-n", NS, "route", "add", "203.0.113.0/24", "via", "192.168.77.1", "dev", "wlan-test")
    done = cli_inside("--vpn-server", SERVER)
    assert done.returncode == 1
    assert ("escapes the tunnel: only a host route to the VPN server 203.0.113.10 may stay outside the tunnel, not the"
            " network 203.0.113.0/24") in done.stderr, done.stderr


def test_recorded_outputs_of_the_real_ip_read_like_live(lab, tmp_path):
    # The recorded-file format is the real commands' output: record them and compare verdicts.
    lab.attach()
    force_tunnel()
    for name, argv in linux.COMMANDS.items():
        (tmp_path / name).write_text(ip("-n", NS, *argv[1:]).stdout)
    live = linux.read_live(netns=NS)
    recorded = check_tunnel(POOL, routes_dir=tmp_path, vpn_server=SERVER)
    assert recorded.ok, recorded.reason
    assert {i.name for i in live.interfaces} == {"lo", "wlan-test", "wlan-peer", "tun-test"}
    assert [i.tunnel_kind for i in live.interfaces if i.name == "tun-test"] == ["tun"]
    assert [i.tunnel_kind for i in live.interfaces if i.name == "wlan-test"] == [None]


def test_tunnel_set_down_fails(lab):
    lab.attach()
    force_tunnel()
    ip("-n", NS, "link", "set", "tun-test", "down")
    done = cli_inside("--vpn-server", SERVER)
    assert done.returncode == 1
    assert done.stderr.startswith(
        f"dpaguard: error: tunnel check {STACK} refused: tunnel interface tun-test is down (flags POINTOPOINT,"), done.stderr


def test_pool_address_on_the_lan_without_vpn_fails(lab):
    # The home router hands out the pool's own range: the veth "Wi-Fi" holds it and has the default route.
    ip("-n", NS, "link", "del", "tun-test")
    ip("-n", NS, "addr", "add", "172.16.201.50/24", "dev", "wlan-test")
    done = cli_inside()
    assert done.returncode == 1
    assert done.stderr == (
        f"dpaguard: error: tunnel check {STACK} refused: wlan-test holds 172.16.201.50 in the VPN pool 172.16.201.0/24"
        " but is not a tunnel device (link kind veth): a local network that uses the pool's range is not the VPN\n")
