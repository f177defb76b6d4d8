"""Stack configuration: read and validated in one place, at the edge.

`load(raw, source)` turns the `dpa-guard:*` keys of a stack (already merged over the
defaults of `Pulumi.yaml`) into a typed, frozen `StackConfig`, or raises `ConfigError`
naming the offending key. Nothing here touches Pulumi, so the offline planner, the
policy register and the tests use exactly the same validation as `__main__.py`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from modules import naming

PROJECT = "dpa-guard"

# CLAUSES.md OUS-6 / ECG-6 / ECG-10: data and every regional resource stay in Norway.
# norwayeast and norwaywest are each other's Azure region pair, so geo-replication between
# them never leaves the country.
NORWAY_REGIONS = ("norwayeast", "norwaywest")
REGION_PAIR = {"norwayeast": "norwaywest", "norwaywest": "norwayeast"}

AGREEMENTS = ("OUS", "ECG")
ROLES = ("uploader", "reader", "operator")

# OUS-8: the agreement with a therapist ends at the latest five years after signing.
OUS_MAX_AGREEMENT_YEARS = 5
# OUS-5: "deleted so that it cannot be recovered"; a short soft delete is tolerated as an
# operational safety net, never more than this.
OUS_MAX_SOFT_DELETE_DAYS = 7

# Microsoft's own registration of the Azure VPN Client (Entra ID authentication).
AZURE_VPN_CLIENT_APP_ID = "c632b3df-fb67-4d84-bdcf-b95ad541b5c8"
AZURE_MANAGEMENT_APP_ID = "797f4846-ba00-4fd7-ba43-dac1f8f63013"

# ECG-10: sub-processors must sit inside the EEA (EU members, Iceland, Liechtenstein, Norway).
EEA_COUNTRIES = frozenset(
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE IS LI NO".split()
)

ECG_SKUS = ("Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS")
OUS_SKUS = ("Standard_LRS", "Standard_ZRS")
VPN_SKUS = ("VpnGw1AZ", "VpnGw2AZ", "VpnGw3AZ", "VpnGw4AZ", "VpnGw5AZ")
# The generations each AZ SKU exists in, from the "Gateway SKUs by tunnel, connection, and
# throughput" table of Microsoft Learn "About VPN Gateway configuration settings"
# (azure/vpn-gateway/vpn-gateway-about-vpn-gateway-settings): VpnGw1AZ only as Generation1,
# VpnGw2AZ/VpnGw3AZ as both, VpnGw4AZ/VpnGw5AZ only as Generation2. The ARM schema accepts any
# pairing; Azure rejects the others at deployment, so the pair is derived and checked here.
VPN_GENERATIONS = {
    "VpnGw1AZ": ("Generation1",),
    "VpnGw2AZ": ("Generation2", "Generation1"),
    "VpnGw3AZ": ("Generation2", "Generation1"),
    "VpnGw4AZ": ("Generation2",),
    "VpnGw5AZ": ("Generation2",),
}
"""SKU -> generations it exists in, preferred (newest) first."""

# Regions with availability zones, from Microsoft Learn "Azure regions list"
# (azure/reliability/regions-list): Norway East has three zones, Norway West none (a
# restricted-access region). Zone-redundant storage (ZRS, GZRS, RA-GZRS), zonal or
# zone-redundant public IPs and the AZ gateway SKUs need zones, so Azure rejects them there.
ZONE_REGIONS = frozenset({"norwayeast"})
ZONE_REDUNDANT_STORAGE = ("Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS")

# Azure lifecycle management: at most 100 rules per policy and 10 prefixes per rule.
LIFECYCLE_MAX_RULES = 100
LIFECYCLE_PREFIXES_PER_RULE = 10

_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PREFIX = re.compile(r"^[a-z][a-z0-9]{2,9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[a-z]{2,}$", re.IGNORECASE)


class ConfigError(pulumi.RunError, ValueError):
    """A stack config value is missing or wrong. `keys` is the dotted path of the culprit.

    A `pulumi.RunError`, so the real CLI prints the message without a Python traceback.
    """

    def __init__(self, keys: str, message: str):
        super().__init__(f"{keys}: {message}")
        self.keys = keys
        self.message = message


@dataclass(frozen=True)
class Controller:
    """A data controller under an agreement: a treatment unit (OUS) or a physician (ECG)."""

    id: str
    """Slug used in container and group names; unique in the stack."""
    name: str
    agreement: str
    """Which agreement this controller signed: `OUS` or `ECG`."""
    signed: dt.date
    contact: str
    """E-mail of the controller's contact for breach notices (OUS-6.a, ECG-8)."""
    ends: dt.date | None = None
    """Date the agreement ends, if terminated or changed earlier (OUS-8, ECG-11)."""
    retention_days: int | None = None
    """ECG-4: days patient data is kept. Required for ECG controllers."""
    scores_consent: bool = False
    """OUS-4.2: the therapist gave special consent to keep numeric scores."""
    pseudonymised: bool = False
    """ECG-3: patients are registered under a code whose key stays with the controller."""

    @property
    def access_ends(self) -> dt.date | None:
        """The last day access may exist: OUS-8 caps it at five years after signing."""
        if self.agreement != "OUS":
            return self.ends
        cap = _add_years(self.signed, OUS_MAX_AGREEMENT_YEARS)
        return min(cap, self.ends) if self.ends else cap


