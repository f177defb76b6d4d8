import copy

import pytest

from policies.audit.breach_alerts_reach_contacts import POLICY
from tests.policies.audit_fixtures import SUB, UNKNOWN
from tests.policies.helpers import STACK_URN, failing_urns, outcome, resource, run, urn_of
from tests.policies.registers import DPO, register

OUS_CONTACTS = [DPO, "mbt@ahus.example.no", "old@trust.example.no"]
ECG_CONTACTS = ["oskar.lie@legesenter.example.no"]


def group_id(name):
    return f"{SUB}/resourceGroups/rg-t-audit/providers/Microsoft.Insights/actionGroups/{name}"


def action_group(name, emails, agreement="OUS", **extra):
    inputs = {"actionGroupName": name, "resourceGroupName": "rg-t-audit", "enabled": True,
              "groupShortName": "x", "location": "global",
              "emailReceivers": [{"name": f"r{i}", "emailAddress": e} for i, e in enumerate(emails)],
              "tags": {"dpaguard-agreement": agreement} if agreement else {}}
    inputs.update(extra)
    return resource("azure-native:monitor:ActionGroup", name, inputs)


def routes_to(*groups):
    """modules/audit.py makes each alert rule depend on the action groups it names (their ids are
    unknown in preview, so that is what stack policies read)."""
    return tuple(urn_of("azure-native:monitor:ActionGroup", g) for g in groups)


def activity_alert(name, *groups, enabled=True):
    return resource("azure-native:monitor:ActivityLogAlert", name, {
        "enabled": enabled, "actions": {"actionGroups": [{"actionGroupId": group_id(g)} for g in groups]}},
        dependencies=routes_to(*groups))


def query_rule(name, *groups):
    return resource("azure-native:monitor:ScheduledQueryRule", name, {
        "enabled": True, "actions": {"actionGroups": [group_id(g) for g in groups]}}, dependencies=routes_to(*groups))


def shipped():
    return [action_group("ag-t-ous-breach-00", OUS_CONTACTS), action_group("ag-t-ecg-breach-00", ECG_CONTACTS, "ECG"),
            activity_alert("alert-ous", "ag-t-ous-breach-00"), query_rule("alert-ecg", "ag-t-ecg-breach-00")]


def without(resources, name):
    return [r for r in resources if r.name != name]


def replaced(resources, new):
    return [new if r.name == new.name else r for r in resources]


CASES = [
    ("pass_shipped_shape", shipped(), "pass"),
    ("pass_upper_case_addresses", replaced(shipped(), action_group("ag-t-ous-breach-00",
                                                                   [e.upper() for e in OUS_CONTACTS])), "pass"),
    ("pass_split_over_two_groups", without(shipped(), "ag-t-ous-breach-00") + [
        action_group("ag-t-ous-breach-00", OUS_CONTACTS[:1]), action_group("ag-t-ous-breach-01", OUS_CONTACTS[1:]),
        activity_alert("alert-ous-2", "ag-t-ous-breach-01")], "pass"),
    ("pass_untagged_group_by_name", replaced(shipped(), action_group("ag-t-ous-breach-00", OUS_CONTACTS, None)), "pass"),
    ("fail_dpo_missing", replaced(shipped(), action_group("ag-t-ous-breach-00", OUS_CONTACTS[1:])), "fail"),
    ("fail_ended_controller_missing", replaced(shipped(), action_group("ag-t-ous-breach-00", OUS_CONTACTS[:2])),
     "fail"),
    ("fail_group_disabled", replaced(shipped(), action_group("ag-t-ous-breach-00", OUS_CONTACTS, enabled=False)),
     "fail"),
    ("fail_no_rule_routes_to_it", without(shipped(), "alert-ous"), "fail"),
    ("fail_rule_disabled", replaced(shipped(), activity_alert("alert-ous", "ag-t-ous-breach-00", enabled=False)),
     "fail"),
    ("fail_ecg_contacts_in_ous_group_only", without(shipped(), "ag-t-ecg-breach-00") + [
        action_group("ag-t-ous-breach-00", OUS_CONTACTS + ECG_CONTACTS)], "fail"),
    ("fail_no_groups", [], "fail"),
    # Not a list: unknown in the preview outputs, so the policy fails closed.
    ("unknown_odd_types", replaced(shipped(), action_group("ag-t-ous-breach-00", [], emailReceivers="dpo")),
     "unknown"),
    ("fail_rule_names_a_group_it_does_not_depend_on", replaced(shipped(), resource(
        "azure-native:monitor:ActivityLogAlert", "alert-ous",
        {"enabled": True, "actions": {"actionGroups": [{"actionGroupId": group_id("ag-t-ous-breach-00")}]}})), "fail"),
    ("unknown_address", replaced(shipped(), action_group("ag-t-ous-breach-00", [UNKNOWN] + OUS_CONTACTS[1:])),
     "unknown"),
]


@pytest.mark.parametrize(("case", "resources", "expected"), CASES, ids=[c[0] for c in CASES])
def test_breach_alerts(case, resources, expected):
    evaluation = run(POLICY, *resources, register=register())
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]
    if expected == "fail":
        assert failing_urns(evaluation) == {STACK_URN}


def test_only_the_stacks_agreements_count():
    reg = register(agreements=["ECG"])
    ecg_only = [action_group("ag-t-ecg-breach-00", ECG_CONTACTS, "ECG"), query_rule("alert-ecg", "ag-t-ecg-breach-00")]
    assert outcome(run(POLICY, *ecg_only, register=reg)) == "pass"


def test_without_register_it_is_undecided():
    assert outcome(run(POLICY, *shipped())) == "unknown"


def test_violation_names_clause_resource_and_fix():
    reg = copy.deepcopy(register())
    evaluation = run(POLICY, *replaced(shipped(), action_group("ag-t-ous-breach-00", OUS_CONTACTS[1:])), register=reg)
    (finding,) = evaluation.mandatory
    assert finding.message.startswith("[OUS-6.a, ECG-8] ") and DPO in finding.message and "data protection officer" in finding.message
    assert "e-mail receivers" in finding.message
    assert finding.clauses == ("OUS-6.a", "ECG-8")
