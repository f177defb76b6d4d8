"""The policy pack started as `pulumi preview --policy-pack policies` starts it, once per test session.

How the CLI starts a Python policy pack (pulumi/pulumi):
* `pkg/resource/plugin/analyzer_plugin.go` NewPolicyAnalyzer: a pack directory with a
  PulumiPolicy.yaml whose runtime has a language plugin is run through that plugin's RunPlugin
  with the engine address as the only argument;
* `sdk/python/cmd/pulumi-language-python/main.go` RunPlugin, kind analyzer: the toolchain's
  python (PulumiPolicy.yaml `runtime.options.virtualenv`: ../.venv) runs
  `python -u -m pulumi.policy <engine address> <pack directory>` with the pack directory as the
  working directory and PULUMI_PROJECT/PULUMI_STACK/PULUMI_DRY_RUN/PULUMI_ORGANIZATION in the
  environment;
* the pack (`PolicyPack(...)` in policies/__main__.py) serves the Analyzer service on
  127.0.0.1:0 and writes the port on its first stdout line (pulumi_policy `policy.py`).

The engine address is a minimal Engine gRPC service (Log and the root-resource calls) run here.
"""

from __future__ import annotations

import os
import select
import subprocess
import time
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2_grpc, engine_pb2, engine_pb2_grpc

ROOT = Path(__file__).resolve().parents[2]
PACK_DIR = ROOT / "policies"
START_SECONDS = 60


class FakeEngine(engine_pb2_grpc.EngineServicer):
    """Only what a policy pack may call on the engine: logging, and the root resource."""

    def __init__(self) -> None:
        self.logs: list[tuple[int, str]] = []

    def Log(self, request: Any, context: Any) -> empty_pb2.Empty:
        self.logs.append((request.severity, request.message))
        return empty_pb2.Empty()

    def GetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.GetRootResourceResponse(urn="")

    def SetRootResource(self, request: Any, context: Any) -> Any:
        return engine_pb2.SetRootResourceResponse()


def pack_python() -> Path:
    """The interpreter the python language host resolves from PulumiPolicy.yaml's virtualenv option."""
    project = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text(encoding="utf-8"))
    virtualenv = project["runtime"]["options"]["virtualenv"]
    # normpath, not resolve(): the venv's python is a symlink to the base interpreter, and only
    # the path inside the venv selects the venv's site-packages.
    python = Path(os.path.normpath(PACK_DIR / virtualenv / "bin" / "python"))
    assert python.is_file(), f"PulumiPolicy.yaml names virtualenv {virtualenv}, but {python} does not exist"
    return python


class Analyzer:
    def __init__(self, stub: analyzer_pb2_grpc.AnalyzerStub, engine: FakeEngine, process: subprocess.Popen[bytes]):
        self.stub = stub
        self.engine = engine
        self.process = process


@pytest.fixture(scope="session")
def analyzer() -> Iterator[Analyzer]:
    engine = FakeEngine()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    engine_pb2_grpc.add_EngineServicer_to_server(engine, server)
    engine_port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    env = {**os.environ, "PULUMI_PROJECT": "dpa-guard", "PULUMI_STACK": "fidelity", "PULUMI_DRY_RUN": "true",
           "PULUMI_ORGANIZATION": "organization"}
    process = subprocess.Popen(
        [str(pack_python()), "-u", "-m", "pulumi.policy", f"127.0.0.1:{engine_port}", str(PACK_DIR)],
        cwd=PACK_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        port = _read_port(process)
        channel = grpc.insecure_channel(f"127.0.0.1:{port}", options=[
            ("grpc.max_receive_message_length", 400 * 1024 * 1024),
            ("grpc.max_send_message_length", 400 * 1024 * 1024),
        ])
        grpc.channel_ready_future(channel).result(timeout=START_SECONDS)
        yield Analyzer(analyzer_pb2_grpc.AnalyzerStub(channel), engine, process)
        channel.close()
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        server.stop(0)


def _read_port(process: subprocess.Popen[bytes]) -> int:
    assert process.stdout is not None and process.stderr is not None
    deadline = time.monotonic() + START_SECONDS
    line = b""
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        ready, _, _ = select.select([process.stdout], [], [], max(remaining, 0))
        if not ready:
            pytest.fail(f"the policy pack wrote no port within {START_SECONDS} s")
        chunk = os.read(process.stdout.fileno(), 1)
        if not chunk:
            process.wait(timeout=10)
            err = process.stderr.read().decode(errors="replace")
            pytest.fail(f"the policy pack exited before writing its port: {err[-2000:]}")
        line += chunk
    return int(line.strip())
