"""The pack against the real plans: the shipped stacks pass, and every deliberate mistake is caught.

Both shipped stacks are planned once per session (`dpaguard.engine.plan.build_plan`). Each
`Mutation` of `tests/policies/mutations/*.py` is applied to a deep copy of a plan; the policies
it names must then report violations citing its clauses. A policy that no mutation catches
fails `test_every_policy_is_caught_by_a_mutation`: a rule never seen failing on a real plan
proves nothing about the plan.
"""

from __future__ import annotations

import copy
import importlib
import pkgutil

import pytest

from dpaguard.checking.evaluate import Evaluation, evaluate
from dpaguard.checking.inputs import from_plan
from policies.pack import POLICIES
from tests.policies import mutations as mutations_pkg
from tests.policies.mutations import Mutation
from tests.policies.plans import PLANNED_STACKS, shipped_plan

# Advisory violations the shipped plans are allowed to carry, each with the reason:
# {stack: {(policy, resource name): reason}}. Mandatory violations are never accepted.
ACCEPTED_ADVISORIES: dict[str, dict[tuple[str, str], str]] = {
    "ous-kvalitetslab": {},
    "ecg247": {},
    "ous-kvalitetslab-vnetgw": {},
    "ecg247-vnetgw": {},
}


def _collect() -> list[Mutation]:
    found: list[Mutation] = []
    for info in sorted(pkgutil.iter_modules(mutations_pkg.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{mutations_pkg.__name__}.{info.name}")
        for m in getattr(module, "MUTATIONS", []):
            assert isinstance(m, Mutation), f"{info.name}.MUTATIONS holds {type(m).__name__}, not Mutation"
            found.append(m)
    return found


MUTATIONS = _collect()
CASES = [(m, s) for m in MUTATIONS for s in m.stacks]


class Plans:
    """The shipped plans (built once per session, tests/policies/plans.py) and their evaluations."""

    def __init__(self):
        self._baselines: dict[str, Evaluation] = {}

    def document(self, stack: str) -> dict:
        doc = shipped_plan(stack)
        if isinstance(doc, str):
            pytest.fail(f"cannot plan stack {stack}: {doc}")
        return doc

    def baseline(self, stack: str) -> Evaluation:
        if stack not in self._baselines:
            self._baselines[stack] = run(self.document(stack))
        return self._baselines[stack]


def run(document: dict) -> Evaluation:
    checked = from_plan(document, name=f"plan of {document.get('stack')}")
    return evaluate(POLICIES, checked.resources, register=checked.register, stack_urn=checked.stack_urn)


def violations(evaluation: Evaluation):
    return [f for f in evaluation.findings if f.kind == "violation"]


@pytest.fixture(scope="session")
def plans() -> Plans:
    return Plans()


# ---------------------------------------------------------------------------- the mutations themselves


def test_mutation_ids_are_unique():
    ids = [m.id for m in MUTATIONS]
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m.id for m in MUTATIONS])
def test_mutation_is_well_formed(mutation):
    names = {p.name for p in POLICIES}
    assert mutation.stacks and set(mutation.stacks) <= set(PLANNED_STACKS), f"{mutation.id}: stacks {mutation.stacks}"
    assert mutation.caught_by, f"{mutation.id}: caught_by is empty"
    assert set(mutation.caught_by) <= names, f"{mutation.id}: not policies of the pack: {set(mutation.caught_by) - names}"
    assert mutation.clauses, f"{mutation.id}: clauses is empty"


# ---------------------------------------------------------------------------- the shipped plans


@pytest.mark.parametrize("stack", PLANNED_STACKS)
def test_shipped_plan_has_no_violation(plans, stack):
    evaluation = plans.baseline(stack)
    accepted = ACCEPTED_ADVISORIES[stack]
    unexpected = [
        f for f in violations(evaluation)
        if f.enforcement == "mandatory" or (f.policy, f.urn.rsplit("::", 1)[-1]) not in accepted
    ]
    assert not unexpected, f"{stack}: {len(unexpected)} violation(s):\n" + "\n".join(
        f"  {f.enforcement} {f.policy} {f.urn}: {f.message}" for f in unexpected[:40]
    )


@pytest.mark.parametrize("stack", PLANNED_STACKS)
def test_shipped_plan_is_decidable(plans, stack):
    """Components name scopes by ARM ids built from config (modules/naming.py) and the plan carries
    the register, so no policy should have to say "can't decide" on a shipped plan: a note here
    means a rule silently stopped judging something."""
    notes = plans.baseline(stack).unknowns
    assert not notes, f"{stack}: {len(notes)} can't-decide note(s):\n" + "\n".join(
        f"  {f.policy} {f.urn}: {f.message}" for f in notes[:40]
    )


# ---------------------------------------------------------------------------- every mutation is caught


@pytest.mark.parametrize(("mutation", "stack"), CASES, ids=[f"{m.id}@{s}" for m, s in CASES])
def test_mutation_is_caught(plans, mutation, stack):
    document = copy.deepcopy(plans.document(stack))
    mutation.apply(document)
    evaluation = run(document)
    found = violations(evaluation)
    fired = {f.policy for f in found}
    missing = set(mutation.caught_by) - fired
    assert not missing, (
        f"{mutation.id}@{stack}: {sorted(missing)} did not fire; fired: {sorted(fired)}; "
        f"notes: {sorted({f.policy for f in evaluation.unknowns if f.policy in missing})}"
    )
    cited = {c for f in found if f.policy in mutation.caught_by for c in f.clauses}
    assert set(mutation.clauses) <= cited, (
        f"{mutation.id}@{stack}: clauses {sorted(set(mutation.clauses) - cited)} not cited by the violations "
        f"of {sorted(mutation.caught_by)} (cited: {sorted(cited)})"
    )


def test_every_policy_is_caught_by_a_mutation():
    caught = {name for m in MUTATIONS for name in m.caught_by}
    uncaught = sorted(p.name for p in POLICIES if p.name not in caught)
    assert not uncaught, (
        f"policies no mutation in tests/policies/mutations/ catches (add one per shipped stack that has "
        f"the resources): {uncaught}"
    )
