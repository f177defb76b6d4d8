"""The storage firewall denies by default and lets nothing around it: no IP, VNet or resource rules, no service bypass."""

from policies.lib import describe, get, get_list, get_str, resource_policy

STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"


def validate(args, report_violation) -> None:
    if args.resource_type != STORAGE_ACCOUNT:
        return
    label = describe(args.resource_type, args.name)
    problems = []
    # An absent rule set means Azure's default action, Allow.
    action = get(args.props, "networkRuleSet", "defaultAction")
    if action != "Deny":
        problems.append(f"defaultAction is {action if action is not None else 'unset (Allow)'}")
    # An absent bypass means Azure's default, AzureServices: any "trusted" Azure service of any
    # tenant (backup, data factories, ...) could read the data past the deny.
    bypass = get(args.props, "networkRuleSet", "bypass")
    if bypass is None or not (isinstance(bypass, str) and bypass.replace(" ", "") == "None"):
        problems.append(f"bypass is {bypass if bypass is not None else 'unset (AzureServices)'}")
    for rules, what in (("ipRules", "IP"), ("virtualNetworkRules", "virtual network"),
                        ("resourceAccessRules", "resource instance")):
        allowed = get_list(args.props, "networkRuleSet", rules)
        if allowed:
            sources = [get_str(r, "iPAddressOrRange") or get_str(r, "virtualNetworkResourceId")
                       or get_str(r, "resourceId") or "?" for r in allowed]
            problems.append(f"{rules} let in {what} sources {', '.join(sources)}")
    if problems:
        report_violation(
            f"{label} has a storage firewall that lets traffic past the private endpoint "
            f"({'; '.join(problems)}): set networkRuleSet to defaultAction Deny, bypass None and no ipRules, "
            "virtualNetworkRules or resourceAccessRules"
        )


POLICY = resource_policy(
    name="storage-network-default-deny",
    clauses=("OUS-6.1.b", "ECG-6"),
    area="storage",
    description="Storage account network rules deny by default, bypass nothing (not even trusted Azure services) and "
    "list no IP, virtual-network or resource-instance exceptions.",
    remediation="Set networkRuleSet {defaultAction: Deny, bypass: None, ipRules: [], virtualNetworkRules: [], "
    "resourceAccessRules: []} (modules/storage.py does).",
    validate=validate,
)
