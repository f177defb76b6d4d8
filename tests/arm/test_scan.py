"""checkov over the rendered templates: the shipped stacks pass, every mutation is caught (or is CrossGuard's alone).

checkov is slow to start (seconds), so this module runs it as few times as it can:
- once over a directory holding the two shipped stacks' templates and one small template per
  (mutation, stack): the resources the mutation changed or added, rendered alone (checkov's
  ARM checks look at one resource at a time, so nothing else can change their verdict);
- once in checkov's own environment to list which resource types its built-in checks cover;
- once through the CLI (`dpaguard scan` on a mutated plan, SARIF).

`ENGINES` is the table the issue asks for: per mutation of tests/policies/mutations/, the
checkov checks that must fail on it, or why only CrossGuard can see it.
"""

from __future__ import annotations

import copy
import json
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import jsonschema
import pytest

from dpaguard.arm import checkov
from dpaguard.arm.checks import catalogue, clauses_from_name
from dpaguard.arm.render import render
from dpaguard.arm.scan import (
    FAILED,
    Scan,
    render_json,
    render_junit,
    render_sarif,
    render_text,
    run_checkov,
    side_by_side,
)
from dpaguard.checking.evaluate import evaluate
from dpaguard.checking.inputs import from_plan
from dpaguard.checking.report import ReportContext
from dpaguard.cli import main
from policies.pack import POLICIES
from tests.policies.plans import PLANNED_STACKS, SHIPPED_STACKS, shipped_plan
from tests.policies.test_mutations import MUTATIONS

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Checkov:
    """checkov fails exactly these checks on the mutated resources (built-in CKV_AZURE_*, custom CKV_DPA_*)."""

    checks: frozenset[str]

    def __init__(self, *checks: str):
        object.__setattr__(self, "checks", frozenset(checks))


@dataclass(frozen=True)
class CrossGuardOnly:
    """No checkov check can see it; the reason says why."""

    reason: str
    checks: frozenset[str] = frozenset()


ABSENT = "a resource is missing; checkov's ARM checks judge the resources that exist, one at a time"
LINK = "depends on another resource of the plan; checkov's ARM checks see one resource at a time"
REGISTER = "depends on the stack register (controllers, dates, contacts, locations), which only CrossGuard reads"
STACK_ACCOUNTS = ("which storage accounts are the stack's is in the stack register (storageAccounts), which only "
                  "CrossGuard reads; checkov's ARM checks see one resource at a time")
AGREEMENT = ("depends on which agreement the account's data falls under: the same blob-service setting is required "
             "for ECG-7S and forbidden for OUS-5, and the blob service carries no tag saying which")
ENTRA = "an Entra ID object (group, membership, Conditional Access): no ARM form, nothing for checkov to scan"
NO_ZONE_CHECK = "no checkov check reads an Azure Firewall's zones; a custom check was not written (issue 10)"
NO_GROUP_IDS_CHECK = "no checkov check reads a private endpoint's groupIds; a custom check was not written"
TENANT = ("the Entra ID diagnostic setting is a tenant-scope resource (Microsoft.AADIAM/diagnosticSettings) that a "
          "subscription template cannot hold: listed as skipped, nothing for checkov to scan")
OTHER_PROVIDER = "a resource of another provider (classic azure, azapi): not azure-native, listed as skipped"
NESTED = ("an inline ARM deployment (resources:Deployment) is not rendered from plans; its template's contents are "
          "data to dpaguard")
NO_MAPPING = "the added type (a policy exemption) has no ARM mapping in dpaguard's catalogue: listed as skipped"
CLOSED_WORLD = "a type the pack does not read is refused as such (closed world); checkov judges resources it knows"
UNKNOWN_VALUE = ("the value is unknown in the plan and becomes a template parameter; checkov returns UNKNOWN for it, "
                 "which it does not report")
DEFINED_ELSEWHERE = ("the assigned role is not defined by the stack: knowing that needs the assignment's dependency on "
                     "a role definition of the plan; checkov sees one resource at a time")
PROVIDER = "a Pulumi provider's configuration (its subscription) has no ARM form; nothing for checkov to scan"
UNRENDERED = "the added resource's type (Azure SQL) has no ARM mapping in dpaguard's catalogue: listed as skipped"

