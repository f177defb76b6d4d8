"""Live reading on each platform runs the platform's own tools, without a shell; their failures are one line.

Windows' and macOS's tools do not exist here, so stand-ins named `powershell.exe`, `netstat` and
`ifconfig` print the recorded fixtures and log how they were called: this checks the commands and
the plumbing, while the formats themselves are checked in test_recorded.py.
"""

import ipaddress
import stat
from pathlib import Path

import pytest

from dpaguard.errors import InputError
from dpaguard.tunnel import check, check_tunnel, inputs

FIXTURES = Path(__file__).parent / "fixtures"
POOL = ipaddress.IPv4Network("172.16.201.0/24")


def tool(tmp_path: Path, monkeypatch, name: str, body: str) -> Path:
    """A shell script named `name` first on PATH; it logs its argv, tab-separated, to calls.log."""
    script = tmp_path / "bin" / name
    script.parent.mkdir(exist_ok=True)
    script.write_text(f'#!/bin/sh\nprintf "%s\\t" "$0" "$@" >> "{tmp_path}/calls.log"\necho >> "{tmp_path}/calls.log"\n{body}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    # the tools are looked up only in the system directories (never $PATH): point those here
    monkeypatch.setattr(inputs, "TOOL_DIRS", (str(script.parent),))
    return tmp_path / "calls.log"


def calls(log: Path) -> list[list[str]]:
    return [[Path(line.split("\t")[0]).name] + line.split("\t")[1:-1] for line in log.read_text().splitlines()]


def test_macos_live_runs_netstat_and_ifconfig(tmp_path, monkeypatch):
    monkeypatch.setattr(check.platform, "system", lambda: "Darwin")
    fixture = FIXTURES / "macos" / "pass_forced"
    tool(tmp_path, monkeypatch, "netstat", f'cat "{fixture}/netstat-rn.txt"')
    log = tool(tmp_path, monkeypatch, "ifconfig", f'cat "{fixture}/ifconfig.txt"')
    verdict = check_tunnel(POOL, vpn_server="203.0.113.10")
    assert (verdict.ok, verdict.platform, verdict.source, verdict.tunnel_interface) == (True, "macos", "live", "utun3")
    assert calls(log) == [["netstat", "-rn"], ["ifconfig"]]


def test_windows_live_runs_the_three_cmdlets(tmp_path, monkeypatch):
    monkeypatch.setattr(check.platform, "system", lambda: "Windows")
    fixture = FIXTURES / "windows" / "pass_forced"
    log = tool(tmp_path, monkeypatch, "powershell.exe", f'''case "$*" in
  *Get-NetRoute*) cat "{fixture}/Get-NetRoute.json" ;;
  *Get-NetIPAddress*) cat "{fixture}/Get-NetIPAddress.json" ;;
  *Get-NetAdapter*) cat "{fixture}/Get-NetAdapter.json" ;;
esac''')
    verdict = check_tunnel(POOL, vpn_server="203.0.113.10")
    assert (verdict.ok, verdict.platform, verdict.tunnel_interface) == (True, "windows", "ouskl-vnet")
    assert calls(log) == [
        ["powershell.exe", "-NoProfile", "-NonInteractive", "-Command", f"{cmdlet} | ConvertTo-Json -Depth 1"]
        for cmdlet in ("Get-NetRoute", "Get-NetIPAddress", "Get-NetAdapter")
    ]


def test_linux_live_runs_ip_and_reads_ipv6_rules(tmp_path, monkeypatch):
    monkeypatch.setattr(check.platform, "system", lambda: "Linux")
    fixture = FIXTURES / "linux" / "pass_forced"
    log = tool(tmp_path, monkeypatch, "ip", f'''case "$*" in
  *-6\\ -j\\ rule*) echo '[{{"priority":0,"src":"all","table":"local"}}]' ;;
  *route*) cat "{fixture}/ip-route.json" ;;
  *addr*) cat "{fixture}/ip-addr.json" ;;
  *link*) cat "{fixture}/ip-link.json" ;;
  *rule*) cat "{fixture}/ip-rule.json" ;;
esac''')
    verdict = check_tunnel(POOL)
    assert (verdict.ok, verdict.platform, verdict.source) == (True, "linux", "live")
    assert calls(log) == [["ip", "-j", "route", "show", "table", "all"], ["ip", "-j", "addr", "show"],
                          ["ip", "-j", "-d", "link", "show"], ["ip", "-j", "rule", "show"],
                          ["ip", "-6", "-j", "rule", "show"]]


def test_linux_without_ipv6_reads_ipv4_rules_only(tmp_path, monkeypatch):
    monkeypatch.setattr(check.platform, "system", lambda: "Linux")
    fixture = FIXTURES / "linux" / "pass_forced"
    tool(tmp_path, monkeypatch, "ip", f'''case "$*" in
  *-6\\ -j\\ rule*) echo "RTNETLINK answers: Address family not supported by protocol" >&2; exit 2 ;;
  *route*) cat "{fixture}/ip-route.json" ;;
  *addr*) cat "{fixture}/ip-addr.json" ;;
  *link*) cat "{fixture}/ip-link.json" ;;
  *rule*) cat "{fixture}/ip-rule.json" ;;
esac''')
    assert check_tunnel(POOL).ok


@pytest.mark.parametrize("body, message", [
    ('echo "Error: ipv4: FIB table does not exist." >&2\necho "Dump terminated" >&2\nexit 2',
     "`ip -j route show table all` failed (exit 2): Error: ipv4: FIB table does not exist. Dump terminated"),
    ("echo '[{\"dst\":\"default\",'", "`ip -j route show table all`: invalid JSON at line 2 column 1"),
    ("head -c 9000000 /dev/zero", "`ip -j route show table all` printed more than 8 MiB"),
])
def test_linux_tool_failures_are_one_line(tmp_path, monkeypatch, body, message):
    monkeypatch.setattr(check.platform, "system", lambda: "Linux")
    tool(tmp_path, monkeypatch, "ip", body)
    with pytest.raises(InputError) as caught:
        check_tunnel(POOL)
    assert caught.value.message.startswith(message), caught.value.message


def test_missing_tool_and_unknown_system(tmp_path, monkeypatch):
    monkeypatch.setattr(check.platform, "system", lambda: "Darwin")
    monkeypatch.setattr(inputs, "TOOL_DIRS", (str(tmp_path),))
    with pytest.raises(InputError) as caught:
        check_tunnel(POOL)
    assert caught.value.message == f"cannot run `netstat -rn`: netstat not found in {tmp_path}"
    monkeypatch.setattr(check.platform, "system", lambda: "Plan9")
    with pytest.raises(InputError, match=r"^cannot read routes on Plan9: only Linux, Windows and macOS are known$"):
        check_tunnel(POOL)
