"""MfaAccess under the offline engine: groups per controller and role (ECG physicians: readers only,
plus one stack-wide ECG ingest group), declared members only (OUS-7), Conditional Access with MFA
and a compliant device for the VPN and management, MFA on the storage data plane (OUS-6.1.a/c/d,
OUS-6.2, ECG-6, ECG-7)."""

from __future__ import annotations

import pytest

from modules import config
from modules.access import MfaAccess, MfaAccessArgs
from tests.modules.conftest import MIXED_STACK, MIXED_UPLOADER

STACKS = ("ous-kvalitetslab", "ecg247", MIXED_STACK)

GROUP = "azuread:index/group:Group"
MEMBER = "azuread:index/groupMember:GroupMember"
POLICY = "azuread:index/conditionalAccessPolicy:ConditionalAccessPolicy"
COMPONENT = "dpaguard:access:MfaAccess"

SUFFIX = {"uploader": "uploaders", "reader": "readers"}
# Written out, not imported: a typo in the module must fail here (Microsoft's Azure Storage app).
AZURE_STORAGE_APP_ID = "e406a681-f3d4-42a8-90b6-c2b029497af1"
INGEST = "ecg-ingest"
# Ingrid Berg in the OUS stack has no confidentiality declaration on record.
UNDECLARED_OUS_READER = "b1af9a00-ed3c-56d4-9125-e94f110733d4"
# Issue 14: the CISA Entra ID baseline policies (their contents: tests/modules/test_access_baseline.py).
ENTRA_BASELINE = {
    "phishing-resistant-mfa", "privileged-roles-phishing-resistant-mfa", "all-apps-mfa", "block-high-user-risk",
    "block-high-sign-in-risk", "block-device-code-flow", "staff-managed-device", "staff-managed-device-registration",
}


def plan(stack, run_component, name, edit=None):
    s = stack(name, edit)
    holder = {}

    def build(cfg):
        holder["access"] = MfaAccess("access", MfaAccessArgs.from_config(cfg))

    return s.cfg, run_component(s, build), holder["access"]


@pytest.fixture(scope="module", params=STACKS)
def planned(request, stack, run_component):
    return plan(stack, run_component, request.param)


def policies(run):
    return {r.name.removeprefix("access-"): r for r in run.of_type(POLICY)}


def memberships(run):
    """(group display name, member object id) for every GroupMember, via the group it depends on."""
    groups = {r.urn: r.inputs["displayName"] for r in run.of_type(GROUP)}
    pairs = set()
    for m in run.of_type(MEMBER):
        [group_urn] = m.property_dependencies["groupObjectId"]
        pairs.add((groups[group_urn], m.inputs["memberObjectId"]))
    return pairs


def data_roles(controller):
    """ECG physicians' groups only read; the ECG247 ingest group writes for all of them."""
    return ("reader",) if controller.agreement == "ECG" else ("uploader", "reader")


def expected_group_keys(cfg):
    keys = {f"{c.id}-{SUFFIX[role]}" for c in cfg.controllers for role in data_roles(c)}
    return keys | {"operators"} | ({INGEST} if "ECG" in cfg.agreements else set())


def expected_memberships(cfg):
    agreement = {c.id: c.agreement for c in cfg.controllers}
    pairs = set()
    for s in cfg.staff:
        if s.declaration is None:
            continue
        if s.role == "operator":
            pairs.add((f"{cfg.prefix}-operators", s.object_id))
        for c in s.controllers:
            if s.role == "uploader" and agreement[c] == "ECG":
                pairs.add((f"{cfg.prefix}-{INGEST}", s.object_id))
            else:
                pairs.add((f"{cfg.prefix}-{c}-{SUFFIX[s.role]}", s.object_id))
    return pairs


def test_children_of_the_component_with_derived_names(planned):
    _, run, _ = planned
    [component] = run.of_type(COMPONENT)
    for r in run.of_type(GROUP) + run.of_type(MEMBER) + run.of_type(POLICY):
        assert r.parent == component.urn and r.name.startswith("access-"), r.urn


def test_one_group_per_controller_and_data_role_plus_operators(planned):
    cfg, run, _ = planned
    names = {r.inputs["displayName"] for r in run.of_type(GROUP)}
    assert names == {f"{cfg.prefix}-{key}" for key in expected_group_keys(cfg)}
    assert {r.name for r in run.of_type(GROUP)} == {f"access-{key}" for key in expected_group_keys(cfg)}
    assert len(run.of_type(GROUP)) == len(names)


