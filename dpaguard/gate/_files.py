"""File primitives for state that must survive crashes and concurrent processes (local disks only:
`flock` is advisory and not reliable over NFS/SMB). Writes go through the CLI's one atomic-write
helper, `dpaguard.files.atomic_write`."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
from collections.abc import Iterator

from dpaguard.files import atomic_write, fsync_dir

__all__ = ["atomic_write", "fsync_dir", "locked"]


@contextlib.contextmanager
def locked(lock_path: str) -> Iterator[None]:
    """Hold an exclusive `flock` on `lock_path` (created 0600) for the duration of the block."""
    # O_NOFOLLOW: a symlink planted at the lock's path would be opened (and created) at its target
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise OSError(errno.ELOOP, "it is a symbolic link") from None
        raise
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        # closing the descriptor releases the lock, also when the process dies
        os.close(fd)
