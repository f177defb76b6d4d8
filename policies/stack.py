"""What the storage policies share: which agreement a store serves, which account a child
belongs to, and how to keep deciding past an unknown value.

Two views of the same stores, because the engine sends two different things
(pulumi/pulumi `pkg/resource/deploy/step_generator.go`; pulumi_policy `policy.py`):

* resource policies get a resource's INPUTS, path parameters included (`accountName`,
  `resourceGroupName`, `containerName`): `agreement_of_inputs` reads them;
* stack policies get every resource's OUTPUTS. For a create in preview azure-native gives
  only response properties: path parameters are absent, `name`/`id` unknown. Stack policies
  therefore correlate by the dependency graph (`property_dependencies` of each PolicyResource:
  the program passes a child's account name as coming from its account, modules/storage.py
  `named_by`; a child that records no property dependency at all is undecidable, a diagnostic
  setting too), by tags and by container metadata, never by names (`accounts`, `account_of`,
  `container_name`).

Which agreement's rules apply to a storage account (CLAUSES.md, "Where the two pull apart"):

1. the account's own `dpaguard-agreement` tag, if it names exactly one agreement;
2. its resource group: that group's `dpaguard-agreement` tag (a group it depends on, for
   stack policies), else the data-group name `rg-<prefix>-<ous|ecg>-data` (inputs only);
3. the stack itself, when the register says it serves exactly one agreement.

The pack runs inside the Pulumi CLI from `policies/` alone, so the tag, metadata and name
conventions of `modules/naming.py` are mirrored here (tests/policies/test_stack.py checks
they agree). Azure names are case-insensitive, so every comparison by name is too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from policies.lib import (
    describe,
    get,
    get_list,
    get_map,
    get_or_absent,
    get_str,
    get_strs,
    lower,
    register_of,
)

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
# A container's name follows from its data class and controller (modules/naming.py);
# governance-container-labels holds every container to it, so stack policies, which never
# see a container's name in preview, can read it from the metadata.
PREFIX_OF_CLASS = {"recordings": RECORDINGS_PREFIX, "scores": SCORES_PREFIX, "ecg": ECG_PREFIX}
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
    violations it can decide; `finish()` then raises one UnknownValueError (a mandatory
    violation naming every undecidable value, see policies/lib._guarded)."""

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


# ------------------------------------------------------------------ agreements


def single_agreement(value: Any) -> str | None:
    return value if isinstance(value, str) and value in AGREEMENTS else None


def data_group_agreement(name: Any) -> str | None:
    """`OUS`/`ECG` if `name` is a data resource group name (`rg-<prefix>-<ous|ecg>-data`)."""
    match = DATA_GROUP_NAME.match(name) if isinstance(name, str) else None
    return match.group(1).upper() if match else None


def register_agreements(register: Mapping[str, Any] | None) -> list[str]:
    if register is None:
        return []
    return [a for a in get_strs(register, "agreements") if a in AGREEMENTS]


def agreement_of_inputs(props: Any, register: Mapping[str, Any] | None) -> tuple[str | None, str]:
    """The agreement of a storage resource from its INPUTS (resource policies): its own tag, its
    resource group's data-group name, the stack's only agreement."""
    tagged = single_agreement(get(props, "tags", TAG_AGREEMENT))
    if tagged:
        return tagged, f"its {TAG_AGREEMENT} tag"
    group = get_str(props, "resourceGroupName")
    by_group_name = data_group_agreement(group)
    if by_group_name:
        return by_group_name, f"its data resource group '{group}'"
    agreements = register_agreements(register)
    if len(agreements) == 1:
        return agreements[0], f"the stack, which serves {agreements[0]} only"
    return None, "no agreement tag, no data resource group and a stack serving several agreements"


def agreement_of_args(args: Any) -> tuple[str | None, str]:
    """`agreement_of_inputs` for a resource policy's args: the register is read (and required:
    without it the policy fails closed) only when tag and group name do not decide."""
    decided = single_agreement(get(args.props, "tags", TAG_AGREEMENT)) or \
        data_group_agreement(get_str(args.props, "resourceGroupName"))
    return agreement_of_inputs(args.props, None if decided else register_of(args))


# ------------------------------------------------------------------ the stack view (outputs)


