"""The journal of one offboarding or erasure: what was found, exported, deleted and verified.

Written atomically (temporary file, fsync, rename) after every phase, so a run interrupted at any
point leaves the last completed phase on disk. A rerun keeps the inventory taken before anything
was deleted, deletes what is still there, and always verifies again itself: `verified` is only
ever set by a listing made after the last deletion of the same run, and a certificate is only
written from a journal in that state.

The journal is a plain file (0600), so it is not trusted alone: each journal has a random `run` id,
every audit entry of the run carries it, and the inventory's digest is written into the HMAC audit
log when it is taken. Before signing, run.py checks the journal's inventory and every audit entry
it cites against the log that verifies under its key (gates.Recorder.authentic_events).
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dpaguard.errors import InputError
from dpaguard.files import atomic_write, read_bounded

PHASES = ("started", "inventoried", "exported", "deleting", "deleted", "verified", "interim", "containers-removed",
          "certified")
MAX_JOURNAL_BYTES = 256 << 20


class Journal:
    def __init__(self, path: Path, state: dict[str, Any]):
        self.path = path
        self.state = state

    @classmethod
    def open(cls, path: Path, identity: Mapping[str, Any]) -> Journal:
        """Resume the journal at `path` if it belongs to the same operation, else start one."""
        if not path.exists():
            started = dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")
            # `run` ties the journal to its audit entries: the inventory digest is logged under it (run.py).
            journal = cls(path, {**identity, "run": str(uuid.uuid4()), "phase": "started",
                                 "history": [{"phase": "started", "at": started}]})
            journal.save()
            return journal
        try:
            state = json.loads(read_bounded(path, MAX_JOURNAL_BYTES, "journal"))
        except ValueError as exc:
            raise InputError(f"journal {path} cannot be read ({exc}); move it aside only after checking the store "
                             "by hand: it holds the inventory taken before deletion") from None
        if not isinstance(state, dict) or state.get("phase") not in PHASES or not isinstance(state.get("run"), str) \
                or not isinstance(state.get("history"), list):
            raise InputError(f"journal {path} is not an offboarding journal")
        _check_shape(path, state)
        for key, value in identity.items():
            if state.get(key) != value:
                raise InputError(f"journal {path} belongs to another operation ({key}: {state.get(key)!r} "
                                 f"here, {value!r} now)")
        return cls(path, state)

    @property
    def phase(self) -> str:
        return str(self.state["phase"])

    def reached(self, phase: str) -> bool:
        return PHASES.index(self.phase) >= PHASES.index(phase)

    def advance(self, phase: str, at: str, **values: Any) -> None:
        self.state.update(values)
        self.state["phase"] = phase
        self.state["history"].append({"phase": phase, "at": at})
        self.save()

    def save(self) -> None:
        atomic_write(self.path, json.dumps(self.state, indent=1, ensure_ascii=False).encode() + b"\n", mode=0o600,
                     make_parents=True)


def _check_shape(path: Path, state: dict[str, Any]) -> None:
    """A journal edited into another shape is one line and exit 2, never a traceback further on."""
    history = state["history"]
    ok = all(isinstance(h, dict) and h.get("phase") in PHASES and isinstance(h.get("at"), str) for h in history)
    ok = ok and bool(history) and history[0].get("phase") == "started"
    for key in ("before", "after", "audit", "appeared_on_resume"):
        ok = ok and isinstance(state.get(key, []), list)
    ok = ok and all(isinstance(e, dict) for e in state.get("audit", []))
    for key in ("recoverable_until", "interim_certificate", "interim_sha256", "certificate"):
        ok = ok and isinstance(state.get(key, ""), str)
    ok = ok and isinstance(state.get("assessment", {}), dict)
    if not ok:
        raise InputError(f"journal {path} is damaged (a field has the wrong shape); move it aside only after "
                         "checking the store by hand: it holds the inventory taken before deletion")
