"""NorwayStorage: the data store of one agreement, reachable only through a private endpoint.

One component per agreement the stack serves (OUS-3: each agreement's data in a resource
group and storage account(s) of its own). The agreement decides the data-protection
settings, because the two pull apart (CLAUSES.md, "Where the two pull apart"):

- OUS therapy recordings must be gone beyond recovery once scored (OUS-4.1, OUS-5): no
  versions, no snapshots kept, soft delete off or a few days, a lifecycle rule as a safety
  net. Numeric scores get a container only with the therapist's consent (OUS-4.2).
- ECG patient data must be restorable after an incident (ECG-7S) yet kept no longer than
  each physician's retention (ECG-4): versions, soft delete, point-in-time restore and one
  lifecycle retention class per group of containers, one container per physician (ECG-6).

Every account is Entra-ID-only and private (OUS-6.1.a, OUS-6.1.b, OUS-6.1.e).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_azure_native import network, resources, storage

from modules import config, naming

# Lifecycle blob types: recordings and ECG uploads are block blobs, but an append blob would
# otherwise escape the delete rule; Azure supports the delete actions for both.
_LIFECYCLE_BLOB_TYPES = ("blockBlob", "appendBlob")


@dataclass(frozen=True)
class ContainerSpec:
    """One blob container holding one controller's data of one class."""

    name: str
    controller_id: str
    data_class: str
    """`recordings` or `scores` (OUS), `ecg` (ECG): recorded in the container metadata (OUS-2, ECG-3)."""
    signed: dt.date
    access_ends: dt.date | None
    pseudonymised: bool | None
    """ECG-3: patients registered under a code; None where the agreement has no such notion (OUS)."""

    def metadata(self, agreement: str) -> dict[str, str]:
        # Metadata keys must be C# identifiers and values ASCII: slugs and ISO dates only,
        # never the controller's display name.
        meta = {
            "dpaguard_controller": self.controller_id,
            "dpaguard_agreement": agreement,
            "dpaguard_data_class": self.data_class,
            "dpaguard_signed": self.signed.isoformat(),
        }
        if self.access_ends is not None:
            meta["dpaguard_access_ends"] = self.access_ends.isoformat()
        if self.pseudonymised is not None:
            meta["dpaguard_pseudonymised"] = "true" if self.pseudonymised else "false"
        return meta


@dataclass(frozen=True)
class LifecycleRule:
    """A lifecycle rule deleting every blob under `prefixes` after an age in days."""

    name: str
    prefixes: tuple[str, ...]
    base_blob_days: int
    """Days after creation the current blob is deleted."""
    version_days: int
    """Days after creation a previous version is deleted."""
    snapshot_days: int
    """Days after creation a snapshot is deleted."""


@dataclass(frozen=True)
class AccountSpec:
    """One StorageV2 account and what it holds."""

    name: str
    sku: str
    containers: tuple[ContainerSpec, ...]
    lifecycle: tuple[LifecycleRule, ...]


@dataclass(frozen=True)
class BlobProtection:
    """Blob service data-protection settings, the same for every account of a store."""

    versioning: bool
    soft_delete_days: int
    """0 turns blob soft delete off."""
    container_soft_delete_days: int
    """0 turns container soft delete off."""
    change_feed_days: int | None
    """None turns the change feed off."""
    restore_days: int | None
    """Point-in-time restore window; None turns it off."""
    allow_permanent_delete: bool
    """Lets a runbook purge soft-deleted versions and snapshots at once (OUS-9)."""


