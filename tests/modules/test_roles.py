"""LeastPrivilegeRoles under the offline engine: custom least-privilege roles, per-container
assignments capped in time (OUS-6.2, OUS-8, OUS-11, ECG-7), PIM for operators, Norway-only policy.

The stores and groups are stand-ins with the attributes NorwayStorage and MfaAccess expose,
holding known group ids so every assignment's principal can be checked; one test wires the
real MfaAccess instead.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pulumi
import pytest
from pulumi_azure_native import resources

from modules import config, naming
from modules.access import MfaAccess, MfaAccessArgs
from modules.roles import LeastPrivilegeRoles, LeastPrivilegeRolesArgs

STACKS = ("ous-kvalitetslab", "ecg247")
TODAY = dt.date(2026, 12, 1)

DEFINITION = "azure-native:authorization:RoleDefinition"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ELIGIBILITY = "azure-native:authorization:PimRoleEligibilitySchedule"
POLICY = "azure-native:authorization:PolicyAssignment"
DENY = "azure-native:authorization:DenyAssignment"
COMPONENT = "dpaguard:roles:LeastPrivilegeRoles"

BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
BUILT_IN_PRIVILEGED = {
    "8e3af657-a8ff-4c9b-a4a2-36c7b5ee61ec",  # Owner
    "b24988ac-6180-42a0-ab88-20f7382dd24c",  # Contributor
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",  # User Access Administrator
}
OPERATOR_GROUP = "99999999-0000-4000-8000-000000000000"


def group_id(controller_id: str, role: str) -> str:
    return f"group-{controller_id}-{role}"


class StandInStore(pulumi.ComponentResource):
    """The attributes of NorwayStorage that LeastPrivilegeRoles reads, as a resource to depend on."""

    def __init__(self, agreement, resource_group_id, container_ids, scores_container_ids):
        super().__init__("test:storage:StandInStore", f"store-{agreement.lower()}")
        # A child, so that depending on the store means waiting for something (as with NorwayStorage).
        resources.ResourceGroup(f"store-{agreement.lower()}-rg", resource_group_name=resource_group_id.rsplit("/", 1)[-1],
                                opts=pulumi.ResourceOptions(parent=self))
        self.agreement = agreement
        self.resource_group_id = resource_group_id
        self.container_ids = container_ids
        self.scores_container_ids = scores_container_ids
        self.register_outputs({})


def stand_in_stores(cfg):
    sub = cfg.subscription_id
    stores = []
    for agreement in cfg.agreements:
        rg = naming.data_resource_group(cfg.prefix, agreement)
        containers, scores = {}, {}
        for c in cfg.controllers_of(agreement):
            if agreement == "OUS":
                account = naming.ous_account(cfg.prefix)
                containers[c.id] = naming.container_id(sub, rg, account, naming.recordings_container(c.id))
                if c.scores_consent:
                    scores[c.id] = naming.container_id(sub, rg, account, naming.scores_container(c.id))
            else:
                account = naming.ecg_account(cfg.prefix, cfg.ecg.shard_of(c.id))
                containers[c.id] = naming.container_id(sub, rg, account, naming.ecg_container(c.id))
        stores.append(StandInStore(agreement, naming.resource_group_id(sub, rg), containers, scores))
    return stores


def stand_in_access(cfg):
    return SimpleNamespace(
        operator_group_id=pulumi.Output.from_input(OPERATOR_GROUP),
        controller_group_ids={
            c.id: {role: pulumi.Output.from_input(group_id(c.id, role)) for role in ("uploader", "reader")}
            for c in cfg.controllers
        },
    )


def plan(stack, run_component, name, edit=None, today=TODAY):
    s = stack(name, edit)
    holder = {}

    def build(cfg):
        stores = stand_in_stores(cfg)
        holder["stores"] = stores
        holder["roles"] = LeastPrivilegeRoles(
            "roles", LeastPrivilegeRolesArgs.from_config(cfg, stores=stores, access=stand_in_access(cfg), today=today))

    run = run_component(s, build)
    return s.cfg, run, holder


@pytest.fixture(scope="module", params=STACKS)
def planned(request, stack, run_component):
    return plan(stack, run_component, request.param)


def definitions(run):
    return {r.name.removeprefix("roles-").removesuffix("-role"): r for r in run.of_type(DEFINITION)}


def role_ids(cfg):
    return {
        role: naming.role_definition_id(cfg.subscription_id, naming.stable_guid(cfg.subscription_id, cfg.prefix, "role", role))
        for role in ("uploader", "reader", "operator")
    }


def expected_assignments(cfg, stores, today=TODAY):
    """(scope, role, principal, condition end date or None), computed from config independently of roles.py."""
    ids = role_ids(cfg)
    rows = set()
    for store in stores:
        for cid, scope in store.container_ids.items():
            c = next(c for c in cfg.controllers if c.id == cid)
            if c.access_ends is not None and c.access_ends <= today:
                continue
            for role in ("uploader", "reader"):
                rows.add((scope, ids[role], group_id(cid, role), c.access_ends))
            if cid in store.scores_container_ids:
                rows.add((store.scores_container_ids[cid], ids["reader"], group_id(cid, "reader"), c.access_ends))
    return rows


_CONDITION_END = re.compile(r"@Environment\[UtcNow\] DateTimeLessThan '(\d{4}-\d{2}-\d{2})T00:00:00\.0Z'")


def condition_end(assignment) -> dt.date | None:
    condition = assignment.inputs.get("condition")
    if condition is None:
        return None
    [day] = _CONDITION_END.findall(condition)
    return dt.date.fromisoformat(day)


# --------------------------------------------------------------------------- definitions


def test_children_of_the_component_with_derived_names(planned):
    _, run, _ = planned
    [component] = run.of_type(COMPONENT)
    for r in run.of_type(DEFINITION) + run.of_type(ASSIGNMENT) + run.of_type(ELIGIBILITY) + run.of_type(POLICY):
        assert r.parent == component.urn and r.name.startswith("roles-"), r.urn


@pytest.mark.parametrize(
    "role, actions, data_actions",
    [
        ("uploader", set(), {f"{BLOBS}/write", f"{BLOBS}/add/action"}),
        ("reader", set(), {f"{BLOBS}/read"}),
    ],
)
def test_data_roles_carry_exactly_their_data_actions(planned, role, actions, data_actions):
    _, run, _ = planned
    d = definitions(run)[role]
    [perm] = d.inputs["permissions"]
    assert set(perm.get("actions", [])) == actions, d.urn
    assert set(perm["dataActions"]) == data_actions, d.urn
    assert not perm.get("notActions") and not perm.get("notDataActions"), d.urn


def test_operator_role_reads_management_only(planned):
    _, run, _ = planned
    d = definitions(run)["operator"]
    [perm] = d.inputs["permissions"]
    assert perm["actions"], d.urn
    assert not perm.get("dataActions"), f"{d.urn}: operators get no data access (OUS-6.2)"
    assert not perm.get("notActions") and not perm.get("notDataActions"), d.urn
    for action in perm["actions"]:
        assert "*" not in action, f"{d.urn}: wildcard {action}"
        assert action.endswith("/read"), f"{d.urn}: {action} is not read-only"
        assert not action.lower().startswith("microsoft.authorization/") or action.endswith("/read"), d.urn
        assert "listkeys" not in action.lower() and "sas" not in action.lower(), f"{d.urn}: {action} yields data access"


def test_definitions_are_custom_subscription_roles_assignable_only_in_data_groups(planned):
    cfg, run, holder = planned
    rg_ids = [s.resource_group_id for s in holder["stores"]]
    found = definitions(run)
    assert set(found) == {"uploader", "reader", "operator"}
    names = set()
    for role, d in found.items():
        assert d.inputs["scope"] == f"/subscriptions/{cfg.subscription_id}", d.urn
        assert d.inputs["assignableScopes"] == rg_ids, d.urn
        assert d.inputs["roleType"] == "CustomRole", d.urn
        assert d.inputs["roleDefinitionId"] == naming.stable_guid(cfg.subscription_id, cfg.prefix, "role", role), d.urn
        names.add(d.inputs["roleName"])
    assert len(names) == 3 and all(cfg.prefix in n for n in names)


def test_scoped_resources_wait_for_the_stores(planned):
    _, run, _ = planned
    stores = {r.urn for r in run.of_type("azure-native:resources:ResourceGroup")}
    assert stores
    for r in run.of_type(DEFINITION) + run.of_type(ASSIGNMENT) + run.of_type(ELIGIBILITY):
        assert stores <= set(r.dependencies), f"{r.urn}: its scope is created by the stores"


def test_role_guids_stable_across_runs(stack, run_component, planned):
    cfg, run, _ = planned
    _, again, _ = plan(stack, run_component, cfg.stack)
    first = {r.name: r.inputs.get("roleDefinitionId") or r.inputs.get("roleAssignmentName")
             for r in run.of_type(DEFINITION) + run.of_type(ASSIGNMENT)}
    second = {r.name: r.inputs.get("roleDefinitionId") or r.inputs.get("roleAssignmentName")
              for r in again.of_type(DEFINITION) + again.of_type(ASSIGNMENT)}
    assert first == second


# --------------------------------------------------------------------------- assignments


def test_assignments_are_exactly_the_live_grants(planned):
    cfg, run, holder = planned
    got = {(a.inputs["scope"], a.inputs["roleDefinitionId"], a.inputs["principalId"], condition_end(a))
           for a in run.of_type(ASSIGNMENT)}
    assert got == expected_assignments(cfg, holder["stores"])
    assert len(run.of_type(ASSIGNMENT)) == len(got)


def test_assignments_are_group_scoped_to_containers_with_custom_roles(planned):
    cfg, run, _ = planned
    custom = set(role_ids(cfg).values())
    names = set()
    for a in run.of_type(ASSIGNMENT):
        assert a.inputs["principalType"] == "Group", a.urn
        assert a.inputs["roleDefinitionId"] in custom, a.urn
        assert a.inputs["roleDefinitionId"].rsplit("/", 1)[-1] not in BUILT_IN_PRIVILEGED, a.urn
        assert "/blobServices/default/containers/" in a.inputs["scope"], f"{a.urn}: scope wider than a container"
        names.add(a.inputs["roleAssignmentName"])
    assert len(names) == len(run.of_type(ASSIGNMENT)), "role assignment names collide"
    assert not run.of_type(DENY), "no deny assignments (OUS-11)"


def test_ous_access_ends_within_five_years_of_signing(stack, run_component):
    cfg, run, _ = plan(stack, run_component, "ous-kvalitetslab")
    signed = {c.id: c.signed for c in cfg.controllers}
    assignments = run.of_type(ASSIGNMENT)
    assert assignments
    for a in assignments:
        cid = a.name.removeprefix("roles-").rsplit("-", 2)[0]
        end = condition_end(a)
        assert a.inputs["conditionVersion"] == "2.0", a.urn
        assert end is not None and end <= signed[cid].replace(year=signed[cid].year + 5), f"{a.urn}: OUS-8"


@pytest.mark.parametrize(
    "role, actions",
    [
        ("uploader", [f"{BLOBS}/write", f"{BLOBS}/add/action"]),
        ("reader", [f"{BLOBS}/read"]),
    ],
)
def test_condition_is_the_documented_abac_shape(stack, run_component, role, actions):
    cfg, run, _ = plan(stack, run_component, "ous-kvalitetslab")
    [a] = [a for a in run.of_type(ASSIGNMENT) if a.name == f"roles-ahus-mbt-{role}-data"]
    guards = " AND ".join(f"!(ActionMatches{{'{x}'}})" for x in actions)
    assert a.inputs["condition"] == (
        f"(({guards}) OR (@Environment[UtcNow] DateTimeLessThan '2027-09-01T00:00:00.0Z'))"), a.urn


@pytest.mark.parametrize(
    "today, expected",
    [
        (dt.date(2026, 11, 28), True),   # stolav-mbt signed 2021-11-29: last full day
        (dt.date(2026, 11, 29), False),  # five years reached: no assignment planned
        (dt.date(2027, 1, 1), False),
    ],
)
def test_ended_controller_gets_no_assignment(stack, run_component, today, expected):
    _, run, _ = plan(stack, run_component, "ous-kvalitetslab", today=today)
    stolav = {a.name for a in run.of_type(ASSIGNMENT) if "-stolav-mbt-" in a.name}
    assert bool(stolav) is expected, stolav


def test_scores_read_only_for_consenting_controllers(stack, run_component):
    cfg, run, _ = plan(stack, run_component, "ous-kvalitetslab")
    scores = {a.name for a in run.of_type(ASSIGNMENT) if a.name.endswith("-scores")}
    consenting = {c.id for c in cfg.controllers if c.scores_consent}
    assert scores == {f"roles-{cid}-reader-scores" for cid in consenting}


def test_ecg_assignments_unconditioned_until_an_end_is_recorded(stack, run_component):
    def end_two_agreements(raw):
        raw["controllers"][0]["ends"] = "2027-06-30"
        raw["controllers"][1]["ends"] = "2026-01-31"

    cfg, run, _ = plan(stack, run_component, "ecg247", end_two_agreements)
    first, second = cfg.controllers[0].id, cfg.controllers[1].id
    by_controller = {}
    for a in run.of_type(ASSIGNMENT):
        by_controller.setdefault(a.name.removeprefix("roles-").rsplit("-", 2)[0], []).append(a)
    assert {condition_end(a) for a in by_controller[first]} == {dt.date(2027, 6, 30)}
    assert second not in by_controller, "ECG-11: access ends with the agreement"
    others = [a for cid, rows in by_controller.items() if cid != first for a in rows]
    assert others and all("condition" not in a.inputs for a in others)


def test_principals_are_the_real_groups_when_wired_to_mfa_access(stack, run_component):
    s = stack("ous-kvalitetslab")

    def build(cfg):
        access = MfaAccess("access", MfaAccessArgs.from_config(cfg))
        LeastPrivilegeRoles("roles", LeastPrivilegeRolesArgs.from_config(
            cfg, stores=stand_in_stores(cfg), access=access, today=TODAY))

    run = run_component(s, build)
    groups = {g.urn: g.inputs["displayName"] for g in run.of_type("azuread:index/group:Group")}
    for a in run.of_type(ASSIGNMENT):
        _, cid, role, _ = re.match(r"(roles)-(.+)-(uploader|reader)-(data|scores)$", a.name).groups()
        [group] = a.property_dependencies["principalId"]
        assert groups[group] == f"{s.cfg.prefix}-{cid}-{role}s", a.urn
    for e in run.of_type(ELIGIBILITY):
        [group] = e.property_dependencies["principalId"]
        assert groups[group] == f"{s.cfg.prefix}-operators", e.urn


# --------------------------------------------------------------------------- PIM and policy


def test_operators_only_eligible_time_bound_at_each_data_group(planned):
    cfg, run, holder = planned
    eligible = run.of_type(ELIGIBILITY)
    assert {e.inputs["scope"] for e in eligible} == {s.resource_group_id for s in holder["stores"]}
    for e in eligible:
        assert e.inputs["principalId"] == OPERATOR_GROUP, e.urn
        assert e.inputs["roleDefinitionId"] == role_ids(cfg)["operator"], e.urn
        assert e.inputs["scheduleInfo"]["expiration"] == {
            "type": "AfterDuration", "duration": f"P{cfg.access.operator_eligibility_days}D"}, e.urn
        assert e.inputs["justification"], e.urn
    operator_role = role_ids(cfg)["operator"]
    assert not [a.urn for a in run.of_type(ASSIGNMENT) if a.inputs["roleDefinitionId"] == operator_role], \
        "operators have no standing assignment"


@pytest.mark.parametrize(
    "suffix, definition",
    [
        ("allowed-locations", "e56962a6-4747-49cd-b67b-bf8b01975c4c"),
        ("allowed-rg-locations", "e765b5de-1225-4ba3-bd56-1ac6695af988"),
    ],
)
def test_allowed_locations_policy_at_subscription(planned, suffix, definition):
    cfg, run, _ = planned
    [p] = [p for p in run.of_type(POLICY) if p.name == f"roles-{suffix}"]
    assert p.inputs["scope"] == f"/subscriptions/{cfg.subscription_id}", p.urn
    assert p.inputs["policyDefinitionId"] == f"/providers/Microsoft.Authorization/policyDefinitions/{definition}", p.urn
    assert p.inputs["parameters"] == {"listOfAllowedLocations": {"value": list(config.NORWAY_REGIONS)}}, p.urn
    assert p.inputs["enforcementMode"] == "Default", p.urn
    assert p.inputs["policyAssignmentName"] == f"{cfg.prefix}-{suffix}", p.urn
