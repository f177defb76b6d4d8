"""Mutations of the real plans: each breaks one control, and the policies that must catch it say so.

Every module here defines `MUTATIONS: list[Mutation]`; tests/policies/test_mutations.py plans both
shipped stacks once, applies each mutation to a deep copy of the plan document (plan.json as a
dict: `plan["resources"]` entries with "type", "name", "urn", "inputs" in wire form) and asserts
that the policies in `caught_by` report violations citing `clauses`. A policy of the pack that no
mutation catches fails the suite.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Mutation:
    """One deliberate mistake in a plan, and who must notice it.

    id: unique, kebab-case, says what is broken (`storage-shared-key-on`).
    stacks: the shipped stacks it applies to (only those that have the resources it changes).
    apply: changes the plan dict in place (inputs edited, resources added or removed); the
      outputs of every resource whose inputs it changed are dropped afterwards, so the evaluator
      re-derives them (preview outputs) as the engine would.
    caught_by: policy names that must report a violation (at their own enforcement level).
    clauses: clause ids that must appear among those violations' clauses.
    """

    id: str
    stacks: tuple[str, ...]
    apply: Callable[[dict], None]
    caught_by: frozenset[str] | set[str]
    clauses: frozenset[str] | set[str]

    def __post_init__(self) -> None:
        # Stack policies read outputs: after the inputs change, the outputs plan.json recorded are
        # stale. Dropping them makes the evaluator re-derive them from the new inputs
        # (dpaguard.engine.preview_outputs, as the engine's preview would).
        change = self.apply
        if getattr(change, "__rederives_outputs__", False):
            return

        def apply(plan: dict) -> None:
            before = {r.get("urn"): json.dumps(r.get("inputs"), sort_keys=True, default=str)
                      for r in plan.get("resources", [])}
            change(plan)
            for r in plan.get("resources", []):
                if before.get(r.get("urn")) != json.dumps(r.get("inputs"), sort_keys=True, default=str):
                    r.pop("outputs", None)

        apply.__rederives_outputs__ = True  # type: ignore[attr-defined]
        object.__setattr__(self, "apply", apply)


# ------------------------------------------------------------------ helpers (additive: add, don't change)

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's unknown sentinel, as plan.json records a value unknown during preview."""


def resources(plan: dict, type_: str, name: str | None = None) -> list[dict[str, Any]]:
    """Every resource of `type_` (exact type token), optionally with Pulumi name `name`."""
    return [r for r in plan["resources"] if r["type"] == type_ and (name is None or r["name"] == name)]


def find(plan: dict, type_: str, name: str | None = None) -> dict[str, Any]:
    """The first resource of `type_` (and `name`); AssertionError naming what is missing if none."""
    found = resources(plan, type_, name)
    if not found:
        known = sorted({r["name"] for r in plan["resources"] if r["type"] == type_})[:10]
        raise AssertionError(f"no {type_} named {name!r} in the plan of {plan.get('stack')} (some: {known})")
    return found[0]


def remove(plan: dict, type_: str, name: str | None = None) -> list[dict[str, Any]]:
    """Remove every matching resource from the plan; returns what was removed (at least one)."""
    gone = resources(plan, type_, name)
    if not gone:
        find(plan, type_, name)
    ids = {id(r) for r in gone}
    plan["resources"] = [r for r in plan["resources"] if id(r) not in ids]
    return gone


def walk(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    """(path, value) for every value nested in a wire value, depth first."""
    yield path, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from walk(v, (*path, i))


def set_in(inputs: dict, path: tuple[str | int, ...], value: Any) -> None:
    """Set inputs[path...] = value, creating dicts along the way."""
    current: Any = inputs
    for step in path[:-1]:
        if isinstance(current, dict):
            current = current.setdefault(step, {})
        else:
            current = current[step]
    current[path[-1]] = value
