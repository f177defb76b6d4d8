"""LeastPrivilegeRoles under the offline engine: custom least-privilege roles, per-container
assignments capped in time (OUS-6.2, OUS-8, OUS-11, ECG-7), ECG physicians reading their own
container and the ECG247 ingest group writing at each ECG account (ECG-6), PIM for operators,
Norway-only policy. Each dependant waits for exactly the resource it needs, never a whole store.

The stores and groups are stand-ins with the attributes NorwayStorage and MfaAccess expose,
holding known group ids so every assignment's principal can be checked; the stand-in stores
have a child per resource group, account and container, so a dependency on a whole store shows.
Two tests wire the real MfaAccess (and NorwayStorage) instead.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace

import pulumi
import pytest
from pulumi_azure_native import resources, storage

from modules import config, naming
from modules.access import MfaAccess, MfaAccessArgs
from modules.roles import LeastPrivilegeRoles, LeastPrivilegeRolesArgs
from modules.storage import NorwayStorage, NorwayStorageArgs
from tests.modules.conftest import MIXED_STACK

STACKS = ("ous-kvalitetslab", "ecg247", MIXED_STACK)
TODAY = dt.date(2026, 12, 1)

DEFINITION = "azure-native:authorization:RoleDefinition"
ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ELIGIBILITY = "azure-native:authorization:PimRoleEligibilitySchedule"
POLICY = "azure-native:authorization:PolicyAssignment"
DENY = "azure-native:authorization:DenyAssignment"
COMPONENT = "dpaguard:roles:LeastPrivilegeRoles"
RG = "azure-native:resources:ResourceGroup"
ACCOUNT = "azure-native:storage:StorageAccount"
CONTAINER = "azure-native:storage:BlobContainer"

BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"
# Microsoft Learn "Azure built-in roles" (role definition `name`).
BUILT_IN_PRIVILEGED = {
    "8e3af657-a8ff-443c-a75c-2fe8c4bcb635",  # Owner
    "b24988ac-6180-42a0-ab88-20f7382dd24c",  # Contributor
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",  # User Access Administrator
}
OPERATOR_GROUP = "99999999-0000-4000-8000-000000000000"
INGEST_GROUP = "88888888-0000-4000-8000-000000000000"
INGEST = "ecg-ingest"
PE_SUBNET = "/subscriptions/0/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v/subnets/private-endpoints"
DNS_ZONE = "/subscriptions/0/resourceGroups/rg-net/providers/Microsoft.Network/privateDnsZones/privatelink.blob.core.windows.net"


def group_id(controller_id: str, role: str) -> str:
    return f"group-{controller_id}-{role}"


def data_roles(agreement: str) -> tuple[str, ...]:
    """ECG physicians' groups only read their container; the ingest group writes (at the accounts)."""
    return ("reader",) if agreement == "ECG" else ("uploader", "reader")


def account_names(cfg, agreement):
    if agreement == "OUS":
        return [naming.ous_account(cfg.prefix)]
    return [naming.ecg_account(cfg.prefix, shard) for shard in range(cfg.ecg.accounts)]


class StandInStore(pulumi.ComponentResource):
    """The attributes of NorwayStorage that LeastPrivilegeRoles reads, with a child resource for the
    resource group, each account and each container (as NorwayStorage has), so that depending on
    the whole store would show as waiting for all of them."""

    def __init__(self, cfg, agreement):
        name = f"store-{agreement.lower()}"
        super().__init__("test:storage:StandInStore", name)
        child = pulumi.ResourceOptions(parent=self)
        sub, rg = cfg.subscription_id, naming.data_resource_group(cfg.prefix, agreement)
        self.agreement = agreement
        self.resource_group_id = naming.resource_group_id(sub, rg)
        self.resource_group = resources.ResourceGroup(f"{name}-rg", resource_group_name=rg, opts=child)
        self.account_ids, self.accounts = [], {}
        for account in account_names(cfg, agreement):
            account_id = naming.storage_account_id(sub, rg, account)
            self.account_ids.append(account_id)
            self.accounts[account_id] = storage.StorageAccount(
                f"{name}-{account}", account_name=account, resource_group_name=rg, kind=storage.Kind.STORAGE_V2,
                sku=storage.SkuArgs(name=storage.SkuName.STANDARD_ZRS), opts=child)
        self.container_ids, self.scores_container_ids, self.containers = {}, {}, {}
        for c in cfg.controllers_of(agreement):
            if agreement == "OUS":
                account = naming.ous_account(cfg.prefix)
                self.container_ids[c.id] = self._container(name, sub, rg, account, naming.recordings_container(c.id))
                if c.scores_consent:
                    self.scores_container_ids[c.id] = self._container(
                        name, sub, rg, account, naming.scores_container(c.id))
            else:
                account = naming.ecg_account(cfg.prefix, cfg.ecg.shard_of(c.id))
                self.container_ids[c.id] = self._container(name, sub, rg, account, naming.ecg_container(c.id))
        self.register_outputs({})

    def _container(self, name, sub, rg, account, container):
        arm_id = naming.container_id(sub, rg, account, container)
        self.containers[arm_id] = storage.BlobContainer(
            f"{name}-{container}", account_name=account, resource_group_name=rg, container_name=container,
            opts=pulumi.ResourceOptions(parent=self))
        return arm_id


