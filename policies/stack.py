"""What stack policies share about the data stores: which agreement an account serves, where
it lives, what its lifecycle rules delete, and how to keep deciding past an unknown value.

The pack runs inside the Pulumi CLI from `policies/` alone, so the tag, metadata and name
conventions of `modules/naming.py` are mirrored here (tests/policies/test_stack.py checks
they agree). Azure names are case-insensitive, so every correlation by name is too.

Which agreement's rules apply to a storage account (CLAUSES.md, "Where the two pull apart")
is decided by `agreement_of_account`, in this order, and the answer says which one it used:

1. the account's own `dpaguard-agreement` tag, if it names exactly one agreement;
2. its resource group: that group's `dpaguard-agreement` tag in the same plan, else the
   data-group name `rg-<prefix>-<ous|ecg>-data` (modules/naming.data_resource_group);
3. the stack itself, when the register says it serves exactly one agreement.

Containers, blob services and lifecycle policies take the agreement of their account. An
account none of these decide (a stack serving both agreements, nothing tagged) gets neither
agreement's retention rules; governance-dedicated-store reports it instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from policies.lib import describe, get, get_list, get_map, get_number, get_str, get_strs, lower

AGREEMENTS = ("OUS", "ECG")

RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
BLOB_SERVICE = "azure-native:storage:BlobServiceProperties"
BLOB_CONTAINER = "azure-native:storage:BlobContainer"
MANAGEMENT_POLICY = "azure-native:storage:ManagementPolicy"
PRIVATE_ENDPOINT = "azure-native:network:PrivateEndpoint"
AZUREAD_GROUP = "azuread:index/group:Group"

# modules/naming.py
TAG_AGREEMENT = "dpaguard-agreement"
TAG_DATA_CLASS = "dpaguard-data-class"
DATA_CLASS = {"OUS": "therapy-recordings", "ECG": "ecg-patient-data"}
RECORDINGS_PREFIX = "rec-"
SCORES_PREFIX = "scores-"
ECG_PREFIX = "ecg-"
# modules/storage.py ContainerSpec.metadata
META_AGREEMENT = "dpaguard_agreement"
META_CONTROLLER = "dpaguard_controller"
META_DATA_CLASS = "dpaguard_data_class"
META_PSEUDONYMISED = "dpaguard_pseudonymised"
CONTAINER_CLASSES = {"OUS": ("recordings", "scores"), "ECG": ("ecg",)}
# modules/access.py: `{prefix}-{controller}-{suffix}`; the prefix has no hyphen. An OUS
# therapist uploads their own recordings, so OUS controllers have an uploaders group too; ECG
# data is written for every physician by the processor's ingest service (one shared group),
# so an ECG physician's own group is the readers group of their container.
CONTROLLER_GROUPS = {"OUS": ("uploaders", "readers"), "ECG": ("readers",)}

DATA_GROUP_NAME = re.compile(r"^rg-[a-z][a-z0-9]{2,9}-(ous|ecg)-data$", re.IGNORECASE)

# Lifecycle blob types a store can hold. The uploader role may append (blobs/add/action), so
# append blobs are as much data as block blobs and a delete rule must cover both.
BLOB_TYPES = ("blockBlob", "appendBlob")


# ------------------------------------------------------------------ deciding past unknowns


class Undecided:
    """Collects what a stack policy could not decide, so one unknown value does not hide the
    violations it can decide; `finish()` then raises one UnknownValueError (an advisory note)."""

    def __init__(self) -> None:
        self.notes: list[str] = []

    @contextmanager
    def about(self, label: str) -> Iterator[None]:
        try:
            yield
        except UnknownValueError as exc:
            self.notes.append(f"{label}: {exc.message}")

    def finish(self) -> None:
        if self.notes:
            error = UnknownValueError(UNKNOWN_STRING_VALUE, ["; ".join(self.notes)])
            error.message = "; ".join(self.notes)
            raise error


def label_of(resource: Any) -> str:
    return describe(resource.resource_type, resource.name)


def key(value: Any) -> str | None:
    """Azure names compare case-insensitively."""
    return value.lower() if isinstance(value, str) and value else None


# ------------------------------------------------------------------ accounts and agreements


def single_agreement(value: Any) -> str | None:
    return value if isinstance(value, str) and value in AGREEMENTS else None


def data_group_agreement(name: Any) -> str | None:
    """`OUS`/`ECG` if `name` is a data resource group name (`rg-<prefix>-<ous|ecg>-data`)."""
    match = DATA_GROUP_NAME.match(name) if isinstance(name, str) else None
    return match.group(1).upper() if match else None


def register_agreements(register: Mapping[str, Any]) -> list[str]:
    return [a for a in get_strs(register, "agreements") if a in AGREEMENTS]


@dataclass
class Account:
    resource: Any
    name: str
    resource_group: str | None
    agreement: str | None
    how: str
    """How `agreement` was decided (for messages)."""

    @property
    def label(self) -> str:
        return label_of(self.resource)


@dataclass
class Stores:
    """The storage side of a stack: accounts by (resource group, name), and their children."""

    accounts: list[Account] = field(default_factory=list)
    group_tags: dict[str, Mapping[str, Any]] = field(default_factory=dict)
    containers: list[Any] = field(default_factory=list)
    blob_services: list[Any] = field(default_factory=list)
    policies: list[Any] = field(default_factory=list)
    _by_name: dict[str, list[Account]] = field(default_factory=dict, repr=False)
    _indexed: int = field(default=-1, repr=False)

    def account_for(self, child: Any) -> Account | None:
        """The account a child (container, blob service, lifecycle policy) belongs to."""
        name = key(get_str(child.props, "accountName"))
        group = key(get_str(child.props, "resourceGroupName"))
        if self._indexed != len(self.accounts):
            self._by_name = {}
            for account in self.accounts:
                self._by_name.setdefault(key(account.name) or "", []).append(account)
            self._indexed = len(self.accounts)
        for account in self._by_name.get(name or "", []):
            if group is None or key(account.resource_group) in (None, group):
                return account
        return None

    def children_of(self, account: Account, children: Iterable[Any], undecided: Undecided) -> list[Any]:
        out = []
        for child in children:
            with undecided.about(label_of(child)):
                if self.account_for(child) is account:
                    out.append(child)
        return out


def collect(resources: Sequence[Any], register: Mapping[str, Any] | None, undecided: Undecided) -> Stores:
    """Index the storage resources of a stack; what can't be read goes to `undecided`."""
    stores = Stores()
    for r in resources:
        if r.resource_type != RESOURCE_GROUP:
            continue
        with undecided.about(label_of(r)):
            name = key(get_str(r.props, "resourceGroupName"))
            if name:
                stores.group_tags[name] = get_map(r.props, "tags")
    agreements = register_agreements(register) if register is not None else []
    for r in resources:
        if r.resource_type == STORAGE_ACCOUNT:
            with undecided.about(label_of(r)):
                name = get_str(r.props, "accountName")
                if name is None:
                    # azure-native would auto-name it with a random suffix: nothing can refer to it
                    # by name, so no child, endpoint or rule can be matched to it during preview.
                    raise UnknownValueError(UNKNOWN_STRING_VALUE, ["accountName"])
                group = get_str(r.props, "resourceGroupName")
                agreement, how = agreement_of_account(r.props, group, stores.group_tags, agreements)
                stores.accounts.append(Account(r, name, group, agreement, how))
        elif r.resource_type == BLOB_CONTAINER:
            stores.containers.append(r)
        elif r.resource_type == BLOB_SERVICE:
            stores.blob_services.append(r)
        elif r.resource_type == MANAGEMENT_POLICY:
            stores.policies.append(r)
    return stores


