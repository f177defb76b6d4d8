"""MfaAccess: who may reach the data, and how they must sign in (OUS-6.1.a/c/d, OUS-6.2, OUS-7, ECG-7).

Access is granted to Entra ID security groups only, one per controller and data role plus
one for operators; a person joins a group only once their confidentiality declaration is on
record. Conditional Access makes every sign-in to the VPN and to Azure management use MFA on
a compliant (managed) device, from any location, and blocks legacy protocols that cannot do MFA.

On top, the policies of CISA's Entra ID baseline (ScubaGear `baselines/aad.md`, MS.AAD.2.1, 2.3,
3.1, 3.2, 3.6, 3.9, and 3.7/3.8 for the processor's own staff; `_baseline_policies`): phishing-
resistant MFA on every resource, blocks for high user and sign-in risk and for the device code flow.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_azuread as azuread

from modules import config

DATA_ROLES = ("uploader", "reader")
"""Roles that touch controller data; operators get none (OUS-6.2)."""
OPERATOR = "operator"
ECG_INGEST = "ecg-ingest"
"""Group key and name suffix of the ECG247 ingest service's write-only group."""
# Microsoft's first-party app for the storage data plane (Entra sign-ins to blob storage).
AZURE_STORAGE_APP_ID = "e406a681-f3d4-42a8-90b6-c2b029497af1"

_GROUP_SUFFIX = {"uploader": "uploaders", "reader": "readers", OPERATOR: "operators"}

# Conditional Access values (Microsoft Graph conditionalAccessPolicy).
ENABLED = "enabled"
ALL = "All"
LEGACY_CLIENT_APP_TYPES = ("exchangeActiveSync", "other")

# --- Entra ID baseline (CISA ScubaGear `baselines/aad.md`, MS.AAD.*; issue 14) ---
# The built-in "Phishing-resistant MFA" authentication strength: a fixed id in every tenant
# (Microsoft Learn, "Built-in authentication strengths"; Microsoft Graph authenticationStrengthPolicy
# 00000000-0000-0000-0000-000000000004, allowed combinations windowsHelloForBusiness, fido2,
# x509CertificateMultiFactor). pulumi-azuread 6 wants the hard-coded id prefixed with
# `/policies/authenticationStrengthPolicies/` (ConditionalAccessPolicyGrantControlsArgs docstring).
PHISHING_RESISTANT_STRENGTH = "/policies/authenticationStrengthPolicies/00000000-0000-0000-0000-000000000004"
# The "Highly Privileged Roles" of ScubaGear's aad.md, as role template ids (Microsoft Learn,
# "Microsoft Entra built-in roles"; the same ids in ScubaGear's Sample-Reports/ProviderSettingsExport.json).
HIGHLY_PRIVILEGED_ROLES = {
    "Global Administrator": "62e90394-69f5-4237-9190-012177145e10",
    "Privileged Role Administrator": "e8611ab8-c189-46e8-94e1-60213ab1f814",
    "User Administrator": "fe930be7-5e62-47db-91af-98c3a49a38b1",
    "SharePoint Administrator": "f28a1f50-f6e7-4571-818b-6a12f2af6b6c",
    "Exchange Administrator": "29232cdf-9323-42fd-ade2-1d097af3e4de",
    "Hybrid Identity Administrator": "8ac3fc64-6eca-42ea-9e69-59f4c7b60eb2",
    "Application Administrator": "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3",
    "Cloud Application Administrator": "158c047a-c907-4556-b7ef-446551a6b5f7",
}
HIGH = "high"
DEVICE_CODE_FLOW = "deviceCodeFlow"
REGISTER_SECURITY_INFO = "urn:user:registersecurityinfo"
# Managed device, as MS.AAD.3.7/3.8 ask it: compliant (Intune) or Entra hybrid joined, either suffices.
MANAGED_DEVICE_CONTROLS = ("compliantDevice", "domainJoinedDevice")


@dataclass(frozen=True)
class GroupSpec:
    """One security group: a controller's data role, or the operators."""

    key: str
    """`<controller>-<role>` or `operators`; used in Pulumi names."""
    display_name: str
    description: str
    controller_id: str | None
    role: str


@dataclass(frozen=True)
class Membership:
    """One declared person in one group (OUS-7)."""

    group_key: str
    object_id: str