# mutation id -> the engine that catches it besides CrossGuard. The table is the answer to "what
# would checkov alone miss?": every CrossGuardOnly row.
ENGINES: dict[str, Checkov | CrossGuardOnly] = {
    # storage hardening
    "storage-shared-key-on": Checkov("CKV_DPA_1"),
    "storage-public-network-enabled": Checkov("CKV_AZURE_59", "CKV_DPA_6"),
    "storage-public-network-unset": Checkov("CKV_DPA_6"),  # CKV_AZURE_59 lets an absent value through
    "storage-firewall-default-allow": Checkov("CKV_AZURE_35"),
    "storage-firewall-ip-rule": Checkov("CKV_DPA_7"),
    "storage-firewall-trusted-services-bypass": Checkov("CKV_DPA_7"),  # CKV_AZURE_36 asks for it (skipped)
    "storage-private-endpoint-removed": CrossGuardOnly(ABSENT),
    "storage-private-endpoint-wrong-service": CrossGuardOnly(LINK),
    "storage-blob-public-access-on": Checkov("CKV_DPA_2"),
    "storage-container-public": Checkov("CKV_AZURE_34"),
    "storage-tls-1-0": Checkov("CKV_AZURE_44"),
    "storage-http-allowed": Checkov("CKV_AZURE_3"),
    "storage-cross-tenant-replication-on": Checkov("CKV_DPA_3"),
    "storage-copy-scope-aad": Checkov("CKV_DPA_4"),
    "storage-single-encryption": Checkov("CKV_DPA_5"),
    # which account the container's name came from is the plan's propertyDependencies, not in the template
    "storage-container-in-outside-account": CrossGuardOnly(LINK),
    "storage-container-names-outside-account": CrossGuardOnly(STACK_ACCOUNTS),
    "storage-private-endpoint-retargeted-outside": CrossGuardOnly(STACK_ACCOUNTS),
    "storage-private-endpoint-extra-to-outside-account": CrossGuardOnly(STACK_ACCOUNTS),
    "storage-private-endpoint-extra-to-private-link-service": CrossGuardOnly(STACK_ACCOUNTS),
    "storage-private-endpoint-extra-to-sql-server": CrossGuardOnly(STACK_ACCOUNTS),
    "storage-private-endpoint-extra-to-blob-secondary": CrossGuardOnly(NO_GROUP_IDS_CHECK),
    "storage-private-endpoint-manual-beside-own": CrossGuardOnly(STACK_ACCOUNTS),
    # The blob service's setting is gone (moved to the file service, which takes the same categories).
    "audit-blob-setting-on-file-service": CrossGuardOnly(ABSENT),
    "audit-blob-setting-on-file-service-by-depends-on": CrossGuardOnly(ABSENT),
    # location
    "location-workspace-west-europe": Checkov("CKV_DPA_15"),
    "location-data-account-sweden": Checkov("CKV_DPA_15"),
    "location-endpoint-global": Checkov("CKV_DPA_15"),
    "location-data-group-unlocated": Checkov("CKV_DPA_15"),
    # RA-GRS in West Europe: abroad, and a geo copy (OUS-5) that is not zone-redundant (ECG-7S) too
    "location-geo-replica-abroad": Checkov("CKV_DPA_15", "CKV_DPA_21"),
    "location-allowed-locations-unassigned": CrossGuardOnly(ABSENT),
    "location-allowed-locations-abroad": Checkov("CKV_DPA_20"),
    "location-allowed-locations-not-enforced": Checkov("CKV_DPA_20"),
    # retention
    "retention-ous-versioning-on": CrossGuardOnly(AGREEMENT),
    "retention-ous-month-of-soft-delete": CrossGuardOnly(AGREEMENT),
    "retention-ous-point-in-time-restore": CrossGuardOnly(AGREEMENT),
    "retention-ous-lifecycle-removed": CrossGuardOnly(ABSENT),
    "retention-ous-lifecycle-after-a-year": CrossGuardOnly(REGISTER),
    "retention-ous-snapshots-kept": CrossGuardOnly(AGREEMENT),
    "retention-ous-lifecycle-by-last-access": CrossGuardOnly(AGREEMENT),
    "retention-ous-geo-replicated": Checkov("CKV_DPA_21"),  # CKV_AZURE_206 would pass it: it asks for geo copies
    "retention-ous-object-replication": CrossGuardOnly(LINK),
    "retention-ecg-locally-redundant": Checkov("CKV_DPA_21"),
    "retention-ecg-versioning-off": CrossGuardOnly(AGREEMENT),
    "retention-ecg-soft-delete-off": CrossGuardOnly(AGREEMENT),
    "retention-ecg-blob-service-removed": CrossGuardOnly(ABSENT),
    "retention-ecg-kept-past-retention": CrossGuardOnly(REGISTER),
    "retention-ecg-lifecycle-removed": CrossGuardOnly(ABSENT),
    "retention-ecg-versions-kept-forever": CrossGuardOnly(AGREEMENT),
    "retention-ecg-append-blobs-escape": CrossGuardOnly(REGISTER),
    # governance
    "governance-account-shared-by-agreements": CrossGuardOnly(LINK),
    "governance-other-agreements-container": CrossGuardOnly(LINK),
    "governance-database-in-data-group": CrossGuardOnly(UNRENDERED),
    "governance-ous-file-share": CrossGuardOnly(LINK),
    "governance-ous-other-data-container": CrossGuardOnly(REGISTER),
    "governance-scores-without-consent": CrossGuardOnly(REGISTER),
    "governance-controller-container-removed": CrossGuardOnly(ABSENT),
    "governance-controller-group-removed": CrossGuardOnly(ENTRA),
    "governance-account-unclassified": Checkov("CKV_DPA_22"),
    "governance-pseudonymisation-unrecorded": Checkov("CKV_DPA_22"),
    "governance-sub-processor-outside-eea": CrossGuardOnly(REGISTER),
    # network
    "vpn-adds-ikev2": Checkov("CKV_DPA_10"),
    "vpn-adds-certificate-login": Checkov("CKV_DPA_10"),
    "vpn-issuer-without-slash": Checkov("CKV_DPA_10"),
    "vpn-split-tunnel": Checkov("CKV_DPA_9"),
    "vpn-custom-routes-removed": Checkov("CKV_DPA_9"),
    "vpn-site-breaks-out": Checkov("CKV_DPA_12"),
    "vpn-gateway-not-zone-redundant": Checkov("CKV_DPA_11"),
    "nsg-ssh-from-internet": Checkov("CKV_DPA_8"),  # source "Internet": CKV_AZURE_10 compares case-sensitively
    "nsg-standalone-rdp-rule": Checkov("CKV_AZURE_9", "CKV_DPA_8"),
    # identity
    # bypass shapes and undecidable values (tests/policies/mutations/bypass_shapes.py and others)
    "closed-world-classic-provider": CrossGuardOnly(OTHER_PROVIDER),
    "closed-world-azapi": CrossGuardOnly(OTHER_PROVIDER),
    "closed-world-nested-arm-deployment": CrossGuardOnly(NESTED),
    "closed-world-policy-exemption": CrossGuardOnly(NO_MAPPING),
    "closed-world-entra-global-administrator": CrossGuardOnly(ENTRA),
    # an unread type (a key vault) trips checkov's key vault hygiene checks, not the closed-world rule
    "closed-world-unread-type": CrossGuardOnly(CLOSED_WORLD, frozenset({"CKV_AZURE_109", "CKV_AZURE_110",
                                                                      "CKV_AZURE_189", "CKV_AZURE_42"})),
    "versioned-token-shared-key-on": Checkov("CKV_DPA_1"),  # rendered as its base type (catalog.versioned)
    "principal-not-a-stack-group": CrossGuardOnly(LINK),
    "logs-shipped-to-storage-outside": CrossGuardOnly(LINK),
    "logs-shipped-to-event-hub": CrossGuardOnly(LINK),
    "logs-to-workspace-outside-stack": CrossGuardOnly(LINK),
    "regional-type-without-location": Checkov("CKV_DPA_15"),
    "allowed-locations-not-scopes": Checkov("CKV_DPA_20"),
    "lifecycle-index-tag-filter": CrossGuardOnly(AGREEMENT),
    "unknown-shared-key-access": CrossGuardOnly(UNKNOWN_VALUE),
    "unknown-account-location": CrossGuardOnly(UNKNOWN_VALUE),
    "unknown-ca-conditions": CrossGuardOnly(ENTRA),
    # a secret TLS version is a template parameter, which CKV_AZURE_44 fails as not TLS1_2
    "secret-tls-version": Checkov("CKV_AZURE_44"),
    "ca-trusted-locations-exempt": CrossGuardOnly(ENTRA),
    "entra-logs-removed": CrossGuardOnly(TENANT),
    "entra-logs-risk-categories-dropped": CrossGuardOnly(TENANT),
    "entra-logs-also-to-storage": CrossGuardOnly(TENANT),
    "entra-logs-workspace-outside-stack": CrossGuardOnly(TENANT),
    "entra-ca-phishing-resistant-removed": CrossGuardOnly(ENTRA),
    "entra-ca-phishing-resistant-weakened": CrossGuardOnly(ENTRA),
    "entra-ca-phishing-resistant-or-mfa": CrossGuardOnly(ENTRA),
    "entra-ca-privileged-roles-global-admin-dropped": CrossGuardOnly(ENTRA),
    "entra-ca-all-resources-mfa-removed": CrossGuardOnly(ENTRA),
    "entra-ca-user-risk-block-removed": CrossGuardOnly(ENTRA),
    "entra-ca-sign-in-risk-medium-only": CrossGuardOnly(ENTRA),
    "entra-ca-device-code-with-transfer": CrossGuardOnly(ENTRA),
    "entra-ca-device-code-report-only": CrossGuardOnly(ENTRA),
    "entra-ca-staff-device-misses-operator": CrossGuardOnly(ENTRA),
    "entra-ca-staff-device-or-mfa": CrossGuardOnly(ENTRA),
    "entra-ca-staff-registration-removed": CrossGuardOnly(ENTRA),
    "ca-mfa-or-device": CrossGuardOnly(ENTRA),
    "ca-mfa-report-only": CrossGuardOnly(ENTRA),
    "ca-sign-in-frequency-removed": CrossGuardOnly(ENTRA),
    "ca-legacy-auth-allowed": CrossGuardOnly(ENTRA),
    "ca-staff-excluded": CrossGuardOnly(ENTRA),
    "group-member-undeclared": CrossGuardOnly(ENTRA),
    # rbac
    "rbac-owner-for-operators": Checkov("CKV_DPA_14"),
    "rbac-uploader-reads": Checkov("CKV_DPA_13"),
    "rbac-operator-wildcard": Checkov("CKV_DPA_13"),
    "rbac-direct-user-assignment": Checkov("CKV_DPA_18"),
    "rbac-reader-at-account": CrossGuardOnly(LINK),
    "rbac-reader-granted-to-other-controller": CrossGuardOnly(LINK),
    "rbac-reader-granted-to-operators": CrossGuardOnly(LINK),
    "rbac-reader-granted-to-literal-principal": CrossGuardOnly(LINK),
    "rbac-pim-never-expires": Checkov("CKV_DPA_19"),
    "deployer-eligible-forever": Checkov("CKV_DPA_19"),
    "deployer-standing-assignment": CrossGuardOnly(LINK),  # which role the assignment grants is another resource
    "deployer-eligibility-unconstrained": CrossGuardOnly(LINK),  # whether the role assigns roles: its definition
    "deployer-may-assign-owner": CrossGuardOnly(LINK),
    "deployer-changes-governance": Checkov("CKV_DPA_13"),
    # which GUIDs are the stack's assignable roles is the register's (a definition's GUID is in no preview output)
    "deployer-may-assign-unassigned-assigner": CrossGuardOnly(REGISTER),
    "deployer-may-assign-blob-data-reader": CrossGuardOnly(REGISTER),
    "deployer-may-remove-role-outside-stack": CrossGuardOnly(REGISTER),
    "deployer-standing-posing-as-reader": CrossGuardOnly(LINK),  # the role named vs the definition depended on
    # which GUID is which kind of role is the register's (roles, roleNames)
    "role-guids-swapped-reader-deployer": CrossGuardOnly(REGISTER),
    "role-shadow-reader-under-uploader-guid": CrossGuardOnly(REGISTER),
    "register-assignable-roles-widened": CrossGuardOnly(REGISTER),
    # a second definition of a kind, and what a grant depends on / takes its role id from
    "deployer-eligibility-via-decoy-role": CrossGuardOnly(LINK),
    "deployer-standing-via-decoy-role": CrossGuardOnly(LINK),
    "grant-role-id-from-container-urn": CrossGuardOnly(LINK),
    # CKV_AZURE_183 (VNet uses local DNS addresses) fails on it too, but builtin_clauses.yaml maps it to no clause
    "dns-vpn-clients-public-resolver": CrossGuardOnly(LINK, frozenset({"CKV_AZURE_183"})),
    "dns-resolver-address-dynamic": CrossGuardOnly(UNKNOWN_VALUE),
    "rbac-operator-standing-access": CrossGuardOnly(LINK),
    "ous-access-outlives-agreement": CrossGuardOnly(REGISTER),
    "ous-access-without-expiry": CrossGuardOnly(REGISTER),
    "ecg-access-after-agreement-ended": CrossGuardOnly(REGISTER),
    "deny-assignment-added": Checkov("CKV_DPA_23"),
    "ous-controller-uploader-removed": CrossGuardOnly(ABSENT),
    # audit and breach notification
    "audit-retention-30-days": Checkov("CKV_DPA_17"),
    "audit-blob-deletes-not-logged": Checkov("CKV_DPA_16"),
    "audit-vpn-logs-removed": CrossGuardOnly(ABSENT),
    "audit-activity-log-removed": CrossGuardOnly(ABSENT),
    "breach-dpo-not-notified": CrossGuardOnly(REGISTER),
    "breach-controller-not-notified": CrossGuardOnly(REGISTER),
    "breach-alerts-unrouted": CrossGuardOnly(LINK),
    # egress through the secured hub (issue 10; tests/policies/mutations/egress_dns_deploy.py, on the
    # `-vnetgw` variants). CKV_AZURE_216 (the firewall's classic threatIntelMode) is in
    # policies/checkov/skips.yaml: a secured-hub firewall is run by its firewall policy (Deny there).
    "egress-firewall-allow-all": Checkov("CKV_DPA_24"),
    "egress-firewall-outside-norway": Checkov("CKV_DPA_15"),
    "egress-firewall-not-zone-redundant": CrossGuardOnly(NO_ZONE_CHECK),
    "egress-firewall-logs-off": CrossGuardOnly(ABSENT),
    "egress-hub-split-tunnel": Checkov("CKV_DPA_25"),
    # the shipped stacks' own secured hub (tests/policies/mutations/vpn_hub.py)
    "hub-adds-ikev2": Checkov("CKV_DPA_10"),
    "hub-adds-certificate-login": Checkov("CKV_DPA_10"),
    "hub-adds-radius-policy-group": Checkov("CKV_DPA_10"),
    "hub-issuer-without-slash": Checkov("CKV_DPA_10"),
    "hub-second-client-pool": CrossGuardOnly(REGISTER),  # the pool each configuration must hand out is the register's
    "hub-foreign-server-config": CrossGuardOnly(LINK),
    "hub-internet-security-off": Checkov("CKV_DPA_25"),
    "hub-routing-intent-removed": CrossGuardOnly(ABSENT),
    "hub-vpn-encryption-off": Checkov("CKV_DPA_25"),
    "hub-gateway-in-norwaywest": Checkov("CKV_DPA_11"),
    "hub-connection-routes-internet-to-vnet": Checkov("CKV_DPA_12"),
    "hub-clients-public-dns": CrossGuardOnly(LINK),
    "hub-p2s-logs-removed": CrossGuardOnly(ABSENT),
    # review shapes (tests/policies/mutations/review_shapes.py)
    "rbac-builtin-key-operator-granted": CrossGuardOnly(DEFINED_ELSEWHERE),
    "rbac-role-defined-elsewhere-granted": CrossGuardOnly(DEFINED_ELSEWHERE),
    "rbac-operator-writes-account": Checkov("CKV_DPA_13"),
    "rbac-reader-super-user-read-suffix": Checkov("CKV_DPA_13"),
    "retention-ecg-early-delete-all-blobs": CrossGuardOnly(REGISTER),
    "retention-ecg-early-delete-broad-prefix": CrossGuardOnly(REGISTER),
    "location-provider-other-subscription": CrossGuardOnly(PROVIDER),
    "storage-local-users-on": Checkov("CKV_DPA_1"),
    "storage-sftp-on": Checkov("CKV_DPA_1"),
    "storage-nfs-v3-on": Checkov("CKV_DPA_1"),
    # tests/policies/mutations/endpoint_subnet_and_log_workspace.py: the stack's private-endpoint subnet and
    # audit workspace are the register's (privateEndpointSubnets, auditWorkspaceId)
    "storage-private-endpoint-second-from-other-vnet": CrossGuardOnly(REGISTER),
    "storage-private-endpoint-second-from-other-subscription": CrossGuardOnly(REGISTER),
    "audit-blob-setting-workspace-retargeted": CrossGuardOnly(REGISTER),
    "audit-activity-log-workspace-retargeted": CrossGuardOnly(REGISTER),
    "entra-logs-workspace-retargeted": CrossGuardOnly(TENANT),
}


