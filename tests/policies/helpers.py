"""Run one policy on hand-written resources, through the same evaluator as `dpaguard check`."""

from __future__ import annotations

from typing import Any

from dpaguard.checking.evaluate import Evaluation, Resource, evaluate

STACK_URN = "urn:pulumi:test::dpa-guard::pulumi:pulumi:Stack::dpa-guard-test"


def resource(type_: str, name: str, inputs: dict[str, Any], **extra: Any) -> Resource:
    return Resource(urn=f"urn:pulumi:test::dpa-guard::{type_}::{name}", type=type_, name=name,
                    inputs=inputs, **extra)


def run(policy, *resources: Resource, register: dict[str, Any] | None = None) -> Evaluation:
    return evaluate([policy], list(resources), register=register, stack_urn=STACK_URN)


def outcome(evaluation: Evaluation) -> str:
    """'pass', 'fail' (a violation at the policy's level) or 'unknown' (advisory: undecidable in preview)."""
    if any(f.kind == "violation" for f in evaluation.findings):
        return "fail"
    if evaluation.unknowns:
        return "unknown"
    return "pass"


def failing_urns(evaluation: Evaluation) -> set[str]:
    return {f.urn for f in evaluation.findings if f.kind == "violation"}
