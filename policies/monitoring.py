"""What the audit policies share: which diagnostic setting logs what, to which workspace.

Stack policies read OUTPUTS (pulumi_policy `policy.py`; pulumi/pulumi
`pkg/resource/deploy/step_generator.go`). In preview a new workspace's id and name are
unknown and a diagnostic setting's `resourceUri` (a path parameter) is absent, so ARM ids
can't be compared. A diagnostic setting is therefore tied to what it logs and where it sends
by the dependency graph: it sends to a workspace of the stack when it depends on one (and
audit-log-sinks-in-stack refuses every other sink, on the inputs), and it logs the one
resource of the logged type it depends on (modules/audit.py makes each setting depend on its
own blob service, or on the VPN gateway's component).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from policies.lib import get, get_list, get_or_absent, lower
from policies.stack import label_of

WORKSPACE = "azure-native:operationalinsights:Workspace"
DIAGNOSTIC_SETTING_TYPES = ("azure-native:monitor:DiagnosticSetting", "azure-native:insights:DiagnosticSetting")
# Entra ID (tenant) diagnostic settings: the same sinks (pulumi-azure-native aadiam.DiagnosticSetting).
TENANT_DIAGNOSTIC_SETTING_TYPES = ("azure-native:aadiam:DiagnosticSetting",)
SUBSCRIPTION_DIAGNOSTIC_SETTING_TYPES = (
    "azure-native:monitor:SubscriptionDiagnosticSetting",
    "azure-native:insights:SubscriptionDiagnosticSetting",
)

ALL_DIAGNOSTIC_SETTING_TYPES = (DIAGNOSTIC_SETTING_TYPES + SUBSCRIPTION_DIAGNOSTIC_SETTING_TYPES
                                + TENANT_DIAGNOSTIC_SETTING_TYPES)

_RESOURCE_ID = re.compile(r"^/subscriptions/[^/]+/(?P<rest>resourcegroups/.+)$", re.IGNORECASE)


def id_key(arm_id: Any) -> str | None:
    """`resourcegroups/<rg>/providers/<type>/<name>/...` in lower case, or None if not a resource id."""
    if not isinstance(arm_id, str):
        return None
    match = _RESOURCE_ID.match(arm_id.strip().rstrip("/"))
    return match.group("rest").lower() if match else None


def depends_on(resource: Any, kind: str | Sequence[str]) -> list[Any]:
    """The resources of type `kind` that `resource` depends on (directly)."""
    kinds = (kind,) if isinstance(kind, str) else tuple(kind)
    return [d for d in (getattr(resource, "dependencies", None) or []) if d.resource_type in kinds]


def sends_to_stack_workspace(setting: Any) -> bool:
    return bool(depends_on(setting, WORKSPACE))


def enabled_logs(props: Any) -> tuple[set[str], set[str]]:
    """(categories, category groups) a diagnostic setting enables, lower case."""
    categories: set[str] = set()
    groups: set[str] = set()
    for entry in get_list(props, "logs"):
        if get(entry, "enabled") is not True:
            continue
        # An entry names a category or a category group (Azure accepts one of the two); the one the
        # program did not set is unknown in preview outputs. Ignoring an unknown one only shrinks
        # what counts as logged (stricter), and `enabled` must be known and true.
        category = lower(get_or_absent(entry, "category"))
        if category:
            categories.add(category)
            continue
        group = lower(get_or_absent(entry, "categoryGroup"))
        if group:
            groups.add(group)
    return categories, groups


def logs_by_target(
    resources: Iterable[Any], target_of: Callable[[Any], str | None], undecided,
    elsewhere: dict[str, list[str]] | None = None,
) -> dict[str, tuple[set[str], set[str]]]:
    """Target URN -> (categories, category groups) enabled on it by diagnostic settings that send
    to a workspace of the stack; several settings on one target add up. `target_of(setting)`
    names the URN a setting logs (None: not one of interest). Settings that send nowhere in the
    stack are listed in `elsewhere` (target -> setting labels) when given."""
    enabled: dict[str, tuple[set[str], set[str]]] = {}
    for r in resources:
        if r.resource_type not in DIAGNOSTIC_SETTING_TYPES:
            continue
        with undecided.about(label_of(r)):
            target = target_of(r)
            if target is None:
                continue
            if not sends_to_stack_workspace(r):
                if elsewhere is not None:
                    elsewhere.setdefault(target, []).append(label_of(r))
                continue
            categories, groups = enabled_logs(r.props)
            have = enabled.setdefault(target, (set(), set()))
            have[0].update(categories)
            have[1].update(groups)
    return enabled


def missing_categories(categories: set[str], groups: set[str], wanted: Sequence[str],
                       covering_groups: Sequence[str]) -> list[str]:
    if groups & {g.lower() for g in covering_groups}:
        return []
    return [c for c in wanted if c.lower() not in categories]
