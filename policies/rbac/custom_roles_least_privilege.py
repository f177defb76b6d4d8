"""Custom roles grant only what their task needs: no wildcards, no escalation, data actions by role.

OUS-6.2 / ECG-7: access fits the task. For every RoleDefinition of the stack:

- no action or data action contains `*` (wildcards grant whatever Azure adds later);
- no Microsoft.Authorization action other than a read (writing role assignments, role
  definitions, deny assignments, policies or locks, or elevating access, is escalation);
- no storage key or SAS listing (listKeys, regenerateKey, listAccountSas, listServiceSas):
  data access that bypasses Entra ID (OUS-6.1.a);
- data actions only in the uploader and reader roles (named `... uploader` / `... reader` as
  modules/roles.py does); the operator role and any other role have none;
- the uploader writes only: no read, no delete, no permission or super-user data action;
- the reader reads only: every data action ends in `/read` (or is the tag `filter/action`);
- assignable scopes no broader than a resource group (never a subscription, management
  group or the root), so the role cannot be granted tenant- or subscription-wide.
"""

from __future__ import annotations

from policies.authz import ROLE_DEFINITION, normal_scope, permissions, role_kind, scope_level
from policies.lib import describe, get_str, get_strs, resource_policy

CLAUSES = "[OUS-6.2, OUS-6.1.a, ECG-7]"
KEY_ACTIONS = ("/listkeys/action", "/regeneratekey/action", "/listaccountsas/action", "/listservicesas/action")
SUPER_USER = ("runassuperuser", "modifypermissions", "manageownership")
BROAD_SCOPES = ("root", "management group", "subscription")


def is_read(action: str) -> bool:
    value = action.lower()
    return value.endswith("/read") or value.endswith("/filter/action")


def validate(args, report_violation) -> None:
    if args.resource_type != ROLE_DEFINITION:
        return
    label = describe(args.resource_type, args.name)
    actions = permissions(args.props, "actions")
    data_actions = permissions(args.props, "dataActions")
    kind = role_kind(get_str(args.props, "roleName"))

    def bad(what: str, found: list[str], fix: str) -> None:
        if found:
            report_violation(f"{CLAUSES} {label} ({kind} role) {what} {found}: {fix}")

    bad("uses wildcards", [a for a in actions + data_actions if "*" in a], "list each action explicitly")
    bad("can escalate access with", [a for a in actions if a.lower().startswith("microsoft.authorization/")
                                     and not a.lower().endswith("/read")],
        "only Microsoft.Authorization reads are allowed")
    bad("can list account keys or SAS with", [a for a in actions if a.lower().endswith(KEY_ACTIONS)],
        "remove them; data access goes through Entra ID roles only")
    if kind not in ("uploader", "reader"):
        bad("has data actions", data_actions, "only the uploader and reader roles touch data; remove them")
    elif kind == "uploader":
        bad("can read, delete or manage permissions with",
            [a for a in data_actions if is_read(a) or "delete" in a.lower() or any(s in a.lower() for s in SUPER_USER)],
            "the uploader writes only (blobs/write, blobs/add/action)")
    else:
        bad("can change data with", [a for a in data_actions if not is_read(a)], "the reader reads only (blobs/read)")
    broad = [s for s in get_strs(args.props, "assignableScopes") if scope_level(normal_scope(s)) in BROAD_SCOPES]
    bad("is assignable at", broad, "limit assignableScopes to the data resource groups")


POLICY = resource_policy(
    name="rbac-custom-roles-least-privilege",
    clauses=("OUS-6.2", "OUS-6.1.a", "ECG-7"),
    area="rbac",
    description="Custom roles use no wildcards, no Microsoft.Authorization writes, no key/SAS listing; only the "
    "uploader (write-only) and reader (read-only) roles have data actions; assignable scopes no broader than a "
    "resource group.",
    remediation="Keep modules/roles.py ROLE_PERMISSIONS: uploader blobs/write + blobs/add/action, reader blobs/read, "
    "operator management reads only; assignableScopes = the data resource groups.",
    validate=validate,
)