def agreement_of_account(
    props: Any, group: str | None, group_tags: Mapping[str, Mapping[str, Any]], agreements: Sequence[str]
) -> tuple[str | None, str]:
    tagged = single_agreement(get(props, "tags", TAG_AGREEMENT))
    if tagged:
        return tagged, f"its {TAG_AGREEMENT} tag"
    tags = group_tags.get(key(group) or "")
    if tags is not None:
        by_group_tag = single_agreement(get(tags, TAG_AGREEMENT))
        if by_group_tag:
            return by_group_tag, f"the {TAG_AGREEMENT} tag of resource group '{group}'"
    by_group_name = data_group_agreement(group)
    if by_group_name:
        return by_group_name, f"its data resource group '{group}'"
    if len(agreements) == 1:
        return agreements[0], f"the stack, which serves {agreements[0]} only"
    return None, "no agreement tag, no data resource group and a stack serving several agreements"


def agreement_of_child(stores: Stores, child: Any, agreements: Sequence[str]) -> tuple[str | None, str]:
    """The agreement of a container, blob service or lifecycle policy: its account's, else (an
    account outside the plan) a container's own `dpaguard_agreement` metadata, then as above."""
    account = stores.account_for(child)
    if account is not None:
        return account.agreement, f"account '{account.name}' ({account.how})"
    if child.resource_type == BLOB_CONTAINER:
        meta = single_agreement(get(child.props, "metadata", META_AGREEMENT))
        if meta:
            return meta, f"its {META_AGREEMENT} metadata"
    return agreement_of_account({}, get_str(child.props, "resourceGroupName"), stores.group_tags, agreements)


