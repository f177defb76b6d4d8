"""No assignment (standing or PIM-eligible) of a built-in role that is too broad for any task here.

OUS-6.2 wants access fitted to the task; the three custom roles of modules/roles.py cover
every task. These built-in roles are refused wherever they are assigned, matched by the
GUID at the end of roleDefinitionId (case-insensitively):

- Owner, Contributor: manage everything in scope, including turning shared keys, public
  access and network rules back on (OUS-6.1.a/b);
- User Access Administrator, Role Based Access Control Administrator: grant any role to
  anyone, i.e. decide access outside the register (OUS-6.2, OUS-7);
- Storage Blob Data Owner, Storage Blob Data Contributor: read, write and delete every blob
  (Owner also sets ACLs), where uploaders may only write and readers only read;
- Storage Account Contributor, Reader and Data Access: list the account keys, data access
  that bypasses Entra ID (OUS-6.1.a).
"""

from __future__ import annotations

from pulumi_policy import Severity

from policies.authz import ASSIGNMENT_TYPES, role_guid
from policies.facts import PRIVILEGED_ROLES
from policies.lib import describe, get, resource_policy


def validate(args, report_violation) -> None:
    if args.resource_type not in ASSIGNMENT_TYPES:
        return
    role_id = get(args.props, "roleDefinitionId")
    role = PRIVILEGED_ROLES.get(role_guid(role_id) or "")
    if role:
        report_violation(
            f"{describe(args.resource_type, args.name)} grants the built-in role "
            f"{role} ({role_id}) at {get(args.props, 'scope')!r}: grant the least-privilege custom role for the "
            "task instead (uploader, reader or operator of modules/roles.py)"
        )


POLICY = resource_policy(
    name="rbac-no-privileged-builtin-roles",
    clauses=("OUS-6.2", "OUS-6.1.a", "ECG-7"),
    area="rbac",
    description="No role assignment or PIM eligibility grants Owner, Contributor, User Access Administrator, RBAC "
    "Administrator, Storage Blob Data Owner/Contributor, Storage Account Contributor or Reader and Data Access.",
    remediation="Assign the custom uploader/reader/operator roles of modules/roles.py; never a built-in role that "
    "manages access, manages the account or reaches all data.",
    validate=validate,
    severity=Severity.CRITICAL,
)