@dataclass(frozen=True)
class MfaAccessArgs:
    """Groups, memberships and Conditional Access settings, derived from validated config."""

    prefix: str
    """Stack prefix; every group and policy display name starts with it."""
    groups: tuple[GroupSpec, ...]
    memberships: tuple[Membership, ...]
    """Only staff with a signed confidentiality declaration appear here (OUS-7)."""
    protected_apps: tuple[str, ...]
    """Application ids that require MFA and a compliant device: the VPN client and Azure management."""
    break_glass: tuple[str, ...]
    """Object ids excluded from Conditional Access; nothing and nobody else is."""
    sign_in_frequency_hours: int
    processor_staff: tuple[str, ...] = ()
    """Object ids of the processor's own staff (operators, declared or not): they work only from
    processor-managed devices (OUS-6.1.c), on every app and when registering security information."""

    @classmethod
    def from_config(cls, cfg: config.StackConfig) -> MfaAccessArgs:
        groups: list[GroupSpec] = []
        for c in cfg.controllers:
            # ECG data is written by the ECG247 ingest service for every physician (one group,
            # below); a physician's own group reads only that physician's container (ECG-6).
            for role in ("reader",) if c.agreement == "ECG" else DATA_ROLES:
                suffix = _GROUP_SUFFIX[role]
                groups.append(
                    GroupSpec(
                        key=f"{c.id}-{suffix}",
                        display_name=f"{cfg.prefix}-{c.id}-{suffix}",
                        description=(
                            f"{c.agreement} agreement signed {c.signed.isoformat()} by {c.name} ({c.id}): "
                            f"{suffix} of this controller's data only. Members need a signed "
                            "confidentiality declaration (OUS-7). Managed by dpa-guard."
                        ),
                        controller_id=c.id,
                        role=role,
                    )
                )
        if "ECG" in cfg.agreements:
            groups.append(
                GroupSpec(
                    key=ECG_INGEST,
                    display_name=f"{cfg.prefix}-{ECG_INGEST}",
                    description=(
                        "ECG agreement: the ECG247 ingest service, write-only to the patient-data accounts "
                        "(no read, no delete). Members need a signed confidentiality declaration (OUS-7). "
                        "Managed by dpa-guard."
                    ),
                    controller_id=None,
                    role="uploader",
                )
            )
        groups.append(
            GroupSpec(
                key="operators",
                display_name=f"{cfg.prefix}-operators",
                description=(
                    f"Operators of the {'/'.join(cfg.agreements)} processing infrastructure: PIM-eligible "
                    "for read-only management, no data access (OUS-6.2). Managed by dpa-guard."
                ),
                controller_id=None,
                role=OPERATOR,
            )
        )

        agreement_of = {c.id: c.agreement for c in cfg.controllers}
        memberships: list[Membership] = []
        # OUS-7: `granted_staff` leaves out everyone without a confidentiality declaration.
        for person in cfg.granted_staff():
            if person.role == OPERATOR:
                memberships.append(Membership("operators", person.object_id))
            for controller_id in person.controllers:
                if person.role == "uploader" and agreement_of[controller_id] == "ECG":
                    memberships.append(Membership(ECG_INGEST, person.object_id))
                else:
                    memberships.append(Membership(f"{controller_id}-{_GROUP_SUFFIX[person.role]}", person.object_id))

        return cls(
            prefix=cfg.prefix,
            groups=tuple(groups),
            # A controller listed twice for one person is still one membership.
            memberships=tuple(dict.fromkeys(memberships)),
            protected_apps=(cfg.vpn.audience, config.AZURE_MANAGEMENT_APP_ID),
            break_glass=cfg.access.break_glass,
            sign_in_frequency_hours=cfg.access.sign_in_frequency_hours,
            processor_staff=tuple(sorted({s.object_id for s in cfg.staff if s.role == OPERATOR})),
        )


def _everyone_everywhere(
    applications: list[str], client_app_types: list[str], break_glass: list[str]
) -> azuread.ConditionalAccessPolicyConditionsArgs:
    """Conditions every policy here shares: all users but the break-glass accounts, from every
    location (no trusted-network exemption, OUS-6.1.d), for the given apps and client types."""
    return azuread.ConditionalAccessPolicyConditionsArgs(
        client_app_types=client_app_types,
        applications=azuread.ConditionalAccessPolicyConditionsApplicationsArgs(included_applications=applications),
        users=azuread.ConditionalAccessPolicyConditionsUsersArgs(included_users=[ALL], excluded_users=break_glass),
        locations=azuread.ConditionalAccessPolicyConditionsLocationsArgs(included_locations=[ALL]),
    )


