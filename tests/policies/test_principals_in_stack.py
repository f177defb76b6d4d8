import pytest

from policies.authz import ROLE_DEFINITION
from policies.rbac.principals_in_stack import POLICY
from policies.stack import AZUREAD_GROUP
from tests.policies import helpers
from tests.policies.helpers import failing_urns, outcome, resource, urn_of
from tests.policies.rbac_fixtures import (
    DEPLOYER_GUID,
    OPERATOR_GUID,
    READER_GUID,
    RG,
    SUB,
    UPLOADER_GUID,
    assignment,
    container,
    definition_inputs,
    definitions,
    eligibility,
)
from tests.policies.registers import register

REGISTER = register()
"""The test register: its roles are the fixtures' uploader, reader, operator and deployer GUIDs."""


def run(policy, *resources, register=REGISTER):
    return helpers.run(policy, *resources, register=register)


GROUP = resource(AZUREAD_GROUP, "access-ahus-mbt-uploaders", {"displayName": "t-ahus-mbt-uploaders"})
OTHER = resource("azure-native:managedidentity:UserAssignedIdentity", "mi", {"location": "norwayeast"})
PIM = {"type": "AfterDuration", "duration": "P90D"}

CASES = [
    ("pass_principal_from_stack_group", assignment("a", container("rec-x"), UPLOADER_GUID,
                                                   property_dependencies={"principalId": (GROUP.urn,)}), set()),
    ("pass_pim_from_stack_group", eligibility("a", RG, UPLOADER_GUID, PIM,
                                              property_dependencies={"principalId": (GROUP.urn,)}), set()),
    ("fail_literal_principal", assignment("a", container("rec-x"), UPLOADER_GUID,
                                          principalId="0abbd512-3615-57d4-bd9a-bf8dae038f32"), {"a"}),
    ("fail_principal_from_an_identity", assignment("a", container("rec-x"), UPLOADER_GUID,
                                                   property_dependencies={"principalId": (OTHER.urn,)}), {"a"}),
    ("fail_group_outside_the_stack", assignment("a", container("rec-x"), UPLOADER_GUID, property_dependencies={
        "principalId": ("urn:pulumi:test::dpa-guard::azuread:index/group:Group::elsewhere",)}), {"a"}),
]


@pytest.mark.parametrize(("case", "resource_", "failing"), CASES, ids=[c[0] for c in CASES])
def test_principal(case, resource_, failing):
    evaluation = run(POLICY, *definitions(), GROUP, OTHER, resource_)
    assert failing_urns(evaluation) == ({resource_.urn} if failing else set()), [f.message for f in evaluation.findings]


def test_violation_names_clause_resource_and_fix():
    (finding,) = run(POLICY, *definitions(), assignment("roles-x", RG, UPLOADER_GUID)).mandatory
    assert finding.message.startswith("[OUS-6.2, OUS-6.1.a, OUS-7, ECG-7] ") and "'roles-x'" in finding.message
    assert "object_id" in finding.message


# ------------------------------------------------------------------ the role named is the role depended on (register roles)

READER_DEF = urn_of(ROLE_DEFINITION, "reader-role")
DEPLOYER_DEF = urn_of(ROLE_DEFINITION, "deployer-role")
HELPER_DEF = urn_of(ROLE_DEFINITION, "helper-role")


def deployer_definition():
    return resource(ROLE_DEFINITION, "deployer-role", definition_inputs(
        "deployer", DEPLOYER_GUID, ["Microsoft.Authorization/roleAssignments/write"], [], assignableScopes=[SUB]))


def helper_definition():
    """A RoleDefinition whose roleName is none of the stack's kinds."""
    return resource(ROLE_DEFINITION, "helper-role", definition_inputs("helper", "0f5c6c1e-7a53-5a7e-8d0e-6f2b1c3d4e5f",
                                                                      ["Microsoft.Storage/storageAccounts/read"], []))


def grant(name, guid, *, scope=None, **options):
    options.setdefault("property_dependencies", {"principalId": (GROUP.urn,)})
    return assignment(name, scope or container("rec-x"), guid, **options)