def test_ecg_physicians_get_a_readers_group_only(planned):
    cfg, run, _ = planned
    names = {r.inputs["displayName"]: r.urn for r in run.of_type(GROUP)}
    for c in cfg.controllers_of("ECG"):
        assert f"{cfg.prefix}-{c.id}-readers" in names, c.id
        assert f"{cfg.prefix}-{c.id}-uploaders" not in names, \
            f"{names.get(f'{cfg.prefix}-{c.id}-uploaders')}: ECG data is written by the ingest group"


def test_one_ingest_group_exactly_when_the_stack_serves_ecg(planned):
    cfg, run, access = planned
    ingest = [g for g in run.of_type(GROUP) if g.inputs["displayName"] == f"{cfg.prefix}-{INGEST}"]
    if "ECG" not in cfg.agreements:
        assert not ingest, [g.urn for g in ingest]
        assert INGEST not in access.group_object_ids
        return
    [g] = ingest
    assert g.name == f"access-{INGEST}", g.urn
    [spec] = [spec for spec in MfaAccessArgs.from_config(cfg).groups if spec.key == INGEST]
    assert (spec.role, spec.controller_id) == ("uploader", None), g.urn
    assert "ECG" in g.inputs["description"] and "ingest" in g.inputs["description"], g.urn
    assert "OUS-7" in g.inputs["description"], f"{g.urn}: members need a confidentiality declaration"


def test_groups_are_plain_security_groups(planned):
    _, run, _ = planned
    for g in run.of_type(GROUP):
        flags = {k: g.inputs.get(k) for k in ("securityEnabled", "mailEnabled", "assignableToRole", "preventDuplicateNames")}
        assert flags == {"securityEnabled": True, "mailEnabled": False, "assignableToRole": False,
                         "preventDuplicateNames": True}, g.urn
        assert "members" not in g.inputs, f"{g.urn}: members are GroupMember resources only"


def test_group_descriptions_name_agreement_and_controller(planned):
    cfg, run, _ = planned
    by_name = {g.inputs["displayName"]: g for g in run.of_type(GROUP)}
    for c in cfg.controllers:
        for suffix in (SUFFIX[role] for role in data_roles(c)):
            g = by_name[f"{cfg.prefix}-{c.id}-{suffix}"]
            assert c.agreement in g.inputs["description"] and c.id in g.inputs["description"], g.urn


def test_members_are_exactly_the_declared_staff(planned):
    cfg, run, _ = planned
    assert memberships(run) == expected_memberships(cfg)
    assert len(run.of_type(MEMBER)) == len(expected_memberships(cfg))


def test_ecg_uploaders_join_the_ingest_group_once(planned):
    cfg, run, _ = planned
    ecg = {c.id for c in cfg.controllers_of("ECG")}
    uploaders = {s.object_id for s in cfg.granted_staff() if s.role == "uploader" and ecg & set(s.controllers)}
    assert bool(uploaders) is bool(ecg), "each stack serving ECG lists its ingest service"
    ingest = f"{cfg.prefix}-{INGEST}"
    groups = {r.urn: r.inputs["displayName"] for r in run.of_type(GROUP)}
    for object_id in uploaders:
        rows = [m for m in run.of_type(MEMBER) if m.inputs["memberObjectId"] == object_id
                and groups[m.property_dependencies["groupObjectId"][0]] == ingest]
        assert len(rows) == 1, f"{[m.urn for m in rows]}: one ingest membership per uploader"
        assert rows[0].name == f"access-{INGEST}-{object_id}", rows[0].urn


def test_mixed_uploader_keeps_ous_uploaders_and_joins_ingest(stack, run_component):
    cfg, run, _ = plan(stack, run_component, MIXED_STACK)
    mine = {group for group, member in memberships(run) if member == MIXED_UPLOADER}
    assert mine == {f"{cfg.prefix}-ahus-mbt-uploaders", f"{cfg.prefix}-{INGEST}"}


def test_undeclared_person_gets_no_membership(stack, run_component):
    cfg, run, _ = plan(stack, run_component, "ous-kvalitetslab")
    assert UNDECLARED_OUS_READER in {s.object_id for s in cfg.staff}
    members = {m.inputs["memberObjectId"]: m.urn for m in run.of_type(MEMBER)}
    assert UNDECLARED_OUS_READER not in members, f"{members.get(UNDECLARED_OUS_READER)}: no declaration (OUS-7)"