@dataclass
class Account:
    resource: Any
    agreement: str | None
    how: str
    """How `agreement` was decided (for messages)."""

    @property
    def label(self) -> str:
        return label_of(self.resource)

    @property
    def name(self) -> str:
        """The Pulumi name (the Azure name is unknown in preview)."""
        return str(self.resource.name)


def _depends_on(resource: Any) -> list[Any]:
    return list(getattr(resource, "dependencies", None) or [])


def accounts(resources: Iterable[Any], register: Mapping[str, Any] | None) -> list[Account]:
    """Every storage account of the stack with its agreement, from outputs and dependencies."""
    agreements = register_agreements(register)
    out: list[Account] = []
    for r in resources:
        if r.resource_type != STORAGE_ACCOUNT:
            continue
        # Tags the program did not set are unknown in preview outputs and read as absent here:
        # governance-dedicated-store refuses an account without an agreement tag on its inputs.
        tagged = single_agreement(get_or_absent(r.props, "tags", TAG_AGREEMENT))
        if tagged:
            out.append(Account(r, tagged, f"its {TAG_AGREEMENT} tag"))
            continue
        by_group = None
        for group in (d for d in _depends_on(r) if d.resource_type == RESOURCE_GROUP):
            by_group = single_agreement(get_or_absent(group.props, "tags", TAG_AGREEMENT)) or by_group
            if by_group:
                out.append(Account(r, by_group, f"the {TAG_AGREEMENT} tag of {label_of(group)}"))
                break
        if by_group:
            continue
        if len(agreements) == 1:
            out.append(Account(r, agreements[0], f"the stack, which serves {agreements[0]} only"))
        else:
            out.append(Account(r, None, "no agreement tag, no tagged resource group and a stack serving "
                                        "several agreements"))
    return out


class Ambiguous(UnknownValueError):
    """A child depends on several storage accounts: which one it belongs to can't be told."""

    def __init__(self, child: Any, found: Sequence[Any], prop: str | None = None) -> None:
        super().__init__(UNKNOWN_STRING_VALUE, [prop or "dependencies"])
        accounts_ = ", ".join(sorted(label_of(a) for a in found))
        if prop is None:
            self.message = (f"{label_of(child)} depends on {len(found)} storage accounts ({accounts_}), so its own "
                            "can't be told: make it depend on its account only")
        else:
            self.message = (f"{label_of(child)} takes its {prop} from {len(found)} storage accounts ({accounts_}), "
                            "so its own can't be told: name one account")


# The input that names a child's storage account (the installed pulumi-azure-native's
# `_internal_init` arguments account_name, private_link_service_connections, resource_uri; camelCase
# on the wire): the blob service, a container and the lifecycle policy name the account, a private
# endpoint targets it in privateLinkServiceConnections[].privateLinkServiceId, and a diagnostic
# setting (any other child) names the blob service it logs, which names the account.
ACCOUNT_PROPERTY = {
    BLOB_SERVICE: "accountName",
    BLOB_CONTAINER: "accountName",
    MANAGEMENT_POLICY: "accountName",
    PRIVATE_ENDPOINT: "privateLinkServiceConnections",
}
TARGET_PROPERTY = "resourceUri"


def naming_property(child: Any) -> str:
    return ACCOUNT_PROPERTY.get(child.resource_type, TARGET_PROPERTY)


def naming_sources(child: Any) -> list[Any] | None:
    """The resources the input naming `child`'s account came from (its propertyDependencies), or
    None when the child records no property dependency at all.

    The SDK records, per input, the resources its value was computed from; `depends_on` is the
    program's say-so and any child can claim the stack's account by it while naming another
    account in accountName. The engine sends AnalyzeStack only properties that have dependencies
    (pulumi/pulumi `pkg/resource/plugin/analyzer_plugin.go` AnalyzeStack: "Skip properties that
    have no dependencies"), so a literal leaves no key: [] when the child records other property
    dependencies, None only when it records none (an older or hand-written plan, or a child whose
    inputs are all literals; storage-children-in-stack refuses the last, account_of fails closed)."""
    recorded = getattr(child, "property_dependencies", None)
    if not isinstance(recorded, Mapping) or not any(recorded.values()):
        return None
    return list(recorded.get(naming_property(child)) or [])