class MfaAccess(pulumi.ComponentResource):
    """Security groups with their declared members, and the Conditional Access policies."""

    operator_group_id: pulumi.Output[str]
    controller_group_ids: dict[str, dict[str, pulumi.Output[str]]]
    """controller id -> data role (`uploader`, `reader`) -> group object id."""
    group_object_ids: dict[str, pulumi.Output[str]]
    """Group key (`<controller>-uploaders`, `operators`, ...) -> group object id."""
    policy_ids: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: MfaAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("dpaguard:access:MfaAccess", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        groups: dict[str, azuread.Group] = {}
        for spec in args.groups:
            groups[spec.key] = azuread.Group(
                f"{name}-{spec.key}",
                display_name=spec.display_name,
                description=spec.description,
                # OUS-6.1.a: a plain security group; no mailbox, and not assignable to Entra
                # directory roles, so membership never carries tenant-admin rights.
                security_enabled=True,
                mail_enabled=False,
                assignable_to_role=False,
                prevent_duplicate_names=True,
                opts=child,
            )

        for m in args.memberships:
            azuread.GroupMember(
                f"{name}-{m.group_key}-{m.object_id}",
                group_object_id=groups[m.group_key].object_id,
                member_object_id=m.object_id,
                opts=child,
            )

        excluded = list(args.break_glass)
        policies = {
            # OUS-6.1.c/d: MFA and a managed device for every sign-in to the VPN and Azure
            # management, from every location: no trusted-network exemption.
            "mfa-compliant-device": azuread.ConditionalAccessPolicy(
                f"{name}-mfa-compliant-device",
                display_name=f"{args.prefix}: require MFA and a compliant device for VPN and Azure management",
                state=ENABLED,
                conditions=_everyone_everywhere(list(args.protected_apps), ["all"], excluded),
                grant_controls=azuread.ConditionalAccessPolicyGrantControlsArgs(
                    operator="AND",
                    built_in_controls=["mfa", "compliantDevice"],
                ),
                # OUS-6.1.c: a stolen session stops working after this many hours.
                session_controls=azuread.ConditionalAccessPolicySessionControlsArgs(
                    sign_in_frequency=args.sign_in_frequency_hours,
                    sign_in_frequency_period="hours",
                    sign_in_frequency_interval="timeBased",
                ),
                opts=child,
            ),
            # OUS-6.1.d: legacy protocols cannot do MFA, so they would be a way around it.
            "block-legacy-auth": azuread.ConditionalAccessPolicy(
                f"{name}-block-legacy-auth",
                display_name=f"{args.prefix}: block legacy authentication",
                state=ENABLED,
                conditions=_everyone_everywhere([ALL], list(LEGACY_CLIENT_APP_TYPES), excluded),
                grant_controls=azuread.ConditionalAccessPolicyGrantControlsArgs(
                    operator="OR",
                    built_in_controls=["block"],
                ),
                opts=child,
            ),
            # OUS-6.1.d / ECG-7: every sign-in to the storage data plane uses MFA too, whoever it
            # is and whatever client it comes through. Controllers' staff on their own (unmanaged
            # by us) devices can satisfy MFA but not our device compliance, so this asks MFA only.
            # Targeting the app, not a list of every data group, keeps the policy one size at any
            # number of controllers.
            "data-plane-mfa": azuread.ConditionalAccessPolicy(
                f"{name}-data-plane-mfa",
                display_name=f"{args.prefix}: require MFA for the storage data plane",
                state=ENABLED,
                conditions=_everyone_everywhere([AZURE_STORAGE_APP_ID], ["all"], excluded),
                grant_controls=azuread.ConditionalAccessPolicyGrantControlsArgs(
                    operator="OR",
                    built_in_controls=["mfa"],
                ),
                opts=child,
            ),
        }

        policies.update(_baseline_policies(name, args, child))

        self.group_object_ids = {key: g.object_id for key, g in groups.items()}
        self.operator_group_id = groups["operators"].object_id
        self.controller_group_ids = {}
        for spec in args.groups:
            if spec.controller_id is not None:
                self.controller_group_ids.setdefault(spec.controller_id, {})[spec.role] = groups[spec.key].object_id
        self.policy_ids = {key: p.id for key, p in policies.items()}
        self.register_outputs(
            {
                "operatorGroupId": self.operator_group_id,
                "controllerGroupIds": self.controller_group_ids,
                "groupObjectIds": self.group_object_ids,
                "policyIds": self.policy_ids,
            }
        )


# Every location: no trusted-network exemption (OUS-6.1.d), as in the older three policies.
_EVERYWHERE = azuread.ConditionalAccessPolicyConditionsLocationsArgs(included_locations=[ALL])


# The baseline's blocks for all users on all resources, each narrowed to one condition
# (key, display name after the prefix, {conditions property: its one value}).
_BLOCKED_SIGN_INS: tuple[tuple[str, str, dict[str, str]], ...] = (
    # MS.AAD.2.1 / 2.3 (Entra ID P2, checked in config): a user or a sign-in that ID Protection
    # rates high risk is most likely someone else holding valid credentials.
    ("block-high-user-risk", "block users detected as high risk", {"user_risk_levels": HIGH}),
    ("block-high-sign-in-risk", "block sign-ins detected as high risk", {"sign_in_risk_levels": HIGH}),
    # MS.AAD.3.9: the device code flow lets a phisher have a victim sign in for the phisher's
    # session (ScubaGear compares the transfer methods with exactly "deviceCodeFlow").
    ("block-device-code-flow", "block the device code flow", {"authentication_flow_transfer_methods": DEVICE_CODE_FLOW}),
)


def _baseline_policies(
    name: str, args: MfaAccessArgs, opts: pulumi.ResourceOptions
) -> dict[str, azuread.ConditionalAccessPolicy]:
    """The Conditional Access policies of CISA's Entra ID baseline (ScubaGear `baselines/aad.md`,
    MS.AAD.2.1, 2.3, 3.1, 3.2, 3.6, 3.9, and 3.7/3.8 for the processor's staff; README "Entra ID
    baseline" says why 3.7/3.8 stop at the processor's staff). Each targets all resources, from
    every location, every client type, and excludes the break-glass accounts only."""
    excluded = list(args.break_glass)
    everyone = _everyone_everywhere([ALL], ["all"], excluded)
    all_resources = azuread.ConditionalAccessPolicyConditionsApplicationsArgs(included_applications=[ALL])
    phishing_resistant = azuread.ConditionalAccessPolicyGrantControlsArgs(
        operator="OR", authentication_strength_policy_id=PHISHING_RESISTANT_STRENGTH)
    policies: dict[str, azuread.ConditionalAccessPolicy] = {}

    def add(
        key: str, action: str, conditions: azuread.ConditionalAccessPolicyConditionsArgs,
        grant: azuread.ConditionalAccessPolicyGrantControlsArgs,
    ) -> None:
        policies[key] = azuread.ConditionalAccessPolicy(
            f"{name}-{key}", display_name=f"{args.prefix}: {action}", state=ENABLED,
            conditions=conditions, grant_controls=grant, opts=opts,
        )

    def conditions(
        applications: azuread.ConditionalAccessPolicyConditionsApplicationsArgs,
        users: azuread.ConditionalAccessPolicyConditionsUsersArgs, **narrowing: list[str],
    ) -> azuread.ConditionalAccessPolicyConditionsArgs:
        # Every client type, from every location; `narrowing` is the one condition a block is about.
        return azuread.ConditionalAccessPolicyConditionsArgs(
            client_app_types=["all"], applications=applications, users=users, locations=_EVERYWHERE, **narrowing)

    # MS.AAD.3.1 (OUS-6.1.d): phishing-resistant MFA for all users on all resources; SMS, voice
    # and one-time codes can be relayed by a look-alike sign-in page, FIDO2/WHfB/CBA cannot.
    add("phishing-resistant-mfa", "require phishing-resistant MFA for all users on all resources",
        everyone, phishing_resistant)
    # MS.AAD.3.6: the same for the highly privileged directory roles, a backstop if the
    # all-users policy is ever changed (the baseline's rationale).
    add("privileged-roles-phishing-resistant-mfa", "require phishing-resistant MFA for highly privileged roles",
        conditions(all_resources, azuread.ConditionalAccessPolicyConditionsUsersArgs(
            included_roles=list(HIGHLY_PRIVILEGED_ROLES.values()), excluded_users=excluded)),
        phishing_resistant)
    # MS.AAD.3.2 (OUS-6.1.d, ECG-7): MFA on every app, not only the three the older policies name.
    add("all-apps-mfa", "require MFA for all users on all resources",
        everyone, azuread.ConditionalAccessPolicyGrantControlsArgs(operator="OR", built_in_controls=["mfa"]))
    all_users = azuread.ConditionalAccessPolicyConditionsUsersArgs(included_users=[ALL], excluded_users=excluded)
    block = azuread.ConditionalAccessPolicyGrantControlsArgs(operator="OR", built_in_controls=["block"])
    for key, action, narrowing in _BLOCKED_SIGN_INS:
        add(key, action,
            conditions(all_resources, all_users, **{prop: [value] for prop, value in narrowing.items()}), block)
    if args.processor_staff:
        staff = azuread.ConditionalAccessPolicyConditionsUsersArgs(
            included_users=list(args.processor_staff), excluded_users=excluded)
        managed = azuread.ConditionalAccessPolicyGrantControlsArgs(
            operator="OR", built_in_controls=list(MANAGED_DEVICE_CONTROLS))
        # MS.AAD.3.7 for the processor's staff (OUS-6.1.c: remote operation only from the
        # processor's own equipment), on every app, not only the VPN and Azure management.
        add("staff-managed-device", "require a managed device for the processor's staff on all resources",
            conditions(all_resources, staff), managed)
        # MS.AAD.3.8 for the processor's staff: stolen credentials can't register the thief's own
        # authenticator from the thief's device (the Graph user action takes no applications).
        add("staff-managed-device-registration",
            "require a managed device for the processor's staff to register security info",
            conditions(azuread.ConditionalAccessPolicyConditionsApplicationsArgs(
                included_user_actions=[REGISTER_SECURITY_INFO]), staff),
            managed)
    return policies
