"""LeastPrivilegeRoles: what each group may do, where, and until when (OUS-6.2, OUS-6.1.a/b, OUS-8, OUS-11, ECG-7).

Three custom roles replace every built-in data role: uploaders may only write blobs,
readers may only read them, operators may only read management metadata. Data roles are
assigned per controller at that controller's own container, with an ABAC condition that
stops access on the date the agreement ends (at the latest five years after signing for
OUS, OUS-8). Operators hold no standing assignment at all: PIM makes them eligible, for a
limited time, at the data resource groups. An allowed-locations policy keeps every resource
of the subscription in Norway.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_azure_native import authorization

from modules import config, deploy_rights, naming

ECG_INGEST = "ecg-ingest"
"""Group key of the ECG247 ingest service's uploaders (modules/access.py)."""

BLOBS = "Microsoft.Storage/storageAccounts/blobServices/containers/blobs"

# OUS-6.2: the uploader submits recordings / the ingest service writes patient data; it can
# neither read back nor delete (no blobs/read, no blobs/delete), nor touch management.
# Create-only: `blobs/add/action` creates a new blob (Put Blob, Put Block List of a new blob),
# while `blobs/write` also overwrites an existing one, which would let an uploader replace
# evidence. Microsoft Learn "Authorize access to data in Azure Storage with Microsoft Entra ID",
# section "Permissions for calling data operations" (Put Blob: .../blobs/write to overwrite an
# existing blob, .../blobs/add/action to create a new one); "Azure permissions for Storage".
UPLOADER_DATA_ACTIONS = (f"{BLOBS}/add/action",)
# OUS-6.2: scorers and physicians read their assigned controllers' blobs, nothing else.
READER_DATA_ACTIONS = (f"{BLOBS}/read",)
# OUS-6.2: operators keep the platform running without data access. Every action is a
# read of management metadata; none is `*`, a wildcard, a write, or an `/action` (so
# no listKeys/SAS, which would be data access through the back door, OUS-6.1.a).
OPERATOR_ACTIONS = (
    # See the data resource groups and what was deployed into them.
    "Microsoft.Resources/subscriptions/resourceGroups/read",
    "Microsoft.Resources/deployments/read",
    # Check storage hardening (shared keys off, network rules, TLS) and containers exist.
    "Microsoft.Storage/storageAccounts/read",
    "Microsoft.Storage/storageAccounts/blobServices/read",
    "Microsoft.Storage/storageAccounts/blobServices/containers/read",
    # OUS-4.1 / ECG-4: verify the lifecycle (deletion and retention) rules.
    "Microsoft.Storage/storageAccounts/managementPolicies/read",
    # OUS-6.1.b: verify private endpoints and their DNS registration.
    "Microsoft.Storage/storageAccounts/privateEndpointConnections/read",
    "Microsoft.Network/privateEndpoints/read",
    "Microsoft.Network/privateEndpoints/privateDnsZoneGroups/read",
    # OUS-6.b: verify logging is on, and watch health and capacity.
    "Microsoft.Insights/diagnosticSettings/read",
    "Microsoft.Insights/metrics/read",
    "Microsoft.Insights/metricDefinitions/read",
    # OUS-9 / ECG-11: confirm at offboarding that a controller's access is gone.
    "Microsoft.Authorization/roleAssignments/read",
    "Microsoft.Authorization/roleDefinitions/read",
)

ROLE_PERMISSIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # role: (actions, data_actions)
    "uploader": ((), UPLOADER_DATA_ACTIONS),
    "reader": ((), READER_DATA_ACTIONS),
    "operator": (OPERATOR_ACTIONS, ()),
}
ASSIGNED_ROLES = naming.ASSIGNED_ROLES
"""The only roles the program grants by role assignment (every ContainerGrant's role). The operator
role is only PIM-eligible (an eligibility request, not a role assignment), the deployer role is never
assigned, and no built-in role is assigned anywhere. The deployer may write and delete role
assignments of exactly these roles (deploy_rights.deployer_condition)."""

