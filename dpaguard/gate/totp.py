"""TOTP second factor (RFC 6238) for the break-glass path and operators without an Entra session.

pyotp computes codes; the rules it leaves to the caller live here:
- a code is accepted once: the last accepted time step per user is persisted and anything at
  or below it is refused (RFC 6238 §5.2), under a cross-process lock;
- the window is at most one step each way (RFC 6238 §5.2 recommends at most one);
- a code is exactly `digits` ASCII digits (pyotp's `verify` normalises Unicode, so full-width
  digits would pass there);
- consecutive failures grow a delay and then lock the user (NIST SP 800-63B §5.2.2: at most
  100 failures); a success resets both.

The store is one file encrypted with AES-256-GCM under an operator-provided key, replaced
atomically, so a crash mid-write leaves the old store or the new one, never half of either.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import json
import math
import os
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import pyotp
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dpaguard.errors import InputError, Refused
from dpaguard.files import read_bounded
from dpaguard.gate import keys
from dpaguard.gate._files import atomic_write, locked
from dpaguard.gate._strict import json_loads

KEY_ENV = "DPAGUARD_TOTP_KEY"
ISSUER = "dpa-guard"
MAX_FAILURES_LIMIT = 100  # NIST SP 800-63B §5.2.2
_FORMAT = "dpaguard-totp-store"
MAX_STORE_BYTES = 4 << 20  # thousands of users fit in a fraction of this
_VERSION = 1
_AAD = b"dpaguard-totp-store/1"
_DIGESTS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256, "sha512": hashlib.sha512}
# UPNs and plain account names; no control characters or separators that could confuse a log
_USER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}")


class TotpStoreError(InputError):
    """The store or its key cannot be read, decrypted or written."""


class AlreadyEnrolled(Refused):
    """Enrolling over an existing secret needs an explicit replace."""


class TotpReason(StrEnum):
    ACCEPTED = "accepted"
    BAD_FORMAT = "bad_format"
    UNKNOWN_USER = "unknown_user"
    LOCKED = "locked"
    THROTTLED = "throttled"
    WRONG_CODE = "wrong_code"
    REPLAY = "replay"


@dataclass(frozen=True)
class TotpConfig:
    """Code parameters. Production is the default (6 digits, SHA-1, 30 s, what authenticator
    apps support); the others exist so the RFC 6238 Appendix B vectors run through the verifier."""

    digits: int = 6
    digest: str = "sha1"
    interval: int = 30
    window: int = 1
    """Steps accepted either side of now: 0 or 1."""

    def __post_init__(self) -> None:
        if self.digits not in (6, 7, 8):
            raise ValueError("digits must be 6, 7 or 8")
        if self.digest not in _DIGESTS:
            raise ValueError(f"digest must be one of {sorted(_DIGESTS)}")
        if type(self.interval) is not int or not 15 <= self.interval <= 300:
            raise ValueError("interval must be 15..300 seconds")
        if self.window not in (0, 1):
            raise ValueError("window must be 0 or 1")


@dataclass(frozen=True)
class Throttle:
    """Failures before any delay, the delay's growth, and the hard lock."""

    max_failures: int = 10
    """Consecutive failures that lock the user until `unlock` or re-enrolment (1..100)."""
    free_failures: int = 2
    """Failures tolerated without delay (typos)."""
    base_delay: float = 1.0
    max_delay: float = 900.0

    def __post_init__(self) -> None:
        if type(self.max_failures) is not int or not 1 <= self.max_failures <= MAX_FAILURES_LIMIT:
            raise ValueError(f"max_failures must be 1..{MAX_FAILURES_LIMIT}")
        if self.free_failures < 0 or self.base_delay <= 0 or self.max_delay < self.base_delay:
            raise ValueError("free_failures >= 0 and 0 < base_delay <= max_delay")

    def delay(self, failures: int) -> float:
        """Seconds to refuse attempts after `failures` consecutive failures: doubles each time."""
        if failures <= self.free_failures:
            return 0.0
        return min(self.base_delay * 2.0 ** (failures - self.free_failures - 1), self.max_delay)


@dataclass(frozen=True)
class TotpResult:
    allowed: bool
    reason_code: TotpReason
    reason: str
    user: str
    step: int | None = None
    """The time step accepted (on success)."""
    failures: int = 0
    retry_after: float | None = None
    """Seconds until the next attempt is considered, if a delay is in force."""

    def to_dict(self) -> dict[str, object]:
        return {
            "allowed": self.allowed,
            "reason_code": str(self.reason_code),
            "reason": self.reason,
            "user": self.user,
            "step": self.step,
            "failures": self.failures,
            "retry_after": self.retry_after,
        }


