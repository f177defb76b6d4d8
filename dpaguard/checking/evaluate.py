"""Evaluate the policy pack the way `pulumi preview --policy-pack` does: through pulumi_policy's own
analyzer servicer, in process, with the engine's requests (dpaguard/checking/protocol.py).

`Configure` with the policy-pack config (reconciled as the CLI does), `Analyze` once per resource
with its inputs, `AnalyzeStack` once with every resource's outputs. The servicer (installed
pulumi_policy 1.21.0 `policy.py` `_PolicyAnalyzerServicer`; upstream pulumi/pulumi-policy
`sdk/python/lib/pulumi_policy/policy.py`) runs the validators, turns an `UnknownValueError` into an
ADVISORY "can't run policy ... during preview" diagnostic, honours `args.not_applicable()` and
applies enforcement levels; this module only translates its `AnalyzeResponse`s into Findings.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace, TracebackType
from typing import Any

import pulumi_policy.policy as servicer_module
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.policy import _PolicyAnalyzerServicer

from dpaguard.checking.protocol import (
    LEVEL_NAMES,
    SEVERITY_NAMES,
    analyze_request,
    analyze_stack_request,
    configure_request,
    provider_of,
)
from dpaguard.engine.model import STACK_TYPE, Resource
from dpaguard.errors import EXIT_USAGE, DpaGuardError
from policies.lib import clauses_of

__all__ = ["PACK_NAME", "PACK_VERSION", "Evaluation", "Finding", "PolicyError", "Resource", "evaluate",
           "register_config"]

PACK_NAME = "dpa-guard"
"""What policies/__main__.py names the pack (policies.pack.PACK_NAME); part of the "can't run" text."""
PACK_VERSION = "0.0.1"
"""The version pulumi_policy's PolicyPack gives its servicer (PulumiPolicy.yaml's wins in the CLI display)."""


class PolicyError(DpaGuardError):
    """A policy raised something other than UnknownValueError: a bug in that policy, not a verdict."""

    exit_code = EXIT_USAGE

    def __init__(self, policy: str, urn: str, error: BaseException):
        detail = " ".join(str(error).split())[:200]
        super().__init__(f"policy {policy} failed on {urn or 'the stack'}: {type(error).__name__}: {detail} "
                         "(a bug in the policy: the pack must be total)")
        self.policy = policy
        self.urn = urn
        self.error = error


@dataclass(frozen=True)
class Finding:
    policy: str
    clauses: tuple[str, ...]
    enforcement: str
    """mandatory | advisory (violations) or advisory for a note that a value is unknown."""
    severity: str
    urn: str
    type: str
    message: str
    kind: str = "violation"
    """violation | unknown (a deciding value was unknown during preview)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "clauses": list(self.clauses),
            "enforcement": self.enforcement,
            "severity": self.severity,
            "urn": self.urn,
            "type": self.type,
            "message": self.message,
            "kind": self.kind,
        }


@dataclass
class Evaluation:
    findings: list[Finding] = field(default_factory=list)
    not_applicable: list[tuple[str, str, str]] = field(default_factory=list)
    """(policy, urn or "", reason)"""
    evaluated: list[tuple[str, str]] = field(default_factory=list)
    """(policy, urn) pairs a policy was run on: the JUnit test cases. Stack policies use the stack urn."""
    resources: int = 0
    policies: int = 0

    @property
    def mandatory(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == "violation" and f.enforcement == "mandatory"]

    @property
    def advisory(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == "violation" and f.enforcement == "advisory"]

    @property
    def unknowns(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == "unknown"]

    def summary(self) -> dict[str, Any]:
        return {
            "resources": self.resources,
            "policies": self.policies,
            "mandatory": len(self.mandatory),
            "advisory": len(self.advisory),
            "unknown": len(self.unknowns),
            "notApplicable": len(self.not_applicable),
            "passed": not self.mandatory,
        }


def register_config(policies: Sequence[Any], register: Mapping[str, Any] | None) -> dict[str, Any]:
    """The `--policy-pack-config` document `dpaguard plan` writes: the register for every policy that reads it."""
    if register is None:
        return {}
    shared = dict(register)  # one object: configure_request converts and validates it once
    return {
        p.name: {"register": shared}
        for p in policies
        if p.config_schema is not None and "register" in p.config_schema.properties
    }


