"""Synthetic plans and a small pack for the `dpaguard check` tests, independent of the real pack's contents."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from policies.lib import register_of, resource_policy, stack_policy
from policies.storage.shared_key_disabled import POLICY as SHARED_KEY

STORAGE = "azure-native:storage:StorageAccount"
STACK_URN = "urn:pulumi:demo::dpa-guard::pulumi:pulumi:Stack::dpa-guard-demo"
REGISTER: dict[str, Any] = {
    "stack": "demo",
    "agreements": ["ECG"],
    "locations": ["norwayeast", "norwaywest"],
    "controllers": {"dr-lie-bergen": {"agreement": "ECG", "signed": "2023-08-28", "accessEnds": None,
                                      "contact": "oskar.lie@example.no", "retentionDays": 365,
                                      "scoresConsent": False}},
    "declaredPrincipals": [],
    "breakGlass": [],
}


def _resource(type_: str, name: str, inputs: dict[str, Any], *, custom: bool = True, parent: str | None = None):
    return {
        "urn": f"urn:pulumi:demo::dpa-guard::{type_}::{name}" if type_ != "pulumi:pulumi:Stack" else STACK_URN,
        "type": type_,
        "name": name,
        "parent": parent,
        "custom": custom,
        "provider": None,
        "dependencies": [],
        "propertyDependencies": {},
        "protect": False,
        "aliases": 0,
        "inputs": inputs,
    }


PLAN: dict[str, Any] = {
    "planVersion": 1,
    "generator": "tests",
    "project": "dpa-guard",
    "stack": "demo",
    "stackFile": "stacks/Pulumi.demo.yaml",
    "preview": True,
    "resources": [
        _resource("pulumi:pulumi:Stack", "dpa-guard-demo", {}, custom=False),
        _resource(STORAGE, "demoecg01", {"allowSharedKeyAccess": False, "defaultToOAuthAuthentication": True},
                  parent=STACK_URN),
        _resource(STORAGE, "ecg-dr-lie-bergen", {"allowSharedKeyAccess": True, "defaultToOAuthAuthentication": True},
                  parent=STACK_URN),
        _resource(STORAGE, "demoecg03", {"allowSharedKeyAccess": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
                                         "defaultToOAuthAuthentication": True}, parent=STACK_URN),
    ],
    "outputs": {},
    "register": REGISTER,
}


def _validate_register(args, report_violation) -> None:
    register = register_of(args)
    if not register.get("controllers"):
        report_violation("[OUS-8] the register lists no controller: add them to the stack config")


REGISTER_POLICY = stack_policy(
    name="test-register-has-controllers",
    clauses=("OUS-8",),
    area="test",
    description="The register names at least one controller (test-only policy).",
    remediation="List the controllers in the stack config.",
    validate=_validate_register,
    uses_register=True,
)


def _explode(args, report_violation) -> None:
    if args.resource_type == STORAGE:
        raise TypeError("boom")


BROKEN_POLICY = resource_policy(
    name="test-broken",
    clauses=("OUS-3",),
    area="test",
    description="Raises (test-only policy).",
    remediation="None.",
    validate=_explode,
)


@pytest.fixture
def plan() -> dict[str, Any]:
    return copy.deepcopy(PLAN)


@pytest.fixture
def small_pack(monkeypatch) -> list:
    """The pack seen by `dpaguard check`, `dpaguard plan` and `dpaguard clauses`: two known policies."""
    import policies.pack

    pack = [SHARED_KEY, REGISTER_POLICY]
    monkeypatch.setattr(policies.pack, "POLICIES", pack)
    return pack