def test_withdrawn_declaration_removes_every_membership(stack, run_component):
    def drop_declaration(raw):
        raw["staff"][0].pop("confidentialityDeclaration")

    cfg, run, _ = plan(stack, run_component, "ous-kvalitetslab", drop_declaration)
    person = cfg.staff[0]
    assert person.controllers and person.declaration is None
    assert not {m.urn for m in run.of_type(MEMBER) if m.inputs["memberObjectId"] == person.object_id}


def test_every_policy_enforced_with_only_break_glass_excluded(planned):
    cfg, run, _ = planned
    found = policies(run)
    assert set(found) == {"mfa-compliant-device", "block-legacy-auth", "data-plane-mfa", *ENTRA_BASELINE}
    for p in found.values():
        users = p.inputs["conditions"]["users"]
        assert p.inputs["state"] == "enabled", f"{p.urn}: report-only is not enforcement"
        assert p.inputs["displayName"].startswith(f"{cfg.prefix}: "), p.urn
        assert users["excludedUsers"] == list(cfg.access.break_glass), p.urn
        assert not {"excludedGroups", "excludedRoles", "excludedGuestsOrExternalUsers"} & set(users), p.urn
        locations = p.inputs["conditions"]["locations"]
        assert locations == {"includedLocations": ["All"]}, f"{p.urn}: no trusted-location exemption (OUS-6.1.d)"


def test_mfa_and_compliant_device_for_vpn_and_management(planned):
    cfg, run, _ = planned
    p = policies(run)["mfa-compliant-device"]
    cond = p.inputs["conditions"]
    assert set(cond["applications"]["includedApplications"]) == {cfg.vpn.audience, config.AZURE_MANAGEMENT_APP_ID}, p.urn
    assert "excludedApplications" not in cond["applications"], p.urn
    assert cond["users"]["includedUsers"] == ["All"], p.urn
    assert cond["clientAppTypes"] == ["all"], p.urn
    assert p.inputs["grantControls"]["operator"] == "AND", f"{p.urn}: MFA AND compliant device, not either"
    assert set(p.inputs["grantControls"]["builtInControls"]) == {"mfa", "compliantDevice"}, p.urn
    assert p.inputs["sessionControls"] == {
        "signInFrequency": cfg.access.sign_in_frequency_hours,
        "signInFrequencyPeriod": "hours",
        "signInFrequencyInterval": "timeBased",
    }, p.urn


def test_legacy_authentication_blocked(planned):
    _, run, _ = planned
    p = policies(run)["block-legacy-auth"]
    cond = p.inputs["conditions"]
    assert set(cond["clientAppTypes"]) == {"exchangeActiveSync", "other"}, p.urn
    assert cond["applications"]["includedApplications"] == ["All"], p.urn
    assert cond["users"]["includedUsers"] == ["All"], p.urn
    assert p.inputs["grantControls"]["builtInControls"] == ["block"], p.urn


def test_storage_data_plane_needs_mfa_for_everyone(planned):
    _, run, _ = planned
    p = policies(run)["data-plane-mfa"]
    cond = p.inputs["conditions"]
    assert cond["applications"] == {"includedApplications": [AZURE_STORAGE_APP_ID]}, p.urn
    assert cond["users"]["includedUsers"] == ["All"], p.urn
    assert not {"includedGroups", "includedRoles"} & set(cond["users"]), f"{p.urn}: every user, not a list of groups"
    assert cond["clientAppTypes"] == ["all"], p.urn
    assert p.inputs["grantControls"]["operator"] == "OR", p.urn
    assert p.inputs["grantControls"]["builtInControls"] == ["mfa"], p.urn
    # One size at any number of controllers: the policy waits for no group.
    assert not p.dependencies and not p.property_dependencies.get("conditions"), p.urn


def test_exposed_group_ids_cover_every_controller_and_role(planned):
    cfg, _, access = planned
    assert set(access.controller_group_ids) == {c.id for c in cfg.controllers}
    for c in cfg.controllers:
        assert set(access.controller_group_ids[c.id]) == set(data_roles(c)), c.id
    assert set(access.group_object_ids) == expected_group_keys(cfg)
    assert access.operator_group_id is access.group_object_ids["operators"]
    assert set(access.policy_ids) == {"mfa-compliant-device", "block-legacy-auth", "data-plane-mfa", *ENTRA_BASELINE}
