"""rbac-role-definitions-match-register: a RoleDefinition's own GUID is its kind's register GUID.

The shapes are the hostile review's: GUIDs swapped between two definitions, a
"shadow" second definition under a register GUID, decoys named "...deployer". GUIDs are literals.
"""

from __future__ import annotations

import pytest

from policies.authz import ROLE_DEFINITION
from policies.rbac.role_definitions_match_register import POLICY
from tests.policies import helpers
from tests.policies.helpers import failing_urns, outcome, resource
from tests.policies.rbac_fixtures import definition_inputs
from tests.policies.registers import register

REGISTER = register()
"""Its roles: uploader 968b6cff-..., reader 3f689d55-..., operator 90275980-..., deployer 6d1f5e0c-...;
its roleNames: `dpa-guard t <kind>`."""

UPLOADER = "968b6cff-02e2-5618-8da6-7966f418e865"
READER = "3f689d55-5ae5-57e8-9cf9-aa39cf350173"
OPERATOR = "90275980-0407-5df6-8299-f48162891d81"
DEPLOYER = "6d1f5e0c-1b7a-5c55-9a8e-0b2b9d4f3e21"
RANDOM = "0f5c6c1e-7a53-5a7e-8d0e-6f2b1c3d4e5f"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def definition(name: str, role_name: object, guid: object):
    inputs = definition_inputs("reader", "x", [], ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"])
    inputs.update(roleName=role_name, roleDefinitionId=guid)
    return resource(ROLE_DEFINITION, name, {k: v for k, v in inputs.items() if v is not None})


CASES = [
    ("pass_uploader", definition("d", "dpa-guard t uploader", UPLOADER), "pass"),
    ("pass_reader", definition("d", "dpa-guard t reader", READER), "pass"),
    ("pass_operator", definition("d", "dpa-guard t operator", OPERATOR), "pass"),
    ("pass_deployer", definition("d", "dpa-guard t deployer", DEPLOYER), "pass"),
    ("pass_guid_upper_case", definition("d", "dpa-guard t reader", READER.upper()), "pass"),
    # swap (m6): the reader definition PUT under the uploader's / the deployer's GUID
    ("fail_reader_under_uploader_guid", definition("d", "dpa-guard t reader", UPLOADER), "fail"),
    ("fail_reader_under_deployer_guid", definition("d", "dpa-guard t reader", DEPLOYER), "fail"),
    ("fail_deployer_under_reader_guid", definition("d", "dpa-guard t deployer", READER), "fail"),
    # shadow (m1): a second definition named like a stack role, under a register GUID
    ("fail_shadow_reader", definition("d", "dpa-guard t shadow reader", UPLOADER), "fail"),
    ("fail_shadow_deployer", definition("d", "dpa-guard t shadow deployer", READER), "fail"),
    # decoys (m4, m5): named "...deployer", harmless or empty permissions, some GUID
    ("fail_decoy_deployer", definition("d", "decoy-deployer", RANDOM), "fail"),
    ("fail_decoy_deployer_hyphens", definition("d", "dpa-guard-t-decoy-deployer", RANDOM), "fail"),
    ("fail_decoy_under_the_deployer_guid", definition("d", "decoy-deployer", DEPLOYER), "fail"),
    ("fail_name_of_no_kind", definition("d", "helper", RANDOM), "fail"),
    ("fail_other_prefix", definition("d", "dpa-guard other reader", READER), "fail"),
    ("fail_no_guid", definition("d", "dpa-guard t reader", None), "fail"),
    ("fail_arm_id_not_a_guid", definition("d", "dpa-guard t reader", f"/roleDefinitions/{READER}"), "fail"),
    ("fail_no_name", definition("d", None, READER), "fail"),
    ("unknown_guid", definition("d", "dpa-guard t reader", UNKNOWN), "unknown"),
    ("unknown_name", definition("d", UNKNOWN, READER), "unknown"),
]


@pytest.mark.parametrize(("case", "resource_", "expected"), CASES, ids=[c[0] for c in CASES])
def test_role_definition(case, resource_, expected):
    evaluation = helpers.run(POLICY, resource_, register=REGISTER)
    assert outcome(evaluation) == expected, [f.message for f in evaluation.findings]
    assert failing_urns(evaluation) == (set() if expected == "pass" else {resource_.urn})


def test_swap_fails_both_definitions():
    reader = definition("reader-role", "dpa-guard t reader", UPLOADER)
    uploader = definition("uploader-role", "dpa-guard t uploader", READER)
    evaluation = helpers.run(POLICY, reader, uploader, register=REGISTER)
    assert failing_urns(evaluation) == {reader.urn, uploader.urn}


def test_message_names_clause_kind_and_register_guid():
    (finding,) = helpers.run(POLICY, definition("roles-reader-role", "dpa-guard t reader", DEPLOYER),
                             register=REGISTER).mandatory
    assert finding.message.startswith("[OUS-6.2, OUS-6.1.a, ECG-7] "), finding.message
    assert "'roles-reader-role'" in finding.message and f"the reader role {READER}" in finding.message


def test_other_resources_need_no_register():
    other = resource("azure-native:resources:ResourceGroup", "rg", {"location": "norwayeast"})
    assert outcome(helpers.run(POLICY, other, register=None)) == "pass"


@pytest.mark.parametrize("changed", [
    None,
    {"roleNames": None},
    {"roleNames": {"uploader": "dpa-guard t uploader", "reader": "dpa-guard t reader",
                   "operator": "dpa-guard t operator"}},
    {"roleNames": {"uploader": "dpa-guard t uploader", "reader": "dpa-guard t reader",
                   "operator": "dpa-guard t operator", "deployer": "dpa-guard t reader"}},
    {"roles": None},
], ids=["no_register", "no_names", "a_name_missing", "name_of_another_kind", "no_roles"])
def test_without_the_registers_roles_the_clause_is_undecidable(changed):
    evaluation = helpers.run(POLICY, definition("d", "dpa-guard t reader", READER),
                             register=None if changed is None else register(**changed))
    assert outcome(evaluation) == "unknown", [f.message for f in evaluation.findings]
