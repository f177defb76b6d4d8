"""Offboarding throughput (blobs per second) against Azurite, on a container seeded with N blobs.

    .venv/bin/python bench/offboard.py [--blobs 10000] [--runs 3] [--workers 16]

Each run starts from an empty Azurite account, seeds the OUS controller ahus-mbt's recordings
container with N small blobs (parallel Put Blob; Blob Batch carries only deletes and tier changes,
Learn: "Blob Batch"), then times the offboarding itself: settings check, inventory, Blob Batch
deletes, verification listing, container removal and the signed certificate. The identity and
tunnel gates are not part of the figure (they cost milliseconds and need no storage). Figures are
medians over runs. Not a test: it prints, it never fails.
"""

from __future__ import annotations

import argparse
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

AZURITE = ROOT / "tools" / "azurite" / "node_modules" / ".bin" / "azurite-blob"
ACCOUNT = "ousklrec"  # the OUS stack's recordings account (prefix ouskl)
CONTROLLER = "ahus-mbt"


def start_azurite(data: Path) -> tuple[subprocess.Popen[bytes], str]:
    from dpaguard.offboard.targets import AZURITE_DEV_KEY

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "AZURITE_ACCOUNTS": f"{ACCOUNT}:{AZURITE_DEV_KEY}"}
    proc = subprocess.Popen([str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location",
                             str(data), "--silent", "--loose", "--skipApiVersionCheck", "--disableTelemetry"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    deadline = time.monotonic() + 60
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("Azurite did not start (run ./dev setup)") from None
            time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--blobs", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=16)
    args = parser.parse_args()

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from dpaguard.engine import plan, stackfiles
    from dpaguard.gate.audit import AuditLog
    from dpaguard.offboard.gates import Operator, Recorder
    from dpaguard.offboard.run import Offboarding
    from dpaguard.offboard.targets import resolve, service_client

    project = stackfiles.load_project(ROOT)
    cfg = plan.load_stack_config(ROOT, stackfiles.load_stack(project, "ous-kvalitetslab"), project)
    targets = resolve(cfg, CONTROLLER)
    key = Ed25519PrivateKey.generate()
    operator = Operator("bench", "bench", ())
    seeds, totals = [], []
    with tempfile.TemporaryDirectory() as tmp:
        proc, endpoint = start_azurite(Path(tmp) / "azurite")
        try:
            for run in range(args.runs):
                service = service_client(ACCOUNT, endpoint)
                for c in targets.containers:
                    service.create_container(c.name)
                container = service.get_container_client(f"rec-{CONTROLLER}")
                t0 = time.perf_counter()
                upload = container.upload_blob
                with ThreadPoolExecutor(args.workers) as pool:
                    list(pool.map(lambda i, put=upload: put(f"2026/session-{i:05d}.mp4", b"x" * 64),
                                  range(args.blobs)))
                seeds.append(time.perf_counter() - t0)
                job = Offboarding(targets, operation="offboard", endpoint=endpoint,
                                  state_dir=Path(tmp) / f"state-{run}")
                logs, checkpoints = Path(tmp) / f"log-{run}", Path(tmp) / f"checkpoints-{run}"
                logs.mkdir()
                checkpoints.mkdir()
                # a real HMAC audit log (apart from its checkpoints): the run binds its inventory to it
                record = Recorder(AuditLog(logs / "audit.log", os.urandom(32), checkpoints), "bench")
                t0 = time.perf_counter()
                outcome = job.run(operator, key, record)
                totals.append(time.perf_counter() - t0)
                assert outcome.before == args.blobs and outcome.after == 0, outcome
        finally:
            proc.terminate()
            proc.wait()
    seed, total = statistics.median(seeds), statistics.median(totals)
    print(f"python {platform.python_version()}, {os.cpu_count()} cores, Azurite on loopback, "
          f"{args.blobs} blobs of 64 bytes, median of {args.runs} runs")
    print(f"seeding (parallel Put Blob, {args.workers} workers): {seed:.1f} s ({args.blobs / seed:.0f} blobs/s)")
    # The OUS stack declares 2 days of soft delete, so this is the first run: interim certificate.
    print(f"offboarding (inventory, batch delete, verify, interim certificate): {total:.1f} s "
          f"= {args.blobs / total:.0f} blobs/s")


if __name__ == "__main__":
    main()