@dataclass(frozen=True)
class StaffMember:
    """A person who may be granted access; `declaration` is the signed confidentiality declaration (OUS-7)."""

    object_id: str
    name: str
    role: str
    controllers: tuple[str, ...]
    declaration: dt.date | None

    @property
    def may_be_granted(self) -> bool:
        # OUS-7: nobody gets access before a confidentiality declaration is on record.
        return self.declaration is not None


@dataclass(frozen=True)
class SubProcessor:
    name: str
    country: str
    purpose: str


@dataclass(frozen=True)
class NetworkConfig:
    vnet_cidr: ipaddress.IPv4Network
    gateway_subnet: ipaddress.IPv4Network
    private_endpoint_subnet: ipaddress.IPv4Network
    vpn_client_pool: ipaddress.IPv4Network
    dns_resolver_subnet: ipaddress.IPv4Network
    """Inbound endpoint subnet of the DNS Private Resolver (delegated to Microsoft.Network/dnsResolvers)."""

    @property
    def dns_resolver_ip(self) -> ipaddress.IPv4Address:
        """The inbound endpoint's static address: the first one Azure lets a subnet hand out.

        Azure reserves the first four addresses of every subnet (network, gateway, two for
        Azure DNS) and the last: Microsoft Learn "Azure Virtual Network frequently asked
        questions", "Are there any restrictions on using IP addresses within these subnets?".
        """
        return self.dns_resolver_subnet.network_address + 4


@dataclass(frozen=True)
class EgressConfig:
    """Controlled egress for VPN clients: a Virtual WAN secured hub (modules/egress.py).

    Present: point-to-site VPN terminates on the hub's P2S gateway, and routing intent sends
    clients' internet traffic through the hub's Azure Firewall, which allows only the
    services operators need. Absent: the VNet gateway of modules/vpn.py, no internet at all.
    """

    hub_address_prefix: ipaddress.IPv4Network
    state_backend_fqdns: tuple[str, ...]
    """Where the Pulumi state lives (e.g. api.pulumi.com or the state storage account's blob host)."""


@dataclass(frozen=True)
class VpnConfig:
    sku: str
    generation: str
    """Gateway generation, derived from the SKU (VPN_GENERATIONS); config may only confirm it."""
    audience: str
    """Application id of the Azure VPN Client registration (Entra ID auth)."""


@dataclass(frozen=True)
class AccessConfig:
    sign_in_frequency_hours: int
    break_glass: tuple[str, ...]
    """Object ids excluded from Conditional Access; nothing else is ever excluded."""
    break_glass_totp: bool
    """Whether `dpaguard deploy` accepts a TOTP code from a break-glass operator."""
    operator_eligibility_days: int
    """PIM eligibility length for operators (time-bound elevation, OUS-6.2)."""
    deployer_role: str | None
    """App role a token must carry for `dpaguard deploy`; None for Azure Resource Manager tokens, which never
    carry app roles (only tokens for an app that defines roles do), so deployers are then the stack's
    `gate.deployers` object ids alone."""
    token_audience: str
    """Audience of the access tokens that `dpaguard deploy` accepts."""
    entra_licence: str
    """Microsoft Entra ID plan of the tenant (`access.entraLicence`, required in config; see ENTRA_LICENCES)."""


@dataclass(frozen=True)
class RecordingsConfig:
    """OUS recordings store (OUS-4.1, OUS-5)."""

    sku: str
    max_age_days: int
    soft_delete_days: int
    """0 disables soft delete; at most OUS_MAX_SOFT_DELETE_DAYS."""


@dataclass(frozen=True)
class EcgConfig:
    """ECG patient-data store (ECG-4, ECG-7S)."""

    sku: str
    soft_delete_days: int
    container_soft_delete_days: int
    accounts: int
    """Patient data is spread over this many storage accounts (lifecycle rules are capped per account)."""

    def shard_of(self, controller_id: str) -> int:
        # A stable hash, so adding a controller never moves another controller's data.
        digest = hashlib.sha256(controller_id.encode()).digest()
        return int.from_bytes(digest[:4], "big") % self.accounts


@dataclass(frozen=True)
class AuditConfig:
    retention_days: int
    dpo_email: str
    """OUS-6.a: the OUS data protection officer receives every breach alert."""
    processor_email: str