def generate_key() -> str:
    """A new store key: 32 random bytes, base64url (the form `DPAGUARD_TOTP_KEY` takes)."""
    return keys.generate_key()


def parse_key(text: str, origin: str) -> bytes:
    try:
        return keys.parse_key(text, origin)
    except keys.KeyFileError as exc:
        raise TotpStoreError(exc.message) from None


def load_key(key_file: str | Path | None = None, environ: Mapping[str, str] = os.environ) -> bytes:
    """The store key from `key_file` if given, else from `$DPAGUARD_TOTP_KEY`.

    A key file readable by group or others is refused, as ssh does for private keys.
    """
    if key_file is not None:
        try:
            return keys.read_key_file(key_file, "TOTP key file")
        except keys.KeyFileError as exc:
            raise TotpStoreError(exc.message) from None
    text = environ.get(KEY_ENV)
    if not text:
        raise TotpStoreError(f"no TOTP store key: set {KEY_ENV} or pass --key-file")
    return parse_key(text, f"${KEY_ENV}")


def write_key_file(path: str | Path) -> bytes:
    """Create a new key file (0600) and return the key; refuses to overwrite one, which would orphan its store."""
    try:
        return keys.write_key_file(path, "key file")
    except keys.KeyFileError as exc:
        raise TotpStoreError(exc.message) from None


def new_secret() -> str:
    """A new TOTP secret: 160 bits, base32 (RFC 4226 §4's recommended length)."""
    return pyotp.random_base32(32)


def check_user(user: object) -> str:
    if not isinstance(user, str) or not _USER.fullmatch(user):
        raise ValueError(f"user name must match {_USER.pattern}: {str(user)[:40]!r}")
    return user


class Journal(Protocol):
    """The monotonic witness a store's state changes are recorded in first (the audit log).

    `record` raises if the event cannot be written; the store then changes nothing.
    `last_generation` is the newest generation recorded for `store_id`, None if none is.
    """

    def record(self, event: Mapping[str, object]) -> object: ...

    def last_generation(self, store_id: str) -> int | None: ...


