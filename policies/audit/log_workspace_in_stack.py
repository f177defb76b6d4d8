"""Diagnostic logs go to a workspace of this stack, whose retention and access the pack checks.

A stack policy (outputs): in preview a new workspace's id is unknown, so a setting sends to a
workspace of the stack when it depends on one (modules/audit.py and modules/egress.py make
each setting depend on the audit workspace). A setting depending on none sends to a workspace
the pack has never seen.
"""

from policies.lib import stack_policy
from policies.monitoring import ALL_DIAGNOSTIC_SETTING_TYPES, sends_to_stack_workspace
from policies.stack import label_of


def validate(args, report_violation) -> None:
    for r in args.resources:
        if r.resource_type in ALL_DIAGNOSTIC_SETTING_TYPES \
                and not sends_to_stack_workspace(r):
            report_violation(
                f"{label_of(r)} does not depend on a Log Analytics workspace of this stack, so its logs go to one the "
                "pack has never checked (retention, access): set workspace_id to the audit workspace and depend on it",
                r.urn)


POLICY = stack_policy(
    name="audit-log-workspace-in-stack",
    clauses=("OUS-6.b", "OUS-6.1.b", "ECG-10"),
    area="audit",
    description="Every diagnostic setting sends to a Log Analytics workspace of this stack (one it depends on).",
    remediation="Pass the audit workspace's id as workspace_id and add the workspace to depends_on "
    "(modules/audit.py does).",
    validate=validate,
)