@dataclass(frozen=True)
class StackConfig:
    stack: str
    prefix: str
    agreements: tuple[str, ...]
    production: bool
    location: str
    replica_location: str
    tenant_id: str
    subscription_id: str
    network: NetworkConfig
    vpn: VpnConfig
    access: AccessConfig
    audit: AuditConfig
    controllers: tuple[Controller, ...]
    staff: tuple[StaffMember, ...]
    recordings: RecordingsConfig | None = None
    ecg: EcgConfig | None = None
    sub_processors: tuple[SubProcessor, ...] = field(default_factory=tuple)
    egress: EgressConfig | None = None

    def controllers_of(self, agreement: str) -> tuple[Controller, ...]:
        return tuple(c for c in self.controllers if c.agreement == agreement)

    def granted_staff(self) -> tuple[StaffMember, ...]:
        return tuple(s for s in self.staff if s.may_be_granted)

    def account_names(self, agreement: str) -> tuple[str, ...]:
        """The storage accounts holding `agreement`'s data (modules/storage.py builds one per name):
        one OUS recordings account, `ecg.accounts` ECG shards."""
        if agreement not in self.agreements:
            return ()
        if agreement == "OUS":
            return (naming.ous_account(self.prefix),)
        assert self.ecg is not None  # load sets it whenever the stack serves ECG
        return tuple(naming.ecg_account(self.prefix, shard) for shard in range(self.ecg.accounts))

    def storage_accounts(self) -> list[dict[str, str]]:
        """Every storage account of the stack as the register lists it: name, resource group, ARM id,
        agreement (policies/storage/children_name_stack_account.py holds every storage child to them)."""
        out = []
        for agreement in self.agreements:
            group = naming.data_resource_group(self.prefix, agreement)
            out += [{"name": n, "resourceGroup": group, "agreement": agreement,
                     "id": naming.storage_account_id(self.subscription_id, group, n)}
                    for n in self.account_names(agreement)]
        return out

    def policy_register(self) -> dict[str, Any]:
        """The facts the policy pack checks the plan against (policy-pack config, JSON-safe).

        The Pulumi program and the policy pack are separate processes under the real CLI;
        this register is what `--policy-pack-config` hands the pack, so the clauses that
        depend on records (declarations, consent, signing dates, contacts) can be checked.
        """
        return {
            "stack": self.stack,
            "agreements": list(self.agreements),
            "locations": list(NORWAY_REGIONS),
            "production": self.production,
            "tenantId": self.tenant_id,
            "vpnClientPool": str(self.network.vpn_client_pool),
            "vpnAudience": self.vpn.audience,
            "breakGlass": list(self.access.break_glass),
            "entraLicence": self.access.entra_licence,
            "processorStaff": sorted(s.object_id for s in self.staff if s.role == "operator"),
            "declaredPrincipals": sorted(s.object_id for s in self.granted_staff()),
            "dpoEmail": self.audit.dpo_email,
            "processorEmail": self.audit.processor_email,
            "logRetentionDays": self.audit.retention_days,
            "storageAccounts": self.storage_accounts(),
            # The subnet(s) the stack's private endpoints go in, as modules/vpn.py names it:
            # storage-children-name-stack-account holds every PrivateEndpoint's subnet.id to them.
            "privateEndpointSubnets": [naming.private_endpoint_subnet_id(self.subscription_id, self.prefix)],
            # The audit workspace's ARM id, as modules/audit.py names it: audit-log-workspace-matches-register
            # holds every diagnostic setting's workspaceId to it.
            "auditWorkspaceId": naming.log_workspace_id(self.subscription_id, self.prefix),
            # The stack's custom role GUIDs by kind, as modules/roles.py names its RoleDefinitions: in
            # preview a new definition's own GUID is in no output, so the pack learns it here
            # (rbac-principals-in-stack, rbac-delegation-constrained).
            "roles": {kind: naming.role_guid(self.subscription_id, self.prefix, kind) for kind in naming.ROLE_KINDS},
            # ... and their roleNames: rbac-role-definitions-match-register ties each RoleDefinition's own
            # GUID to its kind by the name, which must be exactly this.
            "roleNames": {kind: naming.role_name(self.prefix, kind) for kind in naming.ROLE_KINDS},
            "assignableRoles": [naming.role_guid(self.subscription_id, self.prefix, kind)
                                for kind in naming.ASSIGNED_ROLES],
            "recordings": None
            if self.recordings is None
            else {
                "maxAgeDays": self.recordings.max_age_days,
                "maxSoftDeleteDays": min(self.recordings.soft_delete_days, OUS_MAX_SOFT_DELETE_DAYS),
            },
            "controllers": {
                c.id: {
                    "agreement": c.agreement,
                    "signed": c.signed.isoformat(),
                    "accessEnds": c.access_ends.isoformat() if c.access_ends else None,
                    "contact": c.contact,
                    "retentionDays": c.retention_days,
                    "scoresConsent": c.scores_consent,
                }
                for c in self.controllers
            },
            "subProcessors": [
                {"name": p.name, "country": p.country, "purpose": p.purpose} for p in self.sub_processors
            ],
        }


# --------------------------------------------------------------------------- loading

# Every top-level key of the program; each is documented in Pulumi.yaml under `config:`.
KEYS = (
    "prefix", "agreements", "production", "location", "replicaLocation", "tenantId", "subscriptionId",
    "network", "vpn", "access", "audit", "recordings", "ecg", "controllers", "staff", "subProcessors",
    "egress",
)


def from_pulumi() -> StackConfig:
    """Read the running stack's config through the Pulumi SDK (real CLI or mock engine)."""
    cfg = pulumi.Config(PROJECT)
    raw: dict[str, Any] = {}
    for key in KEYS:
        try:
            value = cfg.get_object(key)
        except pulumi.ConfigTypeError:
            value = cfg.get(key)
        if value is not None:
            raw[key] = value
    return load(raw, pulumi.get_stack())