def _key(mutation_id: str, stack: str) -> str:
    return re.sub(r"[^\w@-]", "_", f"m-{mutation_id}@{stack}")


def _inputs(document: dict) -> dict[str, str]:
    return {r["urn"]: json.dumps(r["inputs"], sort_keys=True) for r in document["resources"]}


@dataclass
class Batch:
    templates: dict
    run: checkov.Run
    results: dict
    catalogue: object
    checked: dict
    seconds: float


@pytest.fixture(scope="module")
def batch() -> Batch:
    checks = catalogue(ROOT)
    templates, checked, baseline = {}, {}, {}
    # The VNet-gateway variants (`<stack>-vnetgw`) too: mutations of the VNet gateway run on them.
    for stack in PLANNED_STACKS:
        plan = shipped_plan(stack)
        assert not isinstance(plan, str), plan
        checked[stack] = from_plan(plan, name=stack)
        templates[stack] = render(checked[stack].resources, source=stack)
        baseline[stack] = _inputs(plan)
    for m in MUTATIONS:
        for stack in m.stacks:
            document = copy.deepcopy(shipped_plan(stack))
            m.apply(document)
            # A resource renders from its own inputs alone (dependsOn aside), so the resources whose
            # inputs changed, or that are new, are all a mutation can change in the template.
            changed = [r for r in document["resources"] if baseline[stack].get(r["urn"]) != _inputs(
                {"resources": [r]})[r["urn"]]]
            resources = from_plan({**document, "resources": changed}, name=m.id, validate=False).resources
            templates[_key(m.id, stack)] = render(resources, source=m.id)
    started = time.perf_counter()
    run, results = run_checkov(ROOT, templates, checks)
    return Batch(templates, run, results, checks, checked, time.perf_counter() - started)


