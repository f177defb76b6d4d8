"""A suspected breach reaches, at once and in writing, everyone the agreement names.

OUS-6.a: a breach or suspected breach is reported at once to the OUS data protection officer
and to the submitting trust (each OUS controller's contact). ECG-8: the physician (each ECG
controller's contact) is notified in writing without undue delay.

An address counts as reached only if it is an e-mail receiver of an enabled action group of
that agreement which at least one enabled alert rule (activity-log, scheduled-query or metric
alert) routes to: a group no rule triggers notifies nobody. A group belongs to the agreements
its `dpaguard-agreement` tag names, else the one its name shows (`ag-<prefix>-<ous|ecg>-...`,
modules/naming.py), else to every agreement of the stack. Addresses compare case-insensitively.
Controllers whose access has ended stay on the list while their data may still exist.
"""

from __future__ import annotations

import re

from policies.lib import get, get_list, get_str, get_strs, lower, register_of, stack_policy
from policies.monitoring import depends_on
from policies.stack import AGREEMENTS, TAG_AGREEMENT, Undecided, label_of

ACTION_GROUP_TYPES = ("azure-native:monitor:ActionGroup", "azure-native:insights:ActionGroup")
ACTIVITY_LOG_ALERTS = ("azure-native:monitor:ActivityLogAlert", "azure-native:insights:ActivityLogAlert")
SCHEDULED_QUERY_RULES = ("azure-native:monitor:ScheduledQueryRule", "azure-native:insights:ScheduledQueryRule")
METRIC_ALERTS = ("azure-native:monitor:MetricAlert", "azure-native:insights:MetricAlert")
_NAMED = re.compile(r"^(ous|ecg)", re.IGNORECASE)


def routes(r) -> bool:
    """Whether an alert rule is enabled and names action groups to notify."""
    if get(r.props, "enabled") is False:
        return False
    if r.resource_type in ACTIVITY_LOG_ALERTS:
        return bool(get_list(r.props, "actions", "actionGroups"))
    if r.resource_type in SCHEDULED_QUERY_RULES:
        return bool(get_strs(r.props, "actions", "actionGroups"))
    return bool(get_list(r.props, "actions"))


def routed_groups(r) -> list[str]:
    """URNs of the action groups of the stack an alert rule notifies: in preview an action group's
    id is unknown, so the groups a routing rule depends on (modules/audit.py) are the ones it names."""
    return [g.urn for g in depends_on(r, ACTION_GROUP_TYPES)] if routes(r) else []


def agreements_of(group, stack_agreements: list[str]) -> set[str]:
    tagged = {a.strip().upper() for a in (get_str(group.props, "tags", TAG_AGREEMENT) or "").split(",")}
    tagged &= set(AGREEMENTS)
    if tagged:
        return tagged
    match = _NAMED.search(get_str(group.props, "groupShortName") or "")
    return {match.group(1).upper()} if match else set(stack_agreements)


def required(register, agreement: str) -> dict[str, str]:
    """address (lower case) -> who it is."""
    out: dict[str, str] = {}
    if agreement == "OUS" and get_str(register, "dpoEmail"):
        out[get_str(register, "dpoEmail").lower()] = "the OUS data protection officer"
    controllers = get(register, "controllers") or {}
    for controller_id in controllers:
        contact = get_str(controllers, controller_id, "contact")
        if get_str(controllers, controller_id, "agreement") == agreement and contact:
            out.setdefault(contact.lower(), f"controller '{controller_id}'")
    return out


def validate(args, report_violation) -> None:
    register = register_of(args)
    stack_agreements = [a for a in get_strs(register, "agreements") if a in AGREEMENTS]
    undecided = Undecided()
    routed: set[str] = set()
    for r in args.resources:
        if r.resource_type in ACTIVITY_LOG_ALERTS + SCHEDULED_QUERY_RULES + METRIC_ALERTS:
            with undecided.about(label_of(r)):
                routed |= set(routed_groups(r))
    reached: dict[str, set[str]] = {a: set() for a in stack_agreements}
    idle: dict[str, list[str]] = {a: [] for a in stack_agreements}
    for r in args.resources:
        if r.resource_type not in ACTION_GROUP_TYPES:
            continue
        with undecided.about(label_of(r)):
            emails = {lower(get_str(e, "emailAddress")) for e in get_list(r.props, "emailReceivers")} - {None}
            live = get(r.props, "enabled") is not False and r.urn in routed
            for agreement in agreements_of(r, stack_agreements) & set(reached):
                if live:
                    reached[agreement] |= emails
                else:
                    idle[agreement].append(label_of(r))
    if not undecided.notes:
        for agreement in stack_agreements:
            missing = {a: who for a, who in required(register, agreement).items() if a not in reached[agreement]}
            if not missing:
                continue
            idle_note = (f"; {', '.join(idle[agreement])} is disabled or no enabled alert rule routes to it"
                         if idle[agreement] else "")
            listed = ", ".join(f"{who} <{address}>" for address, who in sorted(missing.items(), key=lambda i: i[1]))
            report_violation(
                f"breach alerts for {agreement} data never reach {listed}{idle_note}: add them as "
                f"e-mail receivers of an enabled {agreement} breach action group that the breach alert rules route "
                "to (modules/audit.py)")
    undecided.finish()


POLICY = stack_policy(
    name="audit-breach-alerts-reach-contacts",
    clauses=("OUS-6.a", "ECG-8"),
    area="audit",
    description="Enabled alert rules route to enabled action groups whose e-mail receivers cover, per agreement, "
    "the OUS data protection officer and every OUS controller contact, and every ECG controller contact.",
    remediation="Keep modules/audit.py's breach action groups (audit.dpoEmail and controllers[].contact per "
    "agreement) and its activity-log and denied-access alert rules routed to them.",
    validate=validate,
    uses_register=True,
)
