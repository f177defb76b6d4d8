"""Evaluate the policy pack outside the Pulumi CLI, through the `pulumi_policy` objects themselves.

Each resource is handed to the policies the way the analyzer server does it
(`pulumi_policy.policy._PolicyAnalyzerServicer.Analyze/AnalyzeStack`): wire properties
deserialised with `deserialize_properties`, wrapped in `unknown_checking_proxy`, an
`UnknownValueError` reported as an ADVISORY note, `args.not_applicable()` honoured, and
each policy's own enforcement level applied to what it reports.
"""

from __future__ import annotations

import asyncio
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

from policies.lib import clauses_of


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
    if isawaitable(result):
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(result)
        finally:
            loop.close()


def _props(resource: Resource) -> Any:
    return unknown_checking_proxy(deserialize_properties(dict(resource.inputs)))


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
    props = {r.urn: _props(r) for r in resources}
    opts = PolicyResourceOptions(protect=False, ignore_changes=[], delete_before_replace=None, aliases=[],
                                 custom_timeouts=PolicyCustomTimeouts(0, 0, 0), additional_secret_outputs=[])
    type_by_urn = {r.urn: r.type for r in resources}

    for policy in policies:
        level = _level(policy)
        if level == "disabled":
            continue
        clauses = tuple(clauses_of(policy))
        config = _config_for(policy, register)

        def reporter(default_urn: str, default_type: str):
            def report(message: str, urn: str | None = None) -> None:
                target = urn or default_urn
                out.findings.append(Finding(policy.name, clauses, level, _severity(policy), target,
                                            type_by_urn.get(target, default_type), message))
            return report

        if isinstance(policy, ResourceValidationPolicy):
            for res in resources:
                args = ResourceValidationArgs(res.type, props[res.urn], res.urn, res.name, opts, None, config)
                out.evaluated.append((policy.name, res.urn))
                _guarded(out, policy, clauses, level, res.urn, res.type,
                         lambda a=args, r=res: _run(policy.validate, a, reporter(r.urn, r.type)))
        elif isinstance(policy, StackValidationPolicy):
            policy_resources = _policy_resources(resources, props, opts)
            args = StackValidationArgs(policy_resources, config)
            out.evaluated.append((policy.name, stack_urn))
            _guarded(out, policy, clauses, level, stack_urn, "pulumi:pulumi:Stack",
                     lambda a=args: _run(policy.validate, a, reporter(stack_urn, "pulumi:pulumi:Stack")))
    return out


def _guarded(out: Evaluation, policy, clauses, level, urn, type_, call) -> None:
    try:
        call()
    except UnknownValueError as exc:
        # Same outcome as the analyzer: an advisory note, never a silent pass.
        out.findings.append(Finding(policy.name, clauses, "advisory", _severity(policy), urn, type_,
                                    f"can't decide during preview: {exc.message}", kind="unknown"))
    except _NotApplicableError as exc:
        out.not_applicable.append((policy.name, urn, exc.reason or ""))


def _policy_resources(resources: list[Resource], props: Mapping[str, Any], opts) -> list[PolicyResource]:
    by_urn: dict[str, PolicyResource] = {}
    for r in resources:
        by_urn[r.urn] = PolicyResource(r.type, props[r.urn], r.urn, r.name, opts, None, None, [], {})
    for r in resources:
        pr = by_urn[r.urn]
        if r.parent in by_urn:
            pr.parent = by_urn[r.parent]
        pr.dependencies.extend(by_urn[d] for d in r.dependencies if d in by_urn)
    return list(by_urn.values())
