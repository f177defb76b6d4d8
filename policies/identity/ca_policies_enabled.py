"""Conditional Access policies are enforced, not report-only or disabled.

A policy in `enabledForReportingButNotEnforced` or `disabled` state only looks like a control:
the MFA, device and legacy-protocol rules of OUS-6.1.c/d hold only while their policies are
`enabled`. Every Conditional Access policy the stack declares is meant to be enforced, so any
other state is a violation (an experiment belongs in another tenant or outside the stack).
"""

from __future__ import annotations

from policies.conditional_access import CONDITIONAL_ACCESS_POLICY, display, is_enabled
from policies.lib import get, resource_policy


def validate(args, report_violation) -> None:
    if args.resource_type != CONDITIONAL_ACCESS_POLICY:
        return
    if not is_enabled(args):
        report_violation(
            f"{display(args)} has state {get(args.props, 'state')!r}, so it enforces "
            "nothing: set state: enabled"
        )


POLICY = resource_policy(
    name="identity-ca-policies-enabled",
    clauses=("OUS-6.1.d", "OUS-6.1.c"),
    area="identity",
    description="Every Conditional Access policy of the stack is in state 'enabled' (not report-only, not disabled).",
    remediation="Set state: enabled on every azuread.ConditionalAccessPolicy (modules/access.py ENABLED).",
    validate=validate,
)