IDENTITY = [
    ("pass_reader_depends_on_reader", grant("a", READER_GUID), False),
    ("pass_deployer_eligibility_depends_on_deployer", eligibility(
        "a", SUB, DEPLOYER_GUID, PIM, dependencies=(DEPLOYER_DEF,), property_dependencies={"principalId": (GROUP.urn,)}),
     False),
    ("pass_role_id_from_its_definition", grant("a", READER_GUID, property_dependencies={
        "principalId": (GROUP.urn,), "roleDefinitionId": (READER_DEF,)}), False),
    # the hostile review's H3: a standing deployer, read by every rbac policy as a reader assignment
    ("fail_deployer_guid_depending_on_reader", grant("a", DEPLOYER_GUID, dependencies=(READER_DEF,)), True),
    ("fail_uploader_guid_depending_on_reader", grant("a", UPLOADER_GUID, dependencies=(READER_DEF,)), True),
    ("fail_operator_guid_pim_depending_on_reader", eligibility(
        "a", RG, OPERATOR_GUID, PIM, dependencies=(READER_DEF,), property_dependencies={"principalId": (GROUP.urn,)}),
     True),
    # its role id comes from the reader definition; depending on two definitions is undecidable besides
    ("fail_role_id_from_another_definition", grant("a", DEPLOYER_GUID, dependencies=(DEPLOYER_DEF,),
                                                   property_dependencies={"principalId": (GROUP.urn,),
                                                                          "roleDefinitionId": (READER_DEF,)}),
     {helpers.STACK_URN}),
    ("fail_definition_of_no_stack_kind", grant("a", "0f5c6c1e-7a53-5a7e-8d0e-6f2b1c3d4e5f",
                                               dependencies=(HELPER_DEF,)), True),
    ("fail_builtin_guid_depending_on_reader", grant("a", "2a2b9908-6ea1-4ae2-8e65-a410df84e7d1",
                                                    dependencies=(READER_DEF,)), True),
]


@pytest.mark.parametrize(("case", "resource_", "fails"), IDENTITY, ids=[c[0] for c in IDENTITY])
def test_the_role_named_is_the_role_depended_on(case, resource_, fails):
    evaluation = run(POLICY, *definitions(), deployer_definition(), helper_definition(), GROUP, resource_)
    expected = ({resource_.urn} | (fails if isinstance(fails, set) else set())) if fails else set()
    assert failing_urns(evaluation) == expected, [f.message for f in evaluation.findings]


def test_mismatch_message_names_both_roles():
    bad = grant("standing-deployer", DEPLOYER_GUID, dependencies=(READER_DEF,))
    (finding,) = run(POLICY, *definitions(), deployer_definition(), GROUP, bad).mandatory
    assert "the reader role, " + READER_GUID in finding.message, finding.message
    assert f"names role {DEPLOYER_GUID} (the deployer role)" in finding.message, finding.message


@pytest.mark.parametrize("changed", [
    None,
    {"roles": None},
    {"roles": {"uploader": UPLOADER_GUID, "reader": READER_GUID, "operator": OPERATOR_GUID}},
    {"roles": {"uploader": UPLOADER_GUID, "reader": READER_GUID, "operator": OPERATOR_GUID, "deployer": 7}},
], ids=["no_register", "no_key", "a_kind_missing", "not_a_guid"])
def test_without_the_registers_roles_the_clause_is_undecidable(changed):
    evaluation = run(POLICY, *definitions(), GROUP, grant("a", READER_GUID),
                     register=None if changed is None else register(**changed))
    assert outcome(evaluation) == "unknown", [f.message for f in evaluation.findings]
    message = evaluation.mandatory[0].message
    assert "] the stack register is missing" in message
    # said once, then what to do (a stale register lacks only the new keys)
    assert message.count("the stack register is missing") == 1 and "run `dpaguard plan --stack STACK`" in message


# ------------------------------------------------------------------ one definition per kind, register GUIDs only
# The hostile review's shapes (swapped, shadow, decoy, foreign role id); GUIDs are literals.