def failed(batch: Batch, name: str) -> set[tuple[str, str]]:
    return {(r.check_id, r.resource) for r in batch.results[name] if r.result == FAILED}


# ------------------------------------------------------------------------------- parsing and coverage


def test_checkov_parses_every_template(batch):
    assert batch.run.parsing_errors == []
    # checkov counts distinct `type.name` ids per file (three diagnostic settings named dpaguard-audit are one)
    rendered = sum(len({r.key for r in t.resources} | {f"Microsoft.Resources/deployments.{d}" for d in t.deployments})
                   for t in batch.templates.values())
    assert batch.run.report("arm").resource_count == rendered
    assert "Cannot load external check" not in batch.run.stderr


REGISTRY = """
import json
from checkov.arm.registry import arm_resource_registry
import checkov.arm.checks.resource  # noqa: F401 - importing registers the built-in checks
print(json.dumps({t: sorted(c.id for c in cs) for t, cs in arm_resource_registry.checks.items()}))
"""


@pytest.fixture(scope="module")
def builtin_types() -> dict[str, list[str]]:
    python = ROOT / ".tools" / "checkov" / "bin" / "python"
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run([str(python), "-c", REGISTRY], env=checkov.environment(Path(tmp)), capture_output=True,
                              text=True, timeout=300, check=True)
    return json.loads(done.stdout)