def load(raw: Mapping[str, Any], stack: str, *, today: dt.date | None = None) -> StackConfig:
    """Validate the `dpa-guard:*` config of `stack` (keys without the namespace)."""
    r = _Reader(raw)
    agreements = tuple(r.list_of("agreements", lambda v, k: _one_of(v, k, AGREEMENTS)))
    if not agreements:
        raise ConfigError("agreements", "must name at least one of OUS, ECG")
    if len(set(agreements)) != len(agreements):
        raise ConfigError("agreements", "lists an agreement twice")

    location = _one_of(r.get("location", "norwayeast"), "location", NORWAY_REGIONS,
                       why="data must stay in Norway (ECG-6, ECG-10)")
    replica = _one_of(r.get("replicaLocation", REGION_PAIR[location]), "replicaLocation", NORWAY_REGIONS,
                      why="replicas must stay in Norway (ECG-10)")
    if replica != REGION_PAIR[location]:
        raise ConfigError("replicaLocation", f"must be {REGION_PAIR[location]}, the Azure pair of {location}")

    network = _network(r.mapping("network"))
    controllers = tuple(
        _controller(v, f"controllers[{i}]", agreements) for i, v in enumerate(r.list_of("controllers", _pass))
    )
    if not controllers:
        raise ConfigError("controllers", "must list at least one controller")
    _unique((c.id for c in controllers), "controllers", "id")
    for agreement in agreements:
        if not any(c.agreement == agreement for c in controllers):
            raise ConfigError("controllers", f"no controller signed {agreement}, which the stack serves")

    ids = {c.id for c in controllers}
    staff = tuple(_staff(v, f"staff[{i}]", ids) for i, v in enumerate(r.list_of("staff", _pass, default=[])))
    _unique((s.object_id for s in staff), "staff", "objectId")

    cfg = StackConfig(
        stack=stack,
        prefix=_match(r.require("prefix"), "prefix", _PREFIX, "3-10 lowercase letters and digits, starting with a letter"),
        agreements=agreements,
        production=_bool(r.get("production", False), "production"),
        location=location,
        replica_location=replica,
        tenant_id=_uuid(r.require("tenantId"), "tenantId"),
        subscription_id=_uuid(r.require("subscriptionId"), "subscriptionId"),
        network=network,
        vpn=_vpn(r.mapping("vpn", default={})),
        access=_access(r.mapping("access", default={})),
        audit=_audit(r.mapping("audit")),
        controllers=controllers,
        staff=staff,
        recordings=_recordings(r.mapping("recordings", default={})) if "OUS" in agreements else None,
        ecg=_ecg(r.mapping("ecg", default={})) if "ECG" in agreements else None,
        sub_processors=tuple(
            _sub_processor(v, f"subProcessors[{i}]") for i, v in enumerate(r.list_of("subProcessors", _pass, default=[]))
        ),
        # An empty mapping (Pulumi.yaml's default) means no secured hub.
        egress=_egress(r.mapping("egress"), network) if r.get("egress") else None,
    )
    _check_lifecycle_fits(cfg)
    _check_zones(cfg)
    return cfg


# ------------------------------------------------------------------ value readers


class _Reader:
    """Reads keys of one mapping; every error names the dotted path of the key."""

    def __init__(self, raw: Any, path: str = ""):
        if not isinstance(raw, Mapping):
            raise ConfigError(path or "config", f"must be a mapping, got {_kind(raw)}")
        self.raw = raw
        self.path = path

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def get(self, name: str, default: Any = None) -> Any:
        value = self.raw.get(name, default)
        return default if value is None else value

    def require(self, name: str) -> Any:
        value = self.raw.get(name)
        if value is None or value == "":
            raise ConfigError(self.key(name), "is required")
        return value

    def mapping(self, name: str, default: Any = None) -> _Reader:
        value = self.raw.get(name, default)
        if value is None:
            raise ConfigError(self.key(name), "is required")
        return _Reader(value, self.key(name))

    def list_of(self, name: str, parse, default: Any = None) -> list:
        value = self.raw.get(name, default)
        if value is None:
            raise ConfigError(self.key(name), "is required")
        if not isinstance(value, list):
            raise ConfigError(self.key(name), f"must be a list, got {_kind(value)}")
        return [parse(v, f"{self.key(name)}[{i}]") for i, v in enumerate(value)]


def _pass(value: Any, _key: str) -> Any:
    return value


def _kind(value: Any) -> str:
    return type(value).__name__ if value is not None else "nothing"


def _str(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, f"must be a non-empty string, got {_kind(value)}")
    if value.startswith("[secret]") or isinstance(value, dict):
        raise ConfigError(key, "must be a plain value, not a secret")
    return value.strip()


