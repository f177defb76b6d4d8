"""What the audit policies share: ARM ids matched to resources of the plan, and enabled log categories.

Components pass ARM id strings built from names (modules/naming.py), so a diagnostic setting's
`resourceUri` and `workspaceId` are known in a preview. They are matched to resources of the
plan by resource group, type and name, case-insensitively (Azure names are); the subscription
segment is not compared, since a resource's inputs do not carry it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

from policies.lib import get, get_list, get_str, lower
from policies.stack import label_of

WORKSPACE = "azure-native:operationalinsights:Workspace"
DIAGNOSTIC_SETTING_TYPES = ("azure-native:monitor:DiagnosticSetting", "azure-native:insights:DiagnosticSetting")
SUBSCRIPTION_DIAGNOSTIC_SETTING_TYPES = (
    "azure-native:monitor:SubscriptionDiagnosticSetting",
    "azure-native:insights:SubscriptionDiagnosticSetting",
)

_RESOURCE_ID = re.compile(r"^/subscriptions/[^/]+/(?P<rest>resourcegroups/.+)$", re.IGNORECASE)


def id_key(arm_id: Any) -> str | None:
    """`resourcegroups/<rg>/providers/<type>/<name>/...` in lower case, or None if not a resource id."""
    if not isinstance(arm_id, str):
        return None
    match = _RESOURCE_ID.match(arm_id.strip().rstrip("/"))
    return match.group("rest").lower() if match else None


def resource_key(resource_group: str | None, provider_type: str, *names: str | None) -> str | None:
    """The `id_key` of a resource from its inputs (`Microsoft.Storage/storageAccounts`, name...)."""
    if not resource_group or any(not n for n in names):
        return None
    namespace, *types = provider_type.split("/")
    if len(types) != len(names):
        raise ValueError(f"{provider_type} needs {len(types)} names")
    path = "/".join(f"{t}/{n}" for t, n in zip(types, names))
    return f"resourcegroups/{resource_group}/providers/{namespace}/{path}".lower()


def workspace_keys(resources: Iterable[Any], undecided) -> set[str]:
    keys: set[str] = set()
    for r in resources:
        if r.resource_type != WORKSPACE:
            continue
        with undecided.about(f"workspace '{r.name}'"):
            k = resource_key(get_str(r.props, "resourceGroupName"), "Microsoft.OperationalInsights/workspaces",
                             get_str(r.props, "workspaceName"))
            if k:
                keys.add(k)
    return keys


def enabled_logs(props: Any) -> tuple[set[str], set[str]]:
    """(categories, category groups) a diagnostic setting enables, lower case."""
    categories: set[str] = set()
    groups: set[str] = set()
    for entry in get_list(props, "logs"):
        if get(entry, "enabled") is not True:
            continue
        category = lower(get(entry, "category"))
        group = lower(get(entry, "categoryGroup"))
        if category:
            categories.add(category)
        if group:
            groups.add(group)
    return categories, groups


def logs_by_target(
    resources: Iterable[Any], workspaces: set[str], undecided, elsewhere: dict[str, list[str]] | None = None
) -> dict[str, tuple[set[str], set[str]]]:
    """Resource key -> (categories, category groups) enabled on it by diagnostic settings that send
    to one of `workspaces`; several settings on one target add up. Settings sending anywhere
    else are listed in `elsewhere` (target -> setting labels) when given, else ignored."""
    enabled: dict[str, tuple[set[str], set[str]]] = {}
    for r in resources:
        if r.resource_type not in DIAGNOSTIC_SETTING_TYPES:
            continue
        with undecided.about(label_of(r)):
            target = id_key(get_str(r.props, "resourceUri"))
            if target is None:
                continue
            if id_key(get_str(r.props, "workspaceId")) not in workspaces:
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