@pytest.mark.parametrize("stack", SHIPPED_STACKS)
def test_checkov_recognises_every_rendered_type_it_has_checks_for(batch, builtin_types, stack):
    """Exact ARM type casing matters: checkov matches types as strings; a miss would be silent.

    (The custom checks are held to running on the shipped stacks by the test below; some of them
    apply to part of a type only, e.g. diagnostic settings of blob services.)
    """
    skipped = set(batch.catalogue.skips)
    checked_types = {t for t, ids in builtin_types.items() if set(ids) - skipped}
    seen = {r.urn for r in batch.results[stack]}
    template = batch.templates[stack]
    assert {r.arm_type for r in template.resources} & checked_types, "no rendered type has checks?"
    unseen = [f"{r.pulumi_name} ({r.arm_type})" for r in template.resources
              if r.arm_type in checked_types and r.urn not in seen]
    assert not unseen, f"checkov has checks for these types but reported nothing on: {unseen}"


# ------------------------------------------------------------------------------- the shipped stacks


@pytest.mark.parametrize("stack", PLANNED_STACKS)
def test_shipped_stack_passes_every_applicable_check(batch, stack):
    assert failed(batch, stack) == set(), [(r.check_id, r.resource, r.name) for r in batch.results[stack]
                                           if r.result == FAILED]
    assert not {r.check_id for r in batch.results[stack]} & set(batch.catalogue.skips), "a skipped check ran"


