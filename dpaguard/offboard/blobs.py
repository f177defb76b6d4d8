"""Blob data plane: inventory with every snapshot, version and soft-deleted item; deletion; live settings.

Sources (Microsoft Learn):
- "List Blobs" (REST): `include=snapshots,versions,deleted` returns snapshots, previous versions
  and soft-deleted blobs, snapshots and versions; the SDK's `list_blobs(include=[...])`.
- "Delete Blob" (REST): deleting a base blob with `x-ms-delete-snapshots: include` removes its
  snapshots too; `deletetype=permanent` (version 2020-02-10+) permanently deletes a soft-deleted
  snapshot or version, and only when the account's delete retention policy has
  `allowPermanentDelete` (Learn: "DeleteRetentionPolicy.AllowPermanentDelete": "allows deletion of
  the soft deleted blob versions and snapshots. This property cannot be used [with] blob restore policy").
- "Get Blob Service Properties" (REST): `DeleteRetentionPolicy` (Enabled, Days, AllowPermanentDelete).
  Versioning, change feed and point-in-time restore are management-plane settings that the data
  plane does not report; see protection.py for how they are decided.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from dpaguard.errors import DpaGuardError

# Blob Batch allows at most 256 subrequests per batch (Learn: "Blob Batch" REST, Remarks).
BATCH_SIZE = 256


class StoreError(DpaGuardError):
    """The storage service refused or could not be reached; nothing is certified (exit 2)."""


@dataclass(frozen=True, order=True)
class Item:
    """One addressable object: a base blob, a snapshot or a version, live or soft-deleted."""

    account: str
    container: str
    name: str
    snapshot: str = ""
    version: str = ""
    deleted: bool = False
    current: bool = True
    """False for a previous version (versioning keeps it when the blob is overwritten or deleted)."""
    size: int = 0

    @property
    def kind(self) -> str:
        if self.snapshot:
            return "snapshot"
        if self.version and not self.current:
            return "version"
        return "blob"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: Any) -> Item:
        if not isinstance(value, dict):
            raise ValueError("an inventory item is an object")
        fields = {"account": str, "container": str, "name": str, "snapshot": str, "version": str,
                  "deleted": bool, "current": bool, "size": int}
        if set(value) != set(fields):
            raise ValueError(f"an inventory item has exactly the keys {sorted(fields)}")
        for key, kind in fields.items():
            if type(value[key]) is not kind:
                raise ValueError(f"inventory item {key!r} must be {kind.__name__}")
        if value["size"] < 0 or not value["name"] or not value["account"] or not value["container"]:
            raise ValueError("an inventory item needs a name, account and container and a size >= 0")
        return cls(**value)


def digest(items: Iterable[Item]) -> str:
    """SHA-256 over the sorted items as canonical JSON lines: the same set gives the same digest."""
    h = hashlib.sha256()
    for item in sorted(items):
        # ASCII-escaped: one encoding per value, and a lone surrogate cannot make encoding fail
        h.update(json.dumps(item.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode())
        h.update(b"\n")
    return h.hexdigest()


def _call(what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    from azure.core.exceptions import AzureError

    try:
        return fn(*args, **kwargs)
    except AzureError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise StoreError(f"{what}: {first[:300]}") from None


def container_exists(container_client: Any) -> bool:
    from azure.core.exceptions import AzureError, ResourceNotFoundError

    try:
        container_client.get_container_properties()
        return True
    except ResourceNotFoundError:
        return False
    except AzureError as exc:
        raise StoreError(f"container {container_client.container_name}: {str(exc).splitlines()[0][:300]}") from None


def list_items(container_client: Any, account: str, *, name: str | None = None) -> list[Item]:
    """Everything in the container (or under exactly one blob name), deleted items included."""
    from azure.core.exceptions import ResourceNotFoundError

    items: list[Item] = []
    try:
        pages: Iterator[Any] = container_client.list_blobs(
            name_starts_with=name, include=["snapshots", "versions", "deleted"])
        for blob in pages:
            if name is not None and blob.name != name:
                continue
            items.append(Item(
                account=account,
                container=container_client.container_name,
                name=str(blob.name),
                snapshot=str(blob.snapshot or ""),
                version=str(blob.version_id or ""),
                deleted=bool(blob.deleted),
                # `is_current_version` is only set when versioning is on; without it every live blob is current.
                current=bool(blob.is_current_version) if blob.version_id else not blob.snapshot,
                size=int(blob.size or 0),
            ))
    except ResourceNotFoundError:
        return []
    except Exception as exc:
        from azure.core.exceptions import AzureError

        if isinstance(exc, AzureError):
            raise StoreError(f"listing {account}/{container_client.container_name}: "
                             f"{str(exc).splitlines()[0][:300]}") from None
        raise
    return sorted(items)


@dataclass(frozen=True)
class LiveSettings:
    """What the data plane reports about a store and a container."""

    soft_delete_days: int
    allow_permanent_delete: bool
    immutability: tuple[str, ...]
    """Container features that forbid deletion: an immutability policy, a legal hold, version-level WORM."""


def live_settings(service_client: Any, container_client: Any) -> LiveSettings:
    props = _call(f"reading the blob service properties of {service_client.account_name}",
                  service_client.get_service_properties)
    policy = props.get("delete_retention_policy")
    enabled = bool(getattr(policy, "enabled", False))
    days = int(getattr(policy, "days", 0) or 0) if enabled else 0
    permanent = bool(getattr(policy, "allow_permanent_delete", False)) if enabled else False
    immutability: list[str] = []
    if container_exists(container_client):
        cprops = _call(f"reading container {container_client.container_name}", container_client.get_container_properties)
        if cprops.has_immutability_policy:
            immutability.append("immutability policy")
        if cprops.has_legal_hold:
            immutability.append("legal hold")
        if cprops.immutable_storage_with_versioning_enabled:
            immutability.append("version-level immutability")
    return LiveSettings(days, permanent, tuple(immutability))


def delete_live(container_client: Any, items: list[Item]) -> int:
    """Delete every live base blob (with its snapshots) and previous version; returns the number of requests."""
    requests = 0
    live = [i for i in items if not i.deleted]
    bases = sorted({i.name for i in live if i.kind == "blob" and i.current})
    for start in range(0, len(bases), BATCH_SIZE):
        chunk = bases[start:start + BATCH_SIZE]
        responses = _call(f"deleting in {container_client.container_name}", container_client.delete_blobs,
                          *chunk, delete_snapshots="include", raise_on_any_failure=False)
        requests += len(chunk)
        for name, response in zip(chunk, responses, strict=False):
            # 404: already gone (an earlier, interrupted run); anything else stops the run.
            if response.status_code not in (200, 202, 404):
                raise StoreError(f"deleting {container_client.container_name}/{name}: HTTP {response.status_code}")
    # Snapshots whose base blob is already gone, and previous versions, are deleted one by one. With
    # versioning on, deleting the base blob turns its current version into a previous version (Learn:
    # "Blob versioning", deleting a blob), so that version is deleted by its id too.
    for item in live:
        if item.kind == "snapshot" and item.name in bases:
            continue
        if item.kind == "blob" and item.current and not item.version:
            continue
        blob = container_client.get_blob_client(item.name, snapshot=item.snapshot or None)
        kwargs: dict[str, Any] = {"version_id": item.version} if item.version else {}
        _delete_tolerating_404(blob, f"{item.container}/{item.name}", **kwargs)
        requests += 1
    return requests


def purge_soft_deleted(container_client: Any, items: list[Item]) -> int:
    """`deletetype=permanent` for every soft-deleted snapshot and version (the only kinds Azure allows it for)."""
    requests = 0
    for item in items:
        if not item.deleted or not (item.snapshot or item.version):
            continue
        blob = container_client.get_blob_client(item.name, snapshot=item.snapshot or None)
        kwargs: dict[str, Any] = {"blob_delete_type": "Permanent"}
        if item.version:
            kwargs["version_id"] = item.version
        _delete_tolerating_404(blob, f"{item.container}/{item.name} (permanent)", **kwargs)
        requests += 1
    return requests


def _delete_tolerating_404(blob: Any, what: str, **kwargs: Any) -> None:
    from azure.core.exceptions import AzureError, ResourceNotFoundError

    try:
        blob.delete_blob(**kwargs)
    except ResourceNotFoundError:
        pass
    except AzureError as exc:
        raise StoreError(f"deleting {what}: {str(exc).splitlines()[0][:300]}") from None


def delete_container(container_client: Any) -> bool:
    """True if this call removed it, False if it was already gone."""
    from azure.core.exceptions import AzureError, ResourceNotFoundError

    try:
        container_client.delete_container()
        return True
    except ResourceNotFoundError:
        return False
    except AzureError as exc:
        raise StoreError(f"removing container {container_client.container_name}: "
                         f"{str(exc).splitlines()[0][:300]}") from None
