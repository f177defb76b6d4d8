"""The processor's own staff sign in to every resource from a managed device only (ScubaGear MS.AAD.3.7v1 for them).

aad.md: "Managed devices SHOULD be required for authentication." OUS-6.1.c allows remote
operation only from the processor's own equipment. The controllers' staff upload and read from
their own trusts' devices, which the processor does not manage, so the control stops at the
processor's staff (the register's `processorStaff`, every operator of the stack config): README
"Entra ID baseline" records that decision, and why ScubaGear reports MS.AAD.3.7 as not met.

Passes if an enabled Conditional Access policy includes every processor staff member (or all
users), targets all resources, excludes only break-glass accounts, is not narrowed, and grants
with `compliantDevice` and/or `domainJoinedDevice` (Entra hybrid joined), with no other control
that alone suffices (operator OR). The grant is ScubaGear's `ManagedDeviceAuth` (Rego/AADConfig.rego).
"""

from __future__ import annotations

from policies.entra_baseline import (
    all_resources_reason,
    baseline,
    managed_device_reason,
    require_of_staff,
)
from policies.lib import stack_policy


def validate(args, report_violation) -> None:
    require_of_staff(
        args, report_violation, target=all_resources_reason,
        meant=lambda p: managed_device_reason(p) is None and all_resources_reason(p) is None,
        requirement="require a managed device for the processor's staff on all resources",
        baseline_text="MS.AAD.3.7v1: Managed devices SHOULD be required for authentication",
        fix="keep modules/access.py's 'staff-managed-device' policy (includedUsers = every operator of the stack "
        "config, includedApplications [All], only break-glass excludedUsers, builtInControls [compliantDevice, "
        "domainJoinedDevice] with operator OR, state enabled)",
    )


POLICY = baseline(stack_policy(
    name="identity-ca-staff-managed-device",
    clauses=("OUS-6.1.c", "OUS-6.1.a"),
    area="identity",
    description="An enabled Conditional Access policy requires a compliant or hybrid-joined device of every processor "
    "staff member (register processorStaff) on all resources, excluding only the break-glass accounts "
    "(ScubaGear MS.AAD.3.7v1, scoped to the processor's staff).",
    remediation="Keep modules/access.py's 'staff-managed-device' policy: includedUsers = the operators' object ids, "
    "includedApplications [All], excludedUsers = access.breakGlass only, builtInControls [compliantDevice, "
    "domainJoinedDevice], operator OR, state enabled.",
    validate=validate,
    uses_register=True,
), "MS.AAD.3.7v1")
