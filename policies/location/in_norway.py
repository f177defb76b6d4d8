"""Every regional Azure resource, resource groups included, is in Norway (norwayeast/norwaywest)."""

from policies.lib import get, get_list, get_str, get_strs, register_of, stack_policy
from policies.stack import RESOURCE_GROUP, Undecided, key, label_of

CLAUSES = "[ECG-6, ECG-10, OUS-6.1.b]"

# Types whose location Azure requires (or accepts) to be `global`: their data plane is
# DNS resolution, an alert definition or a notification list, never stored health data.
# Front Door, CDN and Traffic Manager are global too but carry traffic through edges outside
# Norway, so they are deliberately not listed here.
GLOBAL_TYPES = frozenset({
    "azure-native:privatedns:PrivateZone",
    "azure-native:privatedns:VirtualNetworkLink",
    "azure-native:dns:Zone",
    "azure-native:monitor:ActionGroup",
    "azure-native:monitor:TenantActionGroup",
    "azure-native:monitor:ActivityLogAlert",
    "azure-native:monitor:MetricAlert",
})

# Types that always live in a region. For these an absent `location` is not "no location":
# pulumi-azure-native fills it in (pulumi/pulumi-azure-native#66) from the resource group's
# location for a resource with `resourceGroupName`, and from the provider's `location` config
# for a resource group. The first is decidable when that group is in the same plan; the
# second never is. Types not listed either have no location (child resources such as
# containers, role and policy assignments, diagnostic settings) or take one only as optional
# metadata (a policy assignment's managed identity), so only an explicit value is checked.
REGIONAL_TYPES = frozenset({
    RESOURCE_GROUP,
    "azure-native:storage:StorageAccount",
    "azure-native:network:VirtualNetwork",
    "azure-native:network:NetworkSecurityGroup",
    "azure-native:network:PublicIPAddress",
    "azure-native:network:VirtualNetworkGateway",
    "azure-native:network:PrivateEndpoint",
    "azure-native:network:NetworkInterface",
    "azure-native:network:RouteTable",
    "azure-native:network:NatGateway",
    "azure-native:network:LoadBalancer",
    "azure-native:network:ApplicationGateway",
    "azure-native:network:AzureFirewall",
    "azure-native:network:BastionHost",
    "azure-native:operationalinsights:Workspace",
    "azure-native:monitor:ScheduledQueryRule",
    "azure-native:monitor:DataCollectionRule",
    "azure-native:keyvault:Vault",
    "azure-native:compute:VirtualMachine",
    "azure-native:compute:VirtualMachineScaleSet",
    "azure-native:compute:Disk",
    "azure-native:compute:Snapshot",
    "azure-native:sql:Server",
    "azure-native:sql:Database",
    "azure-native:dbforpostgresql:Server",
    "azure-native:cosmosdb:DatabaseAccount",
    "azure-native:web:AppServicePlan",
    "azure-native:web:WebApp",
    "azure-native:containerservice:ManagedCluster",
    "azure-native:containerregistry:Registry",
    "azure-native:recoveryservices:Vault",
    "azure-native:dataprotection:BackupVault",
    "azure-native:managedidentity:UserAssignedIdentity",
    "azure-native:eventhub:Namespace",
    "azure-native:servicebus:Namespace",
    "azure-native:cognitiveservices:Account",
})

# Where a resource keeps copies in other regions, by type: (list property, location key).
REPLICA_LOCATIONS = {
    "azure-native:cosmosdb:DatabaseAccount": ("locations", "locationName"),
}


def normalise(location: str) -> str:
    """ARM accepts display names too: "Norway East" is norwayeast."""
    return location.replace(" ", "").lower()


def _allowed(register) -> set[str]:
    return {normalise(loc) for loc in get_strs(register, "locations")}


def validate(args, report_violation) -> None:
    register = register_of(args)
    allowed = _allowed(register)
    where = ", ".join(sorted(allowed)) or "(none: register.locations is empty)"
    undecided = Undecided()

    group_locations: dict[str, str | None] = {}
    for r in args.resources:
        if r.resource_type == RESOURCE_GROUP:
            with undecided.about(label_of(r)):
                name = key(get_str(r.props, "resourceGroupName"))
                if name:
                    group_locations[name] = get_str(r.props, "location")

    for r in args.resources:
        if not r.resource_type.startswith(("azure-native:", "azure:")):
            continue  # Entra ID (azuread) objects and components have no location
        label = label_of(r)
        with undecided.about(label):
            location = get(r.props, "location")
            if isinstance(location, str) and location:
                loc = normalise(location)
                if loc == "global" and r.resource_type in GLOBAL_TYPES:
                    pass
                elif loc not in allowed:
                    hint = " (global is accepted only for DNS zones, their links and alert definitions)" \
                        if loc == "global" else ""
                    report_violation(
                        f"{CLAUSES} {label} is in '{location}'{hint}: data and every resource stay in Norway; "
                        f"set location to one of {where}",
                        r.urn,
                    )
            elif location is not None:
                report_violation(f"{CLAUSES} {label} has a location that is not a region name: set one of {where}",
                                 r.urn)
            elif r.resource_type == RESOURCE_GROUP:
                report_violation(
                    f"{CLAUSES} {label} has no location, so pulumi-azure-native takes the provider's "
                    f"location config, which the plan does not show: set location to one of {where}",
                    r.urn,
                )
            elif r.resource_type in REGIONAL_TYPES:
                _inherited(r, label, group_locations, allowed, where, report_violation)

            replicas = REPLICA_LOCATIONS.get(r.resource_type)
            if replicas:
                for entry in get_list(r.props, replicas[0]):
                    name = get_str(entry, replicas[1])
                    if name is not None and normalise(name) not in allowed:
                        report_violation(
                            f"{CLAUSES} {label} keeps a replica in '{name}': no copy of the data may leave "
                            f"Norway; list only {where} in {replicas[0]}",
                            r.urn,
                        )
    undecided.finish()


def _inherited(r, label, group_locations, allowed, where, report_violation) -> None:
    group = get_str(r.props, "resourceGroupName")
    if group is None:
        report_violation(f"{CLAUSES} {label} has no location and no resource group to take one from: "
                         f"set location to one of {where}", r.urn)
        return
    if key(group) not in group_locations:
        report_violation(
            f"{CLAUSES} {label} has no location and takes that of resource group '{group}', which is not in "
            f"this plan, so Norway can't be verified: set location to one of {where}",
            r.urn,
        )
        return
    inherited = group_locations[key(group)]
    if inherited is None or normalise(inherited) not in allowed:
        report_violation(
            f"{CLAUSES} {label} has no location and takes that of resource group '{group}' "
            f"({inherited or 'unset'}): set location to one of {where}",
            r.urn,
        )


POLICY = stack_policy(
    name="location-in-norway",
    clauses=("ECG-6", "ECG-10", "OUS-6.1.b"),
    area="location",
    description="Every regional resource, resource groups included, is in a Norwegian region of the register "
    "(norwayeast/norwaywest); `global` only for types Azure keeps global (private DNS zones and their links, "
    "alert definitions, action groups). An absent location is accepted only when it is inherited from a "
    "Norwegian resource group in the same plan.",
    remediation="Set `location` to the stack's location (config `location`, norwayeast or norwaywest) on every "
    "resource; use `global` only for private DNS zones, their VNet links, action groups and alert rules.",
    validate=validate,
    uses_register=True,
)