# Deploy rights as code (issue 10): the management-plane actions `pulumi up` needs, derived
# from the ARM types the program deploys (modules/deploy_rights.py). Never assigned standing:
# operators are only *eligible* (PIM), for a limited time, and activate it for a change window
# (docs/runbook.md). It writes role assignments because the program manages them; that power is
# why it exists only as expiring eligibility, and why that eligibility carries an ABAC condition:
# role assignments of ASSIGNED_ROLES only (never Owner, User Access Administrator, RBAC
# Administrator, Contributor, nor the deployer or operator role itself). Role definitions, PIM
# eligibility and policy assignments it only reads (deploy_rights.OWNER_MANAGED_TYPES).
DEPLOYER_ACTIONS = deploy_rights.deployer_actions()
"""The deployer's actions with the VNet gateway; a stack with the secured hub gets deployer_actions(True)."""
DEPLOYER_ROLE = "deployer"

ROLE_DESCRIPTIONS = {
    "uploader": "Create-only in a controller's container: add new blobs, no overwrite, no read, no delete (OUS-6.2).",
    "reader": "Read-only to a controller's containers (OUS-6.2).",
    "operator": "Read-only management of the data resource groups, no data access (OUS-6.2).",
    DEPLOYER_ROLE: "Deploy the dpa-guard program (pulumi up) during a change window: exactly the management-plane "
    "actions of the program's resource types, no data actions; PIM-eligible only, never standing.",
}

# Built-in Azure Policy definitions. "Allowed locations" exempts resources whose location is
# `global` (private DNS zones, action groups) in its own rule, so `global` is not listed.
ALLOWED_LOCATIONS_POLICY = "e56962a6-4747-49cd-b67b-bf8b01975c4c"
ALLOWED_RG_LOCATIONS_POLICY = "e765b5de-1225-4ba3-bd56-1ac6695af988"


@dataclass(frozen=True)
class ContainerGrant:
    """One data role of one group at one scope: a controller's container, or (ECG ingest) an account."""

    controller_id: str
    """The controller whose data this is, or `ecg-ingest` for the stack-wide ECG uploader grant."""
    agreement: str
    role: str
    """`uploader` or `reader` (ASSIGNED_ROLES)."""
    container: str
    """`data` (recordings / patient data), `scores` (OUS-4.2) or `account` (ECG ingest)."""
    scope: str
    """ARM id of the container (or, for ECG ingest, of the storage account)."""
    principal_id: pulumi.Input[str]
    """Object id of the group holding this role."""
    access_ends: dt.date | None
    """Access stops at 00:00 UTC of this day (OUS-8, ECG-11); None: no end recorded (ECG only)."""
    scope_resource: pulumi.Resource | None = None
    """The resource that creates `scope`, so the assignment waits for exactly that one."""