@dataclass(frozen=True)
class NorwayStorageArgs:
    """Everything NorwayStorage builds, derived from validated config by `from_config`."""

    agreement: str
    """`OUS` or `ECG`: which agreement's data this store holds."""
    stack: str
    location: str
    subscription_id: str
    resource_group_name: str
    accounts: tuple[AccountSpec, ...]
    protection: BlobProtection
    private_endpoint_subnet_id: pulumi.Input[str]
    """ARM id of the subnet the private endpoints go in (from the VPN component)."""
    blob_dns_zone_id: pulumi.Input[str]
    """ARM id of the `privatelink.blob.core.windows.net` zone (created by the VPN component)."""
    pending_deletion: tuple[str, ...] = ()
    """Controllers whose access has ended but whose data still exists (OUS-9 / ECG-11 runbook)."""
    private_endpoint_dependencies: tuple[pulumi.Resource, ...] = ()
    """What must exist before a private endpoint: the subnet's network, its NSG, the DNS zone."""

    @classmethod
    def from_config(
        cls,
        cfg: config.StackConfig,
        agreement: str,
        *,
        private_endpoint_subnet_id: pulumi.Input[str],
        blob_dns_zone_id: pulumi.Input[str],
        private_endpoint_dependencies: Sequence[pulumi.Resource] = (),
        today: dt.date | None = None,
    ) -> NorwayStorageArgs:
        if agreement not in cfg.agreements:
            raise config.ConfigError("agreements", f"the stack does not serve {agreement}")
        today = today or dt.date.today()
        controllers = cfg.controllers_of(agreement)
        if agreement == "OUS":
            accounts, protection = _ous_layout(cfg, controllers)
        else:
            accounts, protection = _ecg_layout(cfg, controllers)
        return cls(
            agreement=agreement,
            stack=cfg.stack,
            location=cfg.location,
            subscription_id=cfg.subscription_id,
            resource_group_name=naming.data_resource_group(cfg.prefix, agreement),
            accounts=accounts,
            protection=protection,
            private_endpoint_subnet_id=private_endpoint_subnet_id,
            blob_dns_zone_id=blob_dns_zone_id,
            pending_deletion=tuple(
                c.id for c in controllers if c.access_ends is not None and c.access_ends < today
            ),
            private_endpoint_dependencies=tuple(private_endpoint_dependencies),
        )


def _ous_layout(
    cfg: config.StackConfig, controllers: tuple[config.Controller, ...]
) -> tuple[tuple[AccountSpec, ...], BlobProtection]:
    rec = cfg.recordings
    assert rec is not None  # config.load sets it whenever the stack serves OUS
    containers: list[ContainerSpec] = []
    for c in controllers:
        containers.append(ContainerSpec(naming.recordings_container(c.id), c.id, "recordings",
                                        c.signed, c.access_ends, None))
        # OUS-4.2: scores are kept only with the therapist's special consent.
        if c.scores_consent:
            containers.append(ContainerSpec(naming.scores_container(c.id), c.id, "scores",
                                            c.signed, c.access_ends, None))
    # OUS-4.1 safety net: every recording goes after maxAgeDays even if the runbook never ran.
    # OUS-5: snapshots and versions are not kept at all, so they go at the first daily run.
    # Scores (OUS-4.2) are not recordings and are not in the rule.
    rule = LifecycleRule(
        name="delete-recordings",
        prefixes=(naming.recordings_container(""),),
        base_blob_days=rec.max_age_days,
        version_days=0,
        snapshot_days=0,
    )
    (account_name,) = cfg.account_names("OUS")
    account = AccountSpec(account_name, rec.sku, tuple(containers), (rule,))
    # OUS-5: deleted so it cannot be recovered: no versions, no change feed history, no
    # point-in-time restore, soft delete only as the short safety net the config allows.
    protection = BlobProtection(
        versioning=False,
        soft_delete_days=rec.soft_delete_days,
        container_soft_delete_days=rec.soft_delete_days,
        change_feed_days=None,
        restore_days=None,
        allow_permanent_delete=rec.soft_delete_days > 0,
    )
    return (account,), protection


def _ecg_layout(
    cfg: config.StackConfig, controllers: tuple[config.Controller, ...]
) -> tuple[tuple[AccountSpec, ...], BlobProtection]:
    ecg = cfg.ecg
    assert ecg is not None  # config.load sets it whenever the stack serves ECG
    accounts: list[AccountSpec] = []
    for shard, account_name in enumerate(cfg.account_names("ECG")):
        members = [c for c in controllers if ecg.shard_of(c.id) == shard]
        containers = tuple(
            ContainerSpec(naming.ecg_container(c.id), c.id, "ecg", c.signed, c.access_ends, c.pseudonymised)
            for c in members
        )
        accounts.append(AccountSpec(account_name, ecg.sku, containers,
                                    _retention_rules(members, ecg.soft_delete_days)))
    # ECG-7S: restorable after an incident: versions, soft delete and point-in-time restore,
    # which Azure allows up to a day short of the soft-delete period and needs the change feed.
    protection = BlobProtection(
        versioning=True,
        soft_delete_days=ecg.soft_delete_days,
        container_soft_delete_days=ecg.container_soft_delete_days,
        change_feed_days=ecg.soft_delete_days,
        restore_days=ecg.soft_delete_days - 1,
        allow_permanent_delete=False,
    )
    return tuple(accounts), protection