RANDOM_GUID = "7c3e9d2a-4b1f-5e6a-8c0d-2f4b6a8e1c35"
CONTAINER = resource("azure-native:storage:BlobContainer", "ous-rec-ahus-mbt", {"containerName": "rec-ahus-mbt"})


def decoy_definition(name="decoy-role", role_name="decoy-deployer", actions=()):
    return resource(ROLE_DEFINITION, name, definition_inputs("x", RANDOM_GUID, list(actions), [], roleName=role_name))


def shadow_reader():
    """A second reader definition (under the uploader's GUID, which a stack policy cannot see)."""
    return resource(ROLE_DEFINITION, "shadow-role", definition_inputs(
        "reader", UPLOADER_GUID, [], ["Microsoft.Storage/storageAccounts/blobServices/containers/blobs/read"],
        roleName="dpa-guard t shadow reader"))


DECOY_DEF = urn_of(ROLE_DEFINITION, "decoy-role")
GROUPED = {"principalId": (GROUP.urn,)}
REVIEW = [
    ("pass_shipped_shape", (), set()),
    # m1: "dpa-guard t shadow reader" is a second reader
    ("fail_shadow_reader", (shadow_reader(),), {"reader-role", "shadow-role"}),
    # m5: the deployer eligibility depends on a decoy "...deployer" with harmless permissions, no condition
    ("fail_decoy_eligibility", (decoy_definition(actions=["Microsoft.Resources/subscriptions/resourceGroups/read"]),
                                eligibility("elig", SUB, DEPLOYER_GUID, PIM, dependencies=(DECOY_DEF,),
                                            property_dependencies=GROUPED)),
     {"decoy-role", "deployer-role"}),
    ("fail_decoy_eligibility_hyphenated", (decoy_definition(role_name="dpa-guard-t-decoy-deployer"),
                                           eligibility("elig", SUB, DEPLOYER_GUID, PIM, dependencies=(DECOY_DEF,),
                                                       property_dependencies=GROUPED)),
     {"decoy-role", "deployer-role"}),
    # m4: a standing deployer assignment depending on a decoy with empty permissions
    ("fail_decoy_standing", (decoy_definition(), grant("standing", DEPLOYER_GUID, scope=RG, dependencies=(DECOY_DEF,))),
     {"decoy-role", "deployer-role"}),
    # m7: a foreign GUID carried through container.urn.apply(lambda _: guid), depending on the reader besides
    ("fail_foreign_guid_from_container_urn", (grant("foreign", RANDOM_GUID, dependencies=(READER_DEF,),
                                                    property_dependencies={**GROUPED,
                                                                           "roleDefinitionId": (CONTAINER.urn,)}),),
     {"foreign"}),
    ("fail_register_guid_from_container_urn", (grant("foreign", READER_GUID, dependencies=(READER_DEF,),
                                                     property_dependencies={**GROUPED,
                                                                            "roleDefinitionId": (CONTAINER.urn,)}),),
     {"foreign"}),
    ("fail_foreign_literal_guid", (grant("foreign", RANDOM_GUID, dependencies=(READER_DEF,)),), {"foreign"}),
]


@pytest.mark.parametrize(("case", "extra", "failing"), REVIEW, ids=[c[0] for c in REVIEW])
def test_review_shapes(case, extra, failing):
    evaluation = run(POLICY, *definitions(), deployer_definition(), GROUP, CONTAINER,
                     grant("reader-grant", READER_GUID), *extra)
    failed = {u.rsplit("::", 1)[-1] for u in failing_urns(evaluation)}
    assert failed == failing, [f.message for f in evaluation.findings]


def test_foreign_source_message_names_the_resource():
    bad = grant("foreign", RANDOM_GUID, dependencies=(READER_DEF,),
                property_dependencies={**GROUPED, "roleDefinitionId": (CONTAINER.urn,)})
    messages = [f.message for f in run(POLICY, *definitions(), GROUP, CONTAINER, bad).mandatory]
    assert any("takes its roleDefinitionId from" in m and "ous-rec-ahus-mbt" in m for m in messages), messages
    assert any(f"grants role {RANDOM_GUID!r}, none of the register's roles" in m for m in messages), messages
