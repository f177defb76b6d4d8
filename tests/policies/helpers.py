"""Run one policy on hand-written resources, through the same evaluator as `dpaguard check`.

That evaluator (dpaguard.checking.evaluate) drives pulumi_policy's own analyzer servicer as the
engine does: resource policies get each resource's inputs, stack policies every resource's
OUTPUTS (for a create in preview: azure-native's preview outputs, derived from the inputs by
dpaguard.engine.preview_outputs unless a test gives `outputs=`), with dependencies and
propertyDependencies resolved to resources.
"""

from __future__ import annotations

from typing import Any

from dpaguard.checking.evaluate import Evaluation, Resource, evaluate

STACK_URN = "urn:pulumi:test::dpa-guard::pulumi:pulumi:Stack::dpa-guard-test"


def urn_of(type_: str, name: str) -> str:
    return f"urn:pulumi:test::dpa-guard::{type_}::{name}"


def resource(type_: str, name: str, inputs: dict[str, Any], **extra: Any) -> Resource:
    """A resource; `depends_on=[resource, ...]` (or `dependencies=(urn, ...)`) and
    `property_dependencies={"prop": [resource, ...]}` as the program would record them."""
    deps = extra.pop("depends_on", None)
    if deps is not None:
        extra["dependencies"] = tuple(dict.fromkeys([*extra.get("dependencies", ()), *(d.urn for d in deps)]))
    prop_deps = extra.get("property_dependencies")
    if prop_deps:
        extra["property_dependencies"] = {k: tuple(d if isinstance(d, str) else d.urn for d in v)
                                          for k, v in prop_deps.items()}
        extra["dependencies"] = tuple(dict.fromkeys([*extra.get("dependencies", ()),
                                                     *(u for v in extra["property_dependencies"].values() for u in v)]))
    return Resource(urn=urn_of(type_, name), type=type_, name=name, inputs=inputs, **extra)


def run(policy, *resources: Resource, register: dict[str, Any] | None = None) -> Evaluation:
    return evaluate([policy], list(resources), register=register, stack_urn=STACK_URN)


def is_undecidable(finding: Any) -> bool:
    """A violation that says a deciding value was unknown/secret, or the register missing."""
    return "] undecidable: " in finding.message or "] the stack register is missing" in finding.message


def outcome(evaluation: Evaluation) -> str:
    """'pass'; 'fail' (a decided violation); 'unknown' (only MANDATORY violations saying the value
    was undecidable or the register missing: the pack fails closed); 'advisory-note' (pulumi_policy's
    advisory "can't run during preview" note: never acceptable for a mandatory policy)."""
    violations = [f for f in evaluation.findings if f.kind == "violation"]
    if any(not is_undecidable(f) for f in violations):
        return "fail"
    if violations:
        return "unknown" if all(f.enforcement == "mandatory" for f in violations) else "advisory-unknown"
    if evaluation.unknowns:
        return "advisory-note"
    return "pass"


def failing_urns(evaluation: Evaluation) -> set[str]:
    return {f.urn for f in evaluation.findings if f.kind == "violation"}


def fails_closed(evaluation: Evaluation) -> bool:
    """An unknown or secret deciding value gave a MANDATORY violation (decided the stricter way, or
    reported as undecidable), never only pulumi_policy's advisory note or a pass."""
    return bool(evaluation.mandatory) and outcome(evaluation) in ("fail", "unknown")
