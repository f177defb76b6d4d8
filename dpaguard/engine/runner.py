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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime import stack as pulumi_stack
from pulumi.runtime.proto import source_pb2

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


def _classify(line: str) -> tuple[str, str]:
    level, sep, message = line.partition(": ")
    if sep and level in ("debug", "info", "warning", "error"):
        return level, message
    return "warning", line


@contextlib.contextmanager
def _without_source_positions():
    """The SDK walks the Python stack (with source lines) for every resource to tell the engine
    where it was declared; a plan does not record source positions, so skip the walk."""
    original = getattr(pulumi_resource, "_get_stack_trace", None)
    if original is None:
        yield
        return
    pulumi_resource._get_stack_trace = source_pb2.StackTrace
    try:
        yield
    finally:
        pulumi_resource._get_stack_trace = original


def _drop_aliases(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
    if not args.opts.aliases:
        return None
    # The SDK turns each alias into URN outputs (Resource.__init__: collapse_alias_to_urn) before
    # registering, whatever the engine supports; dropping them here is what makes plans cheap.
    opts = args.opts._copy()
    opts.aliases = None
    return pulumi.ResourceTransformationResult(args.props, opts)


def _without_aliases(program: Callable[[], Any]) -> Callable[[], Any]:
    def body() -> Any:
        pulumi.runtime.register_stack_transformation(_drop_aliases)
        return program()

    return body


def run_program(
    program: Callable[[], Any],
    *,
    project: str,
    stack: str,
    config: Mapping[str, Any] | None = None,
    invokes: Mapping[str, Mapping[str, Any]] | None = None,
    keep_aliases: bool = False,
) -> ProgramRun:
    """Run `program` as the body of a stack under the mock engine and return what it registered.

    `config` maps full keys (`project:key`) to values; structured values are passed as JSON,
    as the CLI does. Exceptions from the program propagate unchanged.

    Aliases: every azure-native v3 resource carries ~30 aliases to its older type tokens.
    They tell the engine how to move existing state to a new type; a plan of a stack that
    does not exist yet has no state to move, so by default they are dropped before
    registration (bench/plan_scale.py measures what keeping them costs). `aliases` in the
    plan then records 0; `keep_aliases=True` records what the SDK would send.
    """
    mocks = OfflineMocks(invokes)
    monitor = _RecordingMonitor(mocks)
    settings = pulumi_mocks.MockSettings(
        monitor=monitor,
        monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),
        # No engine: the SDK then prints program log messages to stderr (kept in `log` below)
        # instead of resolving every debug message's resource URN, a measurable cost per resource.
        engine=None,
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
        body = program if keep_aliases else _without_aliases(program)
        with contextlib.redirect_stderr(io.StringIO()) as stray, _without_source_positions():
            loop.run_until_complete(pulumi_stack.run_in_stack(body))
    finally:
        asyncio.set_event_loop(None)
        loop.close()
        pulumi.runtime.set_all_config({})
    messages = [_classify(line) for line in stray.getvalue().splitlines() if line.strip()]
    return ProgramRun(resources=monitor.recorded, outputs=monitor.stack_outputs, log=messages)
