"""The forced-tunnel check (OUS-6.1.c) on Linux, Windows and macOS: `check_tunnel(stack) -> Verdict`.

`dpaguard tunnel check` and `dpaguard deploy` both call `check_tunnel`; see `judge` for the rules
and `linux`, `windows`, `macos` for what is read on each platform.
"""

from dpaguard.tunnel.check import check_tunnel, detect_platform, parse_vpn_server, read_live, read_recorded
from dpaguard.tunnel.judge import Verdict, judge
from dpaguard.tunnel.model import Interface, Route, Rule, Snapshot

__all__ = [
    "Interface", "Route", "Rule", "Snapshot", "Verdict", "check_tunnel", "detect_platform", "judge",
    "parse_vpn_server", "read_live", "read_recorded",
]
