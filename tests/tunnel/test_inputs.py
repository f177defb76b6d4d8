"""Unreadable recorded outputs: one line, exit 2, never a traceback or an unbounded read."""

import copy
import ipaddress
import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dpaguard.errors import InputError
from dpaguard.tunnel import Verdict, check_tunnel
from dpaguard.tunnel.inputs import MAX_BYTES

FIXTURES = Path(__file__).parent / "fixtures"
POOL = ipaddress.IPv4Network("172.16.201.0/24")


def copy_fixture(tmp_path: Path, platform: str, fixture: str = "pass_forced") -> Path:
    target = tmp_path / platform
    shutil.copytree(FIXTURES / platform / fixture, target)
    return target


def error_of(directory: Path, **kwargs) -> str:
    with pytest.raises(InputError) as caught:
        check_tunnel(POOL, routes_dir=directory, **kwargs)
    assert caught.value.exit_code == 2
    assert "\n" not in caught.value.message
    return caught.value.message


@pytest.mark.parametrize("platform, name, content, message", [
    ("linux", "ip-route.json", b'[{"dst": "default",', "ip-route.json: invalid JSON at line 1 column 20"),
    ("linux", "ip-route.json", b'{"dst": "default"}', "ip-route.json: expected the JSON list `ip -j route` prints, got dict"),
    ("linux", "ip-route.json", b'["default via 192.168.1.1 dev wlan0"]', "ip-route.json[0]: expected a JSON object, got str"),
    ("linux", "ip-route.json", b'[{"dev": "wlan0"}]', "ip-route.json[0]: no 'dst'"),
    ("linux", "ip-route.json", b'[{"dst": "10.0.0.0/33", "dev": "x", "table": "local"}]',
     "ip-route.json[0]: dst '10.0.0.0/33' is not an IP prefix"),
    ("linux", "ip-route.json", b'[{"dst": "default", "metric": "600", "table": "local"}]',
     "ip-route.json[0]: 'metric' is str '600', not what the tool prints"),
    ("linux", "ip-route.json", b'[{"dst": "default", "metric": true, "table": "local"}]',
     "ip-route.json[0]: 'metric' is bool True, not what the tool prints"),
    ("linux", "ip-route.json", b'[{"dst": "::/0", "family": "inet", "table": "local"}]',
     "ip-route.json[0]: dst ::/0 does not belong to family inet"),
    ("linux", "ip-addr.json", b'[{"ifname": "tun0", "addr_info": [{"family": "inet", "local": "bogus"}]}]',
     "ip-addr.json[0].addr_info[0]: bogus/None is not an IP address"),
    ("linux", "ip-link.json", b'[{"flags": []}]', "ip-link.json[0]: no 'ifname'"),
    ("linux", "ip-link.json", b'[{"ifname": "tun0", "linkinfo": "tun"}]',
     "ip-link.json[0]: 'linkinfo' is str 'tun', not what the tool prints"),
    ("linux", "ip-rule.json", b'[{"src": "all", "table": "main"}]', "ip-rule.json[0]: no 'priority'"),
    ("linux", "ip-rule.json", b"\xff\xfe\x00", "not UTF-8 or UTF-16 text"),
    ("linux", "ip-rule.json", b"[" * 100000 + b"]" * 100000, "ip-rule.json: JSON nested too deeply"),
    ("windows", "Get-NetRoute.json", b'[{"DestinationPrefix": "0.0.0.0/0", "AddressFamily": 23, "ifIndex": 12}]',
     "Get-NetRoute.json[0]: 0.0.0.0/0 does not match AddressFamily 23"),
    ("windows", "Get-NetRoute.json", b'[{"DestinationPrefix": "0.0.0.0/0", "AddressFamily": 7, "ifIndex": 12}]',
     "Get-NetRoute.json[0]: AddressFamily 7 is neither IPv4 (2) nor IPv6 (23)"),
    ("windows", "Get-NetRoute.json", b'[{"DestinationPrefix": "0.0.0.0/0"}]',
     "Get-NetRoute.json[0]: no 'ifIndex' or 'InterfaceIndex'"),
    ("windows", "Get-NetRoute.json", b'"0.0.0.0/0"', "Get-NetRoute.json: expected the JSON that `... | ConvertTo-Json` prints, got str"),
    ("windows", "Get-NetAdapter.json", b'[{"ifIndex": 3}]', "Get-NetAdapter.json[0]: no 'Name'"),
    ("windows", "Get-NetIPAddress.json", b'[{"IPAddress": "172.16.201.4", "ifIndex": 38}]',
     "Get-NetIPAddress.json[0]: needs 'IPAddress' and 'PrefixLength'"),
    ("macos", "netstat-rn.txt", b"Routing tables\n", "netstat-rn.txt: no Internet: section, so it is not `netstat -rn` output"),
    ("macos", "netstat-rn.txt", b"Internet:\ndefault 192.168.1.1 UGScg en0\n",
     "netstat-rn.txt line 2: expected the Destination Gateway Flags ... header"),
    ("macos", "netstat-rn.txt", b"Internet:\nDestination Gateway Flags Netif Expire\n300.1/8 192.168.1.1 UGSc en0\n",
     "netstat-rn.txt line 3: destination '300.1/8' is not what netstat -rn prints"),
    ("macos", "netstat-rn.txt", b"Internet:\nDestination Gateway Flags Netif Expire\ndefault 192.168.1.1\n",
     "netstat-rn.txt line 3: 2 fields, expected at least 4"),
    ("macos", "ifconfig.txt", b"hello\n", "ifconfig.txt line 1: 'hello' is neither an interface line nor indented"),
    ("macos", "ifconfig.txt", b"", "ifconfig.txt: no interface, so it is not `ifconfig` output"),
    ("macos", "ifconfig.txt", b"utun3: flags=8051<UP,POINTOPOINT,RUNNING> mtu 1400\n\tinet 172.16.201.x netmask 0xffffff00\n",
     "ifconfig.txt line 2: 172.16.201.x netmask 0xffffff00 is not an IPv4 address"),
])
def test_malformed_file_is_one_line(tmp_path, platform, name, content, message):
    d = copy_fixture(tmp_path, platform)
    (d / name).write_bytes(content)
    assert message in error_of(d)


