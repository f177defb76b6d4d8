from dataclasses import replace

import pytest

from dpaguard.engine import preview_outputs
from policies.storage.private_endpoint import POLICY
from tests.policies.helpers import failing_urns, fails_closed, outcome, run
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
    resource_group,
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
RG_URN = f"urn:pulumi:test::dpa-guard::azure-native:resources:ResourceGroup::{OUS_RG}"


def deployed(resources):
    """The stack after `pulumi up`: the OUS account's id output is known (in a preview it is not)."""
    out = []
    for r in resources:
        if r.urn == OUS_URN:
            r = replace(r, outputs={**preview_outputs(r.type, r.inputs), "id": account_id(OUS_RG, OUS_ACCOUNT)})
        out.append(r)
    return out

CASES = [
    ("pass_each_account_has_one", stack(), set()),
    ("pass_manual_connection", manual(stack()), set()),
    ("pass_id_other_case", replace_inputs(stack(), PE, privateLinkServiceConnections=connection(
        privateLinkServiceId=account_id(OUS_RG, OUS_ACCOUNT).upper())), set()),
    ("fail_endpoint_removed", [r for r in stack() if r.name != PE], {OUS_URN}),
    ("fail_endpoint_for_file_service", replace_inputs(stack(), PE, privateLinkServiceConnections=connection(
        groupIds=["file"])), {OUS_URN}),
    ("pass_deployed_id_matches", deployed(stack()), set()),
    # Which account an endpoint targets can be compared only once the account's id is known.
    ("fail_deployed_endpoint_for_other_account", deployed(replace_inputs(
        stack(), PE, privateLinkServiceConnections=connection(privateLinkServiceId=account_id(OUS_RG, "elsewhere")))),
     {OUS_URN}),
    ("fail_deployed_endpoint_other_group", deployed(replace_inputs(
        stack(), PE, privateLinkServiceConnections=connection(privateLinkServiceId=account_id("rg-other", OUS_ACCOUNT)))),
     {OUS_URN}),
    # Its connections named by something other than an account: it serves none.
    ("fail_endpoint_depends_on_no_account", [resource_group(OUS_RG, "OUS"), *(replace(r, dependencies=(), property_dependencies={
        "privateLinkServiceConnections": (RG_URN,)}) if r.name == PE else r for r in stack())], {OUS_URN}),
    # Not a list: unknown in the preview outputs, read as no connection (stricter).
    ("fail_odd_types", replace_inputs(stack(), PE, privateLinkServiceConnections={"a": 1}), {OUS_URN}),
    # Auto-named (azure-native adds a suffix): the endpoint depends on it all the same.
    ("pass_unnamed_account", replace_inputs(stack(), f"acct-{OUS_ACCOUNT}", accountName=...), set()),
]


@pytest.mark.parametrize(("case", "resources", "failing"), CASES, ids=[c[0] for c in CASES])
def test_stack(case, resources, failing):
    evaluation = run(POLICY, *resources)
    assert failing_urns(evaluation) == failing, [f.message for f in evaluation.findings]


def test_unknown_endpoint_target_is_the_preview_of_a_new_account():
    """The program may pass `account.id`: unknown in preview, and the dependency decides."""
    resources = replace_inputs(stack(), PE, privateLinkServiceConnections=connection(privateLinkServiceId=UNKNOWN))
    assert outcome(run(POLICY, *resources)) == "pass"


def test_secret_endpoint_target_fails_closed():
    resources = replace_inputs(stack(), PE, privateLinkServiceConnections=connection(privateLinkServiceId="[secret]"))
    assert fails_closed(run(POLICY, *deployed(resources)))


def test_endpoint_recording_no_property_dependency_fails_closed():
    """M1: an endpoint whose every input is a literal may target any account; depends_on does not count."""
    resources = [replace(r, property_dependencies={}) if r.name == PE else r for r in stack()]
    evaluation = run(POLICY, *resources)
    assert outcome(evaluation) == "unknown", [f.message for f in evaluation.findings]
    assert any(f"'{PE}' records no propertyDependencies" in f.message for f in evaluation.mandatory)


def test_violation_names_clause_resource_and_fix():
    evaluation = run(POLICY, *[r for r in stack() if r.name != PE])
    (finding,) = evaluation.mandatory
    assert finding.message.startswith("[OUS-6.1.b, ECG-6] ") and f"'acct-{OUS_ACCOUNT}'" in finding.message
    assert "groupIds [blob]" in finding.message
