"""Storage accounts accept Entra ID only: no shared keys, and OAuth is the portal default.

Two more doors to the blobs skip Entra ID and its roles, so they stay shut too:
- local users (`isLocalUserEnabled`, and SFTP, `isSftpEnabled`, which logs them in): they sign in
  with an SSH key, an SSH password or a local-user shared key (Microsoft Learn, ARM template
  reference "Microsoft.Storage storageAccounts/localUsers": sshAuthorizedKeys, hasSshPassword,
  hasSharedKey). They reach blob data only over SFTP, which is off unless enabled; the ARM schema
  (2024-01-01 Microsoft.Storage.json) documents no default for isLocalUserEnabled, so only an
  explicit true is refused (modules/storage.py sets it false);
- NFS 3.0 (`enableNfsV3`): the protocol has no user authentication, access rests on the network
  alone (Microsoft Learn, "Network File System (NFS) 3.0 protocol support for Azure Blob Storage").
"""

from policies.lib import describe, get, resource_policy

STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"


def validate(args, report_violation) -> None:
    if args.resource_type != STORAGE_ACCOUNT:
        return
    label = describe(args.resource_type, args.name)
    # Absent means Azure's default, which is true: account keys and SAS work.
    if get(args.props, "allowSharedKeyAccess") is not False:
        report_violation(
            f"{label} accepts shared keys and SAS (allowSharedKeyAccess is not false): "
            "set allowSharedKeyAccess: false so only Entra ID identities with a role reach the data"
        )
    if get(args.props, "isLocalUserEnabled") is True:
        report_violation(
            f"{label} may have local users, who sign in with SSH keys, passwords or their own shared key instead of "
            "Entra ID (isLocalUserEnabled is true): set isLocalUserEnabled: false"
        )
    if get(args.props, "isSftpEnabled") is True:
        report_violation(f"{label} serves SFTP to local users, outside Entra ID: set isSftpEnabled: false")
    if get(args.props, "enableNfsV3") is True:
        report_violation(f"{label} serves NFS 3.0, which authenticates nobody: set enableNfsV3: false")
    if get(args.props, "defaultToOAuthAuthentication") is not True:
        report_violation(
            f"{label} does not default to Entra ID in the portal "
            "(defaultToOAuthAuthentication is not true): set it to true"
        )


POLICY = resource_policy(
    name="storage-shared-key-disabled",
    clauses=("OUS-6.1.a", "ECG-7", "ECG-6"),
    area="storage",
    description="Storage accounts allow Entra ID authentication only: shared key access off, OAuth by default, no "
    "local users (isLocalUserEnabled), no SFTP, no NFS 3.0.",
    remediation="Set allowSharedKeyAccess: false, defaultToOAuthAuthentication: true, isLocalUserEnabled: false, "
    "isSftpEnabled: false and enableNfsV3: false on the account "
    "(modules/storage.py does); grant data access through the custom roles instead of keys or SAS.",
    validate=validate,
)