def evaluate(
    policies: Sequence[Any],
    resources: Iterable[Resource],
    *,
    register: Mapping[str, Any] | None = None,
    stack_urn: str = "",
    config: Mapping[str, Any] | None = None,
    pack_name: str = PACK_NAME,
    enforcement_level: EnforcementLevel = EnforcementLevel.MANDATORY,
) -> Evaluation:
    """Run `policies` on `resources` as `pulumi preview --policy-pack` would, and collect the findings.

    config: the `--policy-pack-config` document; default: `register_config(policies, register)`.
    enforcement_level: the pack's level (policies/__main__.py passes MANDATORY to PolicyPack).
    Raises PolicyConfigError (exit 2) where the CLI would refuse the config, PolicyError (exit 2)
    where a policy raised (the CLI fails the preview).
    """
    everything = list(resources)
    out = Evaluation(resources=sum(1 for r in everything if r.custom and r.type != STACK_TYPE),
                     policies=len(policies))
    # Millions of short-lived objects, freed by reference counting; the cyclic collector would
    # only rescan a heap that keeps growing, so it waits until the evaluation is over.
    collecting = gc.isenabled()
    gc.disable()
    try:
        # The servicer is untyped (pulumi_policy): held as Any, its answers are protobuf messages.
        servicer: Any = _PolicyAnalyzerServicer(pack_name, PACK_VERSION, list(policies), enforcement_level)
        info = servicer.GetAnalyzerInfo(None, None)
        request = configure_request(info, register_config(policies, register) if config is None else config)
        with _configs_converted_once():
            servicer.Configure(request, None)
        # as configured (defaults, then `all`, then per policy): a policy the config disables runs on nothing
        levels = {p.name: LEVEL_NAMES.get(p.enforcementLevel, "advisory") for p in info.policies}
        levels.update({name: LEVEL_NAMES.get(entry.enforcementLevel, "advisory")
                       for name, entry in request.policyConfig.items()})
        with _converted_once(servicer):
            _Translate(out, policies, everything, levels, pack_name).run(servicer, stack_urn)
    finally:
        if collecting:
            gc.enable()
    return out


_CANT_RUN = "can't run policy '"


@contextlib.contextmanager
def _configs_converted_once() -> Iterator[None]:
    """Convert equal policy configs once in `Configure` (for the length of that call).

    The servicer converts each policy's config with `json_format.MessageToDict`; every policy that
    reads the register carries the same register (thousands of entries on a big ECG stack). Here
    equal messages (equal deterministic serialisations) are converted once and the policies share
    the resulting dict, which they only read (as the props in `_converted_once`).
    """
    saved = getattr(servicer_module, "json_format")  # noqa: B009 - a module global, not exported
    memo: dict[bytes, Any] = {}

    def convert(message: Any, *rest: Any, **options: Any) -> Any:
        if rest or options:
            return saved.MessageToDict(message, *rest, **options)
        key = message.SerializeToString(deterministic=True)
        if key not in memo:
            memo[key] = saved.MessageToDict(message)
        return memo[key]

    setattr(servicer_module, "json_format", SimpleNamespace(MessageToDict=convert))  # noqa: B010
    try:
        yield
    finally:
        setattr(servicer_module, "json_format", saved)  # noqa: B010
        memo.clear()


@contextlib.contextmanager
def _converted_once(servicer: Any) -> Iterator[None]:
    """Convert each request's properties once, not once per policy (for the length of one evaluation).

    The servicer turns a resource's protobuf properties into the policies' view
    (`json_format.MessageToDict`, `deserialize_properties`, `unknown_checking_proxy`) again for
    every policy, and so the resource options (`_get_resource_options`, `_get_provider_resource`):
    on a 1000-controller plan, 35 stack policies x 4 000 resources, 80 % of the time. Here those
    three module-level names of pulumi_policy.policy and the servicer's two methods are replaced,
    for the evaluation only, by the same functions remembering their result per argument object,
    so every policy of one call gets the same (equal) value. Each cached argument is kept alive with its
    result, so an id is never reused while cached. The difference to the CLI: policies of one call
    share one props object; a policy that changed props would be seen by the next (the pack's
    policies only read; tests/fidelity compares against the real, unshared protocol).
    """
    names = ("json_format", "deserialize_properties", "unknown_checking_proxy")
    saved = {name: getattr(servicer_module, name) for name in names}
    json_format = saved["json_format"]
    # One memo per function, by id of the argument; `alive` holds every cached argument so no
    # id is reused while cached. (Called ~1.5 million times on a 1000-controller plan: no tuple
    # keys, one dict lookup.)
    memos: list[dict[int, Any]] = []
    alive: list[Any] = []
    missing = object()

    def once(kind: str, function: Callable[..., Any]) -> Callable[..., Any]:
        memo: dict[int, Any] = {}
        memos.append(memo)
        lookup = memo.get

        def remembered(value: Any, *rest: Any, **options: Any) -> Any:
            if rest or options:
                return function(value, *rest, **options)
            hit = lookup(id(value), missing)
            if hit is missing:
                hit = memo[id(value)] = function(value)
                alive.append(value)
            return hit
        remembered.__qualname__ = f"remembered_{kind}"
        return remembered

    try:
        # setattr: these are module globals of pulumi_policy.policy, not its exported API.
        setattr(servicer_module, "json_format", SimpleNamespace(MessageToDict=once("dict", json_format.MessageToDict)))  # noqa: B010
        setattr(servicer_module, "deserialize_properties", once("deserialize", saved["deserialize_properties"]))  # noqa: B010
        setattr(servicer_module, "unknown_checking_proxy", once("proxy", saved["unknown_checking_proxy"]))  # noqa: B010
        servicer._get_resource_options = once("options", servicer._get_resource_options)
        servicer._get_provider_resource = once("provider", servicer._get_provider_resource)
        yield
    finally:
        del servicer._get_resource_options, servicer._get_provider_resource
        for name, value in saved.items():
            setattr(servicer_module, name, value)
        for memo in memos:
            memo.clear()
        alive.clear()


