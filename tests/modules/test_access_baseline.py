"""MfaAccess's Entra ID baseline policies (issue 14) under the offline engine, against CISA ScubaGear's aad.md.

Each expectation is transcribed from the "Implementation" instructions of cisagov/ScubaGear
`PowerShell/ScubaGear/baselines/aad.md` (quoted per test), in pulumi-azuread 6 wire form, not
imported from modules/access.py. Break-glass accounts and operators come from the stack's config.
"""

from __future__ import annotations

import pytest

from modules.access import MfaAccess, MfaAccessArgs
from tests.modules.conftest import MIXED_STACK
from tests.policies.entra_fixtures import HIGHLY_PRIVILEGED_ROLE_IDS, PHISHING_RESISTANT_STRENGTH

STACKS = ("ous-kvalitetslab", "ecg247", MIXED_STACK)
POLICY = "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy"
# The ids aad.md names by display name, transcribed once for the tests (tests/policies/entra_fixtures.py).
PHISHING_RESISTANT = PHISHING_RESISTANT_STRENGTH
PRIVILEGED_ROLES = set(HIGHLY_PRIVILEGED_ROLE_IDS)
EVERYWHERE = {"includedLocations": ["All"]}


def plan(stack, run_component, name, edit=None):
    s = stack(name, edit)

    def build(cfg):
        MfaAccess("access", MfaAccessArgs.from_config(cfg))

    return s.cfg, {r.name.removeprefix("access-"): r.inputs for r in run_component(s, build).of_type(POLICY)}


@pytest.fixture(scope="module", params=STACKS)
def planned(request, stack, run_component):
    return plan(stack, run_component, request.param)


def everyone(cfg) -> dict:
    return {"includedUsers": ["All"], "excludedUsers": list(cfg.access.break_glass)}


def operators(cfg) -> list[str]:
    return sorted(s.object_id for s in cfg.staff if s.role == "operator")


def test_ms_aad_3_1_phishing_resistant_mfa_for_all_users(planned):
    """MS.AAD.3.1v1 "Phishing-resistant MFA SHALL be enforced for all users.": Users > Include > All users;
    Target resources > Include > All resources; Grant > Require authentication strength > Phishing-resistant MFA."""
    cfg, found = planned
    assert found["phishing-resistant-mfa"] == {
        "displayName": f"{cfg.prefix}: require phishing-resistant MFA for all users on all resources",
        "state": "enabled",
        "conditions": {"clientAppTypes": ["all"], "applications": {"includedApplications": ["All"]},
                       "users": everyone(cfg), "locations": EVERYWHERE},
        "grantControls": {"operator": "OR", "authenticationStrengthPolicyId": PHISHING_RESISTANT},
    }


def test_ms_aad_3_6_phishing_resistant_mfa_for_privileged_roles(planned):
    """MS.AAD.3.6v1 "Phishing-resistant MFA SHALL be required for highly privileged roles.": Users > Include >
    Directory roles > each of the Highly Privileged Roles; All resources; Phishing-resistant MFA strength."""
    cfg, found = planned
    p = found["privileged-roles-phishing-resistant-mfa"]
    assert set(p["conditions"]["users"]["includedRoles"]) == PRIVILEGED_ROLES
    assert p["conditions"]["users"]["excludedUsers"] == list(cfg.access.break_glass)
    assert p["conditions"]["applications"] == {"includedApplications": ["All"]}
    assert p["grantControls"] == {"operator": "OR", "authenticationStrengthPolicyId": PHISHING_RESISTANT}
    assert p["state"] == "enabled"


def test_ms_aad_3_2_mfa_for_all_users_on_all_resources(planned):
    """MS.AAD.3.2v2 "MFA SHALL be enforced for all users.", option 2: Require multifactor authentication."""
    cfg, found = planned
    p = found["all-apps-mfa"]
    assert p["conditions"]["users"] == everyone(cfg)
    assert p["conditions"]["applications"] == {"includedApplications": ["All"]}
    assert p["grantControls"] == {"operator": "OR", "builtInControls": ["mfa"]}
    assert p["state"] == "enabled"


@pytest.mark.parametrize(("key", "condition"), [
    # MS.AAD.2.1v1 "Users detected as high risk SHALL be blocked.": Conditions > User risk > High; Block Access.
    ("block-high-user-risk", {"userRiskLevels": ["high"]}),
    # MS.AAD.2.3v1 "Sign-ins detected as high risk SHALL be blocked.": Conditions > Sign-in risk > High.
    ("block-high-sign-in-risk", {"signInRiskLevels": ["high"]}),
    # MS.AAD.3.9v1 "Device code authentication SHOULD be blocked.": Authentication Flows > Device code flow.
    ("block-device-code-flow", {"authenticationFlowTransferMethods": ["deviceCodeFlow"]}),
])
def test_block_policies(planned, key, condition):
    cfg, found = planned
    p = found[key]
    assert p["conditions"] == {"clientAppTypes": ["all"], "applications": {"includedApplications": ["All"]},
                               "users": everyone(cfg), "locations": EVERYWHERE, **condition}, key
    assert p["grantControls"] == {"operator": "OR", "builtInControls": ["block"]}, key
    assert p["state"] == "enabled", key


def test_ms_aad_3_7_managed_device_for_the_processor_staff(planned):
    """MS.AAD.3.7v1 "Managed devices SHOULD be required for authentication.": Require device to be marked as
    compliant and Require Microsoft Entra ID hybrid joined device, Require one of the selected controls;
    for the processor's staff (every operator), not all users (README "Entra ID baseline")."""
    cfg, found = planned
    p = found["staff-managed-device"]
    assert p["conditions"]["users"] == {"includedUsers": operators(cfg), "excludedUsers": list(cfg.access.break_glass)}
    assert p["conditions"]["applications"] == {"includedApplications": ["All"]}
    assert p["grantControls"] == {"operator": "OR", "builtInControls": ["compliantDevice", "domainJoinedDevice"]}


def test_ms_aad_3_8_managed_device_to_register_security_info(planned):
    """MS.AAD.3.8v1 "Managed Devices SHOULD be required to register MFA.": Target resources > User actions >
    Register security information; compliant or hybrid joined; for the processor's staff."""
    cfg, found = planned
    p = found["staff-managed-device-registration"]
    assert p["conditions"]["applications"] == {"includedUserActions": ["urn:user:registersecurityinfo"]}
    assert p["conditions"]["users"]["includedUsers"] == operators(cfg)
    assert p["grantControls"] == {"operator": "OR", "builtInControls": ["compliantDevice", "domainJoinedDevice"]}


def test_only_break_glass_is_excluded_anywhere(planned):
    cfg, found = planned
    for key, p in found.items():
        users = p["conditions"]["users"]
        assert users.get("excludedUsers") == list(cfg.access.break_glass), key
        assert not {"excludedGroups", "excludedRoles", "excludedGuestsOrExternalUsers"} & set(users), key
        assert "excludedApplications" not in p["conditions"]["applications"], key


def test_no_operators_no_staff_policies(stack, run_component):
    def no_operators(raw):
        raw["staff"] = [s for s in raw["staff"] if s["role"] != "operator"]

    _, found = plan(stack, run_component, "ous-kvalitetslab", no_operators)
    assert "staff-managed-device" not in found and "staff-managed-device-registration" not in found
    assert "phishing-resistant-mfa" in found
