"""Review D's shapes (F3, F4): the right target from the wrong place, and the right dependency with the wrong sink.

F3: a second private endpoint to the stack's own account, blob sub-resource, from a workstation VNet of
the same subscription or from another subscription's subnet: the target and groupIds are the stack's,
only `subnet.id` says the data is reachable from a network none of the stack's controls cover
(storage-children-name-stack-account, the register's privateEndpointSubnets).

F4: the blob, activity-log and Entra ID settings keep their dependency on the stack's workspace and
change only `workspaceId` (audit-log-workspace-matches-register, the register's auditWorkspaceId).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from tests.policies.mutations import Mutation, find, resources

BOTH = ("ous-kvalitetslab", "ecg247")

ENDPOINT = "azure-native:network:PrivateEndpoint"
DIAGNOSTIC = "azure-native:monitor:DiagnosticSetting"
ACTIVITY = "azure-native:monitor:SubscriptionDiagnosticSetting"
ENTRA = "azure-native:aadiam:DiagnosticSetting"

# The hostile review's literals (second endpoint, workspace retargets).
FOREIGN_SUBNET = ("/subscriptions/11111111-2222-3333-4444-555555555555/resourceGroups/rg-x/providers/"
                  "Microsoft.Network/virtualNetworks/vnet-x/subnets/default")
OUTSIDE_WORKSPACE = ("/subscriptions/aaaaaaaa-0000-4000-8000-000000000001/resourceGroups/x/providers/"
                     "Microsoft.OperationalInsights/workspaces/outside-us")


def _subscription(plan: dict) -> str:
    """`/subscriptions/<id>` of the plan's own private endpoint's subnet."""
    subnet = find(plan, ENDPOINT)["inputs"]["subnet"]["id"]
    return "/".join(subnet.split("/")[:3])


def _second_endpoint(subnet_of: Callable[[dict], str]) -> Callable[[dict], None]:
    def apply(plan: dict) -> None:
        original = find(plan, ENDPOINT)
        extra = copy.deepcopy(original)
        extra["name"] = f"{original['name']}2"
        extra["urn"] = f"{original['urn']}2"
        extra.pop("outputs", None)
        extra["inputs"]["privateEndpointName"] = f"{original['inputs']['privateEndpointName']}-2"
        extra["inputs"].pop("customNetworkInterfaceName", None)
        extra["inputs"]["subnet"] = {"id": subnet_of(plan)}
        # No dependency on the stack's VNet or DNS zone: it lives elsewhere.
        extra["dependencies"] = [d for d in extra["dependencies"] if "VirtualNetwork" not in d and "PrivateZone" not in d]
        plan["resources"].append(extra)

    return apply


def _workstation_subnet(plan: dict) -> str:
    return (f"{_subscription(plan)}/resourceGroups/rg-lab-workstations/providers/Microsoft.Network/"
            "virtualNetworks/vnet-lab/subnets/default")


def _retarget(pick: Callable[[dict], dict[str, Any]]) -> Callable[[dict], None]:
    def apply(plan: dict) -> None:
        pick(plan)["inputs"]["workspaceId"] = OUTSIDE_WORKSPACE

    return apply


def _blob_setting(plan: dict) -> dict[str, Any]:
    return next(r for r in resources(plan, DIAGNOSTIC)
                if str(r["inputs"].get("resourceUri", "")).lower().endswith("/blobservices/default"))


NAME_CHECK = "storage-children-name-stack-account"
WORKSPACE_CHECK = "audit-log-workspace-matches-register"

MUTATIONS = [
    Mutation("storage-private-endpoint-second-from-other-vnet", BOTH, _second_endpoint(_workstation_subnet),
             {NAME_CHECK}, {"OUS-6.1.b", "ECG-6"}),
    Mutation("storage-private-endpoint-second-from-other-subscription", BOTH,
             _second_endpoint(lambda _plan: FOREIGN_SUBNET), {NAME_CHECK}, {"OUS-6.1.b", "ECG-6"}),
    Mutation("audit-blob-setting-workspace-retargeted", BOTH, _retarget(_blob_setting), {WORKSPACE_CHECK},
             {"OUS-6.b", "ECG-10"}),
    Mutation("audit-activity-log-workspace-retargeted", BOTH, _retarget(lambda p: find(p, ACTIVITY)), {WORKSPACE_CHECK},
             {"OUS-6.b", "ECG-10"}),
    Mutation("entra-logs-workspace-retargeted", BOTH, _retarget(lambda p: find(p, ENTRA)), {WORKSPACE_CHECK},
             {"OUS-6.b", "ECG-10"}),
]
