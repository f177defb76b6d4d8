"""`check_tunnel`: read the machine (or recorded outputs) and judge it against the stack's pool."""

from __future__ import annotations

import ipaddress
import os
import platform
from pathlib import Path
from typing import Any, Protocol

from dpaguard.errors import InputError
from dpaguard.tunnel import linux, macos, windows
from dpaguard.tunnel.inputs import parse_json, read_text
from dpaguard.tunnel.judge import NON_PUBLIC, Verdict, judge
from dpaguard.tunnel.model import IPAddress, Snapshot

PLATFORM_FILES: dict[str, tuple[str, ...]] = {
    "linux": linux.FILES,
    "windows": windows.FILES,
    "macos": macos.FILES,
}


class _Network(Protocol):
    @property
    def vpn_client_pool(self) -> ipaddress.IPv4Network: ...


class StackLike(Protocol):
    """What check_tunnel reads from modules.config.StackConfig: only the point-to-site pool."""

    @property
    def network(self) -> _Network: ...


def check_tunnel(
    stack: StackLike | ipaddress.IPv4Network,
    *,
    routes_dir: str | os.PathLike[str] | None = None,
    vpn_server: str | IPAddress | None = None,
    tunnel_interface: str | None = None,
) -> Verdict:
    """Is all internet traffic forced into the VPN tunnel (OUS-6.1.c)?

    `stack` is the validated stack config (its network.vpn_client_pool) or the pool itself.
    `routes_dir` holds recorded outputs (see `read_recorded`); None reads this machine.
    Raises InputError (exit 2, one line) when the input cannot be read or vpn_server is no address.
    """
    pool = stack if isinstance(stack, ipaddress.IPv4Network) else stack.network.vpn_client_pool
    if not isinstance(pool, ipaddress.IPv4Network):
        raise InputError(f"the stack's VPN client pool must be an IPv4 network, got {pool!r}")
    server = parse_vpn_server(vpn_server)
    if tunnel_interface is not None:
        check_interface_name(tunnel_interface)
    snapshot = read_live() if routes_dir is None else read_recorded(Path(routes_dir))
    return judge(snapshot, pool, vpn_server=server, tunnel_interface=tunnel_interface)


# Windows interface aliases are at most 256 characters (IF_MAX_STRING_SIZE, Microsoft Learn
# "MIB_IF_ROW2 structure"); Linux names 15, macOS 15. Printable only: the name is echoed in
# one-line messages and in the audit log.
MAX_INTERFACE_NAME = 256


def check_interface_name(name: object) -> str:
    """`name` if it can be an interface name; InputError (exit 2) otherwise."""
    if not isinstance(name, str) or not name or len(name) > MAX_INTERFACE_NAME or not name.isprintable():
        raise InputError(f"--tunnel-interface {str(name)[:40]!r} is not an interface name")
    return name


def parse_vpn_server(value: str | IPAddress | None) -> IPAddress | None:
    """The gateway's address as given on the command line or in code.

    `dpaguard deploy` used to pass the string on and the route check accepted only address
    objects, so every `--vpn-server` exited 2 with "must be an IP address".
    """
    if value is None or isinstance(value, (ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return value
    if not isinstance(value, str):
        raise InputError(f"--vpn-server must be an IP address, got {type(value).__name__}")
    try:
        server = ipaddress.ip_address(value.strip())
    except ValueError:
        raise InputError(f"--vpn-server {value!r} is not an IP address") from None
    if isinstance(server, ipaddress.IPv6Address) and server.ipv4_mapped is not None:
        # ::ffff:a.b.c.d is the IPv4 host a.b.c.d (RFC 4291 §2.5.5.2); judged, and matched, as that
        server = server.ipv4_mapped
    if any(server in net for net in NON_PUBLIC[server.version]):
        raise InputError(f"--vpn-server {server} is not a public address; the VPN gateway's public IP is")
    return server


def detect_platform(directory: Path) -> str:
    """The platform whose recorded files are in `directory`; exactly one set, complete."""
    try:
        present = {p.name for p in directory.iterdir()}
    except NotADirectoryError:
        raise InputError(f"--routes {directory}: not a directory") from None
    except OSError as exc:
        raise InputError(f"--routes {directory}: {exc.strerror or exc}") from None
    found = {name: [f for f in files if f in present] for name, files in PLATFORM_FILES.items()}
    found = {name: files for name, files in found.items() if files}
    if not found:
        expected = "; ".join(f"{name}: {', '.join(files)}" for name, files in PLATFORM_FILES.items())
        raise InputError(f"--routes {directory}: no recorded outputs (expected {expected})")
    if len(found) > 1:
        raise InputError(f"--routes {directory}: files of more than one platform ({', '.join(sorted(found))})")
    name = next(iter(found))
    missing = [f for f in PLATFORM_FILES[name] if f not in present]
    if missing:
        raise InputError(f"--routes {directory}: {name} outputs need {', '.join(missing)} too")
    return name


def read_recorded(directory: Path) -> Snapshot:
    """Recorded outputs, named after the commands that print them:
    Linux `ip-route.json` (`ip -j route show table all`), `ip-addr.json` (`ip -j addr`),
    `ip-link.json` (`ip -j -d link`), `ip-rule.json` (`ip -j rule`); Windows `Get-NetRoute.json`,
    `Get-NetIPAddress.json`, `Get-NetAdapter.json` (each `| ConvertTo-Json`); macOS
    `netstat-rn.txt` (`netstat -rn`) and `ifconfig.txt` (`ifconfig`)."""
    name = detect_platform(directory)
    texts = {f: read_text(directory / f) for f in PLATFORM_FILES[name]}
    source = str(directory)
    if name == "macos":
        return macos.parse(texts, source)
    docs: dict[str, Any] = {f: parse_json(t, str(directory / f)) for f, t in texts.items()}
    return linux.parse(docs, source) if name == "linux" else windows.parse(docs, source)


def read_live() -> Snapshot:
    """This machine, with the platform's own tools."""
    system = platform.system()
    if system == "Linux":
        return linux.read_live()
    if system == "Windows":
        return windows.read_live()
    if system == "Darwin":
        return macos.read_live()
    raise InputError(f"cannot read routes on {system or 'this system'}: only Linux, Windows and macOS are known")