def container_name(container: Any) -> str | None:
    return get_str(container.props, "containerName")


def controller_of_container(container: Any) -> str | None:
    """The controller a container serves: its `dpaguard_controller` metadata, else its name."""
    meta = get_str(container.props, "metadata", META_CONTROLLER)
    if meta:
        return meta
    name = container_name(container) or ""
    for prefix in (RECORDINGS_PREFIX, SCORES_PREFIX, ECG_PREFIX):
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix):]
    return None


def controllers(register: Mapping[str, Any]) -> Mapping[str, Any]:
    return get_map(register, "controllers")


# ------------------------------------------------------------------ lifecycle rules


@dataclass(frozen=True)
class Horizon:
    """The earliest age (days) at which some enabled lifecycle rule deletes each kind of blob."""

    base: float | None
    version: float | None
    snapshot: float | None


def _base_delete_days(delete: Any) -> float | None:
    # Age since creation or last write both bound how long an upload lives. Last *access* does
    # not: a recording that is watched now and then would never be deleted.
    days = [get_number(delete, k) for k in ("daysAfterCreationGreaterThan", "daysAfterModificationGreaterThan")]
    known = [d for d in days if d is not None]
    return min(known) if known else None


def _min(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def rule_covers(rule: Any, container: str, blob_type: str) -> bool:
    """Whether an enabled lifecycle rule applies to every blob of `blob_type` in `container`."""
    if get(rule, "enabled") is False or lower(get(rule, "type")) != "lifecycle":
        return False
    filters = get_map(rule, "definition", "filters")
    if blob_type not in get_strs(filters, "blobTypes"):
        return False
    # A blob-index filter narrows a rule to tagged blobs only: never full coverage.
    if get_list(filters, "blobIndexMatch"):
        return False
    prefixes = get(filters, "prefixMatch")
    if prefixes is None:
        return True  # no prefix filter: every blob in the account
    # A prefix is `container[/blob-prefix]`; it covers the whole container when it is a
    # prefix of "container/" (so "rec-" covers every recordings container, "rec-a/x" does not).
    whole = f"{container}/"
    return any(whole.startswith(p) for p in get_strs(filters, "prefixMatch"))


def horizon(policies: Iterable[Any], container: str, blob_type: str) -> Horizon:
    base = version = snapshot = None
    for policy in policies:
        for rule in get_list(policy.props, "policy", "rules"):
            if not rule_covers(rule, container, blob_type):
                continue
            actions = get_map(rule, "definition", "actions")
            base = _min(base, _base_delete_days(get(actions, "baseBlob", "delete")))
            version = _min(version, get_number(actions, "version", "delete", "daysAfterCreationGreaterThan"))
            snapshot = _min(snapshot, get_number(actions, "snapshot", "delete", "daysAfterCreationGreaterThan"))
    return Horizon(base, version, snapshot)


def late_deletions(policies: Iterable[Any], container: str, limit: float) -> list[str]:
    """Per blob type, what the lifecycle rules delete later than `limit` days (or never):
    base blobs, versions and snapshots alike. Empty when everything goes in time."""
    problems = []
    for blob_type in BLOB_TYPES:
        h = horizon(policies, container, blob_type)
        late = [f"{what} after {days(value)}" for what, value in
                (("base blobs", h.base), ("versions", h.version), ("snapshots", h.snapshot))
                if value is None or value > limit]
        if late:
            problems.append(f"{blob_type}: {', '.join(late)}")
    return problems


def days(value: float | None) -> str:
    if value is None:
        return "never"
    return f"{int(value)} days" if float(value).is_integer() else f"{value} days"


# ------------------------------------------------------------------ SKUs


def sku_name(props: Any) -> str | None:
    return get_str(props, "sku", "name")


def is_geo_redundant(sku: str | None) -> bool:
    """GRS, RA-GRS, GZRS, RA-GZRS (and their V2 forms) keep a copy in the paired region."""
    upper = (sku or "").upper()
    return "GRS" in upper or "GZRS" in upper


def is_zone_redundant(sku: str | None) -> bool:
    """ZRS, GZRS, RA-GZRS (and premium/V2 ZRS): three copies across availability zones."""
    return "ZRS" in (sku or "").upper()
