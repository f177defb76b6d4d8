"""`validate_plan` answers with a compiled schema first: it must accept exactly what jsonschema, the
reference implementation of JSON Schema 2020-12, accepts (and word errors as jsonschema does)."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dpaguard.engine.plan import plan_schema, validate_plan
from dpaguard.errors import InputError

STACK = "urn:pulumi:demo::dpa-guard::pulumi:pulumi:Stack::dpa-guard-demo"
ACCOUNT = "urn:pulumi:demo::dpa-guard::azure-native:storage:StorageAccount::data"

PLAN: dict[str, Any] = {
    "planVersion": 1, "generator": "dpa-guard test", "project": "dpa-guard", "stack": "demo",
    "stackFile": "stacks/Pulumi.demo.yaml", "preview": True, "outputs": {},
    "register": {"stack": "demo", "agreements": ["ECG"], "locations": ["norwayeast"], "controllers": {},
                 "declaredPrincipals": [], "breakGlass": []},
    "resources": [
        {"urn": STACK, "type": "pulumi:pulumi:Stack", "name": "dpa-guard-demo", "parent": None, "custom": False,
         "provider": None, "dependencies": [], "protect": False, "inputs": {}, "outputs": {}},
        {"urn": ACCOUNT, "type": "azure-native:storage:StorageAccount", "name": "data", "parent": STACK,
         "custom": True, "provider": None, "dependencies": [], "propertyDependencies": {"location": []},
         "protect": False, "aliases": 0, "inputs": {"location": "norwayeast"}, "outputs": {}},
    ],
}

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "x", "urn:pulumi:a::b::c::d", "a:b:C", "ECG", "OUS", "norwayeast"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["urn", "x", "type", ""]), inner,
                                                                max_size=3),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated_plans(draw: st.DrawFn) -> dict[str, Any]:
    doc = copy.deepcopy(PLAN)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(doc)[1:]))
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        action = draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "replace":
            parent[path[-1]] = draw(_JSON)
        elif action == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(["extra", "aliases", "propertyDependencies", "outputs"]))] = draw(_JSON)
    return doc


def _reference_accepts(doc: Any) -> bool:
    return bool(jsonschema.Draft202012Validator(plan_schema()).is_valid(doc))


def test_the_literal_plan_is_a_plan():
    assert _reference_accepts(PLAN)
    validate_plan(copy.deepcopy(PLAN))


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_plans())
def test_validate_plan_accepts_exactly_what_jsonschema_accepts(doc):
    before = copy.deepcopy(doc)
    try:
        validate_plan(doc)
        accepted = True
    except InputError as exc:
        accepted = False
        assert exc.message.startswith("plan does not match plan.schema.json at ")
    assert accepted == _reference_accepts(doc)
    assert doc == before  # validating never fills anything in


@pytest.mark.parametrize(("path", "value", "where"), [
    (("resources", 1, "urn"), "not-a-urn", "resources/1/urn"),
    (("resources", 1, "custom"), 1, "resources/1/custom"),
    (("resources", 1, "aliases"), -1, "resources/1/aliases"),
    (("resources", 1, "propertyDependencies", "location"), [7], "resources/1/propertyDependencies/location/0"),
    (("register", "agreements"), ["GDPR"], "register/agreements/0"),
    (("planVersion",), 2, "planVersion"),
    # JSON Schema keeps booleans apart from numbers (1 == True in Python): found by the test above
    (("planVersion",), True, "planVersion"),
    (("preview",), 1, "preview"),
    (("resources", 1, "aliases"), True, "resources/1/aliases"),
    # Python's `$` also matches before a final newline, so jsonschema alone would take these
    (("resources", 1, "urn"), ACCOUNT + "\n", "resources/1/urn"),
    (("resources", 1, "type"), "azure-native:storage:StorageAccount\n", "resources/1/type"),
])
def test_a_bad_field_is_named(path, value, where):
    doc = copy.deepcopy(PLAN)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with pytest.raises(InputError, match=f"plan does not match plan.schema.json at {where}: "):
        validate_plan(doc)