@pytest.mark.parametrize("platform, name", [("linux", "ip-route.json"), ("windows", "Get-NetRoute.json"),
                                            ("macos", "netstat-rn.txt")])
def test_oversized_file_is_refused_without_reading_it(tmp_path, platform, name):
    d = copy_fixture(tmp_path, platform)
    with open(d / name, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: nothing big is written
    assert error_of(d) == f"recorded output {d / name} is larger than the 8 MiB cap"


def test_device_fifo_and_directory_are_refused(tmp_path):
    d = copy_fixture(tmp_path, "linux")
    (d / "ip-route.json").unlink()
    (d / "ip-route.json").symlink_to("/dev/zero")
    assert error_of(d) == f"cannot read recorded output {d / 'ip-route.json'}: not a regular file"
    (d / "ip-route.json").unlink()
    os.mkfifo(d / "ip-route.json")
    assert error_of(d) == f"cannot read recorded output {d / 'ip-route.json'}: not a regular file"
    (d / "ip-route.json").unlink()
    (d / "ip-route.json").mkdir()
    assert error_of(d) == f"cannot read recorded output {d / 'ip-route.json'}: it is a directory"


def test_directory_contents_decide_the_platform(tmp_path):
    assert error_of(tmp_path / "missing").startswith(f"--routes {tmp_path / 'missing'}: No such file or directory")
    (tmp_path / "file").write_text("x")
    assert error_of(tmp_path / "file") == f"--routes {tmp_path / 'file'}: not a directory"
    empty = tmp_path / "empty"
    empty.mkdir()
    assert error_of(empty).startswith(f"--routes {empty}: no recorded outputs (expected linux: ip-route.json,")
    d = copy_fixture(tmp_path, "linux")
    (d / "ip-rule.json").unlink()
    assert error_of(d) == f"--routes {d}: linux outputs need ip-rule.json too"
    shutil.copy(FIXTURES / "macos" / "pass_forced" / "ifconfig.txt", d / "ifconfig.txt")
    assert error_of(d) == f"--routes {d}: files of more than one platform (linux, macos)"


@pytest.mark.parametrize("server, message", [
    ("gateway", "--vpn-server 'gateway' is not an IP address"),
    ("203.0.113.10/32", "--vpn-server '203.0.113.10/32' is not an IP address"),
    ("192.168.1.1", "--vpn-server 192.168.1.1 is not a public address; the VPN gateway's public IP is"),
])
def test_bad_vpn_server(server, message):
    assert error_of(FIXTURES / "linux" / "pass_forced", vpn_server=server) == message


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 70000) | st.text(max_size=8)
    | st.sampled_from(["default", "0.0.0.0/1", "::/0", "10.0.0.0/8", "203.0.113.10", "fe80::1", "tun0", "wlan0",
                       "inet", "inet6", "local", "blackhole", "main", "linkdown", "UP", "tun", "tap"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
KEYS = {
    "ip-route.json": ["dst", "gateway", "dev", "metric", "table", "type", "flags", "nexthops", "via", "src", "tos", "pref", "family"],
    "ip-addr.json": ["ifname", "flags", "addr_info", "operstate"],
    "ip-link.json": ["ifname", "flags", "linkinfo", "operstate"],
    "ip-rule.json": ["priority", "src", "table", "fwmark", "not"],
}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_any_json_gives_a_verdict_or_one_line(tmp_path, data):
    name = data.draw(st.sampled_from(sorted(KEYS)))
    docs = {n: json.loads((FIXTURES / "linux" / "pass_forced" / n).read_text()) for n in KEYS}
    entries = docs[name]
    i = data.draw(st.integers(0, len(entries) - 1))
    entry = copy.deepcopy(entries[i])
    entry[data.draw(st.sampled_from(KEYS[name]))] = data.draw(JSON)
    entries[i] = entry
    d = tmp_path / "case"
    d.mkdir(exist_ok=True)
    for n, doc in docs.items():
        (d / n).write_text(json.dumps(doc))
    try:
        assert isinstance(check_tunnel(POOL, routes_dir=d), Verdict)
    except InputError as e:
        assert "\n" not in e.message


def test_a_routers_table_is_not_judged(tmp_path):
    d = copy_fixture(tmp_path, "linux")
    routes = json.loads((d / "ip-route.json").read_text())
    extra = [{"dst": f"10.{i // 256}.{i % 256}.0/24", "dev": "wlan0", "flags": []} for i in range(5001 - len(routes))]
    (d / "ip-route.json").write_text(json.dumps(routes + extra))
    assert error_of(d) == f"{d}: 5001 routes, more than the 5000 an operator's machine holds; not judged"
    (d / "ip-route.json").write_text(json.dumps(routes + extra[:-1]))
    assert check_tunnel(POOL, routes_dir=d).ok