@dataclass(frozen=True)
class LeastPrivilegeRolesArgs:
    """Role definitions, grants and policy settings, derived from config, the stores and the groups."""

    prefix: str
    subscription_id: str
    data_resource_group_ids: tuple[str, ...]
    """The only scopes the custom roles can ever be assigned at (OUS-3, OUS-6.2)."""
    grants: tuple[ContainerGrant, ...]
    """Controllers whose access already ended are left out, so their assignments are removed."""
    operator_group_id: pulumi.Input[str]
    operator_eligibility_days: int
    """How long the operators' PIM eligibility lasts (time-bound elevation, OUS-6.2)."""
    allowed_locations: tuple[str, ...]
    secured_hub: bool = False
    """The stack deploys the Virtual WAN secured hub (config `egress`): the deployer's rights follow."""
    scope_groups: tuple[pulumi.Resource, ...] = field(default=())
    """The data resource groups themselves: role definitions and eligibility wait for them.

    Each dependant names exactly the resource it needs, never a whole store component: a
    dependency on a component is a dependency on all its children, which made a
    1000-controller plan quadratic (bench/plan_scale.py)."""

    @classmethod
    def from_config(
        cls,
        cfg: config.StackConfig,
        *,
        stores: Sequence[Any],
        access: Any,
        today: dt.date | None = None,
    ) -> LeastPrivilegeRolesArgs:
        """`stores`: NorwayStorage-like (agreement, resource_group_id, container_ids,
        scores_container_ids); `access`: MfaAccess-like (controller_group_ids, operator_group_id)."""
        today = today or dt.date.today()
        controllers = {c.id: c for c in cfg.controllers}
        grants: list[ContainerGrant] = []
        for store in stores:
            resources_of = getattr(store, "containers", {})
            # ECG-6 / OUS-6.2: the ECG247 ingest service writes every physician's patient data,
            # so its one uploader group holds the write-only role on the ECG accounts; the
            # physicians' own groups read only their own container.
            data_roles = ("reader",) if store.agreement == "ECG" else ("uploader", "reader")
            containers: list[tuple[str, str, str, tuple[str, ...]]] = [
                (cid, scope, "data", data_roles) for cid, scope in _items(store.container_ids)
            ]
            # OUS-4.2: scores exist only with consent; the controller's readers read them.
            containers += [
                (cid, scope, "scores", ("reader",)) for cid, scope in _items(getattr(store, "scores_container_ids", {}))
            ]
            for cid, scope, kind, roles in containers:
                controller = controllers[cid]
                ends = controller.access_ends
                # OUS-8 / ECG-11: access stops at 00:00 UTC on `access_ends`; from that day on
                # no assignment is planned at all, so an `up` removes what is left.
                if ends is not None and ends <= today:
                    continue
                for role in roles:
                    grants.append(
                        ContainerGrant(
                            controller_id=cid,
                            agreement=controller.agreement,
                            role=role,
                            container=kind,
                            scope=scope,
                            principal_id=access.controller_group_ids[cid][role],
                            access_ends=ends,
                            scope_resource=resources_of.get(scope),
                        )
                    )
            if store.agreement == "ECG" and store.container_ids:
                for account_id in store.account_ids:
                    grants.append(
                        ContainerGrant(
                            controller_id=ECG_INGEST,
                            agreement="ECG",
                            role="uploader",
                            container="account",
                            scope=account_id,
                            principal_id=access.group_object_ids[ECG_INGEST],
                            access_ends=None,
                            scope_resource=getattr(store, "accounts", {}).get(account_id),
                        )
                    )
        return cls(
            prefix=cfg.prefix,
            subscription_id=cfg.subscription_id,
            data_resource_group_ids=tuple(dict.fromkeys(s.resource_group_id for s in stores)),
            grants=tuple(grants),
            operator_group_id=access.operator_group_id,
            operator_eligibility_days=cfg.access.operator_eligibility_days,
            allowed_locations=config.NORWAY_REGIONS,
            secured_hub=cfg.egress is not None,
            scope_groups=tuple(s.resource_group for s in stores if hasattr(s, "resource_group")),
        )


role_guid = naming.role_guid
"""The GUID of one of the stack's custom roles (ROLE_PERMISSIONS or DEPLOYER_ROLE): the same in every run."""