class _Translate:
    """AnalyzeResponse diagnostics -> Findings, as the CLI attributes them (urn "" = the analyzed resource)."""

    def __init__(self, out: Evaluation, policies: Sequence[Any], resources: list[Resource],
                 levels: Mapping[str, str], pack_name: str):
        self.out = out
        self.resources = resources
        self.by_name = {p.name: p for p in policies}
        self.clauses = {p.name: tuple(clauses_of(p)) for p in policies}
        self.type_by_urn = {r.urn: r.type for r in resources}
        self.levels = levels
        self.pack_name = pack_name

    def run(self, servicer: Any, stack_urn: str) -> None:
        resource_policies = [p.name for p in self.by_name.values()
                             if isinstance(p, ResourceValidationPolicy) and self.levels.get(p.name) != "disabled"]
        stack_policies = [p.name for p in self.by_name.values()
                          if isinstance(p, StackValidationPolicy) and self.levels.get(p.name) != "disabled"]
        by_urn = {r.urn: r for r in self.resources}
        for r in self.resources:
            try:
                response = servicer.Analyze(analyze_request(r, provider_of(r, by_urn)), None)
            except Exception as exc:  # noqa: BLE001 - the CLI fails the preview; so do we, naming both
                raise PolicyError(_raising_policy(exc.__traceback__), r.urn, exc) from exc
            if r.custom and r.type != STACK_TYPE:
                # JUnit test cases: resource policies x custom resources (the engine also sends
                # components and the stack to Analyze; they are analyzed, not listed as cases).
                self.out.evaluated.extend((name, r.urn) for name in resource_policies)
            self.collect(response, r.urn)
        if stack_policies:
            try:
                response = servicer.AnalyzeStack(analyze_stack_request(self.resources), None)
            except Exception as exc:  # noqa: BLE001 - as above
                raise PolicyError(_raising_policy(exc.__traceback__), stack_urn, exc) from exc
            self.out.evaluated.extend((name, stack_urn) for name in stack_policies)
            self.collect(response, stack_urn)

    def collect(self, response: analyzer_pb2.AnalyzeResponse, urn: str) -> None:
        for na in response.not_applicable:
            self.out.not_applicable.append((na.policy_name, urn, na.reason))
        for d in response.diagnostics:
            target = d.urn or urn
            type_ = self.type_by_urn.get(target, STACK_TYPE if target == urn else "")
            policy = self.by_name.get(d.policyName)
            severity = SEVERITY_NAMES.get(d.severity, "unspecified")
            if severity == "unspecified" and policy is not None and policy.severity is not None:
                severity = policy.severity.value
            level = LEVEL_NAMES.get(d.enforcementLevel, "advisory")
            clauses = self.clauses.get(d.policyName, ())
            if d.message.startswith(_CANT_RUN):
                reason = d.message.split(" during preview: ", 1)[-1]
                self.out.findings.append(Finding(d.policyName, clauses, "advisory", severity, target, type_,
                                                 f"can't decide during preview: {reason}", kind="unknown"))
                continue
            message = d.message
            if d.description and message.startswith(d.description):
                message = message[len(d.description):].lstrip("\n")
            self.out.findings.append(Finding(d.policyName, clauses, level, severity, target, type_, message))


def _raising_policy(tb: TracebackType | None) -> str:
    """The policy the servicer was running when the exception escaped (its loop variable `policy`)."""
    name = "?"
    while tb is not None:
        policy = tb.tb_frame.f_locals.get("policy")
        policy_name = getattr(policy, "name", None)
        if policy_name and tb.tb_frame.f_code.co_name in ("Analyze", "AnalyzeStack"):
            name = str(policy_name)
        tb = tb.tb_next
    return name
