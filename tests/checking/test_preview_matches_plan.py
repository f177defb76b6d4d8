"""`pulumi preview --json` of a new stack and the offline plan of it get the same verdicts.

The preview document is built the way `pulumi preview --json` shapes it for a first preview
(pulumi/pulumi `pkg/backend/display/json.go` getPreviewMetadataStep/stateForJSONOutput): one
`create` step per resource with the new state's type, urn, custom, parent, provider, inputs
(secrets as "[secret]"), dependencies and propertyDependencies, and no outputs (the step
generator creates the new state with `Outputs: nil`, and the digest renders it at the step's
pre-event). The register comes from `--register`, as a user of the CLI passes it.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from dpaguard.checking.evaluate import evaluate
from dpaguard.checking.inputs import from_document
from policies.pack import POLICIES
from tests.policies.plans import SHIPPED_STACKS, shipped_plan

SIG = "4dabf18193072939515e22adb298388d"
SECRET = "1b47061264138c4ac30d75fd1eb44270"


def _massaged(value: Any) -> Any:
    if isinstance(value, dict):
        if value.get(SIG) == SECRET:
            return "[secret]"
        return {k: _massaged(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_massaged(v) for v in value]
    return value


def _preview_of(plan: dict[str, Any]) -> dict[str, Any]:
    steps = []
    for r in plan["resources"]:
        state: dict[str, Any] = {"urn": r["urn"], "custom": r["custom"], "type": r["type"]}
        if r["inputs"]:
            state["inputs"] = _massaged(r["inputs"])
        for key in ("parent", "provider"):
            if r.get(key):
                state[key] = r[key]
        if r["dependencies"]:
            state["dependencies"] = r["dependencies"]
        deps = {k: v for k, v in r.get("propertyDependencies", {}).items() if v}
        if deps:
            state["propertyDependencies"] = deps
        steps.append({"op": "create", "urn": r["urn"], "newState": state, "detailedDiff": None})
    return {"config": {}, "steps": steps, "duration": 1, "changeSummary": {"create": len(steps)}}


def _verdicts(checked: Any) -> set[tuple[str, str, str, str]]:
    evaluation = evaluate(POLICIES, checked.resources, register=checked.register, stack_urn=checked.stack_urn)
    return {(f.policy, f.urn, f.kind if f.kind == "unknown" else f.enforcement, f.message) for f in evaluation.findings}


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_preview_of_a_new_stack_gets_the_plans_verdicts(stack):
    plan = shipped_plan(stack)
    if isinstance(plan, str):
        pytest.fail(f"cannot plan stack {stack}: {plan}")
    plan = copy.deepcopy(plan)
    from_plan = from_document(plan, name="plan.json")
    from_preview = from_document(_preview_of(plan), name="preview.json", register=plan["register"])
    assert [r.urn for r in from_preview.resources] == [r.urn for r in from_plan.resources]
    assert _verdicts(from_preview) == _verdicts(from_plan)
