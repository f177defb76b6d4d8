"""`dpaguard tunnel check`: exit 0 forced, 1 refused, 2 unreadable; one line each; the pool comes from the stack."""

import json
from pathlib import Path

import pytest

from dpaguard.cli import main

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).parent / "fixtures"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["tunnel", "check", "--root", str(REPO), *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("platform", ["linux", "windows", "macos"])
def test_vpn_server_option_works(capsys, platform):
    # It used to exit 2 "must be an IP address" for every value: the string was passed on unparsed.
    code, out, err = run(capsys, "--stack", "ous-kvalitetslab", "--routes", str(FIXTURES / platform / "pass_forced"),
                         "--vpn-server", "203.0.113.10")
    assert (code, err) == (0, ""), err
    assert out.startswith("tunnel check ous-kvalitetslab: forced: all internet traffic goes into ")
    assert out.endswith("; host route to VPN server 203.0.113.10 stays outside the tunnel\n")


def test_refusal_is_one_line_and_exit_1(capsys):
    code, out, err = run(capsys, "--stack", "ous-kvalitetslab", "--routes", str(FIXTURES / "linux" / "fail_pool_address_on_eth0"))
    assert (code, out) == (1, "")
    assert err == ("dpaguard: error: tunnel check ous-kvalitetslab refused: eth0 holds 172.16.201.50 in the VPN pool"
                   " 172.16.201.0/24 but is not a tunnel device (no link kind: a physical link): a local network that uses"
                   " the pool's range is not the VPN\n")


def test_pool_is_the_stacks_own(capsys):
    # ecg247's pool is 172.16.247.0/24 (stacks/Pulumi.ecg247.yaml): the ous tunnel is not its VPN.
    code, _, err = run(capsys, "--stack", "ecg247", "--routes", str(FIXTURES / "linux" / "pass_forced"))
    assert code == 1
    assert err == ("dpaguard: error: tunnel check ecg247 refused: no interface holds an IPv4 address in the VPN pool"
                   " 172.16.247.0/24: the VPN is not connected\n")


def test_json_detail_for_the_audit_log(capsys):
    code, out, err = run(capsys, "--stack", "ous-kvalitetslab", "--routes", str(FIXTURES / "macos" / "fail_split"),
                         "--vpn-server", "203.0.113.10", "--json")
    assert code == 1
    detail = json.loads(out)
    assert {k: detail[k] for k in ("stack", "clause", "decision", "platform", "interface", "kind", "address")} == {
        "stack": "ous-kvalitetslab", "clause": "OUS-6.1.c", "decision": "refused", "platform": "macos",
        "interface": "utun3", "kind": "utun", "address": "172.16.201.7"}
    assert detail["escapes"] == ["route 0.0.0.0/0 via 192.168.1.1 dev en0 (flags UGScg): no route via utun3 is more"
                                 " specific or preferred"]
    assert err.startswith("dpaguard: error: tunnel check ous-kvalitetslab refused: route 0.0.0.0/0 via 192.168.1.1")


@pytest.mark.parametrize("args, message", [
    (["--stack", "ous-kvalitetslab", "--vpn-server", "gateway"], "dpaguard: error: --vpn-server 'gateway' is not an IP address\n"),
    (["--stack", "nosuch", "--routes", str(FIXTURES / "linux" / "pass_forced")], None),
    (["--stack", "ous-kvalitetslab", "--routes", "/nonexistent/dir"],
     "dpaguard: error: --routes /nonexistent/dir: No such file or directory\n"),
    (["--routes", str(FIXTURES / "linux" / "pass_forced")],
     "dpaguard: error: dpaguard tunnel check: the following arguments are required: --stack\n"),
])
def test_bad_invocation_is_exit_2(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert (code, out) == (2, "")
    assert err.startswith("dpaguard: error: ") and err.count("\n") == 1
    if message is not None:
        assert err == message