def _retention_rules(members: list[config.Controller], soft_delete_days: int) -> tuple[LifecycleRule, ...]:
    """ECG-4: one rule per retention class and chunk of at most 10 containers (Azure's prefix cap)."""
    by_days: dict[int, list[str]] = {}
    for c in members:
        assert c.retention_days is not None  # config.load requires it for ECG controllers
        by_days.setdefault(c.retention_days, []).append(naming.ecg_container(c.id))
    rules: list[LifecycleRule] = []
    step = config.LIFECYCLE_PREFIXES_PER_RULE
    for days in sorted(by_days):
        names = sorted(by_days[days])
        for i in range(0, len(names), step):
            rules.append(LifecycleRule(
                name=f"retain-{days}d-{i // step:02d}",
                # The trailing slash stops ecg-ab/ from matching the blobs of ecg-abc.
                prefixes=tuple(f"{n}/" for n in names[i:i + step]),
                base_blob_days=days,
                # Previous versions and snapshots are the ECG-7S restore window, not a second
                # retention period: they go after the soft-delete window (or retention, if shorter).
                version_days=min(days, soft_delete_days),
                snapshot_days=min(days, soft_delete_days),
            ))
    return tuple(rules)


def named_by(resource: pulumi.Resource, value: str) -> pulumi.Output[str]:
    """`value` (a name or ARM id built from config, known in preview) recorded as coming from `resource`.

    The SDK records, per input, the resources its value came from (`propertyDependencies` of the
    RegisterResource request); the stack policies, which see outputs without names or path
    parameters, tie a child to its storage account by that and not by `depends_on`, which any
    child can claim (policies/stack.py account_of, storage-children-in-stack). `account.name`
    would record the same but is unknown in the preview of a new account (pulumi-azure-native
    returns no name before Create), and the resource policies and the ARM rendering read the name.
    """
    return resource.urn.apply(lambda _urn: value)