class Unattributed(UnknownValueError):
    """A child that names its account in an input (ACCOUNT_PROPERTY, a diagnostic setting's resourceUri)
    records no property dependency at all, so which account it belongs to can't be told: `depends_on`
    is the program's say-so."""

    def __init__(self, child: Any) -> None:
        prop = naming_property(child)
        super().__init__(UNKNOWN_STRING_VALUE, [prop])
        self.message = (f"{label_of(child)} records no propertyDependencies, so the account its {prop} names can't "
                        "be told (depends_on is not evidence): pass it from the stack's account "
                        "(modules/storage.py named_by)")


def account_of(child: Any, by_urn: Mapping[str, Account]) -> Account | None:
    """The account a child (container, blob service, lifecycle policy, endpoint, diagnostic
    setting) belongs to: the one storage account its naming input comes from (`naming_sources`),
    directly or through a blob service that does. A child that records no property dependency at
    all is Unattributed (fail closed: an undecidable value in a mandatory policy), a diagnostic
    setting too: depending on a blob service says nothing about which resource its resourceUri
    names (a file service's setting accepts the same StorageRead/Write/Delete categories), and
    modules/audit.py records the blob service as its resourceUri's source (named_by). None if
    there is none; Ambiguous if there are several."""
    found: dict[str, Any] = {}
    sources = naming_sources(child)
    if sources is None:
        raise Unattributed(child)
    for dep in sources:
        if dep.urn in by_urn:
            found[dep.urn] = dep
        elif dep.resource_type == BLOB_SERVICE:
            inner = account_of(dep, by_urn)
            if inner is not None:
                found[inner.resource.urn] = inner.resource
    if len(found) > 1:
        raise Ambiguous(child, list(found.values()), naming_property(child))
    return by_urn[next(iter(found))] if found else None


def children(kind: str, resources: Iterable[Any], account: Account, by_urn: Mapping[str, Account],
             undecided: Undecided) -> list[Any]:
    """The resources of type `kind` that belong to `account`."""
    out = []
    for r in resources:
        if r.resource_type != kind:
            continue
        with undecided.about(label_of(r)):
            if account_of(r, by_urn) is account:
                out.append(r)
    return out


class ChildIndex:
    """The children of every account by type, found in one pass (`children` per account would
    scan the stack once per account)."""

    def __init__(self, resources: Iterable[Any], by_urn: Mapping[str, Account], undecided: Undecided,
                 kinds: Sequence[str]) -> None:
        self._children: dict[tuple[str, str], list[Any]] = {}
        for r in resources:
            if r.resource_type not in kinds:
                continue
            with undecided.about(label_of(r)):
                account = account_of(r, by_urn)
                if account is not None:
                    self._children.setdefault((account.resource.urn, r.resource_type), []).append(r)

    def of(self, account: Account, kind: str) -> list[Any]:
        return self._children.get((account.resource.urn, kind), [])


def by_urn_of(found: Iterable[Account]) -> dict[str, Account]:
    return {a.resource.urn: a for a in found}


def container_name(container: Any) -> str | None:
    """A container's name: its inputs' `containerName` (resource policies), else the name its
    metadata implies (stack policies: the name is unknown in preview)."""
    name = get_str(container.props, "containerName")
    if name:
        return name
    data_class = get_str(container.props, "metadata", META_DATA_CLASS)
    controller = get_str(container.props, "metadata", META_CONTROLLER)
    prefix = PREFIX_OF_CLASS.get(data_class or "")
    return f"{prefix}{controller}" if prefix and controller else None


def controller_of_container(container: Any) -> str | None:
    """The controller a container serves: its `dpaguard_controller` metadata, else its name."""
    meta = get_str(container.props, "metadata", META_CONTROLLER)
    if meta:
        return meta
    name = get_str(container.props, "containerName") or ""
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
    # An age the program did not set is unknown in a stack policy's preview outputs; ignoring it
    # can only make the deletion look later (stricter), never earlier.
    days = [get_or_absent(delete, k) for k in ("daysAfterCreationGreaterThan", "daysAfterModificationGreaterThan")]
    known = [d for d in days if isinstance(d, (int, float)) and not isinstance(d, bool)]
    return min(known) if known else None


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _min(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)


