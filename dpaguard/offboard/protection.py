"""Would the store keep a recoverable copy of deleted data longer than the agreement permits?

The longest time anything deleted stays recoverable ("window") follows from Azure's documented
data-protection features (Microsoft Learn):
- "Soft delete for blobs" (learn.microsoft.com/azure/storage/blobs/soft-delete-blob-overview): a deleted blob, snapshot or version is kept, restorable, for the
  retention period (1-365 days). A soft-deleted snapshot or version can be removed at once with
  `deletetype=permanent` only if the policy has `allowPermanentDelete`; a soft-deleted *base* blob
  of an account without versioning cannot, so it stays for the whole period.
- "Blob versioning" (learn.microsoft.com/azure/storage/blobs/versioning-overview): with versioning on, deleting the current version turns it into a previous
  version, which `deletetype=permanent` ("Delete Blob" REST, learn.microsoft.com/rest/api/storageservices/delete-blob)
  can then remove when permanent delete is allowed ("DeleteRetentionPolicy.AllowPermanentDelete").
- "Point-in-time restore for block blobs" (learn.microsoft.com/azure/storage/blobs/point-in-time-restore-overview): restores block blobs to any point in the restore window,
  deleted ones included; it cannot be combined with `allowPermanentDelete`.
- "Soft delete for containers": a deleted container, with the blobs still in it, is restorable for
  its retention period; it matters only when soft-deleted blobs remain inside.
- "Immutable storage" (time-based retention, legal hold, version-level WORM): blobs cannot be
  deleted at all while it applies.

The data plane reports only the delete retention policy (Get Blob Service Properties). Versioning
and point-in-time restore are read from the stack's own layout (what the program provisions), and
versions seen in the inventory count as versioning on; the worse of what is declared and what is
observed decides, so a store that drifted from its plan can only make the answer stricter.

What each agreement permits (the single place this is decided):
- OUS: OUS-5 "deleted so that it cannot be recovered"; the project tolerates a short soft delete as
  an operational safety net (modules.config.OUS_MAX_SOFT_DELETE_DAYS), never more.
- ECG: ECG-11 "on termination ... stored data is deleted"; no clause allows keeping a restorable
  copy after termination (ECG-7S's restore window serves a running agreement), so 0 days.
"""

from __future__ import annotations

from dataclasses import dataclass

from dpaguard.offboard.blobs import Item, LiveSettings
from dpaguard.offboard.targets import DeclaredProtection


def permitted_days(agreement: str, declared: DeclaredProtection) -> int:
    """How long a deleted item may stay recoverable by the processor before the final certificate.

    OUS: OUS-5 tolerates a short safety net (modules.config.OUS_MAX_SOFT_DELETE_DAYS).
    ECG: ECG-7S asks for soft delete, versions and restore on patient data, and one account holds
    several physicians' containers, so the store's protection cannot be switched off for one
    controller's offboarding without taking it from the others. ECG-11 is met in two steps: the
    data is deleted at termination (interim certificate: recoverable only by the processor, until
    a stated date), and verified gone once the window the stack declares has passed (final
    certificate). A live store keeping copies longer than the stack declares has drifted and is refused.
    """
    from modules.config import OUS_MAX_SOFT_DELETE_DAYS

    if agreement == "OUS":
        return int(OUS_MAX_SOFT_DELETE_DAYS)
    return max(declared.soft_delete_days, declared.restore_days or 0)


@dataclass(frozen=True)
class Assessment:
    window_days: int
    """How long something this run deletes could still be recovered."""
    permitted_days: int
    refusals: tuple[str, ...]
    """Why the run must not start; empty when it may."""
    purge_soft_deleted: bool
    """Whether soft-deleted snapshots and versions are removed with deletetype=permanent."""
    residual: str
    """What stays recoverable, and for how long, in words (for the certificate)."""
    fix: str
    """The settings change that would let the run proceed (empty if nothing needs changing)."""


def assess(agreement: str, declared: DeclaredProtection, live: LiveSettings, items: list[Item]) -> Assessment:
    allowed = permitted_days(agreement, declared)
    soft_days = max(declared.soft_delete_days, live.soft_delete_days)
    # Permanent delete must be on in the live store; the plan saying so is not enough.
    permanent = live.allow_permanent_delete if live.soft_delete_days else declared.allow_permanent_delete
    versioning = declared.versioning or any(i.version for i in items)
    restore = declared.restore_days or 0

    blob_window = 0
    if soft_days:
        blob_window = 0 if (permanent and versioning) else soft_days
    # Container soft delete does not count: containers are removed only after a listing with deleted
    # items found nothing, so a restored container would come back empty (Learn: "Soft delete for containers").
    window = max(blob_window, restore)

    refusals: list[str] = []
    fixes: list[str] = []
    if live.immutability:
        refusals.append(f"the container has {', '.join(live.immutability)}: its blobs cannot be deleted while "
                        "that applies (Learn: 'Immutable storage for Azure Blob Storage')")
        fixes.append("let the retention interval expire or clear the legal hold")
    if window > allowed:
        parts = []
        if blob_window:
            why = "without allowPermanentDelete" if not permanent else "without versioning, so base blobs stay soft-deleted"
            parts.append(f"blob soft delete keeps deleted items {soft_days} days ({why})")
            fixes.append(f"bring the live blob delete retention back to the {allowed} days the stack declares "
                         f"(`dpaguard deploy --stack ...`)" if agreement != "OUS" else
                         "set the blob delete retention policy's allowPermanentDelete and turn versioning on, "
                         f"or lower soft delete to at most {allowed} days")
        if restore:
            parts.append(f"point-in-time restore can bring data back for {restore} days")
            fixes.append("turn point-in-time restore off for this account (it also blocks allowPermanentDelete)")
        limit = (f"the {agreement} agreement permits {allowed}" if agreement == "OUS" else
                 f"the stack declares {allowed} for ECG-7S (a longer live setting is drift)")
        refusals.append(f"the store would keep a recoverable copy for {window} days, {limit}: " + "; ".join(parts))
    if window == 0:
        residual = "nothing recoverable: no soft delete, point-in-time restore or immutability retains deleted data"
    else:
        residual = (f"deleted items remain recoverable by the processor only (soft delete"
                    f"{', point-in-time restore' if restore else ''}) for at most {window} days, within the {allowed} "
                    "days tolerated, then Azure removes them; a final certificate follows a listing after that date")
    return Assessment(window, allowed, tuple(refusals), bool(soft_days and permanent), residual, "; ".join(fixes))