class TotpStore:
    """Enrolled users, their secrets and counters, in one encrypted file at `path`.

    Every operation reads, decides and writes under an exclusive lock on `<path>.lock`, so
    concurrent processes see each other's last accepted step.

    With a `journal` (the CLI always passes the audit log), the store carries a generation
    counter that every change increments, and each change is recorded in the journal with its
    new generation *before* the file is replaced: if the record fails, nothing changes; a store
    whose generation differs from the journal's newest (an older copy put back, a deleted store)
    is refused. Every decision `verify` takes is recorded too.
    """

    def __init__(
        self,
        path: str | Path,
        key: bytes,
        *,
        config: TotpConfig = TotpConfig(),
        throttle: Throttle = Throttle(),
        clock: Callable[[], float] = time.time,
        journal: Journal | None = None,
    ):
        if len(key) != 32:
            raise ValueError("key must be 32 bytes")
        self.path = str(path)
        self.config = config
        self.throttle = throttle
        self.store_id = keys.key_id(key)
        """The key id: names this store in the journal and in stack config (`gate.totpKeyId`)."""
        self._aead = AESGCM(key)
        self._clock = clock
        self._journal = journal
        self._lock_path = self.path + ".lock"
        self._code = re.compile(f"[0-9]{{{config.digits}}}")

    # --- operations -----------------------------------------------------------------------------

    def enroll(self, user: str, *, replace: bool = False, secret: str | None = None) -> str:
        """Create a secret for `user`; returns the `otpauth://` URI to show once.

        `secret` (base32): the CLI shows the URI of a `new_secret()` first and then enrols it,
        so a secret nobody saw never replaces a working one; also for the RFC vectors.
        Re-enrolling needs `replace=True` and resets the counters and any lock. The old secret
        is only replaced once the change is recorded and the new store is on disk, so a failure
        leaves the working secret in place.
        """
        check_user(user)
        if secret is None:
            secret = new_secret()
        else:
            try:
                pyotp.TOTP(secret).byte_secret()
            except (binascii.Error, ValueError) as exc:
                raise ValueError("secret must be base32") from exc
        with self._locked():
            data = self._load()
            replaced = user in data["users"]
            if replaced and not replace:
                raise AlreadyEnrolled(f"{user} is already enrolled; replacing the secret needs --force")
            data["users"][user] = {
                "secret": secret,
                "last_step": None,
                "failures": 0,
                "locked_until": 0.0,
                "locked": False,
                "enrolled_at": self._clock(),
            }
            self._save(data, {"action": "totp.enroll", "decision": "done", "who": user,
                              "reason": "secret replaced" if replaced else "enrolled"})
        return self._totp(secret).provisioning_uri(name=user, issuer_name=ISSUER)

    def provisioning_uri(self, user: str, secret: str) -> str:
        """The `otpauth://` URI an authenticator app scans for `secret`."""
        return self._totp(secret).provisioning_uri(name=check_user(user), issuer_name=ISSUER)

    def unlock(self, user: str) -> bool:
        """Clear failures, delay and lock of `user`; False if not enrolled."""
        with self._locked():
            data = self._load()
            entry = data["users"].get(user)
            if entry is None:
                return False
            entry.update(failures=0, locked_until=0.0, locked=False)
            self._save(data, {"action": "totp.unlock", "decision": "done", "who": user,
                              "reason": "failures and lock cleared"})
            return True

    def users(self) -> list[str]:
        with self._locked():
            return sorted(self._load()["users"])

    def verify(self, user: str, code: str, now: float | None = None) -> TotpResult:
        """Check `code` for `user`; the result says why it was refused. Store and journal errors raise."""
        now = self._clock() if now is None else now
        if not isinstance(code, str) or not self._code.fullmatch(code):
            # re's [0-9] is ASCII only; fullmatch also refuses a trailing newline, unlike $
            return self._noted(TotpResult(False, TotpReason.BAD_FORMAT,
                                          f"a code is exactly {self.config.digits} ASCII digits", str(user)[:128]))
        if not isinstance(user, str) or not _USER.fullmatch(user):
            return self._noted(TotpResult(False, TotpReason.UNKNOWN_USER, "not an enrolled user name",
                                          str(user)[:128]))
        with self._locked():
            data = self._load()
            entry = data["users"].get(user)
            if entry is None:
                return self._noted(TotpResult(False, TotpReason.UNKNOWN_USER, f"{user} is not enrolled", user))
            failures = entry["failures"]
            if entry["locked"]:
                return self._noted(TotpResult(
                    False, TotpReason.LOCKED,
                    f"locked after {failures} consecutive failures; needs `dpaguard totp unlock`",
                    user, failures=failures))
            if now < entry["locked_until"]:
                # refused without looking at the code: a guess made during the delay tells nothing
                wait = entry["locked_until"] - now
                return self._noted(TotpResult(False, TotpReason.THROTTLED,
                                              f"too many failures; try again in {math.ceil(wait)} s",
                                              user, failures=failures, retry_after=wait))
            matched = self._matching_steps(entry["secret"], code, now)
            fresh = [step for step in matched if entry["last_step"] is None or step > entry["last_step"]]
            if fresh:
                step = max(fresh)
                entry.update(last_step=step, failures=0, locked_until=0.0, last_success=now)
                result = TotpResult(True, TotpReason.ACCEPTED, "code accepted", user, step=step)
                self._save(data, _event(result))
                return result
            failures += 1
            entry["failures"] = failures
            delay = None
            if failures >= self.throttle.max_failures:
                entry["locked"] = True
            else:
                delay = self.throttle.delay(failures) or None
                entry["locked_until"] = now + (delay or 0.0)
            if matched:
                result = TotpResult(False, TotpReason.REPLAY, "code already used (or older than the last one used)",
                                    user, failures=failures, retry_after=delay)
            else:
                result = TotpResult(False, TotpReason.WRONG_CODE, "wrong code", user, failures=failures,
                                    retry_after=delay)
            self._save(data, _event(result))
            return result

    # --- internals --------------------------------------------------------------------------------

    def _noted(self, result: TotpResult) -> TotpResult:
        # a decision that changes nothing is still recorded (OUS-6.b); a failed record raises
        if self._journal is not None:
            self._journal.record({**_event(result), "totp_store": self.store_id})
        return result

    def _locked(self) -> contextlib.ExitStack:
        stack = contextlib.ExitStack()
        try:
            stack.enter_context(locked(self._lock_path))
        except OSError as exc:
            raise TotpStoreError(f"cannot lock TOTP store {self.path}: {exc.strerror or exc}") from exc
        return stack

    def _totp(self, secret: str) -> pyotp.TOTP:
        return pyotp.TOTP(secret, digits=self.config.digits, digest=_DIGESTS[self.config.digest],
                          interval=self.config.interval)

    def _matching_steps(self, secret: str, code: str, now: float) -> list[int]:
        totp = self._totp(secret)
        current = int(now // self.config.interval)
        window = self.config.window
        matched = []
        # every candidate is computed and compared, so timing does not reveal which step matched
        for step in range(current - window, current + window + 1):
            if step >= 0 and hmac.compare_digest(totp.generate_otp(step), code):
                matched.append(step)
        return matched

    def _witnessed(self) -> int | None:
        return None if self._journal is None else self._journal.last_generation(self.store_id)

    def _load(self) -> dict[str, Any]:
        witnessed = self._witnessed()
        try:
            raw = read_bounded(self.path, MAX_STORE_BYTES, "TOTP store")
        except InputError as exc:
            if not os.path.lexists(self.path):
                if witnessed:
                    raise TotpStoreError(
                        f"TOTP store {self.path} is missing, but the audit log records generation {witnessed} "
                        "of it: restore it or re-create it under a new key") from None
                return {"version": _VERSION, "generation": 0, "users": {}}
            raise TotpStoreError(exc.message) from None
        try:
            envelope = json_loads(raw)
            if not isinstance(envelope, dict) or envelope.get("format") != _FORMAT \
                    or envelope.get("version") != _VERSION:
                raise ValueError("format")
            nonce = base64.b64decode(envelope["nonce"], validate=True)
            ciphertext = base64.b64decode(envelope["ciphertext"], validate=True)
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            raise TotpStoreError(f"{self.path} is not a dpaguard TOTP store") from exc
        try:
            plaintext = self._aead.decrypt(nonce, ciphertext, _AAD)
        except (InvalidTag, ValueError) as exc:
            raise TotpStoreError(
                f"cannot decrypt TOTP store {self.path}: wrong key, or the file was altered"
            ) from exc
        data = json.loads(plaintext)
        if data.get("version") != _VERSION or not isinstance(data.get("users"), dict):
            raise TotpStoreError(f"TOTP store {self.path} has an unknown layout")
        generation = data.setdefault("generation", 0)
        if self._journal is not None and generation != (witnessed or 0):
            raise TotpStoreError(
                f"TOTP store {self.path} is at generation {generation}, but the audit log records "
                f"generation {witnessed or 0}: an older copy was put back (rollback) or it changed unlogged")
        return data  # type: ignore[no-any-return]

    def _save(self, data: dict[str, Any], event: Mapping[str, object]) -> None:
        previous = int(data.get("generation", 0))
        data["generation"] = previous + 1
        if self._journal is not None:
            # recorded first: if this raises, the file below is never replaced
            self._journal.record({**event, "totp_store": self.store_id, "totp_generation": data["generation"]})
        plaintext = json.dumps(data, sort_keys=True, separators=(",", ":")).encode()
        nonce = os.urandom(12)  # random 96-bit nonces: safe for far more writes than a store sees
        envelope = {
            "format": _FORMAT,
            "version": _VERSION,
            "cipher": "AES-256-GCM",
            "nonce": base64.b64encode(nonce).decode("ascii"),
            "ciphertext": base64.b64encode(self._aead.encrypt(nonce, plaintext, _AAD)).decode("ascii"),
        }
        try:
            atomic_write(self.path, json.dumps(envelope).encode("ascii") + b"\n")
        except InputError as exc:
            if self._journal is not None:
                # the store stayed at `previous`: say so, or the next load would see a rollback
                self._journal.record({"action": "totp.abort", "decision": "done", "totp_store": self.store_id,
                                      "totp_generation": previous, "reason": exc.message})
            raise TotpStoreError(f"cannot write TOTP store {self.path}: {exc.message}") from None


def _event(result: TotpResult) -> dict[str, object]:
    return {
        "action": "totp.verify",
        "decision": "allow" if result.allowed else "deny",
        "reason_code": str(result.reason_code),
        "reason": result.reason,
        "who": result.user,
        "failures": result.failures,
    }
