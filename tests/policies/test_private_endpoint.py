import pytest

from policies.storage.private_endpoint import POLICY
from tests.policies.helpers import failing_urns, outcome, run
from tests.policies.stores import (
    ECG_ACCOUNT,
    ECG_RG,
    OUS_ACCOUNT,
    OUS_RG,
    UNKNOWN,
    account,
    account_id,
    named,
    private_endpoint,
    replace_inputs,
)


def stack():
    return [account(OUS_ACCOUNT, OUS_RG, "OUS"), private_endpoint(OUS_ACCOUNT, OUS_RG),
            account(ECG_ACCOUNT, ECG_RG, "ECG"), private_endpoint(ECG_ACCOUNT, ECG_RG)]


def manual(resources):
    pe = named(resources, f"pe-{OUS_ACCOUNT}")
    connections = pe.inputs["privateLinkServiceConnections"]
    return replace_inputs(resources, pe.name, privateLinkServiceConnections=..., manualPrivateLinkServiceConnections=connections)


def connection(**over):
    return [{"name": "c", "privateLinkServiceId": account_id(OUS_RG, OUS_ACCOUNT), "groupIds": ["blob"], **over}]


OUS_URN = f"urn:pulumi:test::dpa-guard::azure-native:storage:StorageAccount::acct-{OUS_ACCOUNT}"
PE = f"pe-{OUS_ACCOUNT}"

CASES = [
    ("pass_each_account_has_one", stack(), set()),
    ("pass_manual_connection", manual(stack()), set()),
    ("pass_id_other_case", replace_inputs(stack(), PE, privateLinkServiceConnections=connection(
        privateLinkServiceId=account_id(OUS_RG, OUS_ACCOUNT).upper())), set()),
    ("fail_endpoint_removed", [r for r in stack() if r.name != PE], {OUS_URN}),
    ("fail_endpoint_for_file_service", replace_inputs(stack(), PE, privateLinkServiceConnections=connection(
        groupIds=["file"])), {OUS_URN}),
    ("fail_endpoint_for_other_account", replace_inputs(stack(), PE, privateLinkServiceConnections=connection(
        privateLinkServiceId=account_id(OUS_RG, "elsewhere"))), {OUS_URN}),
    ("fail_endpoint_other_group", replace_inputs(stack(), PE, privateLinkServiceConnections=connection(
        privateLinkServiceId=account_id("rg-other", OUS_ACCOUNT))), {OUS_URN}),
    ("fail_odd_types", replace_inputs(stack(), PE, privateLinkServiceConnections={"a": 1}), {OUS_URN}),
    ("fail_unnamed_account", replace_inputs(stack(), f"acct-{OUS_ACCOUNT}", accountName=...), {OUS_URN}),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_stack(case, resources, failing):
    evaluation = run(POLICY, *resources)
    assert failing_urns(evaluation) == failing, [f.message for f in evaluation.findings]


@pytest.mark.parametrize("value", [UNKNOWN, "[secret]"])
def test_unknown_endpoint_target_is_a_note_not_a_verdict(value):
    resources = replace_inputs(stack(), PE, privateLinkServiceConnections=connection(privateLinkServiceId=value))
    assert outcome(run(POLICY, *resources)) == "unknown"


def test_violation_names_clause_resource_and_fix():
    evaluation = run(POLICY, *[r for r in stack() if r.name != PE])
    (finding,) = evaluation.mandatory
    assert "[OUS-6.1.b" in finding.message and f"'acct-{OUS_ACCOUNT}'" in finding.message
    assert "groupIds [blob]" in finding.message
