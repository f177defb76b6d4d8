"""Conditional Access policies written from CISA's Entra ID baseline, and the shipped plans' own, for issue 14's tests.

The dicts below are transcribed from the "Implementation" instructions of ScubaGear's
`PowerShell/ScubaGear/baselines/aad.md` (cisagov/ScubaGear), in pulumi-azuread 6 wire form;
they are not taken from modules/access.py. Break-glass object ids come from the register of
tests/policies/registers.py, and, for the shipped plans, straight from stacks/*.yaml.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from dpaguard.checking.evaluate import Evaluation, evaluate
from dpaguard.checking.inputs import from_plan
from tests.policies.helpers import STACK_URN, outcome, resource
from tests.policies.plans import shipped_plan
from tests.policies.registers import BREAK_GLASS, register

ROOT = Path(__file__).resolve().parents[2]
CA = "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

# Microsoft Graph ids the baseline names by display name (Microsoft Learn, "Built-in authentication
# strengths" and "Microsoft Entra built-in roles"; the same ids in ScubaGear's sample reports).
PHISHING_RESISTANT_STRENGTH = "/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000004"
HIGHLY_PRIVILEGED_ROLE_IDS = [
    "62e90394-69f5-4237-9190-012177145e10",  # Global Administrator
    "e8611ab8-c189-46e8-94e1-60213ab1f814",  # Privileged Role Administrator
    "fe930be7-5e62-47db-91af-98c3a49a38b1",  # User Administrator
    "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",  # SharePoint Administrator
    "29232cdf-9323-42fd-ade2-1d097af3e4de",  # Exchange Administrator
    "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",  # Hybrid Identity Administrator
    "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",  # Application Administrator
    "158c047a-c907-4556-b7ef-446551a6b5f7",  # Cloud Application Administrator
]
STAFF = ["20cf97cf-5a26-5768-b96e-f76672d8ad88", "4e907436-2b87-5b73-8722-909c85f6fe09"]
REGISTER = register(processorStaff=STAFF)


def _users(**extra: Any) -> dict[str, Any]:
    return {"includedUsers": ["All"], "excludedUsers": list(BREAK_GLASS), **extra}


def _policy(name: str, conditions: dict[str, Any], grant: dict[str, Any]) -> dict[str, Any]:
    return {"displayName": f"test: {name}", "state": "enabled",
            "conditions": {"clientAppTypes": ["all"], "applications": {"includedApplications": ["All"]},
                           "users": _users(), **conditions},
            "grantControls": grant}


# "Users > Include > All users; Target resources > Include > All resources; Access controls > Grant >
#  Grant Access > Require authentication strength > Phishing-resistant MFA" (MS.AAD.3.1v1 Instructions)
PHISHING_RESISTANT = _policy("phishing-resistant MFA", {},
                             {"operator": "OR", "authenticationStrengthPolicyId": PHISHING_RESISTANT_STRENGTH})
# "Users > Include > Select users and groups > Directory roles > select each of the roles listed in the
#  Highly Privileged Roles section" (MS.AAD.3.6v1 Instructions)
PRIVILEGED_ROLES = _policy("privileged roles", {"users": {"includedRoles": list(HIGHLY_PRIVILEGED_ROLE_IDS),
                                                          "excludedUsers": list(BREAK_GLASS)}},
                           {"operator": "OR", "authenticationStrengthPolicyId": PHISHING_RESISTANT_STRENGTH})
# Option 2 of MS.AAD.3.2v2: "Access controls > Grant > Grant Access > Require multifactor authentication"
ALL_APPS_MFA = _policy("all apps MFA", {}, {"operator": "OR", "builtInControls": ["mfa"]})
# "Conditions > User risk > High; Access controls > Grant > Block Access" (MS.AAD.2.1v1 Instructions)
BLOCK_USER_RISK = _policy("block high user risk", {"userRiskLevels": ["high"]},
                          {"operator": "OR", "builtInControls": ["block"]})
# "Conditions > Sign-in risk > High; Access controls > Grant > Block Access" (MS.AAD.2.3v1 Instructions)
BLOCK_SIGN_IN_RISK = _policy("block high sign-in risk", {"signInRiskLevels": ["high"]},
                             {"operator": "OR", "builtInControls": ["block"]})
# "Conditions > Authentication Flows > Configure > Yes > Select Device code flow; Grant > Block Access"
# (MS.AAD.3.9v1 Instructions)
BLOCK_DEVICE_CODE = _policy("block device code flow", {"authenticationFlowTransferMethods": ["deviceCodeFlow"]},
                            {"operator": "OR", "builtInControls": ["block"]})
# "Require device to be marked as compliant and Require Microsoft Entra ID hybrid joined device > For
#  multiple controls > Require one of the selected controls" (MS.AAD.3.7v1 Instructions), for the staff
STAFF_DEVICE = _policy("staff managed device", {"users": {"includedUsers": list(STAFF),
                                                          "excludedUsers": list(BREAK_GLASS)}},
                       {"operator": "OR", "builtInControls": ["compliantDevice", "domainJoinedDevice"]})
# "Target resources > User actions > Register security information" (MS.AAD.3.8v1 Instructions)
STAFF_REGISTRATION = _policy(
    "staff registration",
    {"applications": {"includedUserActions": ["urn:user:registersecurityinfo"]},
     "users": {"includedUsers": list(STAFF), "excludedUsers": list(BREAK_GLASS)}},
    {"operator": "OR", "builtInControls": ["compliantDevice", "domainJoinedDevice"]})


def ca(name: str, inputs: dict[str, Any]):
    return resource(CA, name, inputs)


def run_one(policy: Any, *resources: Any, reg: dict[str, Any] | None = None) -> Evaluation:
    return evaluate([policy], list(resources), register=REGISTER if reg is None else reg, stack_urn=STACK_URN)


# ------------------------------------------------------------------ the shipped plans


def plan(stack: str) -> dict[str, Any]:
    doc = shipped_plan(stack)
    assert not isinstance(doc, str), f"cannot plan stack {stack}: {doc}"
    return copy.deepcopy(doc)


def planned_ca(stack: str) -> list[dict[str, Any]]:
    """The Conditional Access policies of a shipped plan, as planned (name, inputs)."""
    return [r for r in plan(stack)["resources"] if r["type"] == CA]


def stack_config(stack: str) -> dict[str, Any]:
    """The stack's own config file, read here, not through modules/config.py."""
    doc = yaml.safe_load((ROOT / "stacks" / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    return {k.split(":", 1)[1]: v for k, v in doc["config"].items()}


def break_glass_of(stack: str) -> set[str]:
    return set(stack_config(stack)["access"].get("breakGlass", []))


def operators_of(stack: str) -> set[str]:
    return {s["objectId"] for s in stack_config(stack)["staff"] if s["role"] == "operator"}


def run_on_plan(policy: Any, document: dict[str, Any]) -> Evaluation:
    checked = from_plan(document, name=f"plan of {document.get('stack')}", validate=False)
    return evaluate([policy], checked.resources, register=checked.register, stack_urn=checked.stack_urn)


def verdicts(evaluation: Evaluation) -> list[str]:
    return [f.message for f in evaluation.findings if f.kind == "violation"]



# ------------------------------------------------------------------ what every baseline test asks


def assert_outcome(policy: Any, inputs: dict[str, Any], expected: str) -> None:
    """One row of a pass/fail table: the candidate alone in the plan."""
    evaluation = run_one(policy, ca("candidate", inputs))
    assert outcome(evaluation) == expected, verdicts(evaluation)


def assert_cites(evaluation: Evaluation, baseline_id: str, sentence: str) -> None:
    """The first mandatory finding names the baseline's policy id and quotes its sentence."""
    message = evaluation.mandatory[0].message
    assert sentence.rstrip(".") in message and baseline_id in message, message


def assert_tagged(policy: Any, baseline_id: str) -> None:
    assert f"baseline:{baseline_id}" in policy.tags and baseline_id in policy.description


def everyone_everywhere(inputs: dict[str, Any]) -> bool:
    """"Users > Include > All users; Target resources > Include > All resources"."""
    return (inputs["conditions"]["users"].get("includedUsers") == ["All"]
            and inputs["conditions"]["applications"].get("includedApplications") == ["All"])


def shipped_meeting(stack: str, matches: Callable[[dict[str, Any]], bool]) -> list[str]:
    """Names of the stack's planned Conditional Access policies that are enabled, exclude only the
    stack's break-glass accounts (read from stacks/*.yaml) and whose inputs `matches`."""
    allowed = break_glass_of(stack)
    return [
        r["name"] for r in planned_ca(stack)
        if r["inputs"]["state"] == "enabled"
        and set(r["inputs"]["conditions"]["users"].get("excludedUsers", [])) <= allowed
        and matches(r["inputs"])
    ]