class LeastPrivilegeRoles(pulumi.ComponentResource):
    """Custom roles, per-container assignments, PIM eligibility for operators, allowed-locations policy."""

    role_definition_ids: dict[str, str]
    """role -> ARM id of the custom role definition."""
    assignment_names: dict[str, str]
    """`<controller>/<role>/<container>` -> role assignment GUID."""

    def __init__(self, name: str, args: LeastPrivilegeRolesArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("dpaguard:roles:LeastPrivilegeRoles", name, None, opts)
        sub = args.subscription_id
        sub_scope = naming.subscription_id(sub)

        definitions: dict[str, authorization.RoleDefinition] = {}
        self.role_definition_ids = {}
        for role, (actions, data_actions) in ROLE_PERMISSIONS.items():
            guid = role_guid(sub, args.prefix, role)
            definitions[role] = authorization.RoleDefinition(
                f"{name}-{role}-role",
                role_definition_id=guid,
                role_name=naming.role_name(args.prefix, role),
                description=ROLE_DESCRIPTIONS[role],
                role_type="CustomRole",
                scope=sub_scope,
                # OUS-3 / OUS-6.2: assignable nowhere but inside the data resource groups.
                assignable_scopes=list(args.data_resource_group_ids),
                permissions=[
                    authorization.PermissionArgs(
                        actions=list(actions),
                        not_actions=[],
                        data_actions=list(data_actions),
                        not_data_actions=[],
                    )
                ],
                # Azure rejects assignable scopes that do not exist yet: the stores create them.
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.scope_groups)),
            )
            self.role_definition_ids[role] = naming.role_definition_id(sub, guid)

        self.assignment_names = {}
        for g in args.grants:
            if g.role not in ASSIGNED_ROLES:
                # The deployer's condition allows exactly ASSIGNED_ROLES: any other grant could not be deployed.
                raise ValueError(f"grant {g.controller_id}/{g.role}: only {', '.join(ASSIGNED_ROLES)} are assigned")
            key = f"{g.controller_id}/{g.role}/{g.container}"
            if g.container == "account":
                key += "/" + g.scope.rsplit("/", 1)[-1]
            role_id = self.role_definition_ids[g.role]
            assignment_name = naming.stable_guid(g.scope, role_id, key)
            condition = _time_limit(ROLE_PERMISSIONS[g.role][1], g.access_ends)
            until = f" until {g.access_ends.isoformat()}" if g.access_ends else ""
            # OUS-11: these are the controller's own groups on its own container; nothing here
            # (and no deny assignment anywhere) ever takes that access away before the agreement ends.
            scope_ready = [g.scope_resource] if g.scope_resource is not None else []
            authorization.RoleAssignment(
                f"{name}-{key.replace('/', '-')}",
                role_assignment_name=assignment_name,
                scope=g.scope,
                role_definition_id=role_id,
                principal_id=g.principal_id,
                principal_type=authorization.PrincipalType.GROUP,
                condition=condition,
                condition_version="2.0" if condition else None,
                description=f"{g.agreement}: {g.role}s of {g.controller_id}, {g.container} container{until} (OUS-6.2, OUS-8)",
                opts=pulumi.ResourceOptions(parent=self, depends_on=[definitions[g.role], *scope_ready]),
            )
            self.assignment_names[key] = assignment_name

        # OUS-6.2: no standing operator access. Operators are eligible to activate their
        # read-only role through PIM, and the eligibility itself expires.
        for rg_id in args.data_resource_group_ids:
            rg_name = rg_id.rsplit("/", 1)[-1]
            authorization.PimRoleEligibilitySchedule(
                f"{name}-operator-eligible-{rg_name}",
                scope=rg_id,
                principal_id=args.operator_group_id,
                role_definition_id=self.role_definition_ids["operator"],
                justification=(
                    f"dpa-guard: operators of {args.prefix} may activate read-only management of {rg_name} "
                    f"for {args.operator_eligibility_days} days (OUS-6.2)"
                ),
                schedule_info=authorization.RoleEligibilityScheduleRequestPropertiesScheduleInfoArgs(
                    expiration=authorization.RoleEligibilityScheduleRequestPropertiesExpirationArgs(
                        type=authorization.Type.AFTER_DURATION,
                        duration=f"P{args.operator_eligibility_days}D",
                    ),
                ),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[definitions["operator"], *args.scope_groups]),
            )

        # Deploy rights: a custom role scoped to the subscription (the program creates resource
        # groups, role definitions and policy assignments there), eligible for the operators
        # group only through PIM, with an expiry; no RoleAssignment of it exists anywhere.
        # Its eligibility carries the ABAC condition that limits role-assignment writes and
        # deletes to ASSIGNED_ROLES. The eligibility request API takes `condition` and
        # `conditionVersion` (official ARM schema, Microsoft.Authorization 2020-10-01
        # RoleEligibilityScheduleRequestProperties; Learn "Assign Azure resource roles in Privileged
        # Identity Management": conditions on eligible assignments). But Learn "Delegate Azure access
        # management to others", Known issues, says delegating role assignment management with
        # conditions through PIM is not supported: whether Azure enforces this condition after
        # activation must be verified in the tenant (docs/runbook.md, step 0).
        deployer_guid = role_guid(sub, args.prefix, DEPLOYER_ROLE)
        deployer = authorization.RoleDefinition(
            f"{name}-{DEPLOYER_ROLE}-role",
            role_definition_id=deployer_guid,
            role_name=naming.role_name(args.prefix, DEPLOYER_ROLE),
            description=ROLE_DESCRIPTIONS[DEPLOYER_ROLE],
            role_type="CustomRole",
            scope=sub_scope,
            assignable_scopes=[sub_scope],
            permissions=[
                authorization.PermissionArgs(
                    actions=list(deploy_rights.deployer_actions(args.secured_hub)), not_actions=[], data_actions=[],
                    not_data_actions=[],
                )
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.role_definition_ids[DEPLOYER_ROLE] = naming.role_definition_id(sub, deployer_guid)
        authorization.PimRoleEligibilitySchedule(
            f"{name}-{DEPLOYER_ROLE}-eligible",
            scope=sub_scope,
            principal_id=args.operator_group_id,
            role_definition_id=self.role_definition_ids[DEPLOYER_ROLE],
            condition=deploy_rights.deployer_condition(role_guid(sub, args.prefix, r) for r in ASSIGNED_ROLES),
            condition_version=deploy_rights.CONDITION_VERSION,
            justification=(
                f"dpa-guard: operators of {args.prefix} may activate deploy rights for a change window, "
                f"eligible for {args.operator_eligibility_days} days (OUS-6.2)"
            ),
            schedule_info=authorization.RoleEligibilityScheduleRequestPropertiesScheduleInfoArgs(
                expiration=authorization.RoleEligibilityScheduleRequestPropertiesExpirationArgs(
                    type=authorization.Type.AFTER_DURATION,
                    duration=f"P{args.operator_eligibility_days}D",
                ),
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[deployer]),
        )

        # ECG-6 / ECG-10 / OUS-6.1.b: nothing in the subscription may be created outside Norway.
        locations = list(args.allowed_locations)
        for suffix, policy, what in (
            ("allowed-locations", ALLOWED_LOCATIONS_POLICY, "resources"),
            ("allowed-rg-locations", ALLOWED_RG_LOCATIONS_POLICY, "resource groups"),
        ):
            authorization.PolicyAssignment(
                f"{name}-{suffix}",
                policy_assignment_name=f"{args.prefix}-{suffix}",
                display_name=f"{args.prefix}: {what} in Norway only",
                description=f"ECG-6, ECG-10, OUS-6.1.b: {what} may only be created in {', '.join(locations)}.",
                scope=sub_scope,
                # Only where Azure keeps the assignment's managed identity (none here), but a type with a
                # location input states a Norwegian one (policy location-in-norway).
                location=locations[0],
                policy_definition_id=naming.policy_definition_id(policy),
                parameters={"listOfAllowedLocations": authorization.ParameterValuesValueArgs(value=locations)},
                enforcement_mode=authorization.EnforcementMode.DEFAULT,
                non_compliance_messages=[
                    authorization.NonComplianceMessageArgs(
                        message=f"Data and every resource stay in Norway ({', '.join(locations)}): ECG-10, OUS-6.1.b."
                    )
                ],
                opts=pulumi.ResourceOptions(parent=self),
            )

        self.register_outputs(
            {
                "roleDefinitionIds": self.role_definition_ids,
                "assignmentNames": self.assignment_names,
            }
        )


def _time_limit(data_actions: Iterable[str], ends: dt.date | None) -> str | None:
    """An Azure ABAC condition allowing `data_actions` only before 00:00 UTC on `ends` (OUS-8).

    The documented shape: actions not listed pass through, listed ones must satisfy the
    expression; `@Environment[UtcNow]` supports only DateTimeGreaterThan/DateTimeLessThan.
    """
    if ends is None:
        return None
    not_listed = " AND ".join(f"!(ActionMatches{{'{a}'}})" for a in data_actions)
    return f"(({not_listed}) OR (@Environment[UtcNow] DateTimeLessThan '{ends.isoformat()}T00:00:00.0Z'))"


def _items(mapping: Mapping[str, str] | None) -> list[tuple[str, str]]:
    return sorted((mapping or {}).items())