def rule_covers(rule: Any, container: str, blob_type: str) -> bool:
    """Whether an enabled lifecycle rule applies to every blob of `blob_type` in `container`.

    Read from a stack policy's outputs, where what the program did not set is unknown in
    preview: an unknown `enabled` counts as off and an unknown `prefixMatch` as covering
    nothing (stricter than Azure, never laxer; modules/storage.py sets both). An absent one
    (inputs) is Azure's default: enabled, every blob."""
    try:
        enabled = get(rule, "enabled")
    except UnknownValueError:
        return False
    if enabled is False or lower(get(rule, "type")) != "lifecycle":  # Azure: enabled unless set false
        return False
    filters = get_map(rule, "definition", "filters")
    if blob_type not in get_strs(filters, "blobTypes"):
        return False
    # A blob-index filter narrows a rule to tagged blobs only: never full coverage. Unknown in a
    # stack policy's outputs when the program set none; retention-lifecycle-no-index-filter
    # refuses any on the inputs, before creation.
    if get_or_absent(filters, "blobIndexMatch"):
        return False
    try:
        prefixes = get(filters, "prefixMatch")
    except UnknownValueError:
        return False
    if prefixes is None:
        return True  # no prefix filter (inputs): every blob in the account
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
            # Unknown (not set by the program) reads as "never deleted": stricter, never laxer.
            version = _min(version, _number(get_or_absent(actions, "version", "delete", "daysAfterCreationGreaterThan")))
            snapshot = _min(snapshot, _number(get_or_absent(actions, "snapshot", "delete",
                                                            "daysAfterCreationGreaterThan")))
    return Horizon(base, version, snapshot)


@dataclass(frozen=True)
class ParsedRule:
    """A lifecycle rule read once (rule_covers and the delete ages), for many containers."""

    blob_types: frozenset[str]
    prefixes: tuple[str, ...] | None
    """None: every blob of the account."""
    base: float | None
    version: float | None
    snapshot: float | None

    def covers(self, container: str, blob_type: str) -> bool:
        if blob_type not in self.blob_types:
            return False
        if self.prefixes is None:
            return True
        whole = f"{container}/"
        return any(whole.startswith(p) for p in self.prefixes)


class ParsedRules(list[ParsedRule]):
    """Parsed rules with an index by prefix: `covering(container)` is every rule whose prefixes
    (or no prefix at all) take in `container/`, found in the length of the name, not of the list
    (an ECG account has a rule per retention class, a class per controller)."""

    def covering(self, container: str) -> list[ParsedRule]:
        index = self.__dict__.get("_index")
        if index is None:
            everywhere: list[ParsedRule] = []
            by_prefix: dict[str, list[ParsedRule]] = {}
            for rule in self:
                if rule.prefixes is None:
                    everywhere.append(rule)
                for prefix in dict.fromkeys(rule.prefixes or ()):
                    by_prefix.setdefault(prefix, []).append(rule)
            index = self.__dict__["_index"] = (everywhere, by_prefix)
        everywhere, by_prefix = index
        whole = f"{container}/"
        found = list(everywhere)
        for end in range(len(whole) + 1):
            found += by_prefix.get(whole[:end], ())
        return found


def parse_rules(policies: Iterable[Any]) -> ParsedRules:
    """The rules of `policies` that can cover anything (see rule_covers), read once."""
    parsed = ParsedRules()
    for policy in policies:
        for rule in get_list(policy.props, "policy", "rules"):
            # rule_covers on a container no prefix can match tells whether the rule is live at all
            # (enabled, Lifecycle, no index filter, known prefixes); the prefixes are read below.
            live = [t for t in BLOB_TYPES if _live(rule, t)]
            if not live:
                continue
            filters = get_map(rule, "definition", "filters")
            prefixes = None if get(filters, "prefixMatch") is None else tuple(get_strs(filters, "prefixMatch"))
            actions = get_map(rule, "definition", "actions")
            parsed.append(ParsedRule(
                frozenset(live), prefixes, _base_delete_days(get(actions, "baseBlob", "delete")),
                _number(get_or_absent(actions, "version", "delete", "daysAfterCreationGreaterThan")),
                _number(get_or_absent(actions, "snapshot", "delete", "daysAfterCreationGreaterThan"))))
    return parsed


