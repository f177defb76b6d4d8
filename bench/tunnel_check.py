"""Speed of the tunnel check (OUS-6.1.c): recorded fixtures per platform, and the worst case the
route cap allows (5000 routes, all escaping). Prints figures; asserts nothing.

    .venv/bin/python bench/tunnel_check.py
"""

from __future__ import annotations

import ipaddress
import random
import time
from pathlib import Path

from dpaguard.tunnel import check_tunnel, judge
from dpaguard.tunnel.judge import MAX_ROUTES
from dpaguard.tunnel.model import FORWARD, Interface, Route, Snapshot

ROOT = Path(__file__).resolve().parent.parent
POOL = ipaddress.IPv4Network("172.16.201.0/24")


def per_call(fn, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def main() -> None:
    for platform in ("linux", "windows", "macos"):
        directory = ROOT / "tests" / "tunnel" / "fixtures" / platform / "pass_forced"
        seconds = per_call(lambda d=directory: check_tunnel(POOL, routes_dir=d, vpn_server="203.0.113.10"), 50)
        print(f"recorded {platform:8s} pass_forced: {seconds * 1000:7.1f} ms per check (read + parse + judge)")
    rng = random.Random(1)
    tunnel = Interface("tun0", "tun", "link kind tun", True, True, "", (ipaddress.IPv4Interface("172.16.201.3/24"),))
    halves = [Route(ipaddress.IPv4Network(n), FORWARD, (("tun0", None),), 0, "main", False, False, False, n)
              for n in ("0.0.0.0/1", "128.0.0.0/1")]
    for dev in ("tun0", "wlan0"):
        extra = [Route(ipaddress.IPv4Network((rng.getrandbits(24) << 8, 24)), FORWARD, ((dev, None),), 0, "main",
                       False, False, False, "x") for _ in range(MAX_ROUTES - 2)]
        snapshot = Snapshot("linux", "bench", (tunnel,), tuple(halves + extra))
        seconds = per_call(lambda s=snapshot: judge(s, POOL), 1)
        print(f"judge {MAX_ROUTES} routes, all via {dev:5s}: {seconds:6.2f} s")


if __name__ == "__main__":
    main()
