"""Every policy is total: whatever JSON-ish inputs and register it is given, it decides, notes, or passes.

The proof is the evaluator's caller-visible behaviour: `evaluate` returns. It turns
UnknownValueError into a note and not_applicable() into a skip; anything else a policy raises
surfaces as `PolicyError` (the analyzer would fail the preview), which fails this test with the
policy and resource named.

Resource types come from the shipped plans and from the type tokens the policies filter on;
inputs are either random or a real resource's inputs with random subtrees swapped in (so the
paths policies read are reached), including unknown sentinels, "[secret]" and secret wrappers.
"""

from __future__ import annotations

import copy
import re
from functools import lru_cache
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pulumi_policy.proxy import (
    UNKNOWN_ARRAY_VALUE,
    UNKNOWN_BOOLEAN_VALUE,
    UNKNOWN_NUMBER_VALUE,
    UNKNOWN_OBJECT_VALUE,
    UNKNOWN_STRING_VALUE,
)

from dpaguard.checking.evaluate import Resource, evaluate
from policies.pack import POLICIES
from tests.policies.mutations import walk
from tests.policies.plans import ROOT, SHIPPED_STACKS, shipped_plan

STACK_URN = "urn:pulumi:fuzz::dpa-guard::pulumi:pulumi:Stack::dpa-guard-fuzz"
SECRET_SIG = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270"}
TYPE_TOKEN = re.compile(r"""["']((?:azure-native|azuread):[A-Za-z0-9/]+:[A-Za-z0-9]+)["']""")
UNKNOWNS = (UNKNOWN_STRING_VALUE, UNKNOWN_BOOLEAN_VALUE, UNKNOWN_NUMBER_VALUE, UNKNOWN_ARRAY_VALUE,
            UNKNOWN_OBJECT_VALUE)


@lru_cache(maxsize=1)
def shipped() -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Custom resources and a register of the shipped plans; ([], None) while they cannot be planned."""
    found: list[dict[str, Any]] = []
    register = None
    for stack in SHIPPED_STACKS:
        document = shipped_plan(stack)
        if isinstance(document, str):
            continue
        found += [r for r in document["resources"] if r["custom"]]
        register = register or document["register"]
    return found, register


def policy_types() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "policies").glob("*/*.py"):
        found |= set(TYPE_TOKEN.findall(path.read_text(encoding="utf-8")))
    return found


@lru_cache(maxsize=1)
def types() -> list[str]:
    return sorted(policy_types() | {r["type"] for r in shipped()[0]} | {"azure-native:storage:StorageAccount"})


@lru_cache(maxsize=1)
def keys() -> list[str]:
    found = {"allowSharedKeyAccess", "location", "properties", "name", "id", "tags", "sku", "state", "value"}
    for r in shipped()[0]:
        found |= {p[-1] for p, _ in walk(r["inputs"]) if p and isinstance(p[-1], str)}
    return sorted(found)


@lru_cache(maxsize=1)
def by_type() -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for r in shipped()[0]:
        out.setdefault(r["type"], []).append(r["inputs"])
    return out


# Strategies are built lazily (st.deferred): planning the stacks happens when the test runs,
# once per session, not when pytest collects this file.
some_key = st.deferred(lambda: st.sampled_from(keys()))

leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.sampled_from(UNKNOWNS + ("[secret]", "0.0.0.0/0", "*", "Enabled", "Disabled", "norwayeast", "westeurope",
                                "true", "false", "Allow", "Deny", "")),
)


def _secret(value: Any) -> dict[str, Any]:
    return {**SECRET_SIG, "value": value}


json_values = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(some_key | st.text(max_size=8), children, max_size=5),
        children.map(_secret),
    ),
    max_leaves=20,
)


def _replace(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict) and head in value:
        return {**value, head: _replace(value[head], rest, new)}
    if isinstance(value, list) and isinstance(head, int) and head < len(value):
        return [*value[:head], _replace(value[head], rest, new), *value[head + 1:]]
    return value


@st.composite
def mutated(draw, base: Any) -> Any:
    value = copy.deepcopy(base)
    paths = [p for p, _ in walk(value) if p]
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        if not paths:
            break
        value = _replace(value, draw(st.sampled_from(paths)), draw(json_values))
    return value


@st.composite
def inputs_for(draw, type_: str) -> dict[str, Any]:
    real = by_type().get(type_)
    if real and draw(st.booleans()):
        value = draw(mutated(draw(st.sampled_from(real))))
    else:
        value = draw(st.dictionaries(some_key, json_values, max_size=8))
    return value if isinstance(value, dict) else {"value": value}


@st.composite
def resources(draw) -> list[Resource]:
    out = []
    for i in range(draw(st.integers(min_value=1, max_value=5))):
        type_ = draw(st.sampled_from(types()))
        name = f"r{i}"
        out.append(Resource(urn=f"urn:pulumi:fuzz::dpa-guard::{type_}::{name}", type=type_, name=name,
                            inputs=draw(inputs_for(type_))))
    return out


def _registers() -> st.SearchStrategy:
    register = shipped()[1]
    keyed = st.dictionaries(st.sampled_from(["controllers", "agreements", "locations", "declaredPrincipals",
                                             "breakGlass", "recordings", "vpnClientPool", "tenantId", "dpoEmail"]),
                            json_values)
    if register is None:
        return st.one_of(st.none(), keyed)
    return st.one_of(st.none(), st.just(register), mutated(register), keyed)


registers = st.deferred(_registers)


@pytest.mark.skipif(not POLICIES, reason="the pack lists no policy yet")
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(resources=resources(), register=registers)
def test_every_policy_is_total(resources, register):
    if register is not None and not isinstance(register, dict):
        register = {"controllers": register}
    evaluation = evaluate(POLICIES, resources, register=register, stack_urn=STACK_URN)
    assert evaluation.resources == len(resources)