def test_every_custom_check_runs_where_its_types_are(batch):
    """A custom check that never produced a verdict on a type it claims is broken (or its type is misspelt).
    The shipped stacks run the secured hub; their `-vnetgw` variants keep the VNet-gateway checks running."""
    rendered = {r.arm_type for stack in PLANNED_STACKS for r in batch.templates[stack].resources}
    ran = {r.check_id for stack in PLANNED_STACKS for r in batch.results[stack] if r.origin == "custom"}
    expected = {c.id for c in batch.catalogue.custom.values() if "*" in c.resource_types
                or set(c.resource_types) & rendered}
    assert expected <= ran, f"never ran on the shipped stacks: {sorted(expected - ran)}"


def test_every_custom_check_fails_on_some_mutation(batch):
    """As for the CrossGuard pack: a check never seen failing on a real plan proves nothing."""
    fired = {r.check_id for name, results in batch.results.items() if name.startswith("m-")
             for r in results if r.result == FAILED and r.origin == "custom"}
    assert fired == set(batch.catalogue.custom), f"no mutation fails {sorted(set(batch.catalogue.custom) - fired)}"


def test_custom_check_names_end_with_their_clauses(batch):
    for stack in SHIPPED_STACKS:
        for r in batch.results[stack]:
            if r.origin == "custom":
                assert clauses_from_name(r.name) == batch.catalogue.custom[r.check_id].clauses, (r.check_id, r.name)


