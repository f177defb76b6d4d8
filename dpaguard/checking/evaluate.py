"""Evaluate the policy pack outside the Pulumi CLI, through the `pulumi_policy` objects themselves.

Each resource is handed to the policies the way the analyzer server does it
(`pulumi_policy.policy._PolicyAnalyzerServicer.Analyze/AnalyzeStack`): wire properties
deserialised with `deserialize_properties`, wrapped in `unknown_checking_proxy`, an
`UnknownValueError` reported as an ADVISORY note, `args.not_applicable()` honoured, and
each policy's own enforcement level applied to what it reports.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from inspect import isawaitable
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from dpaguard.errors import EXIT_USAGE, DpaGuardError
from policies.lib import clauses_of


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
class Resource:
    """A resource as both plan.json and `pulumi preview --json` can describe it."""

    urn: str
    type: str
    name: str
    inputs: Mapping[str, Any]
    parent: str | None = None
    provider: str | None = None
    dependencies: tuple[str, ...] = ()
    custom: bool = True
    protect: bool = False


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


def _level(policy) -> str:
    level = policy.enforcement_level or EnforcementLevel.ADVISORY
    if level == EnforcementLevel.REMEDIATE:
        level = EnforcementLevel.MANDATORY
    return level.value


def _severity(policy) -> str:
    return policy.severity.value if policy.severity is not None else "unspecified"


def _config_for(policy, register: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if policy.config_schema is None or register is None:
        return None
    if "register" in policy.config_schema.properties:
        return {"register": register}
    return None


def _run(validate, args, report) -> None:
    result = validate(args, report)
    if result is not None and isawaitable(result):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(result)
        finally:
            loop.close()


def _props(resource: Resource) -> Any:
    return unknown_checking_proxy(deserialize_properties(dict(resource.inputs)))


class _Reporter:
    """`report_violation` for one policy; `urn`/`type` name the resource being validated."""

    __slots__ = ("out", "policy", "clauses", "level", "severity", "type_by_urn", "urn", "type")

    def __init__(self, out: Evaluation, policy, clauses: tuple[str, ...], level: str, type_by_urn: Mapping[str, str]):
        self.out = out
        self.policy = policy.name
        self.clauses = clauses
        self.level = level
        self.severity = _severity(policy)
        self.type_by_urn = type_by_urn
        self.urn = ""
        self.type = ""

    def __call__(self, message: str, urn: str | None = None) -> None:
        target = urn or self.urn
        self.out.findings.append(Finding(self.policy, self.clauses, self.level, self.severity, target,
                                         self.type_by_urn.get(target, self.type), message))


def evaluate(
    policies: Sequence[Any],
    resources: Iterable[Resource],
    *,
    register: Mapping[str, Any] | None = None,
    stack_urn: str = "",
) -> Evaluation:
    """Run every policy on `resources`, as `pulumi preview --policy-pack` would on a new stack."""
    resources = [r for r in resources if r.type != "pulumi:pulumi:Stack" and r.custom]
    out = Evaluation(resources=len(resources), policies=len(policies))
    # Millions of short-lived objects, freed by reference counting; the cyclic collector would
    # only rescan a heap that keeps growing (a third of the time on a 1000-controller plan),
    # so it waits until the evaluation is over.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _evaluate(out, policies, resources, register, stack_urn)
    finally:
        if collecting:
            gc.enable()
    return out


def _evaluate(out: Evaluation, policies: Sequence[Any], resources: list[Resource],
              register: Mapping[str, Any] | None, stack_urn: str) -> None:
    props = {r.urn: _props(r) for r in resources}
    opts = PolicyResourceOptions(protect=False, ignore_changes=[], delete_before_replace=None, aliases=[],
                                 custom_timeouts=PolicyCustomTimeouts(0, 0, 0), additional_secret_outputs=[])
    type_by_urn = {r.urn: r.type for r in resources}
    stack_resources: list[PolicyResource] | None = None

    for policy in policies:
        level = _level(policy)
        if level == "disabled":
            continue
        clauses = tuple(clauses_of(policy))
        config = _config_for(policy, register)
        report = _Reporter(out, policy, clauses, level, type_by_urn)

        if isinstance(policy, ResourceValidationPolicy):
            validate = policy.validate
            for res in resources:
                args = ResourceValidationArgs(res.type, props[res.urn], res.urn, res.name, opts, None, config)
                out.evaluated.append((policy.name, res.urn))
                report.urn, report.type = res.urn, res.type
                try:
                    _run(validate, args, report)
                except Exception as exc:  # noqa: BLE001 - sorted out, and re-raised if a bug, by _failed
                    _failed(out, policy, clauses, res.urn, res.type, exc)
        elif isinstance(policy, StackValidationPolicy):
            if stack_resources is None:
                # Built once and shared (a fresh list each): policies read resources, never change them.
                stack_resources = _policy_resources(resources, props, opts)
            args = StackValidationArgs(list(stack_resources), config)
            out.evaluated.append((policy.name, stack_urn))
            report.urn, report.type = stack_urn, "pulumi:pulumi:Stack"
            try:
                _run(policy.validate, args, report)
            except Exception as exc:  # noqa: BLE001 - sorted out, and re-raised if a bug, by _failed
                _failed(out, policy, clauses, stack_urn, "pulumi:pulumi:Stack", exc)


def _failed(out: Evaluation, policy, clauses, urn: str, type_: str, exc: Exception) -> None:
    if isinstance(exc, UnknownValueError):
        # Same outcome as the analyzer: an advisory note, never a silent pass.
        out.findings.append(Finding(policy.name, clauses, "advisory", _severity(policy), urn, type_,
                                    f"can't decide during preview: {exc.message}", kind="unknown"))
    elif isinstance(exc, _NotApplicableError):
        out.not_applicable.append((policy.name, urn, exc.reason or ""))
    else:
        # The analyzer fails the preview when a policy raises; so does this evaluator, naming
        # the policy and the resource instead of losing them in a traceback.
        raise PolicyError(policy.name, urn, exc) from exc


class _Dependencies(list):
    """`PolicyResource.dependencies`, resolved to resources the first time a policy looks.

    A dependency on a component expands to all of its children, so a plan of 1000 controllers
    carries two million dependency URNs; most stack policies never read them.
    """

    __slots__ = ("_urns", "_by_urn", "_ready")

    def __init__(self, urns: Sequence[str], by_urn: Mapping[str, PolicyResource]):
        super().__init__()
        self._urns = urns
        self._by_urn = by_urn
        self._ready = False

    def _fill(self) -> None:
        if not self._ready:
            self._ready = True
            list.extend(self, [self._by_urn[d] for d in self._urns if d in self._by_urn])


def _resolving(name: str):
    method = getattr(list, name)

    def wrapper(self, *args, **kwargs):
        self._fill()
        return method(self, *args, **kwargs)

    wrapper.__name__ = name
    return wrapper


for _name in ("__iter__", "__len__", "__getitem__", "__contains__", "__reversed__", "__eq__", "__ne__", "__lt__",
              "__le__", "__gt__", "__ge__", "__repr__", "__add__", "__mul__", "__rmul__", "__iadd__", "__imul__",
              "__setitem__", "__delitem__", "index", "count", "copy", "append", "extend", "insert", "remove", "pop",
              "clear", "sort", "reverse"):
    setattr(_Dependencies, _name, _resolving(_name))


def _policy_resources(resources: list[Resource], props: Mapping[str, Any], opts) -> list[PolicyResource]:
    by_urn: dict[str, PolicyResource] = {}
    for r in resources:
        by_urn[r.urn] = PolicyResource(r.type, props[r.urn], r.urn, r.name, opts, None, None, [], {})
    for r in resources:
        pr = by_urn[r.urn]
        if r.parent in by_urn:
            pr.parent = by_urn[r.parent]
        pr.dependencies = _Dependencies(r.dependencies, by_urn)
    return list(by_urn.values())
