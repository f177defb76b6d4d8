"""Run a Pulumi program under Pulumi's own mock engine and record what it registers.

This is the offline preview: the program runs unchanged, the SDK serialises every
resource exactly as it would for the real engine, and a recording `MockMonitor` keeps
each `RegisterResource` request. Nothing is created and no provider plugin is needed.

Fidelity to a real `pulumi preview` of a new stack:
- the program runs with `dry_run=True`, so `pulumi.runtime.is_dry_run()` is true;
- a new resource's outputs are unknown, so the mocks return no id and echo the inputs
  (outputs the provider would compute stay unknown, as the real engine reports them);
- invokes answer from a table of known tokens (see `OfflineMocks.call`).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime import stack as pulumi_stack

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The wire sentinel of an unknown value (pulumi.runtime.rpc.UNKNOWN)."""


@dataclass
class RegisteredResource:
    """One `RegisterResource` request, in the JSON form of the wire protocol."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    provider: str
    dependencies: list[str]
    protect: bool
    inputs: dict[str, Any]
    aliases: int
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent or None,
            "custom": self.custom,
            "provider": self.provider or None,
            "dependencies": self.dependencies,
            "propertyDependencies": self.property_dependencies,
            "protect": self.protect,
            "aliases": self.aliases,
            "inputs": self.inputs,
        }


@dataclass
class ProgramRun:
    resources: list[RegisteredResource]
    outputs: dict[str, Any]
    log: list[tuple[str, str]]

    def of_type(self, type_token: str) -> list[RegisteredResource]:
        return [r for r in self.resources if r.type == type_token]


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks):
        super().__init__(mocks)
        self.recorded: list[RegisteredResource] = []
        self.stack_outputs: dict[str, Any] = {}
        self._stack_urn = ""

    def RegisterResource(self, request):
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            self._stack_urn = response.urn
        self.recorded.append(
            RegisteredResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                custom=bool(request.custom),
                provider=request.provider,
                dependencies=list(request.dependencies),
                protect=bool(request.protect),
                # MessageToDict keeps the wire form: camelCase keys, the unknown sentinel,
                # and secrets as {"4dabf18193072939515e22adb298388d": "1b47...", "value": ...}.
                inputs=json_format.MessageToDict(request.object),
                aliases=len(request.aliases),
                property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            )
        )
        return response

    def RegisterResourceOutputs(self, request):
        if request.urn == self._stack_urn:
            self.stack_outputs = json_format.MessageToDict(request.outputs)
        return super().RegisterResourceOutputs(request)


class OfflineMocks(pulumi.runtime.Mocks):
    """Answers for a preview of a stack that does not exist yet."""

    def __init__(self, invokes: Mapping[str, Mapping[str, Any]] | None = None):
        self.invokes = dict(invokes or {})

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        # A resource about to be created has no id and no computed outputs yet.
        return (None, dict(args.inputs))

    def call(self, args: pulumi.runtime.MockCallArgs):
        if args.token in self.invokes:
            return dict(self.invokes[args.token])
        raise UnknownInvoke(args.token)


class UnknownInvoke(Exception):
    def __init__(self, token: str):
        super().__init__(f"the offline engine has no answer for invoke {token}")
        self.token = token


class _LogCollector(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.records: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelname.lower(), record.getMessage()))


def run_program(
    program: Callable[[], Any],
    *,
    project: str,
    stack: str,
    config: Mapping[str, Any] | None = None,
    invokes: Mapping[str, Mapping[str, Any]] | None = None,
) -> ProgramRun:
    """Run `program` as the body of a stack under the mock engine and return what it registered.

    `config` maps full keys (`project:key`) to values; structured values are passed as JSON,
    as the CLI does. Exceptions from the program propagate unchanged.
    """
    mocks = OfflineMocks(invokes)
    monitor = _RecordingMonitor(mocks)
    logger = logging.getLogger(f"dpaguard.engine.{stack}")
    logger.propagate = False
    collector = _LogCollector()
    logger.handlers = [collector]
    settings = pulumi_mocks.MockSettings(
        monitor=monitor,
        monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),
        engine=pulumi_mocks.MockEngine(logger),
        project=project,
        stack=stack,
        dry_run=True,
        organization="organization",
        callbacks=None,
    )
    pulumi_settings.configure(settings)
    pulumi.runtime.set_all_config(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in (config or {}).items()}
    )
    loop = asyncio.new_event_loop()
    try:
        asyncio.set_event_loop(loop)
        # The SDK prints unhandled-output warnings to stderr; keep them in the log instead.
        with contextlib.redirect_stderr(io.StringIO()) as stray:
            loop.run_until_complete(pulumi_stack.run_in_stack(program))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
        pulumi.runtime.set_all_config({})
    messages = collector.records + [("warning", line) for line in stray.getvalue().splitlines() if line.strip()]
    return ProgramRun(resources=monitor.recorded, outputs=monitor.stack_outputs, log=messages)
