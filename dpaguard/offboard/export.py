"""The controller's data handed back before deletion (ECG-6R, OUS-11): one tar with a manifest.

The tar holds `manifest.json` and one `data/<account>/<container>/<NNNNNN>_<safe name>` per blob,
snapshot and previous version. Entry names are never the blob names themselves: a blob name may
hold `../`, a leading `/`, control characters, or differ from another only in case or Unicode
normalisation, and extracting such names would write outside the target folder or overwrite one
file with another on a case-insensitive file system. The running number keeps every entry
distinct; the safe part (ASCII letters, digits, `.`, `_`, `-`) is for people. The manifest maps
every entry to its exact blob name, kind, snapshot or version, size and SHA-256 and is also
written beside the tar, so the controller can check the copy without trusting the tool. Soft-deleted items are not exported: they are not
the controller's current data and reading them would need an undelete.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from dpaguard.errors import InputError
from dpaguard.files import atomic_write, fsync_dir
from dpaguard.offboard.blobs import Item, StoreError

CHUNK = 4 << 20
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def entry_name(item: Item, number: int) -> str:
    """A tar member name that cannot escape the extraction folder or collide with another."""
    kind = f"@snapshot-{item.snapshot}" if item.snapshot else (f"@version-{item.version}" if item.kind == "version"
                                                                else "")
    safe = _UNSAFE.sub("_", f"{item.name.rsplit('/', 1)[-1]}{kind}").strip("._")[:80] or "blob"
    # account and container names are [a-z0-9-] by Azure's naming rules, so they are safe as they are
    return f"data/{item.account}/{item.container}/{number:06d}_{safe}"


def export(items: list[Item], clients: dict[tuple[str, str], Any], tar_path: Path, now: str) -> dict[str, Any]:
    """Download every live item into `tar_path` (atomically); returns the manifest."""
    from azure.core.exceptions import AzureError

    for item in items:
        if not item.deleted and {".", ".."} & set(item.name.split("/")):
            # Checked before anything is written or deleted: the export is all of the data or nothing.
            raise InputError(f"cannot export {item.container}/{item.name[:200]}: a blob name with '.' or '..' "
                             "segments cannot be read by name, HTTP clients rewrite them in the URL (RFC 3986 "
                             "section 5.2.4); copy it by hand, or offboard without --export")
    try:
        tar_path.parent.mkdir(parents=True, exist_ok=True)
        if tar_path.parent.is_file() or tar_path.is_dir():
            raise OSError(f"{tar_path} or its folder is not usable")
        fd, tmp = tempfile.mkstemp(dir=tar_path.parent, prefix=f".{tar_path.name}.", suffix=".tmp")
    except OSError as exc:
        raise InputError(f"cannot write the export {tar_path}: {exc.strerror or exc}") from None
    os.close(fd)
    entries: list[dict[str, Any]] = []
    try:
        with tarfile.open(tmp, "w") as tar:
            for number, item in enumerate(sorted(i for i in items if not i.deleted), 1):
                path = entry_name(item, number)
                container = clients[(item.account, item.container)]
                blob = container.get_blob_client(item.name, snapshot=item.snapshot or None)
                kwargs: dict[str, Any] = {"version_id": item.version} if item.kind == "version" else {}
                h = hashlib.sha256()
                with tempfile.TemporaryFile(dir=tar_path.parent) as spool:
                    try:
                        for chunk in blob.download_blob(**kwargs).chunks():
                            h.update(chunk)
                            spool.write(chunk)
                    except AzureError as exc:
                        raise StoreError(f"exporting {item.container}/{item.name}: {str(exc).splitlines()[0][:300]}") \
                            from None
                    size = spool.tell()
                    if size != item.size:
                        raise StoreError(f"exporting {item.container}/{item.name}: read {size} bytes, "
                                         f"the listing said {item.size}")
                    spool.seek(0)
                    info = tarfile.TarInfo(path)
                    info.size = size
                    info.mode = 0o600
                    tar.addfile(info, spool)
                entries.append({"path": path, "account": item.account, "container": item.container,
                                "name": item.name, "kind": item.kind, "snapshot": item.snapshot,
                                "version": item.version, "size": size, "sha256": h.hexdigest()})
            manifest = {"format": "dpaguard-export/1", "created": now, "entries": entries,
                        "count": len(entries), "bytes": sum(e["size"] for e in entries)}
            body = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(body)
            info.mode = 0o600
            tar.addfile(info, io.BytesIO(body))
        # The tar is streamed (it can be far larger than memory), so it cannot go through
        # dpaguard.files.atomic_write's bytes; it follows the same steps: temporary file in the
        # same folder, fsync, rename, fsync of the folder.
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, tar_path)
        fsync_dir(tar_path.parent)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InputError(f"cannot write the export {tar_path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    atomic_write(tar_path.with_name(tar_path.name + ".manifest.json"), body + b"\n", mode=0o600)
    with open(tar_path, "rb") as fh:
        tar_sha = hashlib.file_digest(fh, "sha256").hexdigest()
    return {"path": str(tar_path), "sha256": tar_sha, "count": len(entries), "bytes": manifest["bytes"]}
