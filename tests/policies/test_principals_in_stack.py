import pytest

from policies.rbac.principals_in_stack import POLICY
from policies.stack import AZUREAD_GROUP
from tests.policies.helpers import failing_urns, resource, run
from tests.policies.rbac_fixtures import RG, UPLOADER_GUID, assignment, container, definitions, eligibility

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
