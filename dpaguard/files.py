"""Reading and writing the files the CLI touches: bounded reads and atomic writes, one-line errors.

Every file a command writes goes through `atomic_write`: a crash at any point leaves the old file
or the new one, never half of either (the temporary file lives in the same directory because
`os.replace` is atomic only within one file system). Every file a command reads goes through
`read_bounded`: a size cap and a regular-file check, so `/dev/zero`, a FIFO or a directory is one
line and exit 2, never an endless read or a traceback.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Mapping
from pathlib import Path

from dpaguard.errors import InputError, UsageError

MiB = 1 << 20


def fsync_dir(directory: str | Path) -> None:
    # a rename or a new file is only durable once its directory entry is on disk
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def output_path(value: str, option: str) -> Path:
    """A path given on the command line for output; an empty one is a usage error, not the cwd."""
    if not value or not value.strip():
        raise UsageError(f"{option} is empty; give a path")
    if "\0" in value:
        raise UsageError(f"{option} contains a NUL character")
    return Path(value)


def atomic_write(path: str | Path, data: bytes, *, mode: int = 0o600, make_parents: bool = False) -> None:
    """Replace `path` with `data` atomically and durably; raises InputError (exit 2) naming the file.

    `mode` applies to the new file (mkstemp creates 0600; anything wider is set explicitly).
    A directory, a missing parent (unless `make_parents`), an unwritable place such as
    `/proc/1/x`: one line each, and nothing is left behind.
    """
    if str(path) == "":
        raise InputError("cannot write to an empty path")
    write_together({Path(path): data}, mode=mode, make_parents=make_parents)


def write_together(files: Mapping[Path, bytes], *, mode: int = 0o644, make_parents: bool = False) -> None:
    """Replace several files so that a failure while writing replaces none of them.

    Every file is first written and synced beside its target (a temporary name in the same
    directory); only when all are staged are they renamed into place, one `os.replace` each, in one
    tight loop. A directory in the way, an unwritable place or a full disk: InputError (exit 2),
    the staged copies removed, every target as it was. (A crash between two renames can still
    leave a mix; no POSIX call replaces several files at once.)
    """
    staged: list[tuple[str, Path]] = []

    def discard() -> None:
        for tmp, _ in staged:
            with contextlib.suppress(OSError):
                os.unlink(tmp)

    target = Path()
    try:
        for path, data in files.items():
            target = Path(path)
            if target.is_dir():
                raise InputError(f"cannot write {target}: it is a directory")
            if make_parents:
                target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
            staged.append((tmp, target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                if mode != 0o600:
                    os.fchmod(handle.fileno(), mode)
                os.fsync(handle.fileno())
        for tmp, target in staged:
            os.replace(tmp, target)
        for directory in {t.parent for _, t in staged}:
            fsync_dir(directory)
    except OSError as exc:
        discard()
        raise InputError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        discard()
        raise


def write_json(path: str | Path, document: object, *, mode: int = 0o644, make_parents: bool = False) -> None:
    """`document` as indented UTF-8 JSON with a final newline, written atomically."""
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    atomic_write(path, text.encode("utf-8"), mode=mode, make_parents=make_parents)


def write_report(path: str | Path, text: str) -> None:
    """A report or document meant to be read by others (CI uploads SARIF): UTF-8, written atomically,
    parent directories made, and the file mode the umask gives a new file (mkstemp alone gives 0600)."""
    umask = os.umask(0)
    os.umask(umask)
    atomic_write(path, text.encode("utf-8"), mode=0o666 & ~umask, make_parents=True)


def read_bounded(path: str | Path, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most `limit` bytes; InputError (exit 2) otherwise.

    The size is checked on the open descriptor and the read itself stops at `limit + 1`, so a
    file that grows, a device (`/dev/zero`) or a FIFO can never make the read unbounded.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise InputError(f"cannot read {what} {path}: it is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"cannot read {what} {path}: not a regular file")
        if info.st_size > limit:
            raise InputError(f"{what} {path} is larger than the {_size(limit)} cap")
        chunks: list[bytes] = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, min(remaining, MiB))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise InputError(f"{what} {path} is larger than the {_size(limit)} cap")
    return data


def read_text_bounded(path: str | Path, limit: int, what: str = "file") -> str:
    """`read_bounded` decoded as UTF-8; undecodable bytes are InputError too."""
    try:
        return read_bounded(path, limit, what).decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{what} {path} is not UTF-8 text") from None


def read_stdin(limit: int, what: str = "`-`", *, line: bool = False) -> str:
    """At most `limit` characters of stdin (one line if `line`), for an option given as `-`.

    A closed stdin (Python sets `sys.stdin` to None) or one that cannot be read or decoded is
    UsageError (exit 2), never a traceback.
    """
    import sys

    if sys.stdin is None:
        raise UsageError(f"stdin is closed: nothing to read for {what}")
    try:
        return sys.stdin.readline(limit) if line else sys.stdin.read(limit)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise UsageError(f"cannot read {what} from stdin: {exc}") from None


def _size(limit: int) -> str:
    return f"{limit // MiB} MiB" if limit >= MiB and limit % MiB == 0 else f"{limit} bytes"