def _live(rule: Any, blob_type: str) -> bool:
    """rule_covers without the prefix test: the rule applies to `blob_type` somewhere."""
    try:
        enabled = get(rule, "enabled")
        get(get_map(rule, "definition", "filters"), "prefixMatch")  # unknown: covers nothing
    except UnknownValueError:
        return False
    if enabled is False or lower(get(rule, "type")) != "lifecycle":
        return False
    filters = get_map(rule, "definition", "filters")
    if blob_type not in get_strs(filters, "blobTypes") or get_or_absent(filters, "blobIndexMatch"):
        return False
    return True


def late_deletions(policies: Iterable[Any] | list[ParsedRule], container: str, limit: float) -> list[str]:
    """Per blob type, what the lifecycle rules delete later than `limit` days (or never):
    base blobs, versions and snapshots alike. Empty when everything goes in time. Pass
    `parse_rules(policies)` when checking many containers against the same policies."""
    rules = policies if isinstance(policies, ParsedRules) else parse_rules(policies)
    covering = rules.covering(container)
    problems = []
    for blob_type in BLOB_TYPES:
        base = version = snapshot = None
        for rule in covering:
            if rule.covers(container, blob_type):
                base, version, snapshot = _min(base, rule.base), _min(version, rule.version), \
                    _min(snapshot, rule.snapshot)
        h = Horizon(base, version, snapshot)
        late = [f"{what} after {days(value)}" for what, value in
                (("base blobs", h.base), ("versions", h.version), ("snapshots", h.snapshot))
                if value is None or value > limit]
        if late:
            problems.append(f"{blob_type}: {', '.join(late)}")
    return problems


def _may_apply(rule: Any, blob_type: str) -> bool:
    """Whether a lifecycle rule might delete blobs of `blob_type` anywhere: the reading opposite to
    `_live`, for deletions that come too EARLY. In a stack policy's preview outputs a property the
    program did not set is unknown: an unknown `enabled` may be on (ARM's default) and an unknown
    blobTypes may list the type; an index-tag filter only narrows which blobs go."""
    enabled = get_or_absent(rule, "enabled")
    kind = get_or_absent(rule, "type")
    if enabled is False or (isinstance(kind, str) and kind.lower() != "lifecycle"):
        return False
    if get_or_absent(rule, "definition", "filters", "blobTypes") is None:
        return True
    return blob_type in get_strs(rule, "definition", "filters", "blobTypes")


def parse_early_rules(policies: Iterable[Any]) -> ParsedRules:
    """The rules of `policies` that might delete base blobs, read for `early_deletions`: an unknown
    (in preview: unset) prefixMatch covers the whole account, and every delete age counts, last
    access included (it deletes a blob nobody reads sooner than its creation age)."""
    parsed = ParsedRules()
    for policy in policies:
        for rule in get_list(policy.props, "policy", "rules"):
            ages = [_number(get_or_absent(rule, "definition", "actions", "baseBlob", "delete", k)) for k in
                    ("daysAfterCreationGreaterThan", "daysAfterModificationGreaterThan",
                     "daysAfterLastAccessTimeGreaterThan")]
            known = [a for a in ages if a is not None]
            live = [t for t in BLOB_TYPES if _may_apply(rule, t)] if known else []
            if not live:
                continue
            prefixes = None
            if get_or_absent(rule, "definition", "filters", "prefixMatch") is not None:
                prefixes = tuple(get_strs(rule, "definition", "filters", "prefixMatch"))
            parsed.append(ParsedRule(frozenset(live), prefixes, min(known), None, None))
    return parsed


def early_deletions(rules: ParsedRules, container: str, limit: float) -> list[str]:
    """Per blob type, the earliest base-blob deletion by the lifecycle rules covering `container`
    when it comes before `limit` days; `rules` from `parse_early_rules`. Versions
    and snapshots are not counted: they are copies the live blob outlives."""
    covering = rules.covering(container)
    problems = []
    for blob_type in BLOB_TYPES:
        base = None
        for rule in covering:
            if rule.base is not None and rule.covers(container, blob_type):
                base = _min(base, rule.base)
        if base is not None and base < limit:
            problems.append(f"{blob_type}: base blobs after {days(base)}")
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