class NorwayStorage(pulumi.ComponentResource):
    """The resource group, storage account(s), containers and private endpoints of one agreement."""

    agreement: str
    resource_group_name: str
    resource_group_id: str
    account_names: list[str]
    account_ids: list[str]
    blob_service_ids: list[str]
    container_ids: dict[str, str]
    scores_container_ids: dict[str, str]
    account_of: dict[str, str]
    pending_deletion: list[str]

    def __init__(self, name: str, args: NorwayStorageArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("dpaguard:storage:NorwayStorage", name, None, opts)
        sub = args.subscription_id
        rg_name = args.resource_group_name
        tags = {
            naming.TAG_STACK: args.stack,
            naming.TAG_AGREEMENT: args.agreement,
            naming.TAG_DATA_CLASS: naming.DATA_CLASS[args.agreement],
        }

        self.agreement = args.agreement
        self.resource_group_name = rg_name
        self.resource_group_id = naming.resource_group_id(sub, rg_name)
        self.account_names = [a.name for a in args.accounts]
        self.account_ids = [naming.storage_account_id(sub, rg_name, a.name) for a in args.accounts]
        self.blob_service_ids = [naming.blob_service_id(sub, rg_name, a.name) for a in args.accounts]
        self.container_ids = {}
        self.scores_container_ids = {}
        self.account_of = {}
        self.accounts: dict[str, storage.StorageAccount] = {}
        """Account ARM id -> the account resource."""
        self.containers: dict[str, storage.BlobContainer] = {}
        """Container ARM id -> the container resource, for dependants that need exactly one."""
        self.blob_services: dict[str, storage.BlobServiceProperties] = {}
        """Blob service ARM id -> its resource: a diagnostic setting depends on its own one, which is how
        stack policies (which see outputs, without resourceUri) tie it to its account."""
        self.pending_deletion = list(args.pending_deletion)

        # OUS-3: this agreement's data in a resource group of its own.
        rg = resources.ResourceGroup(
            f"{name}-rg",
            resource_group_name=rg_name,
            location=args.location,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.resource_group = rg

        for account in args.accounts:
            self._account(name, args, account, rg, tags)

        if args.pending_deletion:
            # OUS-9 / ECG-11: deleting the data is a runbook step with a receipt, not a plan diff.
            pulumi.log.warn(
                f"{args.agreement}: access has ended for {', '.join(args.pending_deletion)}; "
                "their data is still provisioned until the offboarding runbook deletes it",
                resource=self,
            )

        self.register_outputs({
            "agreement": self.agreement,
            "resourceGroupName": self.resource_group_name,
            "resourceGroupId": self.resource_group_id,
            "accountNames": self.account_names,
            "accountIds": self.account_ids,
            "blobServiceIds": self.blob_service_ids,
            "containerIds": self.container_ids,
            "scoresContainerIds": self.scores_container_ids,
            "accountOf": self.account_of,
            "pendingDeletion": self.pending_deletion,
        })

    def _account(
        self,
        name: str,
        args: NorwayStorageArgs,
        spec: AccountSpec,
        rg: resources.ResourceGroup,
        tags: dict[str, str],
    ) -> None:
        sub, rg_name = args.subscription_id, args.resource_group_name
        account_id = naming.storage_account_id(sub, rg_name, spec.name)
        child = f"{name}-{spec.name}"

        account = storage.StorageAccount(
            child,
            account_name=spec.name,
            resource_group_name=rg_name,
            location=args.location,
            kind=storage.Kind.STORAGE_V2,
            sku=storage.SkuArgs(name=spec.sku),
            access_tier=storage.AccessTier.HOT,
            # OUS-6.1.a / ECG-7: Entra ID (RBAC) only; no account keys, so no key-signed SAS.
            allow_shared_key_access=False,
            default_to_o_auth_authentication=True,
            # Ad hoc SAS cannot be signed without keys; any that slipped through would be blocked
            # after an hour instead of living on (OUS-6.1.a).
            sas_policy=storage.SasPolicyArgs(
                sas_expiration_period="0.01:00:00",
                expiration_action=storage.ExpirationAction.BLOCK,
            ),
            is_local_user_enabled=False,
            is_sftp_enabled=False,
            # OUS-6.1.b / ECG-10: reachable only through the private endpoint, nothing copied out.
            public_network_access=storage.PublicNetworkAccess.DISABLED,
            network_rule_set=storage.NetworkRuleSetArgs(
                default_action=storage.DefaultAction.DENY,
                bypass=storage.Bypass.NONE,
                ip_rules=[],
                virtual_network_rules=[],
                resource_access_rules=[],
            ),
            allow_blob_public_access=False,
            allow_cross_tenant_replication=False,
            allowed_copy_scope=storage.AllowedCopyScope.PRIVATE_LINK,
            # OUS-6.1.e: encrypted in transit.
            enable_https_traffic_only=True,
            minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
            # Normen / ECG-7S: double encryption at rest with platform-managed keys.
            encryption=storage.EncryptionArgs(
                key_source=storage.KeySource.MICROSOFT_STORAGE,
                require_infrastructure_encryption=True,
                services=storage.EncryptionServicesArgs(
                    blob=storage.EncryptionServiceArgs(enabled=True),
                    file=storage.EncryptionServiceArgs(enabled=True),
                ),
            ),
            is_hns_enabled=False,
            enable_nfs_v3=False,
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[rg]),
        )
        self.accounts[account_id] = account

        p = args.protection
        blob_service = storage.BlobServiceProperties(
            f"{child}-blob",
            account_name=named_by(account, spec.name),
            resource_group_name=rg_name,
            blob_services_name="default",
            is_versioning_enabled=p.versioning,
            delete_retention_policy=_retention(p.soft_delete_days, p.allow_permanent_delete),
            container_delete_retention_policy=_retention(p.container_soft_delete_days, None),
            change_feed=storage.ChangeFeedArgs(enabled=True, retention_in_days=p.change_feed_days)
            if p.change_feed_days is not None
            else storage.ChangeFeedArgs(enabled=False),
            restore_policy=storage.RestorePolicyPropertiesArgs(enabled=True, days=p.restore_days)
            if p.restore_days is not None
            else storage.RestorePolicyPropertiesArgs(enabled=False),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[account]),
        )
        self.blob_services[naming.blob_service_id(sub, rg_name, spec.name)] = blob_service

        for c in spec.containers:
            container = storage.BlobContainer(
                f"{name}-{c.name}",
                account_name=named_by(account, spec.name),
                resource_group_name=rg_name,
                container_name=c.name,
                public_access=storage.PublicAccess.NONE,
                metadata=c.metadata(args.agreement),
                # The protection settings are in place before any data can arrive.
                opts=pulumi.ResourceOptions(parent=self, depends_on=[blob_service]),
            )
            cid = naming.container_id(sub, rg_name, spec.name, c.name)
            if c.data_class == "scores":
                self.scores_container_ids[c.controller_id] = cid
            else:
                self.container_ids[c.controller_id] = cid
                self.account_of[c.controller_id] = spec.name
            self.containers[cid] = container

        # Azure rejects a policy without rules; an ECG shard no controller hashes to has none.
        if spec.lifecycle:
            storage.ManagementPolicy(
                f"{child}-lifecycle",
                account_name=named_by(account, spec.name),
                resource_group_name=rg_name,
                management_policy_name="default",
                policy=storage.ManagementPolicySchemaArgs(rules=[_lifecycle_rule(r) for r in spec.lifecycle]),
                opts=pulumi.ResourceOptions(parent=self, depends_on=[account]),
            )

        pe_name = naming.private_endpoint(spec.name)
        endpoint = network.PrivateEndpoint(
            f"{child}-pe",
            private_endpoint_name=pe_name,
            custom_network_interface_name=naming.private_endpoint_nic(spec.name),
            resource_group_name=rg_name,
            location=args.location,
            # The typed dict, not SubnetArgs: SubnetArgs injects default subnet policies into the
            # request that describe nothing about the real subnet and would mislead the policy pack.
            subnet=network.SubnetArgsDict(id=args.private_endpoint_subnet_id),
            private_link_service_connections=[
                network.PrivateLinkServiceConnectionArgs(
                    name=f"{spec.name}-blob",
                    private_link_service_id=named_by(account, account_id),
                    group_ids=["blob"],
                )
            ],
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[account, *args.private_endpoint_dependencies]),
        )
        network.PrivateDnsZoneGroup(
            f"{child}-pe-dns",
            private_endpoint_name=pe_name,
            private_dns_zone_group_name="default",
            resource_group_name=rg_name,
            private_dns_zone_configs=[
                network.PrivateDnsZoneConfigArgs(name="privatelink-blob", private_dns_zone_id=args.blob_dns_zone_id)
            ],
            opts=pulumi.ResourceOptions(parent=self, depends_on=[endpoint]),
        )


