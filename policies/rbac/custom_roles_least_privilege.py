"""Custom roles grant only what their task needs: no wildcards, no escalation, data actions by role.

OUS-6.2 / ECG-7: access fits the task. For every RoleDefinition of the stack:

- no action or data action contains `*` (wildcards grant whatever Azure adds later);
- no Microsoft.Authorization action other than a read (writing role assignments, role
  definitions, deny assignments, policies or locks, or elevating access, is escalation);
- no storage key or SAS listing (listKeys, regenerateKey, listAccountSas, listServiceSas):
  data access that bypasses Entra ID (OUS-6.1.a);
- data actions only in the uploader and reader roles (named `... uploader` / `... reader` as
  modules/roles.py does); the operator role and any other role have none;
- the uploader creates only: no overwrite (`blobs/write`), no read, no delete, no permission or
  super-user data action (`blobs/add/action` creates a new blob; Microsoft Learn, "Authorize
  access to data in Azure Storage", permissions for Put Blob);
- the deployer (`... deployer`) may also write and delete role assignments
  (facts.DEPLOYER_AUTHZ_WRITES; its eligibility's condition bounds them) and be assignable at the
  stack's subscription: it exists only as expiring PIM eligibility (rbac-operator-elevation-time-bound
  refuses it standing). Role definitions, PIM eligibility and policy assignments it only reads: an
  `up` changing them is the subscription owner's (modules/deploy_rights.py OWNER_MANAGED_TYPES);
- the reader reads only: every data action ends in `/read` (or is the tag `filter/action`) and
  names no operation inside the path (`.../runAsSuperUser/action/read` is not a read);
- the operator, the uploader and the reader change nothing in the management plane: every
  action ends in `/read` (a `storageAccounts/write` would turn shared keys or public access back
  on, OUS-6.1.a); only the deployer writes;
- no role has a super-user data action (runAsSuperUser, modifyPermissions, manageOwnership);
- assignable scopes no broader than a resource group (never a subscription, management
  group or the root), so the role cannot be granted tenant- or subscription-wide.
"""

from __future__ import annotations

from policies.authz import ROLE_DEFINITION, normal_scope, permissions, role_kind, scope_level
from policies.facts import DEPLOYER_AUTHZ_WRITES
from policies.lib import describe, get_str, get_strs, resource_policy

KEY_ACTIONS = ("/listkeys/action", "/regeneratekey/action", "/listaccountsas/action", "/listservicesas/action")
SUPER_USER = ("runassuperuser", "modifypermissions", "manageownership")
BROAD_SCOPES = ("root", "management group", "subscription")


def is_read(action: str) -> bool:
    value = action.lower()
    if "/action/" in value or any(s in value for s in SUPER_USER):
        return False  # an operation named inside the path, e.g. `blobs/runAsSuperUser/action/read`
    return value.endswith("/read") or value.endswith("/filter/action")


def is_management_read(action: str) -> bool:
    value = action.lower()
    return value.endswith("/read") and "/action/" not in value


def validate(args, report_violation) -> None:
    if args.resource_type != ROLE_DEFINITION:
        return
    label = describe(args.resource_type, args.name)
    actions = permissions(args.props, "actions")
    data_actions = permissions(args.props, "dataActions")
    kind = role_kind(get_str(args.props, "roleName"))

    def bad(what: str, found: list[str], fix: str) -> None:
        if found:
            report_violation(f"{label} ({kind} role) {what} {found}: {fix}")

    bad("uses wildcards", [a for a in actions + data_actions if "*" in a], "list each action explicitly")
    allowed_writes = DEPLOYER_AUTHZ_WRITES if kind == "deployer" else ()
    bad("can escalate access with", [a for a in actions if a.lower().startswith("microsoft.authorization/")
                                     and not a.lower().endswith("/read")
                                     and not a.lower().startswith(allowed_writes)],
        "only Microsoft.Authorization reads are allowed (the deployer also writes role assignments; role "
        "definitions, eligibility requests and policy assignments are changed by the subscription owner's `up`)")
    bad("can list account keys or SAS with", [a for a in actions if a.lower().endswith(KEY_ACTIONS)],
        "remove them; data access goes through Entra ID roles only")
    if kind != "deployer":
        bad("can change resources with", [a for a in actions if not is_management_read(a)],
            "only the deployer writes; the operator, uploader and reader roles read management metadata only")
    bad("has super-user data actions", [a for a in data_actions if any(s in a.lower() for s in SUPER_USER)],
        "remove them; no role of the program acts as super-user on data")
    if kind not in ("uploader", "reader"):
        bad("has data actions", data_actions, "only the uploader and reader roles touch data; remove them")
    elif kind == "uploader":
        bad("can read, overwrite, delete or manage permissions with",
            [a for a in data_actions if is_read(a) or "delete" in a.lower() or a.lower().endswith("/blobs/write")
             or any(s in a.lower() for s in SUPER_USER)],
            "the uploader creates blobs only (blobs/add/action), never overwrites (blobs/write)")
    else:
        bad("can change data with", [a for a in data_actions if not is_read(a)], "the reader reads only (blobs/read)")
    too_broad = ("root", "management group") if kind == "deployer" else BROAD_SCOPES
    broad = [s for s in get_strs(args.props, "assignableScopes") if scope_level(normal_scope(s)) in too_broad]
    bad("is assignable at", broad, "limit assignableScopes to the data resource groups (the deployer: the stack's "
        "subscription)")


POLICY = resource_policy(
    name="rbac-custom-roles-least-privilege",
    clauses=("OUS-6.2", "OUS-6.1.a", "ECG-7"),
    area="rbac",
    description="Custom roles use no wildcards, no Microsoft.Authorization writes, no key/SAS listing, no "
    "super-user data actions; only the deployer has management actions other than reads; only the uploader "
    "(create-only) and reader (read-only) roles have data actions; assignable scopes no broader than a "
    "resource group. The deployer role alone may write role assignments (never role definitions, eligibility requests or "
    "policy assignments: those are the subscription owner's) and be assignable at the subscription (it is only ever "
    "PIM-eligible, with an expiry).",
    remediation="Keep modules/roles.py ROLE_PERMISSIONS: uploader blobs/add/action, reader blobs/read, operator "
    "management reads only; assignableScopes = the data resource groups; the deployer's actions from "
    "modules/deploy_rights.py.",
    validate=validate,
)
