"""Symmetric key files for the gate (the TOTP store key, the audit log's HMAC key).

A key is 32 random bytes, written as base64url on one line in a file of mode 0600. Its *key id*
is the SHA-256 hex of the raw bytes: a stack pins that value, so a key the caller made is
refused without the key itself ever appearing in the repository.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import os
import stat
import tempfile
from pathlib import Path

from dpaguard.errors import InputError
from dpaguard.files import fsync_dir

KEY_BYTES = 32
_MAX_KEY_FILE = 200


class KeyFileError(InputError):
    """A key file cannot be read, is not private, or holds no key."""


def generate_key() -> str:
    """A new key: 32 random bytes, base64url."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def key_id(key: bytes) -> str:
    """The SHA-256 hex of the key: safe to publish in stack config, useless for forging."""
    return hashlib.sha256(key).hexdigest()


def parse_key(text: str, origin: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != KEY_BYTES:
        raise KeyFileError(f"{origin} is not a key (base64url of {KEY_BYTES} bytes)")
    return key


def read_key_file(path: str | Path, what: str) -> bytes:
    """The key in `path`; a file readable by group or others is refused, as ssh does for private keys."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK)
    except OSError as exc:
        raise KeyFileError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError(f"{what} {path} is not a regular file")
        if info.st_mode & 0o077:
            raise KeyFileError(f"{what} {path} is accessible by group or others; chmod 600 it")
        data = os.read(fd, _MAX_KEY_FILE)
    except OSError as exc:
        raise KeyFileError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        raise KeyFileError(f"{what} {path} is not a key (base64url of {KEY_BYTES} bytes)") from None
    return parse_key(text, f"{what} {path}")


def write_key_file(path: str | Path, what: str) -> bytes:
    """Create a new key file (0600) and return the key; never overwrites, which would orphan its data.

    Written to a temporary file and then hard-linked into place: `link` fails if the name exists
    and is atomic, so the key file is whole or absent, never half written, and never replaced.
    """
    key_text = generate_key()
    if str(path) == "":
        raise KeyFileError(f"cannot create {what}: the path is empty")
    target = Path(path)
    if target.is_dir():
        # link() onto a directory fails with EEXIST, which would read as "exists"
        raise KeyFileError(f"cannot create {what} {path}: it is a directory")
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise KeyFileError(f"cannot create {what} {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key_text + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.link(tmp, target)
        fsync_dir(target.parent)
    except FileExistsError:
        raise KeyFileError(f"{what} {path} exists; refusing to overwrite it") from None
    except OSError as exc:
        raise KeyFileError(f"cannot create {what} {path}: {exc.strerror or exc}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    return parse_key(key_text, what)
