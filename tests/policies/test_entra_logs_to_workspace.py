"""audit-entra-logs-to-workspace against ScubaGear MS.AAD.4.1v1 (cisagov/ScubaGear baselines/aad.md).

MS.AAD.4.1v1: "Security logs SHALL be sent to the agency's security operations center for monitoring."
Its note: "The following Microsoft Entra ID logs (configured in diagnostic settings), are required:
`AuditLogs, SignInLogs, RiskyUsers, UserRiskEvents, NonInteractiveUserSignInLogs,
ServicePrincipalSignInLogs, ADFSSignInLogs, RiskyServicePrincipals, ServicePrincipalRiskEvents,
EnrichedOffice365AuditLogs, MicrosoftGraphActivityLogs`. If managed identities are used for Azure
resources, also send the `ManagedIdentitySignInLogs` log type. If the Microsoft Entra ID
Provisioning Service is used ..., also send the `ProvisioningLogs` log type."
EnrichedOffice365AuditLogs is a Global Secure Access log this project has no source for (README).
"""

from __future__ import annotations

import pytest

from policies.audit.entra_logs_to_workspace import POLICY
from tests.policies.entra_fixtures import plan, run_on_plan, run_one, verdicts
from tests.policies.helpers import STACK_URN, failing_urns, outcome, resource
from tests.policies.plans import SHIPPED_STACKS

BASELINE_ID = "MS.AAD.4.1v1"
BASELINE_SENTENCE = "Security logs SHALL be sent to the agency's security operations center for monitoring."
# The note's list, without EnrichedOffice365AuditLogs, with ManagedIdentitySignInLogs and ProvisioningLogs.
REQUIRED = [
    "AuditLogs", "SignInLogs", "RiskyUsers", "UserRiskEvents", "NonInteractiveUserSignInLogs",
    "ServicePrincipalSignInLogs", "ADFSSignInLogs", "RiskyServicePrincipals", "ServicePrincipalRiskEvents",
    "MicrosoftGraphActivityLogs", "ManagedIdentitySignInLogs", "ProvisioningLogs",
]
SETTING = "azure-native:aadiam:DiagnosticSetting"
WORKSPACE_TYPE = "azure-native:operationalinsights:Workspace"
WORKSPACE_ID = ("/subscriptions/9b2e6f3a-1c4d-4e8f-a7b6-3d5c2e1f0a94/resourceGroups/ouskl-audit/providers/"
                "Microsoft.OperationalInsights/workspaces/ouskl-audit")
WORKSPACE = resource(WORKSPACE_TYPE, "audit-workspace", {
    "workspaceName": "ouskl-audit", "resourceGroupName": "ouskl-audit", "location": "norwayeast",
    "retentionInDays": 365})


def setting(name="entra", categories=REQUIRED, depends=True, **extra):
    inputs = {"name": f"dpaguard-entra-{name}", "workspaceId": WORKSPACE_ID,
              "logs": [{"category": c, "enabled": True} for c in categories], **extra}
    return resource(SETTING, name, inputs, **({"depends_on": [WORKSPACE]} if depends else {}))


CASES = [
    ("pass_every_category", [setting()], "pass"),
    ("pass_two_settings_one_complete", [setting(), setting("partial", REQUIRED[:2])], "pass"),
    ("fail_no_setting", [], "fail"),
    ("fail_sign_in_logs_missing", [setting(categories=[c for c in REQUIRED if c != "SignInLogs"])], "fail"),
    ("fail_risk_events_missing", [setting(categories=REQUIRED[:2])], "fail"),
    ("fail_category_disabled", [resource(SETTING, "entra", {
        "workspaceId": WORKSPACE_ID, "logs": [{"category": c, "enabled": c != "AuditLogs"} for c in REQUIRED]},
        depends_on=[WORKSPACE])], "fail"),
    ("fail_workspace_not_in_stack", [setting(depends=False)], "fail"),
    ("fail_also_to_storage", [setting(storageAccountId="/subscriptions/x/resourceGroups/y/providers/"
                                      "Microsoft.Storage/storageAccounts/elsewhere")], "fail"),
    ("fail_also_to_event_hub", [setting(eventHubName="siem", eventHubAuthorizationRuleId="/subscriptions/x/r")],
     "fail"),
    ("unknown_sink_secret", [setting(storageAccountId="[secret]")], "unknown"),
]


@pytest.mark.parametrize(("case", "settings", "expected"), CASES, ids=[c[0] for c in CASES])
def test_cases(case, settings, expected):
    evaluation = run_one(POLICY, WORKSPACE, *settings)
    assert outcome(evaluation) == expected, verdicts(evaluation)


def test_failing_resources_and_message():
    weak = setting(categories=REQUIRED[:-1])
    evaluation = run_one(POLICY, WORKSPACE, weak)
    assert BASELINE_SENTENCE.rstrip(".") in evaluation.mandatory[0].message  # the baseline's own words
    assert failing_urns(evaluation) == {weak.urn}
    (finding,) = evaluation.mandatory
    assert finding.message.startswith("[OUS-6.b, ECG-7S, ECG-10] ") and "ProvisioningLogs" in finding.message
    assert failing_urns(run_one(POLICY, WORKSPACE)) == {STACK_URN}


def test_metadata_names_the_baseline():
    assert f"baseline:{BASELINE_ID}" in POLICY.tags and BASELINE_ID in POLICY.description


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_shipped_plan_sends_every_category_to_its_workspace(stack):
    doc = plan(stack)
    [entra] = [r for r in doc["resources"] if r["type"] == SETTING]
    assert {e["category"] for e in entra["inputs"]["logs"] if e["enabled"]} == set(REQUIRED)
    [workspace] = [r for r in doc["resources"] if r["type"] == WORKSPACE_TYPE]
    assert workspace["urn"] in entra["dependencies"]
    assert workspace["inputs"]["location"] in ("norwayeast", "norwaywest")
    assert not {"storageAccountId", "eventHubName", "eventHubAuthorizationRuleId", "serviceBusRuleId"} & set(
        entra["inputs"])
    assert verdicts(run_on_plan(POLICY, doc)) == []
