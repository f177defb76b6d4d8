"""Azurite, the real Blob emulator from npm (tools/azurite, installed by ./dev), started once per session.

It listens on a free loopback port with a temporary data folder and serves the storage accounts
the OUS and ECG stacks name (AZURITE_ACCOUNTS), under Azurite's published development key.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from dpaguard.cli import main
from dpaguard.tunnel import check as tunnel_check
from tests.gate.helpers import KID, public_jwk
from tests.gate.project import make_project

ROOT = Path(__file__).resolve().parents[2]
AZURITE = ROOT / "tools" / "azurite" / "node_modules" / ".bin" / "azurite-blob"
# Azurite README, "Default storage account": the published development key.
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
# Account names as the stacks name them: prefix + "rec" (OUS), prefix + "ecg" + shard (ECG).
ACCOUNTS = ("ousklrec", "ecg247ecg00", "ecg247ecg01")
# engineer D2's recorded route outputs of a machine whose traffic is forced into the tunnel
ROUTES = ROOT / "tests" / "tunnel" / "fixtures" / "linux"


@dataclass(frozen=True)
class Azurite:
    endpoint: str

    def service(self, account: str):  # noqa: ANN201 - a BlobServiceClient
        from azure.core.credentials import AzureNamedKeyCredential
        from azure.storage.blob import BlobServiceClient

        return BlobServiceClient(f"{self.endpoint}/{account}", credential=AzureNamedKeyCredential(account, DEV_KEY))

    def reset(self) -> None:
        """Every test starts from empty accounts with soft delete off."""
        from azure.storage.blob import RetentionPolicy

        for account in ACCOUNTS:
            service = self.service(account)
            for container in service.list_containers():
                service.delete_container(container.name)
            service.set_service_properties(delete_retention_policy=RetentionPolicy(enabled=False))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def azurite_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Azurite]:
    if not AZURITE.exists():
        pytest.fail(f"{AZURITE} is missing: run ./dev setup (npm ci --prefix tools/azurite)")
    data = tmp_path_factory.mktemp("azurite")
    port = _free_port()
    env = {**os.environ, "AZURITE_ACCOUNTS": ";".join(f"{a}:{DEV_KEY}" for a in ACCOUNTS)}
    log = open(data / "azurite.log", "wb")  # noqa: SIM115 - closed after the process ends
    proc = subprocess.Popen(
        [str(AZURITE), "--blobHost", "127.0.0.1", "--blobPort", str(port), "--location", str(data / "store"),
         "--silent", "--loose", "--skipApiVersionCheck", "--disableTelemetry"],
        stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"Azurite did not start: {(data / 'azurite.log').read_text(errors='replace')[-2000:]}")
                time.sleep(0.1)
        yield Azurite(f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def azurite(azurite_server: Azurite) -> Azurite:
    azurite_server.reset()
    return azurite_server


@pytest.fixture
def gate_keys():
    from cryptography.hazmat.primitives.asymmetric import rsa

    from tests.gate.helpers import Keys

    return Keys(*(rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in range(3)))


def use_routes(monkeypatch, case: str = "pass_forced") -> None:
    # The commands have no --routes option: they read this machine. The tests replace that reading.
    monkeypatch.setattr(tunnel_check, "read_live", lambda: tunnel_check.read_recorded(ROUTES / case))


@pytest.fixture(autouse=True)
def forced_tunnel(monkeypatch):
    use_routes(monkeypatch)
    monkeypatch.delenv("DPAGUARD_TOKEN", raising=False)
    monkeypatch.delenv("DPAGUARD_SIGNING_KEY", raising=False)
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # no az CLI to fall back on


@pytest.fixture
def jwks_file(tmp_path, gate_keys) -> Path:
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [public_jwk(gate_keys.primary, KID)]}))
    return path


@pytest.fixture
def signing_key(tmp_path) -> Path:
    path = tmp_path / "keys" / "processor.key"
    path.parent.mkdir()
    assert main(["certificate", "keygen", "--out", str(path)]) == 0
    return path


@pytest.fixture
def project(tmp_path, jwks_file):
    return make_project(tmp_path, jwks=jwks_file)


class Clock:
    """The one clock of offboarding and certificate checks (certificate.utcnow), moved forward by tests
    to stand for the days Azure keeps soft-deleted data; the store itself is real (Azurite)."""

    def __init__(self, monkeypatch):
        import datetime as dt

        from dpaguard.offboard import certificate

        self.offset = dt.timedelta()
        real = certificate.utcnow
        monkeypatch.setattr(certificate, "utcnow", lambda: real() + self.offset)

    def advance(self, days: float) -> None:
        import datetime as dt

        self.offset += dt.timedelta(days=days)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    return Clock(monkeypatch)


