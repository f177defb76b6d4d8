"""Every read, write and delete on the data is logged to the stack's workspace (OUS-6.b, ECG-7S).

A stack policy (outputs): a diagnostic setting logs the account of the blob service it depends on
and takes its resourceUri from (propertyDependencies, policies/stack.py `account_of`; depending on
the blob service alone is undecidable: a setting on the file service accepts the same categories),
and sends to the stack's workspace when it depends on it (policies/monitoring.py). Which id the
resourceUri names is storage-children-name-stack-account's to check (the inputs, against the register).
"""

from __future__ import annotations

from policies.lib import stack_policy
from policies.monitoring import depends_on, logs_by_target, missing_categories
from policies.stack import BLOB_SERVICE, Ambiguous, Undecided, account_of, accounts, by_urn_of

CATEGORIES = ("StorageRead", "StorageWrite", "StorageDelete")
GROUPS = ("allLogs", "audit")


def validate(args, report_violation) -> None:
    undecided = Undecided()
    found = accounts(args.resources, None)
    by_urn = by_urn_of(found)

    def target_of(setting):
        # The blob service it depends on (a setting depending on the account logs the account).
        services = depends_on(setting, BLOB_SERVICE)
        if not services:
            return None
        account = account_of(setting, by_urn) if len(services) == 1 else None
        if len(services) > 1:
            raise Ambiguous(setting, services)
        return account.resource.urn if account is not None else None

    elsewhere: dict[str, list[str]] = {}
    enabled = logs_by_target(args.resources, target_of, undecided, elsewhere)
    if undecided.notes:
        # A setting that couldn't be read may be the one a resource lacks: no verdict but that.
        undecided.finish()
    for account in found:
        categories, groups = enabled.get(account.resource.urn, (set(), set()))
        missing = missing_categories(categories, groups, CATEGORIES, GROUPS)
        if missing:
            urn = account.resource.urn
            note = f" ({', '.join(elsewhere[urn])} send elsewhere)" if urn in elsewhere else ""
            report_violation(
                f"{account.label} does not log {missing} of its blob service to a workspace of this stack{note}: add a "
                "diagnostic setting on '<account id>/blobServices/default' enabling StorageRead, StorageWrite and "
                "StorageDelete to the audit workspace, its resourceUri taken from the blob service (named_by), depending "
                "on it and the workspace (modules/audit.py)", urn)


POLICY = stack_policy(
    name="audit-storage-blob-logs",
    clauses=("OUS-6.b", "ECG-7S"),
    area="audit",
    description="Every storage account's blob service has diagnostic settings sending StorageRead, StorageWrite and "
    "StorageDelete (or allLogs/audit) to a Log Analytics workspace of the stack (a setting belongs to the blob "
    "service its resourceUri is taken from and the workspace it depends on).",
    remediation="Create a monitor.DiagnosticSetting per account with resource_uri <account id>/blobServices/default, "
    "workspace_id the audit workspace, logs StorageRead/StorageWrite/StorageDelete enabled, resource_uri taken from "
    "that blob service (modules/storage.py named_by), depending on it and the workspace (modules/audit.py).",
    validate=validate,
)
