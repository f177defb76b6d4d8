"""Lifecycle rules of the data accounts are not narrowed by blob index tags.

Index tags are set by whoever writes a blob; a delete rule that matches only tagged blobs
(`filters.blobIndexMatch`) deletes nothing the writer did not tag, so it guarantees no
deadline (OUS-4.1, OUS-5, ECG-4). A resource policy on the inputs (blocks before creation);
it is also what lets the stack policies read an unknown blobIndexMatch in preview outputs as
"none" (policies/stack.rule_covers).
"""

from policies.lib import describe, get_list, get_str, resource_policy
from policies.stack import MANAGEMENT_POLICY


def validate(args, report_violation) -> None:
    if args.resource_type != MANAGEMENT_POLICY:
        return
    narrowed = [get_str(rule, "name") or f"rules[{i}]" for i, rule in enumerate(get_list(args.props, "policy", "rules"))
                if get_list(rule, "definition", "filters", "blobIndexMatch")]
    if narrowed:
        report_violation(f"{describe(args.resource_type, args.name)} narrows rules {narrowed} to blobs with index tags "
                         "(blobIndexMatch), so untagged data is never deleted: filter by prefixMatch and blobTypes only")


POLICY = resource_policy(
    name="retention-lifecycle-no-index-filter",
    clauses=("OUS-4.1", "OUS-5", "ECG-4"),
    area="retention",
    description="No lifecycle management rule filters by blob index tags (blobIndexMatch): a deletion deadline "
    "holds for every blob, tagged or not.",
    remediation="Filter lifecycle rules by prefixMatch and blobTypes only (modules/storage.py does).",
    validate=validate,
)
