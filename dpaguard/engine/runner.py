"""Run a Pulumi program under Pulumi's own mock engine and record what it registers.

This is the offline preview: the program runs unchanged, the SDK serialises every
resource exactly as it would for the real engine, and a recording `MockMonitor` keeps
each `RegisterResource` request. Nothing is created and no provider plugin is needed.

Fidelity to a real `pulumi preview` of a new stack:
- the program runs with `dry_run=True`, so `pulumi.runtime.is_dry_run()` is true;
- a new custom resource gets no id and, as outputs, what its provider returns from `Create`
  with `preview=true` (`dpaguard.engine.preview.preview_outputs`: for azure-native the response
  properties given as inputs, the rest unknown, path parameters absent), so `account.name` is
  unknown to the program here as in a real preview; a component gets no outputs until it
  registers them (RegisterResourceOutputs);
- invokes answer from a table of known tokens (see `OfflineMocks.call`).
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import io
import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import pulumi
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import resource as pulumi_resource
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime import stack as pulumi_stack
from pulumi.runtime.proto import resource_pb2, source_pb2

from dpaguard.engine.model import STACK_TYPE, UNKNOWN, Resource
from dpaguard.engine.preview import preview_outputs

__all__ = ["UNKNOWN", "OfflineMocks", "ProgramRun", "RegisteredResource", "UnknownInvoke", "run_program"]


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
    outputs: dict[str, Any] = field(default_factory=dict)
    """What the engine holds as outputs at the end of the preview: the provider's preview outputs
    (custom resources), the registered outputs (components and the stack)."""

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
            "outputs": self.outputs,
        }

    def to_resource(self) -> Resource:
        return Resource(
            urn=self.urn, type=self.type, name=self.name, inputs=self.inputs, outputs=self.outputs,
            parent=self.parent or None, provider=self.provider or None, dependencies=tuple(self.dependencies),
            property_dependencies={k: tuple(v) for k, v in self.property_dependencies.items()},
            custom=self.custom, protect=self.protect,
        )


@dataclass
class ProgramRun:
    resources: list[RegisteredResource]
    outputs: dict[str, Any]
    log: list[tuple[str, str]]

    def of_type(self, type_token: str) -> list[RegisteredResource]:
        return [r for r in self.resources if r.type == type_token]


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: pulumi.runtime.Mocks, config: Mapping[str, str] | None = None):
        super().__init__(mocks)
        self.recorded: list[RegisteredResource] = []
        self.stack_outputs: dict[str, Any] = {}
        self._stack_urn = ""
        self._by_urn: dict[str, RegisteredResource] = {}
        self._config = dict(config or {})
        self._default_providers: dict[tuple[str, str], str] = {}

    def _default_provider(self, type_token: str, version: str) -> str:
        """The reference (`URN::ID`) of the default provider the engine registers for a resource without one.

        pulumi/pulumi `pkg/resource/deploy/default_providers.go` newRegisterDefaultProviderEvent: a
        `pulumi:providers:PKG` resource named `default_MAJOR_MINOR_PATCH`
        (`providers/provider.go` DefaultName), no parent, inputs = the stack config of the
        package's namespace plus `version`; registered before the first resource that needs it.
        Its id is unknown in a preview of a new stack; its outputs are its inputs.
        """
        package = type_token.split(":", 1)[0]
        key = (package, version)
        found = self._default_providers.get(key)
        if found is not None:
            return found
        name = "default"
        if version:
            name += "_" + "_".join(version.replace("-", ".").replace("+", ".").split("."))
        stack_and_project = self._stack_urn.split("::pulumi:pulumi:Stack::", 1)[0]
        urn = f"{stack_and_project}::pulumi:providers:{package}::{name}"
        inputs: dict[str, Any] = {k.split(":", 1)[1]: v for k, v in self._config.items()
                                  if k.split(":", 1)[0] == package}
        if version:
            inputs["version"] = version
        provider = RegisteredResource(
            urn=urn, type=f"pulumi:providers:{package}", name=name, parent="", custom=True, provider="",
            dependencies=[], protect=False, inputs=inputs, aliases=0, outputs=dict(inputs),
        )
        self.recorded.append(provider)
        self._by_urn[urn] = provider
        reference = f"{urn}::{UNKNOWN}"
        self._default_providers[key] = reference
        return reference

    def RegisterResource(self, request: Any) -> Any:
        # MockMonitor is untyped; called through Any so the rest stays checked.
        response = cast(Any, pulumi_mocks.MockMonitor).RegisterResource(self, request)
        if response.urn in self._by_urn:
            # the engine stops the preview here (pulumi/pulumi sdk/go/common/diag/errors.go
            # GetDuplicateResourceURNError); the mock engine would record both
            raise DuplicateUrn(f"Duplicate resource URN '{response.urn}'; try giving it a unique name")
        if request.type == "pulumi:pulumi:Stack":
            self._stack_urn = response.urn
        # MessageToDict keeps the wire form: camelCase keys, the unknown sentinel,
        # and secrets as {"4dabf18193072939515e22adb298388d": "1b47...", "value": ...}.
        inputs = json_format.MessageToDict(request.object)
        outputs: dict[str, Any] = {}
        provider = request.provider
        if request.custom:
            outputs = preview_outputs(request.type, inputs)
            if not provider and not request.type.startswith("pulumi:providers:") and self._stack_urn:
                provider = self._default_provider(request.type, request.version)
        registered = RegisteredResource(
            urn=response.urn,
            type=request.type,
            name=request.name,
            parent=request.parent,
            custom=bool(request.custom),
            provider=provider,
            # The SDK sends dependencies in the order their futures resolved, which varies from run
            # to run; the engine treats them as sets, so plan.json keeps them sorted (diffable plans).
            dependencies=sorted(request.dependencies),
            protect=bool(request.protect),
            inputs=inputs,
            aliases=len(request.aliases),
            property_dependencies={k: sorted(v.urns) for k, v in sorted(request.propertyDependencies.items())},
            outputs=outputs,
        )
        self.recorded.append(registered)
        self._by_urn[response.urn] = registered
        if request.type == "pulumi:pulumi:Stack":
            return response
        # What the engine answers for a create in preview: no id and the step's outputs
        # (pulumi/pulumi pkg/resource/deploy/source_eval.go, RegisterResource marshals
        # result.State.Outputs into the response object); a component has none until
        # RegisterResourceOutputs.
        obj = struct_pb2.Struct()
        json_format.ParseDict(outputs, obj)
        return resource_pb2.RegisterResourceResponse(urn=response.urn, id="", object=obj)

    def RegisterResourceOutputs(self, request: Any) -> Any:
        outputs = json_format.MessageToDict(request.outputs)
        if request.urn == self._stack_urn:
            self.stack_outputs = outputs
        registered = self._by_urn.get(request.urn)
        if registered is not None and not registered.custom:
            registered.outputs = outputs
        return cast(Any, pulumi_mocks.MockMonitor).RegisterResourceOutputs(self, request)


class DuplicateUrn(Exception):
    """Two resources of one program with the same URN (type, name and parent chain)."""


class OfflineMocks(pulumi.runtime.Mocks):
    """Answers for a preview of a stack that does not exist yet."""

    def __init__(self, invokes: Mapping[str, Mapping[str, Any]] | None = None):
        self.invokes = dict(invokes or {})

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        # The recording monitor answers with the provider's preview outputs (from the wire inputs,
        # before the SDK deserialised them); the mock's own answer is not used.
        return (None, {})

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        if args.token in self.invokes:
            return dict(self.invokes[args.token]), []
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
def _without_source_positions() -> Iterator[None]:
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
    monitor = _RecordingMonitor(mocks, {k: v if isinstance(v, str) else json.dumps(v)
                                        for k, v in (config or {}).items()})
    settings = cast(Any, pulumi_mocks.MockSettings)(
        monitor=monitor,
        monitor_features=set(cast(Any, monitor).GetDeploymentInfo(None).supportedFeatures),
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
    return ProgramRun(resources=stable_order(monitor.recorded), outputs=monitor.stack_outputs, log=messages)


def stable_order(resources: list[RegisteredResource]) -> list[RegisteredResource]:
    """`resources` in an order that depends only on what was registered, not on when.

    The SDK registers a resource once its inputs resolve, so the arrival order changes from run
    to run (asyncio) and plan.json would differ between two plans of the same stack. The engine
    needs only what registration order guarantees: parent, provider and dependencies before the
    resource that names them. This is that order (Kahn's algorithm), ties broken by URN.
    """
    by_urn = {r.urn: r for r in resources}
    needs: dict[str, set[str]] = {}
    for r in resources:
        named = {r.parent, *r.dependencies, *(u for urns in r.property_dependencies.values() for u in urns)}
        if r.provider:
            # a provider reference is `URN::ID`; the URN itself contains `::`, so cut at the last one
            named.add(r.provider.rsplit("::", 1)[0])
        needs[r.urn] = {u for u in named if u and u in by_urn and u != r.urn}
    waiting_on = {urn: len(deps) for urn, deps in needs.items()}
    dependents: dict[str, list[str]] = {}
    for urn, deps in needs.items():
        for dep in deps:
            dependents.setdefault(dep, []).append(urn)
    def rank(urn: str) -> tuple[bool, str]:
        return by_urn[urn].type != STACK_TYPE, urn  # the stack first, as the SDK registers it

    ready = [rank(urn) for urn, count in waiting_on.items() if count == 0]
    heapq.heapify(ready)
    ordered: list[RegisteredResource] = []
    while ready:
        _, urn = heapq.heappop(ready)
        ordered.append(by_urn[urn])
        for dependent in dependents.get(urn, ()):
            waiting_on[dependent] -= 1
            if waiting_on[dependent] == 0:
                heapq.heappush(ready, rank(dependent))
    if len(ordered) != len(resources):
        # duplicates are refused at registration, and the SDK cannot register a resource before
        # what it names, so this is a bug here, not bad input
        raise RuntimeError(f"stable_order: {len(resources) - len(ordered)} resource(s) in a dependency cycle")
    return ordered
