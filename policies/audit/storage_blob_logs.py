"""Every read, write and delete on every store is logged to the stack's workspace.

OUS-6.b: follow-up of staff who access health data unlawfully needs every data-plane access
with the caller's identity; ECG-7S: security documented on request. For each storage account
of the plan, a diagnostic setting on its blob service (`<account id>/blobServices/default`)
enables StorageRead, StorageWrite and StorageDelete (by category, or the `allLogs`/`audit`
category group) and sends them to a Log Analytics workspace of this plan (so its retention
and location are checked too). Several settings on one blob service add up.
"""

from __future__ import annotations

from policies.lib import get_str, stack_policy
from policies.monitoring import logs_by_target, missing_categories, resource_key, workspace_keys
from policies.stack import STORAGE_ACCOUNT, Undecided, label_of

CATEGORIES = ("StorageRead", "StorageWrite", "StorageDelete")
GROUPS = ("allLogs", "audit")


def validate(args, report_violation) -> None:
    undecided = Undecided()
    workspaces = workspace_keys(args.resources, undecided)
    elsewhere: dict[str, list[str]] = {}
    enabled = logs_by_target(args.resources, workspaces, undecided, elsewhere)
    if undecided.notes:
        # A setting that couldn't be read may be the one a resource lacks: no verdict, only the note.
        undecided.finish()
    for r in args.resources:
        if r.resource_type != STORAGE_ACCOUNT:
            continue
        with undecided.about(label_of(r)):
            account = resource_key(get_str(r.props, "resourceGroupName"), "Microsoft.Storage/storageAccounts",
                                   get_str(r.props, "accountName"))
            if account is None:
                report_violation(f"[OUS-6.b, ECG-7S] {label_of(r)} has no accountName and resourceGroupName, so no "
                                 "diagnostic setting can be matched to it: name it", r.urn)
                continue
            blob_service = f"{account}/blobservices/default"
            categories, groups = enabled.get(blob_service, (set(), set()))
            missing = missing_categories(categories, groups, CATEGORIES, GROUPS)
            if missing:
                note = (f" ({', '.join(elsewhere[blob_service])} send to a workspace outside this stack)"
                        if blob_service in elsewhere else "")
                report_violation(
                    f"[OUS-6.b, ECG-7S] {label_of(r)} does not log {missing} of its blob service to a workspace of "
                    f"this stack{note}: add a diagnostic setting on '<account id>/blobServices/default' enabling "
                    "StorageRead, StorageWrite and StorageDelete to the audit workspace (modules/audit.py)", r.urn)
    undecided.finish()


POLICY = stack_policy(
    name="audit-storage-blob-logs",
    clauses=("OUS-6.b", "ECG-7S"),
    area="audit",
    description="Every storage account's blob service has diagnostic settings sending StorageRead, StorageWrite and "
    "StorageDelete (or allLogs/audit) to a Log Analytics workspace of the stack.",
    remediation="Create a monitor.DiagnosticSetting per account with resource_uri <account id>/blobServices/default, "
    "workspace_id the audit workspace, logs StorageRead/StorageWrite/StorageDelete enabled (modules/audit.py).",
    validate=validate,
)