def _bool(value: Any, key: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ConfigError(key, f"must be true or false, got {value!r}")


def _int(value: Any, key: str, lo: int, hi: int) -> int:
    if isinstance(value, bool):
        raise ConfigError(key, f"must be a whole number, got {value!r}")
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        value = int(value)
    if not isinstance(value, int):
        raise ConfigError(key, f"must be a whole number, got {value!r}")
    if not lo <= value <= hi:
        raise ConfigError(key, f"must be between {lo} and {hi}, got {value}")
    return value


def _date(value: Any, key: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ConfigError(key, f"must be a date YYYY-MM-DD, got {value!r}") from None


def _uuid(value: Any, key: str) -> str:
    try:
        return str(uuid.UUID(_str(value, key)))
    except ValueError:
        raise ConfigError(key, f"must be a GUID, got {value!r}") from None


def _one_of(value: Any, key: str, allowed: Iterable[str], why: str = "") -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        reason = f" ({why})" if why else ""
        raise ConfigError(key, f"must be one of {', '.join(allowed)}, got {value!r}{reason}")
    return value


def _match(value: Any, key: str, pattern: re.Pattern, what: str) -> str:
    text = _str(value, key)
    if not pattern.match(text):
        raise ConfigError(key, f"must be {what}, got {text!r}")
    return text


def _email(value: Any, key: str) -> str:
    return _match(value, key, _EMAIL, "an e-mail address")


def _unique(values: Iterable[str], key: str, what: str) -> None:
    seen: set[str] = set()
    for i, v in enumerate(values):
        if v in seen:
            raise ConfigError(f"{key}[{i}].{what}", f"{v!r} appears twice")
        seen.add(v)


def _cidr(value: Any, key: str) -> ipaddress.IPv4Network:
    try:
        net = ipaddress.ip_network(_str(value, key), strict=True)
    except ValueError as exc:
        raise ConfigError(key, f"is not a valid CIDR: {exc}") from None
    if not isinstance(net, ipaddress.IPv4Network):
        raise ConfigError(key, "must be an IPv4 CIDR")
    # RFC 1918 only: a public or special range here would route customer traffic to the internet.
    if not any(net.subnet_of(p) for p in _RFC1918):
        raise ConfigError(key, f"{net} is not a private (RFC 1918) range")
    return net


_RFC1918 = tuple(ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))


# --------------------------------------------------------------------- sections


def _network(r: _Reader) -> NetworkConfig:
    net = NetworkConfig(
        vnet_cidr=_cidr(r.require("vnetCidr"), r.key("vnetCidr")),
        gateway_subnet=_cidr(r.require("gatewaySubnet"), r.key("gatewaySubnet")),
        private_endpoint_subnet=_cidr(r.require("privateEndpointSubnet"), r.key("privateEndpointSubnet")),
        vpn_client_pool=_cidr(r.require("vpnClientPool"), r.key("vpnClientPool")),
        dns_resolver_subnet=_cidr(r.require("dnsResolverSubnet"), r.key("dnsResolverSubnet")),
    )
    subnets = {"gatewaySubnet": net.gateway_subnet, "privateEndpointSubnet": net.private_endpoint_subnet,
               "dnsResolverSubnet": net.dns_resolver_subnet}
    for name, sub in subnets.items():
        if not sub.subnet_of(net.vnet_cidr):
            raise ConfigError(r.key(name), f"{sub} is not inside vnetCidr {net.vnet_cidr}")
    # Microsoft Learn "Azure DNS Private Resolver endpoints and rulesets": an inbound endpoint
    # needs its own subnet, between /28 and /24, delegated to Microsoft.Network/dnsResolvers.
    if not 24 <= net.dns_resolver_subnet.prefixlen <= 28:
        raise ConfigError(r.key("dnsResolverSubnet"), f"{net.dns_resolver_subnet} must be between /28 and /24 "
                          "(DNS Private Resolver inbound endpoint)")
    for other in ("gatewaySubnet", "privateEndpointSubnet"):
        if net.dns_resolver_subnet.overlaps(subnets[other]):
            raise ConfigError(r.key("dnsResolverSubnet"), f"overlaps {other} {subnets[other]}")
    if net.gateway_subnet.prefixlen > 27:
        raise ConfigError(r.key("gatewaySubnet"), "must be /27 or larger (Azure VPN gateway requirement)")
    if net.gateway_subnet.overlaps(net.private_endpoint_subnet):
        raise ConfigError(r.key("privateEndpointSubnet"), f"overlaps gatewaySubnet {net.gateway_subnet}")
    if net.vpn_client_pool.overlaps(net.vnet_cidr):
        raise ConfigError(r.key("vpnClientPool"), f"overlaps vnetCidr {net.vnet_cidr}")
    return net


def _vpn(r: _Reader) -> VpnConfig:
    sku = _one_of(r.get("sku", "VpnGw1AZ"), r.key("sku"), VPN_SKUS, why="zone-redundant AZ SKUs only")
    generations = VPN_GENERATIONS[sku]
    generation = r.get("generation", generations[0])
    if generation not in generations:
        raise ConfigError(r.key("generation"), f"{sku} exists only as {' or '.join(generations)}, got {generation!r} "
                          "(Microsoft Learn: About VPN Gateway configuration settings, gateway SKU table)")
    return VpnConfig(
        sku=sku,
        generation=generation,
        audience=_uuid(r.get("audience", AZURE_VPN_CLIENT_APP_ID), r.key("audience")),
    )


_FQDN = re.compile(r"^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


def _egress(r: _Reader, network: NetworkConfig) -> EgressConfig:
    hub = _cidr(r.require("hubAddressPrefix"), r.key("hubAddressPrefix"))
    # Microsoft Learn "Virtual WAN FAQ" / "Create a virtual hub": a hub needs at least a /24
    # (Microsoft recommends /23) that overlaps no connected network.
    if hub.prefixlen > 24:
        raise ConfigError(r.key("hubAddressPrefix"), f"{hub} is smaller than the /24 a virtual hub needs")
    for name, other in (("network.vnetCidr", network.vnet_cidr), ("network.vpnClientPool", network.vpn_client_pool)):
        if hub.overlaps(other):
            raise ConfigError(r.key("hubAddressPrefix"), f"overlaps {name} {other}")
    fqdns = tuple(r.list_of("stateBackendFqdns", lambda v, k: _match(v, k, _FQDN, "a host name (no wildcard, "
                                                                      "no scheme, lowercase)")))
    if not fqdns:
        raise ConfigError(r.key("stateBackendFqdns"), "must name where the Pulumi state lives")
    return EgressConfig(hub_address_prefix=hub, state_backend_fqdns=fqdns)


def _check_zones(cfg: StackConfig) -> None:
    """Every zone-dependent choice needs a region with availability zones (ZONE_REGIONS)."""
    if cfg.location in ZONE_REGIONS:
        return
    why = f"{cfg.location} has no availability zones (Microsoft Learn: Azure regions list)"
    if cfg.recordings is not None and cfg.recordings.sku in ZONE_REDUNDANT_STORAGE:
        raise ConfigError("recordings.sku", f"{cfg.recordings.sku} needs zones, but {why}; use Standard_LRS "
                          "or location norwayeast")
    if cfg.ecg is not None and cfg.ecg.sku in ZONE_REDUNDANT_STORAGE:
        raise ConfigError("ecg.sku", f"{cfg.ecg.sku} needs zones, but {why}; ECG-7S needs zone-redundant storage: "
                          "use location norwayeast")
    if cfg.vpn.sku in VPN_SKUS:
        raise ConfigError("vpn.sku", f"{cfg.vpn.sku} and its zone-redundant public IP need zones, but {why}; "
                          "use location norwayeast")


def _access(r: _Reader) -> AccessConfig:
    return AccessConfig(
        sign_in_frequency_hours=_int(r.get("signInFrequencyHours", 8), r.key("signInFrequencyHours"), 1, 24),
        break_glass=tuple(r.list_of("breakGlass", _uuid, default=[])),
        break_glass_totp=_bool(r.get("breakGlassTotp", False), r.key("breakGlassTotp")),
        operator_eligibility_days=_int(r.get("operatorEligibilityDays", 180), r.key("operatorEligibilityDays"), 1, 365),
        deployer_role=_deployer_role(r),
        token_audience=_str(r.get("tokenAudience", ARM_AUDIENCES[0]), r.key("tokenAudience")),
        entra_licence=_entra_licence(r),
    )


# Azure Resource Manager's resource ids. Its tokens are v1 and hold no app roles: the `roles` claim only
# lists roles the *resource* app defines and assigns (Microsoft identity platform, "Access token claims
# reference": roles), and ARM defines none a tenant can assign. A `deployerRole` would refuse every real token.
ARM_AUDIENCES = ("https://management.azure.com", "https://management.azure.com/",
                 "https://management.core.windows.net/")


def _deployer_role(r: _Reader) -> str | None:
    audience = r.get("tokenAudience", ARM_AUDIENCES[0])
    if audience in ARM_AUDIENCES:
        if r.get("deployerRole") is not None:
            raise ConfigError(r.key("deployerRole"), f"tokens for {audience} never carry app roles, so no token "
                              "could pass; drop deployerRole (deployers are gate.deployers) or set tokenAudience "
                              "to an app that defines the role")
        return None
    return _str(r.get("deployerRole", "DpaGuard.Deployer"), r.key("deployerRole"))


def _audit(r: _Reader) -> AuditConfig:
    return AuditConfig(
        retention_days=_int(r.get("retentionDays", 365), r.key("retentionDays"), 90, 730),
        dpo_email=_email(r.require("dpoEmail"), r.key("dpoEmail")),
        processor_email=_email(r.require("processorEmail"), r.key("processorEmail")),
    )


def _recordings(r: _Reader) -> RecordingsConfig:
    return RecordingsConfig(
        sku=_one_of(r.get("sku", "Standard_ZRS"), r.key("sku"), OUS_SKUS,
                    why="no geo-replicated copies of recordings (OUS-5)"),
        max_age_days=_int(r.get("maxAgeDays", 30), r.key("maxAgeDays"), 1, 365),
        soft_delete_days=_int(r.get("softDeleteDays", 0), r.key("softDeleteDays"), 0, OUS_MAX_SOFT_DELETE_DAYS),
    )


def _ecg(r: _Reader) -> EcgConfig:
    return EcgConfig(
        sku=_one_of(r.get("sku", "Standard_ZRS"), r.key("sku"), ECG_SKUS, why="zone-redundant storage (ECG-7S)"),
        soft_delete_days=_int(r.get("softDeleteDays", 30), r.key("softDeleteDays"), 7, 365),
        container_soft_delete_days=_int(r.get("containerSoftDeleteDays", 30), r.key("containerSoftDeleteDays"), 7, 365),
        accounts=_int(r.get("accounts", 1), r.key("accounts"), 1, 20),
    )


def _controller(raw: Any, key: str, agreements: tuple[str, ...]) -> Controller:
    r = _Reader(raw, key)
    agreement = _one_of(r.require("agreement"), r.key("agreement"), agreements,
                        why="the stack's agreements")
    signed = _date(r.require("signed"), r.key("signed"))
    ends = _date(r.get("ends"), r.key("ends")) if r.get("ends") is not None else None
    if ends is not None and ends <= signed:
        raise ConfigError(r.key("ends"), f"{ends} is not after signed {signed}")
    ctl_id = _match(r.require("id"), r.key("id"), _SLUG, "a slug of lowercase letters, digits and single hyphens")
    if len(ctl_id) > 40:
        raise ConfigError(r.key("id"), "must be at most 40 characters (container names)")
    retention = r.get("retentionDays")
    if agreement == "ECG":
        retention = _int(r.require("retentionDays"), r.key("retentionDays"), 1, 36500)
    elif retention is not None:
        raise ConfigError(r.key("retentionDays"), "applies to ECG controllers only (OUS uses recordings.maxAgeDays)")
    scores = _bool(r.get("scoresConsent", False), r.key("scoresConsent"))
    if scores and agreement != "OUS":
        raise ConfigError(r.key("scoresConsent"), "applies to OUS controllers only (OUS-4.2)")
    return Controller(
        id=ctl_id,
        name=_str(r.require("name"), r.key("name")),
        agreement=agreement,
        signed=signed,
        contact=_email(r.require("contact"), r.key("contact")),
        ends=ends,
        retention_days=retention,
        scores_consent=scores,
        pseudonymised=_bool(r.get("pseudonymised", False), r.key("pseudonymised")),
    )


def _staff(raw: Any, key: str, controller_ids: set[str]) -> StaffMember:
    r = _Reader(raw, key)
    role = _one_of(r.require("role"), r.key("role"), ROLES)
    controllers = tuple(r.list_of("controllers", _str, default=[]))
    for i, c in enumerate(controllers):
        if c not in controller_ids:
            raise ConfigError(f"{r.key('controllers')}[{i}]", f"unknown controller {c!r}")
    if role != "operator" and not controllers:
        raise ConfigError(r.key("controllers"), f"a {role} needs at least one controller (access by need, OUS-6.2)")
    if role == "operator" and controllers:
        raise ConfigError(r.key("controllers"), "operators get no data access, so no controllers (OUS-6.2)")
    declaration = r.get("confidentialityDeclaration")
    return StaffMember(
        object_id=_uuid(r.require("objectId"), r.key("objectId")),
        name=_str(r.require("name"), r.key("name")),
        role=role,
        controllers=controllers,
        declaration=_date(declaration, r.key("confidentialityDeclaration")) if declaration is not None else None,
    )


def _sub_processor(raw: Any, key: str) -> SubProcessor:
    r = _Reader(raw, key)
    country = _str(r.require("country"), r.key("country")).upper()
    if country not in EEA_COUNTRIES:
        raise ConfigError(r.key("country"), f"{country} is outside the EEA (ECG-10)")
    return SubProcessor(name=_str(r.require("name"), r.key("name")), country=country,
                        purpose=_str(r.require("purpose"), r.key("purpose")))


def _check_lifecycle_fits(cfg: StackConfig) -> None:
    """ECG-4 retention is one lifecycle rule per retention class and 10 containers, per account."""
    if cfg.ecg is None:
        return
    classes: dict[tuple[int, int], int] = {}
    for c in cfg.controllers_of("ECG"):
        k = (cfg.ecg.shard_of(c.id), c.retention_days)
        classes[k] = classes.get(k, 0) + 1  # type: ignore[index]
    per_account: dict[int, int] = {}
    for (shard, _), n in classes.items():
        per_account[shard] = per_account.get(shard, 0) + -(-n // LIFECYCLE_PREFIXES_PER_RULE)
    worst = max(per_account.values(), default=0)
    if worst > LIFECYCLE_MAX_RULES:
        raise ConfigError(
            "ecg.accounts",
            f"ECG retention needs {worst} lifecycle rules in one account, Azure allows {LIFECYCLE_MAX_RULES}: "
            "raise ecg.accounts or use fewer distinct retentionDays values",
        )


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# --------------------------------------------------------------------- gate (issue 11)
# What `dpaguard deploy`, `token`, `totp` and `audit` trust comes from here and nowhere else: the
# caller's command line can choose among what the stack pins, never add to it (OUS-6.1.d, OUS-6.2,
# OUS-6.b, OUS-7). Read from the `dpa-guard:gate` key by `load_gate`, after `load`.

GATE_KEY_SOURCES = ("entra", "file")
_SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")
_TOTP_USER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$")


@dataclass(frozen=True)
class BreakGlassUser:
    """A break-glass operator's TOTP name, bound to one of `access.breakGlass`'s object ids."""

    user: str
    object_id: str


@dataclass(frozen=True)
class GateConfig:
    key_source: str
    """`entra`: the tenant's published keys over verified https; `file`: an offline key file only."""
    jwks_sha256: tuple[str, ...]
    """SHA-256 (hex) of the offline JWKS files `--jwks` may name; any other file is refused."""
    deployers: tuple[str, ...]
    """Object ids allowed to deploy: each is staff with a confidentiality declaration (OUS-7)."""
    break_glass_users: tuple[BreakGlassUser, ...]
    totp_store: str | None
    """Absolute path of the break-glass TOTP store (needed when access.breakGlassTotp)."""
    totp_key_id: str | None
    """SHA-256 (hex) of the store key; a store under any other key is refused."""
    audit_log: str
    """Absolute path of the authenticated audit log."""
    audit_checkpoints: str
    """Absolute directory, apart from the log's, where every append leaves a checkpoint."""
    audit_key_file: str
    """Absolute path of the audit log's HMAC key file (outside the repository)."""

    def break_glass_user(self, name: str) -> BreakGlassUser | None:
        return next((u for u in self.break_glass_users if u.user == name), None)


def load_gate(raw: Mapping[str, Any], cfg: StackConfig) -> GateConfig:
    """Validate the `gate` key of a stack whose other keys `load` already validated into `cfg`."""
    r = _Reader(raw).mapping("gate")
    key_source = _one_of(r.require("keySource"), r.key("keySource"), GATE_KEY_SOURCES)
    pins = tuple(r.list_of("jwksSha256", lambda v, k: _match(v, k, _SHA256_HEX, "64 lowercase hex digits"),
                           default=[]))
    if key_source == "file" and not pins:
        raise ConfigError(r.key("jwksSha256"), "keySource file needs at least one pinned key file SHA-256")
    staff = {s.object_id: s for s in cfg.staff}
    deployers = tuple(r.list_of("deployers", _uuid))
    if not deployers:
        raise ConfigError(r.key("deployers"), "must name at least one deployer object id")
    if len(set(deployers)) != len(deployers):
        raise ConfigError(r.key("deployers"), "lists an object id twice")
    for i, oid in enumerate(deployers):
        member = staff.get(oid)
        key = f"{r.key('deployers')}[{i}]"
        if member is None:
            raise ConfigError(key, f"{oid} is not in staff (OUS-7: only declared staff deploy)")
        if not member.may_be_granted:
            raise ConfigError(key, f"{oid} ({member.name}) has no confidentiality declaration (OUS-7)")
        if member.role != "operator":
            raise ConfigError(key, f"{oid} ({member.name}) is a {member.role}, not an operator (OUS-6.2)")
    users = tuple(_break_glass_user(v, f"{r.key('breakGlassUsers')}[{i}]", cfg.access.break_glass)
                  for i, v in enumerate(r.list_of("breakGlassUsers", _pass, default=[])))
    _unique((u.user for u in users), r.key("breakGlassUsers"), "user")
    totp_store = _abs_path(r.get("totpStore"), r.key("totpStore")) if r.get("totpStore") else None
    key_id = _match(r.get("totpKeyId"), r.key("totpKeyId"), _SHA256_HEX, "64 lowercase hex digits") \
        if r.get("totpKeyId") else None
    if cfg.access.break_glass_totp:
        if not users:
            raise ConfigError(r.key("breakGlassUsers"), "access.breakGlassTotp is on: name the break-glass users")
        if totp_store is None:
            raise ConfigError(r.key("totpStore"), "access.breakGlassTotp is on: name the TOTP store")
        if key_id is None:
            raise ConfigError(r.key("totpKeyId"), "access.breakGlassTotp is on: pin the TOTP store key")
    log = _abs_path(r.require("auditLog"), r.key("auditLog"))
    checkpoints = _abs_path(r.require("auditCheckpoints"), r.key("auditCheckpoints"))
    log_dir = log.rsplit("/", 1)[0] or "/"
    if checkpoints == log_dir or checkpoints.startswith(log_dir.rstrip("/") + "/"):
        raise ConfigError(r.key("auditCheckpoints"), f"must lie outside the log's directory {log_dir}: "
                          "a checkpoint beside the log is deleted with it")
    if log_dir.startswith(checkpoints.rstrip("/") + "/"):
        raise ConfigError(r.key("auditCheckpoints"), f"must not hold the log's directory {log_dir}: "
                          "removing the checkpoint directory would remove the log with it")
    return GateConfig(
        key_source=key_source,
        jwks_sha256=pins,
        deployers=deployers,
        break_glass_users=users,
        totp_store=totp_store,
        totp_key_id=key_id,
        audit_log=log,
        audit_checkpoints=checkpoints,
        audit_key_file=_abs_path(r.require("auditKeyFile"), r.key("auditKeyFile")),
    )


def _break_glass_user(raw: Any, key: str, break_glass: tuple[str, ...]) -> BreakGlassUser:
    r = _Reader(raw, key)
    oid = _uuid(r.require("objectId"), r.key("objectId"))
    if oid not in break_glass:
        raise ConfigError(r.key("objectId"), f"{oid} is not in access.breakGlass")
    return BreakGlassUser(
        user=_match(r.require("user"), r.key("user"), _TOTP_USER, "a user name of letters, digits and ._@+-"),
        object_id=oid,
    )


def _abs_path(value: Any, key: str) -> str:
    # a relative path would resolve against whatever directory the caller runs from
    text = _str(value, key)
    if "\0" in text or not text.startswith("/") or text != os.path.normpath(text) or text == "/":
        raise ConfigError(key, f"must be a normalised absolute path, got {text!r}")
    return text


# --------------------------------------------------------------------------- Entra ID licence (issue 14)
# The tenant's Microsoft Entra ID plan is a fact of the stack, not an assumption. Conditional
# Access needs P1; risk-based Conditional Access (user and sign-in risk, ScubaGear MS.AAD.2.1/2.3:
# "Requires a Microsoft Entra ID P2 license") and Privileged Identity Management (the operators'
# time-bound eligibility, OUS-6.2) need P2 (Microsoft Learn, "Microsoft Entra ID Protection" and
# "Microsoft Entra Privileged Identity Management" licence requirements). A P1 tenant would accept
# those objects and never enforce them, so the program refuses to plan them there.

ENTRA_LICENCES = ("P1", "P2")
RISK_AND_PIM_LICENCE = "P2"


def _entra_licence(r: _Reader) -> str:
    key = r.key("entraLicence")
    licence = _one_of(r.require("entraLicence"), key, ENTRA_LICENCES)
    if licence != RISK_AND_PIM_LICENCE:
        raise ConfigError(key, f"{licence} cannot enforce the risk-based Conditional Access (block high user and "
                          "sign-in risk, MS.AAD.2.1/2.3) or the PIM eligibility (OUS-6.2) this stack plans: both "
                          "need Microsoft Entra ID P2; license the tenant for P2 and set P2")
    return licence
