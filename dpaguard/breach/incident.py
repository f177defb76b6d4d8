"""The incident record: what happened, when it was found, which stores and controllers, and what is known.

```yaml
id: INC-2026-007
found: 2026-12-01T08:00:00Z        # when the processor became aware (required)
occurred: 2026-11-30T22:10:00Z     # when it happened, if known
what: ...                          # nature of the breach
stores: [ousklrec/rec-ahus-mbt]    # ACCOUNT/CONTAINER as the stack names them
controllers: [ahus-mbt]
data_subject_categories: [patients in MBT therapy]
data_subjects_approx: 12
record_categories: [session recordings (audio/video)]
records_approx: 40
contact: kvalitetslab-sikkerhet@ous-hf.example.no   # default: the stack's audit.processorEmail
consequences: ...
measures_taken: [...]
measures_proposed: [...]
updates:                           # information given in phases (GDPR art. 33(4))
  - at: 2026-12-02T10:00:00Z
    records_approx: 41
```

Nothing is guessed: a field that is absent stays absent and is named in every notice as missing.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dpaguard.errors import InputError

MAX_INCIDENT_BYTES = 1 << 20
MAX_COUNT = 10**10
"""More than everyone alive: an approximate number above it is a typo, not an estimate."""
CLOCK_SKEW = dt.timedelta(minutes=5)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")

# The ECG-8 fields (and GDPR art. 33(3)(a)-(d), which OUS-6.a's "report at once" is read against),
# with the incident keys that carry them.
FIELDS: dict[str, tuple[str, ...]] = {
    "nature of the breach": ("what",),
    "categories of data subjects": ("data_subject_categories",),
    "approximate number of data subjects": ("data_subjects_approx",),
    "categories of personal data records": ("record_categories",),
    "approximate number of records": ("records_approx",),
    "contact point": ("contact",),
    "likely consequences": ("consequences",),
    "measures taken or proposed": ("measures_taken", "measures_proposed"),
}
TEXT_KEYS = ("what", "contact", "consequences")
LIST_KEYS = ("data_subject_categories", "record_categories", "measures_taken", "measures_proposed")
COUNT_KEYS = ("data_subjects_approx", "records_approx")
UPDATABLE = TEXT_KEYS + LIST_KEYS + COUNT_KEYS + ("occurred",)
KNOWN_KEYS = frozenset(UPDATABLE + ("id", "found", "stores", "controllers", "updates"))


@dataclass(frozen=True)
class Phase:
    at: dt.datetime
    values: dict[str, Any]
    """The complete picture as of `at`: the record with every update up to it applied."""
    changed: tuple[str, ...]


@dataclass(frozen=True)
class Incident:
    id: str
    found: dt.datetime
    stores: tuple[str, ...]
    controllers: tuple[str, ...]
    phases: tuple[Phase, ...]


def _time(value: Any, where: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"{where}: {value[:60]!r} is not an ISO 8601 time") from None
    else:
        raise InputError(f"{where}: must be an ISO 8601 time with a zone, e.g. 2026-12-01T08:00:00Z")
    if parsed.tzinfo is None:
        raise InputError(f"{where}: give a time zone (e.g. Z or +01:00)")
    return parsed.astimezone(dt.UTC)


def _value(key: str, value: Any, where: str) -> Any:
    if key in TEXT_KEYS:
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{where}: must be non-empty text")
        return value.strip()
    if key in LIST_KEYS:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise InputError(f"{where}: must be a non-empty list of text")
        return [v.strip() for v in value]
    if key in COUNT_KEYS:
        if type(value) is not int or value < 0 or value > MAX_COUNT:
            raise InputError(f"{where}: must be a whole number >= 0 (an estimate is fine; say so in `what`)")
        return value
    if key == "occurred":
        return _time(value, where).isoformat()
    raise InputError(f"{where}: unknown key")


def _names(raw: dict[str, Any], key: str, path: Path) -> tuple[str, ...]:
    value = raw.get(key, [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InputError(f"{path}: {key}: must be a list of names")
    return tuple(dict.fromkeys(value))


def _loader() -> Any:
    import yaml

    class NoAliasLoader(yaml.SafeLoader):
        """SafeLoader without anchors and aliases: a few bytes of aliases can stand for gigabytes once the
        record is walked and rendered into every notice ("billion laughs"); a record never needs them."""

        def compose_node(self, parent: Any, index: Any) -> Any:
            if self.check_event(yaml.AliasEvent):
                event = self.peek_event()  # type: ignore[no-untyped-call]
                raise yaml.composer.ComposerError(None, None, "anchors and aliases (*name) are not allowed in an "
                                                  "incident record", event.start_mark)
            return super().compose_node(parent, index)

    return NoAliasLoader


def load(path: Path, notice_time: dt.datetime | None = None) -> Incident:
    """The record at `path`; `found` may not lie after `notice_time` (the initial notice; default now)."""
    import yaml

    from dpaguard.files import read_text_bounded

    text = read_text_bounded(path, MAX_INCIDENT_BYTES, "incident record")
    try:
        raw = yaml.load(text, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not YAML: {' '.join(str(exc).split())[:300]}") from None
    except RecursionError:
        raise InputError(f"{path}: nested too deeply to be an incident record") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path}: an incident record is a mapping")
    unknown = sorted(str(k) for k in raw if k not in KNOWN_KEYS)
    if unknown:
        raise InputError(f"{path}: unknown key(s) {', '.join(unknown)} (known: {', '.join(sorted(KNOWN_KEYS))})")
    ident = raw.get("id")
    if not isinstance(ident, str) or not _ID.match(ident):
        raise InputError(f"{path}: id: must be letters, digits, '.', '_' or '-' (at most 64)")
    if "found" not in raw:
        raise InputError(f"{path}: found: required (when the processor became aware; the notice clock runs from it)")
    found = _time(raw["found"], f"{path}: found")
    now = dt.datetime.now(dt.UTC)
    if found > (notice_time or now) + CLOCK_SKEW:
        raise InputError(f"{path}: found: {found.isoformat()} is after the notice time "
                         f"{(notice_time or now).isoformat()}: a notice cannot precede the awareness it reports")
    values = {k: _value(k, raw[k], f"{path}: {k}") for k in UPDATABLE if k in raw}
    if "occurred" in values and dt.datetime.fromisoformat(values["occurred"]) > found:
        raise InputError(f"{path}: occurred: {values['occurred']} is after found {found.isoformat()}")
    phases = [Phase(found, dict(values), tuple(sorted(values)))]
    updates = raw.get("updates", [])
    if not isinstance(updates, list):
        raise InputError(f"{path}: updates: must be a list")
    last = found
    for i, update in enumerate(updates):
        where = f"{path}: updates[{i}]"
        if not isinstance(update, dict) or "at" not in update:
            raise InputError(f"{where}: must be a mapping with `at`")
        at = _time(update["at"], f"{where}.at")
        if at < last:
            raise InputError(f"{where}.at: earlier than the phase before it")
        changes = {}
        for key, value in update.items():
            if key == "at":
                continue
            if key not in UPDATABLE:
                raise InputError(f"{where}: {key}: cannot be updated (updatable: {', '.join(UPDATABLE)})")
            changes[key] = _value(key, value, f"{where}.{key}")
        if not changes:
            raise InputError(f"{where}: adds nothing")
        values = {**values, **changes}
        if "occurred" in changes and dt.datetime.fromisoformat(values["occurred"]) > found:
            raise InputError(f"{where}.occurred: after found {found.isoformat()}")
        phases.append(Phase(at, dict(values), tuple(sorted(changes))))
        last = at
    controllers = _names(raw, "controllers", path)
    stores = _names(raw, "stores", path)
    if not controllers and not stores:
        raise InputError(f"{path}: name the affected controllers or stores")
    return Incident(ident, found, stores, controllers, tuple(phases))


def missing(values: dict[str, Any]) -> list[str]:
    """The ECG-8 fields the record does not give yet."""
    return [name for name, keys in FIELDS.items() if not any(k in values for k in keys)]
