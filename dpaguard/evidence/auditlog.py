"""The gate's audit log for the package: its verification result and the most recent decisions.

Which log, checkpoint directory and key are verified is what the stack's gate config names
(`modules.config.load_gate`, as `dpaguard.gate.stack.load_trust` reads it): the package vouches for the stack's own log. A caller may
point at another log (`Source.given`), and the page then says that it was not the stack's.
Verification is `dpaguard.gate.audit.verify` alone (the gate owns the format and its
integrity rules: HMAC chain and checkpoint); the recent decisions are read from the log's tail
for display, and only when the log verified. States:
- `tampered` (exit 1): what `verify` reports as damage, which includes a log missing while its
  checkpoint exists and a log with entries but no checkpoint (missing or emptied checkpoint dir);
- `none`: neither log nor checkpoint here. Evidence may be built on a machine that never ran a
  gate, so this is a warning on the first screen, not a verdict; never "verified";
- `empty`: an empty log and no checkpoint: nothing to verify, so not "verified" either;
- `intact`: entries (or an empty log) that match their checkpoint; `unverifiable`: no key etc.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dpaguard.errors import DpaGuardError

RECENT = 15
TAIL_BYTES = 256 * 1024
# Fields of a gate event shown to the reader (dpaguard/commands/token.py, totp.py, deploy.py).
SHOWN = ("action", "decision", "who", "subject", "reason_code", "reason")


@dataclass(frozen=True)
class Source:
    log: Path
    checkpoints: Path | None
    key_file: Path | None
    given: bool
    """True when the command line named the log instead of the stack config."""


@dataclass(frozen=True)
class AuditSummary:
    path: str
    state: str
    """intact | tampered | none | empty | unverifiable"""
    entries: int
    head: str
    detail: str
    recent: tuple[dict[str, str], ...]
    """Newest first: ts, seq and SHOWN fields, as text."""

    @property
    def tampered(self) -> bool:
        return self.state == "tampered"

    @property
    def warning(self) -> bool:
        """Shown on the first screen, without changing the exit code."""
        return self.state in ("none", "empty", "unverifiable")

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "state": self.state, "entries": self.entries, "head": self.head,
                "detail": self.detail, "recent": list(self.recent)}


def stack_source(raw: dict[str, Any], cfg: Any) -> Source | str:
    """The log, checkpoints and key file the stack's gate config names (modules.config.load_gate, the
    section dpaguard.gate.stack.load_trust reads too); or why they cannot be named."""
    from modules import config

    try:
        gate = config.load_gate(raw, cfg)
        return Source(Path(gate.audit_log), Path(gate.audit_checkpoints), Path(gate.audit_key_file), False)
    except config.ConfigError as exc:
        return f"the stack's gate config is invalid: {exc.keys}: {exc.message}"
    except AttributeError as exc:
        return f"the gate's audit configuration is not available: {exc}"


def summarise(source: Source | str) -> AuditSummary:
    if isinstance(source, str):
        return AuditSummary("-", "unverifiable", 0, "", source, ())
    from dpaguard.gate import audit

    shown = str(source.log) + (" (given on the command line, not the stack's configured log)" if source.given else "")
    checkpoint = audit.checkpoint_path(source.log, source.checkpoints) if source.checkpoints else None
    if not source.log.exists() and (checkpoint is None or not checkpoint.exists()):
        # `verify` would raise "no such file"; with its checkpoint present it reports the deletion
        return AuditSummary(shown, "none", 0, "", "no audit log and no checkpoint: no gate decision recorded here",
                            ())
    if source.key_file is None:
        return AuditSummary(shown, "unverifiable", 0, "", "no audit key file named", ())
    try:
        from dpaguard.gate import keys

        key = keys.read_key_file(source.key_file, "audit key file")
        result = audit.verify(source.log, key, checkpoints=source.checkpoints)
    except DpaGuardError as exc:
        return AuditSummary(shown, "unverifiable", 0, "", exc.message, ())
    data = result.to_dict()
    head = data.get("head")
    head_text = (f"seq {head.get('seq')}, mac {head.get('mac') or head.get('hash')}"
                 if isinstance(head, dict) else "")
    if not result.ok:
        detail = f"line {result.line}: {result.fault}: {result.detail}"
        return AuditSummary(shown, "tampered", result.entries, head_text, detail, ())
    if result.entries == 0 and result.checkpoint_seq is None:
        return AuditSummary(shown, "empty", 0, head_text, "no entries, no checkpoint: nothing to verify", ())
    checked = "HMAC chain and checkpoint" if source.checkpoints else "HMAC chain (no checkpoint dir named)"
    return AuditSummary(shown, "intact", result.entries, head_text,
                        f"{result.entries} entries; {checked} verified", tuple(_recent(source.log)))


def _recent(path: Path) -> list[dict[str, str]]:
    try:
        with path.open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            fh.seek(max(0, size - TAIL_BYTES))
            tail = fh.read(TAIL_BYTES)
    except OSError:
        return []
    lines = tail.split(b"\n")
    if size > TAIL_BYTES:
        lines = lines[1:]  # the first line may be cut
    out: list[dict[str, str]] = []
    for raw in reversed(lines):
        if len(out) >= RECENT:
            break
        try:
            entry = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("event"), dict):
            continue
        event = entry["event"]
        row = {"ts": str(entry.get("ts", "")), "seq": str(entry.get("seq", ""))}
        for key in SHOWN:
            if key in event and event[key] is not None:
                row[key] = str(event[key])[:200]
        out.append(row)
    return out
