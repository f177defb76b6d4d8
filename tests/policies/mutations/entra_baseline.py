"""Mutations for the Entra ID baseline (issue 14, ScubaGear MS.AAD.*): each removes or weakens one control.

Conditional Access policies are found by what their inputs say (a grant control, a condition, a
user action), not by Pulumi names. Every mutation that edits inputs drops the recorded outputs, so
the evaluator derives the preview outputs from the new inputs (CONTRACT_AB.notes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.policies.mutations import Mutation, find, remove, resources

BOTH = ("ous-kvalitetslab", "ecg247")
CA = "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy"
ENTRA_SETTING = "azure-native:aadiam:DiagnosticSetting"
PHISHING_RESISTANT = "/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000004"
MFA_STRENGTH = "/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000002"
GLOBAL_ADMIN = "62e90394-69f5-4237-9190-012177145e10"


def _ca_where(plan: dict, test: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
    found = [r for r in resources(plan, CA) if test(r["inputs"])]
    assert found, f"no conditional access policy of the kind wanted in the plan of {plan.get('stack')}"
    return found


def _edit(resource: dict[str, Any]) -> dict[str, Any]:
    resource.pop("outputs", None)
    return resource["inputs"]


def _strength(inputs: dict[str, Any]) -> bool:
    return inputs.get("grantControls", {}).get("authenticationStrengthPolicyId") == PHISHING_RESISTANT


def _all_users(inputs: dict[str, Any]) -> bool:
    return inputs["conditions"]["users"].get("includedUsers") == ["All"]


def _conditions(key: str) -> Callable[[dict[str, Any]], bool]:
    return lambda inputs: bool(inputs["conditions"].get(key))


def _device_grant(inputs: dict[str, Any]) -> bool:
    return "compliantDevice" in inputs.get("grantControls", {}).get("builtInControls", [])


def _user_action(inputs: dict[str, Any]) -> bool:
    return bool(inputs["conditions"]["applications"].get("includedUserActions"))


def _drop(plan: dict, test: Callable[[dict[str, Any]], bool]) -> None:
    for r in _ca_where(plan, test):
        remove(plan, CA, r["name"])


# ------------------------------------------------------------------ MS.AAD.3.1 / 3.6 / 3.2


def phishing_resistant_removed(plan: dict) -> None:
    _drop(plan, lambda i: _strength(i) and _all_users(i))


def phishing_resistant_weakened_to_mfa_strength(plan: dict) -> None:
    for r in _ca_where(plan, lambda i: _strength(i) and _all_users(i)):
        _edit(r)["grantControls"]["authenticationStrengthPolicyId"] = MFA_STRENGTH


def phishing_resistant_or_sms(plan: dict) -> None:
    for r in _ca_where(plan, lambda i: _strength(i) and _all_users(i)):
        _edit(r)["grantControls"]["builtInControls"] = ["mfa"]


def privileged_roles_global_admin_dropped(plan: dict) -> None:
    for r in _ca_where(plan, lambda i: bool(i["conditions"]["users"].get("includedRoles"))):
        roles = _edit(r)["conditions"]["users"]["includedRoles"]
        roles.remove(GLOBAL_ADMIN)


def all_resources_mfa_removed(plan: dict) -> None:
    """Both all-resources MFA policies go (the phishing-resistant one is MFA too, as ScubaGear's IsGeneralMFA counts it)."""
    _drop(plan, lambda i: _all_users(i) and i["conditions"]["applications"].get("includedApplications") == ["All"]
          and (_strength(i) or i.get("grantControls", {}).get("builtInControls") == ["mfa"]))


# ------------------------------------------------------------------ MS.AAD.2.1 / 2.3 / 3.9


def user_risk_block_removed(plan: dict) -> None:
    _drop(plan, _conditions("userRiskLevels"))


def sign_in_risk_medium_only(plan: dict) -> None:
    for r in _ca_where(plan, _conditions("signInRiskLevels")):
        _edit(r)["conditions"]["signInRiskLevels"] = ["medium"]


def device_code_with_transfer(plan: dict) -> None:
    for r in _ca_where(plan, _conditions("authenticationFlowTransferMethods")):
        _edit(r)["conditions"]["authenticationFlowTransferMethods"] = ["deviceCodeFlow", "authenticationTransfer"]


def device_code_report_only(plan: dict) -> None:
    for r in _ca_where(plan, _conditions("authenticationFlowTransferMethods")):
        _edit(r)["state"] = "enabledForReportingButNotEnforced"


# ------------------------------------------------------------------ MS.AAD.3.7 / 3.8 for the processor's staff


def staff_device_misses_an_operator(plan: dict) -> None:
    for r in _ca_where(plan, lambda i: _device_grant(i) and not _user_action(i) and not _all_users(i)):
        _edit(r)["conditions"]["users"]["includedUsers"] = _edit(r)["conditions"]["users"]["includedUsers"][1:] \
            or ["GuestsOrExternalUsers"]


def staff_device_or_mfa(plan: dict) -> None:
    for r in _ca_where(plan, lambda i: _device_grant(i) and not _user_action(i) and not _all_users(i)):
        _edit(r)["grantControls"]["builtInControls"] = ["mfa", "compliantDevice", "domainJoinedDevice"]


def staff_registration_removed(plan: dict) -> None:
    _drop(plan, _user_action)


# ------------------------------------------------------------------ MS.AAD.4.1


def entra_logs_removed(plan: dict) -> None:
    remove(plan, ENTRA_SETTING)


def entra_risk_logs_dropped(plan: dict) -> None:
    setting = find(plan, ENTRA_SETTING)
    inputs = _edit(setting)
    inputs["logs"] = [e for e in inputs["logs"] if e["category"] not in ("RiskyUsers", "UserRiskEvents")]


def entra_logs_also_to_storage(plan: dict) -> None:
    _edit(find(plan, ENTRA_SETTING))["storageAccountId"] = (
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/siem/providers/"
        "Microsoft.Storage/storageAccounts/siemuswest")


def entra_logs_workspace_outside(plan: dict) -> None:
    setting = find(plan, ENTRA_SETTING)
    setting["dependencies"] = []
    setting["propertyDependencies"] = {}


MUTATIONS = [
    Mutation("entra-ca-phishing-resistant-removed", BOTH, phishing_resistant_removed,
             {"identity-ca-phishing-resistant-mfa"}, {"OUS-6.1.d"}),
    Mutation("entra-ca-phishing-resistant-weakened", BOTH, phishing_resistant_weakened_to_mfa_strength,
             {"identity-ca-phishing-resistant-mfa"}, {"OUS-6.1.d", "ECG-7"}),
    Mutation("entra-ca-phishing-resistant-or-mfa", BOTH, phishing_resistant_or_sms,
             {"identity-ca-phishing-resistant-mfa"}, {"OUS-6.1.d"}),
    Mutation("entra-ca-privileged-roles-global-admin-dropped", BOTH, privileged_roles_global_admin_dropped,
             {"identity-ca-privileged-roles-phishing-resistant-mfa"}, {"OUS-6.1.d", "OUS-6.2"}),
    Mutation("entra-ca-all-resources-mfa-removed", BOTH, all_resources_mfa_removed,
             {"identity-ca-all-apps-mfa", "identity-ca-phishing-resistant-mfa"}, {"OUS-6.1.d", "OUS-6.1.a"}),
    Mutation("entra-ca-user-risk-block-removed", BOTH, user_risk_block_removed,
             {"identity-ca-block-high-user-risk"}, {"OUS-6.1.a", "ECG-7"}),
    Mutation("entra-ca-sign-in-risk-medium-only", BOTH, sign_in_risk_medium_only,
             {"identity-ca-block-high-sign-in-risk"}, {"OUS-6.1.a", "ECG-7"}),
    Mutation("entra-ca-device-code-with-transfer", BOTH, device_code_with_transfer,
             {"identity-ca-block-device-code-flow"}, {"OUS-6.1.d"}),
    Mutation("entra-ca-device-code-report-only", BOTH, device_code_report_only,
             {"identity-ca-block-device-code-flow", "identity-ca-policies-enabled"}, {"OUS-6.1.d"}),
    Mutation("entra-ca-staff-device-misses-operator", BOTH, staff_device_misses_an_operator,
             {"identity-ca-staff-managed-device"}, {"OUS-6.1.c"}),
    Mutation("entra-ca-staff-device-or-mfa", BOTH, staff_device_or_mfa,
             {"identity-ca-staff-managed-device"}, {"OUS-6.1.c"}),
    Mutation("entra-ca-staff-registration-removed", BOTH, staff_registration_removed,
             {"identity-ca-staff-managed-device-registration"}, {"OUS-6.1.c"}),
    Mutation("entra-logs-removed", BOTH, entra_logs_removed,
             {"audit-entra-logs-to-workspace"}, {"OUS-6.b"}),
    Mutation("entra-logs-risk-categories-dropped", BOTH, entra_risk_logs_dropped,
             {"audit-entra-logs-to-workspace"}, {"OUS-6.b"}),
    Mutation("entra-logs-also-to-storage", BOTH, entra_logs_also_to_storage,
             {"audit-entra-logs-to-workspace"}, {"OUS-6.b", "ECG-10"}),
    Mutation("entra-logs-workspace-outside-stack", BOTH, entra_logs_workspace_outside,
             {"audit-entra-logs-to-workspace"}, {"OUS-6.b"}),
]