# ------------------------------------------------------------------------------- the mutations

CASES = [(m, s) for m in MUTATIONS for s in m.stacks]


def test_engine_table_covers_every_mutation():
    ids = {m.id for m in MUTATIONS}
    assert not ids - set(ENGINES), (f"say in ENGINES which checkov checks catch these mutations, or why only "
                                    f"CrossGuard can: {sorted(ids - set(ENGINES))}")
    assert not set(ENGINES) - ids, f"ENGINES names mutations that no longer exist: {sorted(set(ENGINES) - ids)}"


@pytest.mark.parametrize(("mutation", "stack"), CASES, ids=[f"{m.id}@{s}" for m, s in CASES])
def test_mutation_is_caught_by_the_engine_the_table_names(batch, mutation, stack):
    expected = ENGINES.get(mutation.id)
    if expected is None:
        pytest.fail(f"{mutation.id}: not in ENGINES")
    results = batch.results[_key(mutation.id, stack)]
    fired = {r.check_id for r in results if r.result == FAILED}
    assert fired == set(expected.checks), f"{mutation.id}@{stack}: checkov failed {sorted(fired)}"
    if isinstance(expected, Checkov):
        cited = {c for r in results if r.result == FAILED for c in r.clauses}
        assert cited & set(mutation.clauses), (f"{mutation.id}@{stack}: the failing checks cite {sorted(cited)}, "
                                               f"none of the mutation's clauses {sorted(mutation.clauses)}")


