"""Mutations of finding F2 of the hostile review: a data role at a controller's container granted to a
group that is not that controller's group of the role (ECG-6, OUS-6.2: each controller's data and groups
are its own). The grant keeps its scope and role; only where its principalId comes from changes.
"""

from __future__ import annotations

from tests.policies.mutations import Mutation, find, resources

BOTH = ("ous-kvalitetslab", "ecg247")

ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
GROUP = "azuread:index/group:Group"


def _reader_grant(plan: dict) -> dict:
    """The first reader grant at a controller's recordings / patient-data container (modules/roles.py)."""
    return next(r for r in resources(plan, ROLE_ASSIGNMENT) if r["name"].endswith("-reader-data"))


def _regrant(plan: dict, group_urn: str) -> None:
    grant = _reader_grant(plan)
    grant["dependencies"] = [u for u in grant["dependencies"] if GROUP not in u] + [group_urn]
    grant["propertyDependencies"]["principalId"] = [group_urn]


def reader_granted_to_other_controller(plan: dict) -> None:
    """One controller's reader grant re-pointed at another controller's readers group."""
    own = _reader_grant(plan)["propertyDependencies"]["principalId"][0]
    other = next(g for g in resources(plan, GROUP) if g["name"].endswith("-readers") and g["urn"] != own)
    _regrant(plan, other["urn"])


def reader_granted_to_operators(plan: dict) -> None:
    """A controller's reader grant re-pointed at the operators group (no data access, OUS-6.2)."""
    _regrant(plan, find(plan, GROUP, "access-operators")["urn"])


def reader_granted_to_literal_principal(plan: dict) -> None:
    """A controller's reader grant to a literal object id: no group of the stack vouches for it."""
    grant = _reader_grant(plan)
    grant["inputs"]["principalId"] = "7d2f4c1a-9e3b-4b8d-8f6a-2c5e1d0b9a47"
    grant["dependencies"] = [u for u in grant["dependencies"] if GROUP not in u]
    grant["propertyDependencies"]["principalId"] = []


MUTATIONS = [
    Mutation("rbac-reader-granted-to-other-controller", BOTH, reader_granted_to_other_controller,
             {"rbac-assignment-scope"}, {"ECG-6", "OUS-6.2"}),
    Mutation("rbac-reader-granted-to-operators", BOTH, reader_granted_to_operators, {"rbac-assignment-scope"},
             {"ECG-6", "OUS-6.2"}),
    Mutation("rbac-reader-granted-to-literal-principal", BOTH, reader_granted_to_literal_principal,
             {"rbac-assignment-scope", "rbac-principals-in-stack"}, {"ECG-6", "OUS-6.2"}),
]