def stand_in_stores(cfg):
    return [StandInStore(cfg, agreement) for agreement in cfg.agreements]


def real_stores(cfg):
    return [
        NorwayStorage(a.lower(), NorwayStorageArgs.from_config(
            cfg, a, private_endpoint_subnet_id=PE_SUBNET, blob_dns_zone_id=DNS_ZONE, today=TODAY))
        for a in cfg.agreements
    ]


def stand_in_access(cfg):
    """The shape MfaAccess exposes: ECG physicians have a readers group only, plus `ecg-ingest`."""
    controller_group_ids = {
        c.id: {role: pulumi.Output.from_input(group_id(c.id, role)) for role in data_roles(c.agreement)}
        for c in cfg.controllers
    }
    group_object_ids = {"operators": pulumi.Output.from_input(OPERATOR_GROUP)}
    if "ECG" in cfg.agreements:
        group_object_ids[INGEST] = pulumi.Output.from_input(INGEST_GROUP)
    return SimpleNamespace(
        operator_group_id=group_object_ids["operators"],
        controller_group_ids=controller_group_ids,
        group_object_ids=group_object_ids,
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


def definitions(run, deployer=False):
    """Role -> definition; the deployer role (deploy rights, tested below) only when asked for."""
    found = {r.name.removeprefix("roles-").removesuffix("-role"): r for r in run.of_type(DEFINITION)}
    return found if deployer else {k: v for k, v in found.items() if k != "deployer"}


def operator_eligibilities(cfg, run):
    return [e for e in run.of_type(ELIGIBILITY) if e.inputs["roleDefinitionId"] == role_ids(cfg)["operator"]]


def role_ids(cfg):
    return {
        role: naming.role_definition_id(cfg.subscription_id, naming.stable_guid(cfg.subscription_id, cfg.prefix, "role", role))
        for role in ("uploader", "reader", "operator")
    }


def ecg_account_ids(cfg):
    rg = naming.data_resource_group(cfg.prefix, "ECG")
    return {naming.storage_account_id(cfg.subscription_id, rg, a) for a in account_names(cfg, "ECG")} \
        if "ECG" in cfg.agreements else set()


def expected_assignments(cfg, stores, today=TODAY):
    """(scope, role, principal, condition end date or None), computed from config independently of roles.py."""
    ids = role_ids(cfg)
    rows = set()
    for store in stores:
        for cid, scope in store.container_ids.items():
            c = next(c for c in cfg.controllers if c.id == cid)
            if c.access_ends is not None and c.access_ends <= today:
                continue
            for role in data_roles(c.agreement):
                rows.add((scope, ids[role], group_id(cid, role), c.access_ends))
            if cid in store.scores_container_ids:
                rows.add((store.scores_container_ids[cid], ids["reader"], group_id(cid, "reader"), c.access_ends))
    # ECG-6: the ECG247 ingest service writes every physician's data, at each ECG account.
    rows |= {(account_id, ids["uploader"], INGEST_GROUP, None) for account_id in ecg_account_ids(cfg)}
    return rows


def scope_resources(cfg, run):
    """ARM id -> URN of every storage account and container in the run, from their inputs."""
    sub = cfg.subscription_id
    found = {naming.storage_account_id(sub, r.inputs["resourceGroupName"], r.inputs["accountName"]): r.urn
             for r in run.of_type(ACCOUNT)}
    found |= {naming.container_id(sub, r.inputs["resourceGroupName"], r.inputs["accountName"],
                                  r.inputs["containerName"]): r.urn
              for r in run.of_type(CONTAINER)}
    return found


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
        # Create-only (issue 10): blobs/write would let an uploader overwrite evidence.
        ("uploader", set(), {f"{BLOBS}/add/action"}),
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


def test_definitions_and_eligibility_wait_for_exactly_the_data_resource_groups(planned):
    cfg, run, holder = planned
    groups = {r.urn for r in run.of_type(RG)}
    assert len(groups) == len(holder["stores"]) == len(cfg.agreements)
    operator = definitions(run)["operator"].urn
    for d in definitions(run).values():
        assert set(d.dependencies) == groups, f"{d.urn}: waits for the data resource groups, nothing else"
    for e in operator_eligibilities(cfg, run):
        assert set(e.dependencies) == groups | {operator}, f"{e.urn}: waits for its role and the resource groups"


def test_each_assignment_waits_for_its_definition_and_exactly_its_scope(planned):
    cfg, run, _ = planned
    definition_of = {role_ids(cfg)[role]: d.urn for role, d in definitions(run).items()}
    scopes = scope_resources(cfg, run)
    assignments = run.of_type(ASSIGNMENT)
    assert assignments
    for a in assignments:
        expected = {definition_of[a.inputs["roleDefinitionId"]], scopes[a.inputs["scope"]]}
        # A dependency on a whole store is one on every child of it: quadratic plans (bench/plan_scale.py).
        assert set(a.dependencies) == expected, \
            f"{a.urn}: waits for {sorted(a.dependencies)}, not exactly its definition and {a.inputs['scope']}"


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
    accounts = ecg_account_ids(cfg)
    names = set()
    for a in run.of_type(ASSIGNMENT):
        assert a.inputs["principalType"] == "Group", a.urn
        assert a.inputs["roleDefinitionId"] in custom, a.urn
        assert a.inputs["roleDefinitionId"].rsplit("/", 1)[-1] not in BUILT_IN_PRIVILEGED, a.urn
        if a.inputs["principalId"] == INGEST_GROUP:
            # ECG-6: the one account-wide grant, write-only, for the ingest service alone.
            assert a.inputs["scope"] in accounts, f"{a.urn}: ingest scope is an ECG account"
            assert a.inputs["roleDefinitionId"] == role_ids(cfg)["uploader"], a.urn
        else:
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
        ("uploader", [f"{BLOBS}/add/action"]),
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
        owner = INGEST if a.name.startswith(f"roles-{INGEST}-") else a.name.removeprefix("roles-").rsplit("-", 2)[0]
        by_controller.setdefault(owner, []).append(a)
    assert {condition_end(a) for a in by_controller[first]} == {dt.date(2027, 6, 30)}
    assert second not in by_controller, "ECG-11: access ends with the agreement"
    others = [a for cid, rows in by_controller.items() if cid != first for a in rows]
    assert others and all("condition" not in a.inputs for a in others)
    assert len(by_controller[INGEST]) == cfg.ecg.accounts, "the ingest grants carry no controller's end"


def test_ecg_physicians_read_their_container_and_ingest_writes_each_account(planned):
    cfg, run, holder = planned
    ecg = [s for s in holder["stores"] if s.agreement == "ECG"]
    ecg_containers = {scope for s in ecg for scope in s.container_ids.values()}
    ecg_names = {a.name for a in run.of_type(ASSIGNMENT) if a.inputs["scope"] in ecg_containers | ecg_account_ids(cfg)}
    expected = {f"roles-{c.id}-reader-data" for c in cfg.controllers_of("ECG")
                if c.access_ends is None or c.access_ends > TODAY}
    expected |= {f"roles-{INGEST}-uploader-account-{a}" for a in account_names(cfg, "ECG")} if ecg else set()
    assert ecg_names == expected
    ingest = [a for a in run.of_type(ASSIGNMENT) if a.inputs["principalId"] == INGEST_GROUP]
    assert {a.inputs["scope"] for a in ingest} == ecg_account_ids(cfg)
    assert len(ingest) == len(ecg_account_ids(cfg))
    for a in ingest:
        assert "condition" not in a.inputs and "conditionVersion" not in a.inputs, a.urn
        assert a.inputs["roleDefinitionId"] == role_ids(cfg)["uploader"], f"{a.urn}: write-only, no read (ECG-6)"
    uploader = role_ids(cfg)["uploader"]
    assert not [a.urn for a in run.of_type(ASSIGNMENT)
                if a.inputs["scope"] in ecg_containers and a.inputs["roleDefinitionId"] == uploader], \
        "no per-physician uploader grants on ECG containers"


def test_assignment_names_keyed_by_owner_role_and_scope(planned):
    cfg, run, holder = planned
    roles = holder["roles"]
    by_pulumi_name = {a.name: a.inputs["roleAssignmentName"] for a in run.of_type(ASSIGNMENT)}
    assert {f"roles-{key.replace('/', '-')}": guid for key, guid in roles.assignment_names.items()} == by_pulumi_name
    ingest_keys = {k for k in roles.assignment_names if k.startswith(f"{INGEST}/")}
    expected = {f"{INGEST}/uploader/account/{a}" for a in account_names(cfg, "ECG")} if "ECG" in cfg.agreements else set()
    assert ingest_keys == expected


@pytest.mark.parametrize("name", STACKS)
def test_principals_are_the_real_groups_when_wired_to_mfa_access(stack, run_component, name):
    s = stack(name)

    def build(cfg):
        access = MfaAccess("access", MfaAccessArgs.from_config(cfg))
        LeastPrivilegeRoles("roles", LeastPrivilegeRolesArgs.from_config(
            cfg, stores=stand_in_stores(cfg), access=access, today=TODAY))

    run = run_component(s, build)
    groups = {g.urn: g.inputs["displayName"] for g in run.of_type("azuread:index/group:Group")}
    assert run.of_type(ASSIGNMENT)
    for a in run.of_type(ASSIGNMENT):
        [group] = a.property_dependencies["principalId"]
        ingest = re.fullmatch(rf"roles-{INGEST}-uploader-account-([a-z0-9]+)", a.name)
        if ingest:
            assert groups[group] == f"{s.cfg.prefix}-{INGEST}", a.urn
            continue
        _, cid, role, _ = re.match(r"(roles)-(.+)-(uploader|reader)-(data|scores)$", a.name).groups()
        assert groups[group] == f"{s.cfg.prefix}-{cid}-{role}s", a.urn
    for e in run.of_type(ELIGIBILITY):
        [group] = e.property_dependencies["principalId"]
        assert groups[group] == f"{s.cfg.prefix}-operators", e.urn


@pytest.mark.parametrize("name", STACKS)
def test_wired_to_real_stores_each_dependant_waits_for_exactly_its_resources(stack, run_component, name):
    s = stack(name)

    def build(cfg):
        access = MfaAccess("access", MfaAccessArgs.from_config(cfg))
        LeastPrivilegeRoles("roles", LeastPrivilegeRolesArgs.from_config(
            cfg, stores=real_stores(cfg), access=access, today=TODAY))

    run = run_component(s, build)
    cfg = s.cfg
    groups = {r.urn for r in run.of_type(RG)}
    definition_of = {role_ids(cfg)[role]: d.urn for role, d in definitions(run).items()}
    scopes = scope_resources(cfg, run)
    assert len(groups) == len(cfg.agreements)
    for d in definitions(run).values():
        assert set(d.dependencies) == groups, f"{d.urn}: waits for the data resource groups, nothing else"
    assert run.of_type(ASSIGNMENT)
    for a in run.of_type(ASSIGNMENT):
        principal = set(a.property_dependencies["principalId"])
        expected = {definition_of[a.inputs["roleDefinitionId"]], scopes[a.inputs["scope"]]} | principal
        assert set(a.dependencies) == expected, \
            f"{a.urn}: waits for {sorted(a.dependencies)}, not exactly its definition, group and {a.inputs['scope']}"
    operator = definitions(run)["operator"].urn
    for e in operator_eligibilities(cfg, run):
        expected = groups | {operator} | set(e.property_dependencies["principalId"])
        assert set(e.dependencies) == expected, f"{e.urn}: waits for its role and the resource groups"


# --------------------------------------------------------------------------- PIM and policy


def test_operators_only_eligible_time_bound_at_each_data_group(planned):
    cfg, run, holder = planned
    eligible = operator_eligibilities(cfg, run)
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