# ------------------------------------------------------------------------------- reports


@pytest.fixture(scope="module")
def ous_scan(batch) -> Scan:
    stack = "ous-kvalitetslab"
    checked = batch.checked[stack]
    evaluation = evaluate(POLICIES, checked.resources, register=checked.register, stack_urn=checked.stack_urn)
    scan = Scan(checked.source, stack, batch.templates[stack], batch.run, batch.results[stack], batch.catalogue,
                evaluation)
    scan.pairs = side_by_side(scan.template, scan.results, evaluation)
    return scan


def test_side_by_side_of_the_shipped_stack(ous_scan):
    pairs = ous_scan.pairs
    assert pairs and not [p for p in pairs if p.agreement in ("checkov only", "CrossGuard only")]
    account = [p for p in pairs if "(Microsoft.Storage/storageAccounts)" in p.label and p.clause == "OUS-6.1.a"]
    assert account and account[0].checkov == "passed" and account[0].crossguard == "none"
    assert "CKV_DPA_1" in account[0].checkov_checks


def test_report_formats(ous_scan):
    text = render_text(ous_scan)
    assert "CKV_AZURE_36" in text and "skips.yaml" in text and text.rstrip().splitlines()[-1].startswith("dpa-guard scan")
    document = json.loads(render_json(ous_scan))
    assert document["summary"]["verdict"] == "passed" and document["sideBySide"]
    assert {c["check"] for c in document["skippedChecks"]} == set(ous_scan.catalogue.skips)
    ctx = ReportContext(source="test", stack="ous-kvalitetslab", artifact_uri="stacks/Pulumi.ous-kvalitetslab.yaml")
    sarif = json.loads(render_sarif(ous_scan, ctx, POLICIES))
    schema = json.loads((ROOT / "tests" / "fixtures" / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(sarif, schema)
    assert [run["tool"]["driver"]["name"] for run in sarif["runs"]] == ["dpa-guard", "checkov 3.3.30 (via dpa-guard)"]
    from xml.etree import ElementTree as ET

    junit = ET.fromstring(render_junit(ous_scan, ctx).split("\n", 1)[1])
    assert [s.get("name") for s in junit] == ["checkov 3.3.30: ous-kvalitetslab", "CrossGuard: ous-kvalitetslab"]
    assert junit.get("failures") == "0"


def test_cli_scan_of_a_mutated_plan(tmp_path, capsys):
    """The command end to end (its own checkov run): a shared-key account fails CKV_DPA_1, exit 1."""
    document = copy.deepcopy(shipped_plan("ous-kvalitetslab"))
    next(r for r in document["resources"] if r["type"] == "azure-native:storage:StorageAccount")["inputs"][
        "allowSharedKeyAccess"] = True
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(document))
    code = main(["scan", str(plan), "--format", "sarif", "--output", str(tmp_path / "scan.sarif"),
                 "--template", str(tmp_path / "template.json")])
    assert code == 1, capsys.readouterr()
    sarif = json.loads((tmp_path / "scan.sarif").read_text())
    ours = sarif["runs"][1]
    assert {r["ruleId"] for r in ours["results"]} == {"CKV_DPA_1"}
    assert sarif["runs"][0]["results"], "CrossGuard's storage-shared-key-disabled fires too"
    differ = [p for p in ours["properties"]["sideBySide"] if p["agreement"] != "agree" and p["checkov"] == "failed"]
    assert not differ, differ
    assert json.loads((tmp_path / "template.json").read_text())["$schema"].endswith("subscriptionDeploymentTemplate.json#")


def test_missing_checkov_is_one_line_and_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(checkov, "CHECKOUT", tmp_path)
    (tmp_path / "Pulumi.yaml").write_text("name: x\nruntime: python\n")
    code = main(["scan", str(tmp_path / "plan.json"), "--root", str(tmp_path)])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err == f"dpaguard: error: checkov not found at {tmp_path / '.tools/checkov/bin/checkov'}; run ./dev setup"