def _retention(days: int, allow_permanent_delete: bool | None) -> storage.DeleteRetentionPolicyArgs:
    if days <= 0:
        return storage.DeleteRetentionPolicyArgs(enabled=False)
    return storage.DeleteRetentionPolicyArgs(enabled=True, days=days, allow_permanent_delete=allow_permanent_delete)


def _lifecycle_rule(rule: LifecycleRule) -> storage.ManagementPolicyRuleArgs:
    return storage.ManagementPolicyRuleArgs(
        name=rule.name,
        type=storage.RuleType.LIFECYCLE,
        enabled=True,
        definition=storage.ManagementPolicyDefinitionArgs(
            filters=storage.ManagementPolicyFilterArgs(
                blob_types=list(_LIFECYCLE_BLOB_TYPES),
                prefix_match=list(rule.prefixes),
            ),
            actions=storage.ManagementPolicyActionArgs(
                base_blob=storage.ManagementPolicyBaseBlobArgs(
                    delete=storage.DateAfterModificationArgs(days_after_creation_greater_than=rule.base_blob_days),
                ),
                version=storage.ManagementPolicyVersionArgs(
                    delete=storage.DateAfterCreationArgs(days_after_creation_greater_than=rule.version_days),
                ),
                snapshot=storage.ManagementPolicySnapShotArgs(
                    delete=storage.DateAfterCreationArgs(days_after_creation_greater_than=rule.snapshot_days),
                ),
            ),
        ),
    )
