"""What the stack names for one controller: its agreement, storage accounts and containers, and how to reach them.

Only the stack config decides which containers belong to a controller: the layout comes from
`modules.storage.NorwayStorageArgs.from_config`, the same function the Pulumi program builds the
stores with, so the offboarding can never reach a container the stack does not give that controller.

Credentials: against Azure always Entra ID (`azure.identity.DefaultAzureCredential`: the operator's
az login, a managed identity or workload identity); shared keys are never used there (OUS-6.1.a,
the stores have shared-key access disabled). Only for a loopback endpoint (Azurite in the tests)
the emulator's published development key is used, because Azurite has no Entra ID.
"""

from __future__ import annotations

import ipaddress
import urllib.parse
from dataclasses import dataclass
from typing import Any

from dpaguard.errors import UsageError

# Azurite's published development key ("Authorization for tools and SDKs", Azurite README:
# https://github.com/Azure/Azurite#default-storage-account). Public knowledge, not a secret, and
# accepted here only for an endpoint on this machine's loopback interface.
AZURITE_DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="

# Azure Storage public endpoint suffix (Learn: "Storage account overview", standard endpoints).
BLOB_ENDPOINT = "https://{account}.blob.core.windows.net"


@dataclass(frozen=True)
class Container:
    account: str
    name: str
    data_class: str
    """`recordings`, `scores` (OUS) or `ecg` (ECG)."""


@dataclass(frozen=True)
class DeclaredProtection:
    """The blob service settings the stack provisions (modules.storage.BlobProtection)."""

    versioning: bool
    soft_delete_days: int
    container_soft_delete_days: int
    restore_days: int | None
    allow_permanent_delete: bool


@dataclass(frozen=True)
class Targets:
    stack: str
    controller: str
    controller_name: str
    agreement: str
    contact: str
    containers: tuple[Container, ...]
    declared: DeclaredProtection

    @property
    def accounts(self) -> tuple[str, ...]:
        return tuple(sorted({c.account for c in self.containers}))


def resolve(cfg: Any, controller_id: str) -> Targets:
    """The controller's containers as the stack config lays them out; UsageError for an unknown id."""
    from modules.storage import NorwayStorageArgs

    known = {c.id: c for c in cfg.controllers}
    if controller_id not in known:
        raise UsageError(f"controller {controller_id!r} is not in stack {cfg.stack} "
                         f"(known: {', '.join(sorted(known)) or 'none'})")
    controller = known[controller_id]
    args = NorwayStorageArgs.from_config(cfg, controller.agreement, private_endpoint_subnet_id="",
                                         blob_dns_zone_id="")
    containers = tuple(
        Container(account.name, spec.name, spec.data_class)
        for account in args.accounts
        for spec in account.containers
        if spec.controller_id == controller_id
    )
    p = args.protection
    return Targets(
        stack=cfg.stack,
        controller=controller_id,
        controller_name=controller.name,
        agreement=controller.agreement,
        contact=controller.contact,
        containers=containers,
        declared=DeclaredProtection(
            versioning=bool(p.versioning),
            soft_delete_days=int(p.soft_delete_days),
            container_soft_delete_days=int(p.container_soft_delete_days),
            restore_days=None if p.restore_days is None else int(p.restore_days),
            allow_permanent_delete=bool(p.allow_permanent_delete),
        ),
    )


def is_loopback_endpoint(endpoint: str) -> bool:
    parsed = urllib.parse.urlsplit(endpoint)
    host = parsed.hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoint(endpoint: str | None) -> str | None:
    """`--endpoint` must be an http(s) URL on loopback (the emulator); anything else is refused."""
    if endpoint is None:
        return None
    parsed = urllib.parse.urlsplit(endpoint)
    if parsed.scheme not in ("http", "https") or not parsed.hostname or parsed.path not in ("", "/") \
            or parsed.query or parsed.fragment or parsed.username or parsed.password:
        raise UsageError(f"--endpoint {endpoint[:120]!r} must be http(s)://HOST:PORT with nothing after it")
    if not is_loopback_endpoint(endpoint):
        raise UsageError(f"--endpoint {endpoint[:120]!r} is not a loopback address: --endpoint is for the Azurite "
                         "emulator on this machine; Azure accounts are reached by name with Entra ID")
    return endpoint.rstrip("/")


def account_url(account: str, endpoint: str | None) -> str:
    # Azurite serves every account path-style: http://127.0.0.1:PORT/ACCOUNT (Azurite README, "Usage with SDKs").
    return f"{endpoint}/{account}" if endpoint else BLOB_ENDPOINT.format(account=account)


def service_client(account: str, endpoint: str | None, credential: Any = None) -> Any:
    """A BlobServiceClient: Entra ID against Azure, the emulator key only on loopback."""
    from azure.storage.blob import BlobServiceClient

    url = account_url(account, endpoint)
    options: dict[str, Any] = {}
    if endpoint is not None and is_loopback_endpoint(endpoint):
        from azure.storage.blob import ExponentialRetry

        # The emulator is on this machine: one quick retry, not the SDK's default 15 s + 45 s + ... backoff
        # (azure.storage.blob.ExponentialRetry defaults), so a stopped emulator is a one-line error at once.
        options["retry_policy"] = ExponentialRetry(initial_backoff=1, increment_base=1, retry_total=1,
                                                   random_jitter_range=0)
    if credential is None:
        if endpoint is not None and is_loopback_endpoint(endpoint):
            from azure.core.credentials import AzureNamedKeyCredential

            credential = AzureNamedKeyCredential(account, AZURITE_DEV_KEY)
        else:
            from azure.identity import DefaultAzureCredential

            credential = DefaultAzureCredential(exclude_interactive_browser_credential=True)
    return BlobServiceClient(url, credential=credential, **options)
