"""Holes a hostile review found in the tunnel check after issue 11 (each test failed before its fix).

- a `tun` link whose `ip -d link` shows no `info_data.type` was taken for a layer-3 tun, though
  a tap (an Ethernet device bridged anywhere) looks the same without it: now refused;
- `--tunnel-interface` with a newline printed a two-line error; control characters are refused;
- `--vpn-server ::ffff:10.0.0.1` (an IPv4-mapped private address) passed the "public" test;
- the live reading ran whatever `ip` came first on the caller's $PATH, with the caller's
  environment (LD_PRELOAD): a stand-in printing a recorded forced tunnel passed the deploy gate.
"""

import ipaddress
import json
import os
import shutil
from pathlib import Path

import pytest

from dpaguard.cli import main
from dpaguard.errors import InputError
from dpaguard.tunnel import check_tunnel

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"
POOL = ipaddress.IPv4Network("172.16.201.0/24")  # ous-kvalitetslab's vpnClientPool
SERVER = "203.0.113.10"


def copy(tmp_path: Path, fixture: str = "pass_forced") -> Path:
    target = tmp_path / fixture
    shutil.copytree(FIXTURES / "linux" / fixture, target)
    return target


@pytest.mark.parametrize("linkinfo", [
    {"info_kind": "tun"},
    {"info_kind": "tun", "info_data": {}},
])
def test_tun_without_a_type_is_not_taken_for_a_tunnel(tmp_path, linkinfo):
    d = copy(tmp_path)
    doc = json.loads((d / "ip-link.json").read_text())
    for entry in doc:
        if entry["ifname"] == "tun0":
            entry["linkinfo"] = linkinfo
    (d / "ip-link.json").write_text(json.dumps(doc))
    verdict = check_tunnel(POOL, routes_dir=d, vpn_server=SERVER)
    assert (verdict.ok, verdict.reason) == (False, (
        "tun0 holds 172.16.201.3 in the VPN pool 172.16.201.0/24 but is not a tunnel device (link kind tun without"
        " info_data.type: a tun cannot be told from an Ethernet tap): a local network that uses the pool's range is"
        " not the VPN"))


@pytest.mark.parametrize("name", ["tun0\n", "x\ny", "tun0\r", "\x1b[2Jtun0", "", "t" * 300])
def test_tunnel_interface_names_with_control_characters_or_absurd_length_are_refused(name):
    with pytest.raises(InputError) as raised:
        check_tunnel(POOL, routes_dir=FIXTURES / "linux" / "pass_forced", vpn_server=SERVER, tunnel_interface=name)
    assert raised.value.message == f"--tunnel-interface {name[:40]!r} is not an interface name"


def test_tunnel_interface_newline_on_the_command_line_is_one_line_and_exit_2(capsys):
    code = main(["tunnel", "check", "--root", str(REPO), "--stack", "ous-kvalitetslab",
                 "--routes", str(FIXTURES / "linux" / "pass_forced"), "--tunnel-interface", "x\ny"])
    out, err = capsys.readouterr()
    assert (code, out, err) == (2, "", "dpaguard: error: --tunnel-interface 'x\\ny' is not an interface name\n")


def test_ipv4_mapped_private_vpn_server_is_not_public():
    with pytest.raises(InputError) as raised:
        check_tunnel(POOL, routes_dir=FIXTURES / "linux" / "pass_forced", vpn_server="::ffff:10.0.0.1")
    assert raised.value.message == "--vpn-server 10.0.0.1 is not a public address; the VPN gateway's public IP is"


def test_ipv4_mapped_public_vpn_server_is_its_ipv4_address():
    verdict = check_tunnel(POOL, routes_dir=FIXTURES / "linux" / "pass_forced", vpn_server="::ffff:203.0.113.10")
    assert (verdict.ok, verdict.vpn_server) == (True, ipaddress.IPv4Address(SERVER))


# ------------------------------------------------------------------ the live reading is not the caller's to choose


def test_a_fake_ip_first_on_path_is_not_run(tmp_path, monkeypatch):
    # `deploy --routes` was removed as a bypass; a script named `ip` first on $PATH that prints a
    # recorded forced tunnel was the same bypass. The tools are looked up in the system directories.
    from dpaguard.tunnel import check

    fake = tmp_path / "bin" / "ip"
    fake.parent.mkdir()
    fixture = FIXTURES / "linux" / "pass_forced"
    fake.write_text(f'''#!/bin/sh
touch "{tmp_path}/fake-ip-ran"
case "$*" in
  *-6\\ -j\\ rule*) echo '[]' ;;
  *route*) cat "{fixture}/ip-route.json" ;;
  *addr*) cat "{fixture}/ip-addr.json" ;;
  *link*) cat "{fixture}/ip-link.json" ;;
  *rule*) cat "{fixture}/ip-rule.json" ;;
esac
''')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    monkeypatch.setattr(check.platform, "system", lambda: "Linux")
    try:
        check_tunnel(POOL, vpn_server=SERVER)
    except InputError:
        pass  # no `ip` in the system directories of this machine: refused, which is fine too
    assert not (tmp_path / "fake-ip-ran").exists()


def test_tools_run_without_the_callers_environment(monkeypatch):
    from dpaguard.tunnel.inputs import run

    monkeypatch.setenv("LD_PRELOAD", "")
    monkeypatch.setenv("DPAGUARD_SOMETHING", "x")
    monkeypatch.setenv("PATH", "/nowhere")
    assert sorted(run(["env"]).splitlines()) == ["LC_ALL=C", "PATH=/usr/sbin:/usr/bin:/sbin:/bin"]


# ------------------------------------------------------------------ recorded text that would break the one-line rule


@pytest.mark.parametrize("field, value", [
    ("dev", "wlan0\ndpaguard: tunnel check ous-kvalitetslab: forced"),
    ("gateway", "192.168.1.1\n"),
])
def test_control_characters_in_recorded_outputs_are_unreadable_input(tmp_path, capsys, field, value):
    d = copy(tmp_path)
    routes = json.loads((d / "ip-route.json").read_text())
    routes.append({"dst": "198.51.100.0/24", "gateway": "192.168.1.1", "dev": "wlan0", field: value})
    (d / "ip-route.json").write_text(json.dumps(routes))
    code = main(["tunnel", "check", "--root", str(REPO), "--stack", "ous-kvalitetslab", "--routes", str(d),
                 "--vpn-server", SERVER])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith(f"dpaguard: error: {d}: ") and "control characters" in err
