"""The signed deletion certificate (ECG-11 "written confirmation of deletion, and how"; OUS-9).

Its fields follow NIST SP 800-88 Rev. 1, "Guidelines for Media Sanitization" (2014), Appendix G
"Sample Certificate of Sanitization", adapted to object storage:
- Person performing sanitization -> `operator` (the identity the gate verified) and `processor`;
- Media information (make/model/serial, media type, source, classification, data backed up)
  -> `media`: the storage accounts and containers, their data class, and the export, if any;
- Sanitization details: method type -> `Clear` (800-88 section 2.5: "logical techniques to sanitize
  data in all user-addressable storage locations ... using the standard Read and Write commands";
  the physical media are Microsoft's, sanitized under its own 800-88 process), method used,
  tool, verification method -> `sanitization`, with `inventory_before`/`inventory_after` as the
  evidence of what was there and that nothing is left, including snapshots, versions and
  soft-deleted items;
- Media destination -> `containers_removed` and `access_removal`;
- Signature and date -> an Ed25519 signature by the processor's key over the canonical JSON of
  the certificate (RFC 8032; `cryptography`'s Ed25519PrivateKey), and `timestamps`.

The JSON file is the certificate; the HTML beside it is a rendering for people.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import os
import stat
import unicodedata
from pathlib import Path
from typing import Any

from dpaguard.errors import InputError, Refused
from dpaguard.files import atomic_write, read_bounded
from dpaguard.offboard.blobs import Item, digest

FORMAT = "dpaguard-deletion-certificate/1"
STANDARD = ("NIST SP 800-88 Rev. 1, Guidelines for Media Sanitization (2014), Appendix G: Sample Certificate "
            "of Sanitization, adapted to Azure Blob Storage")
MAX_CERTIFICATE_BYTES = 64 << 20
MAX_KEY_BYTES = 64 << 10
REQUIRED = ("format", "id", "standard", "operation", "status", "stack", "agreement", "clauses", "controller", "processor",
            "media", "sanitization", "inventory_before", "inventory_after", "containers_removed",
            "access_removal", "operator", "audit", "timestamps")
TIMESTAMP_ORDER = ("started", "inventoried", "deleted", "verified", "issued")
STATUSES = ("deleted-recoverable", "verified-gone")
"""`deleted-recoverable`: every item deleted and verified no longer live, but the platform keeps
soft-deleted or restorable copies, reachable only by the processor, until `recoverable_until`;
`verified-gone`: a listing with deleted items, versions and snapshots found nothing (README, Offboarding)."""
CLOCK_SKEW = dt.timedelta(hours=1)
"""How far a controller's clock may lag the processor's before `issued` counts as in the future."""


def utcnow() -> dt.datetime:
    """The one clock of offboarding (run.py) and of checking certificates."""
    return dt.datetime.now(dt.UTC)


def canonical(value: Any) -> bytes:
    """The signed bytes. ASCII-escaped and NaN-free, so every value has exactly one encoding and a lone
    surrogate in a string cannot make encoding fail."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False).encode()


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    # Two parsers may keep different copies of a duplicated key (Python the last, others the first), so
    # a certificate with one could say different things to different readers: refused outright.
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key[:40]!r}")
        seen[key] = value
    return seen


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def loads_strict(data: bytes) -> Any:
    """RFC 8259 JSON only: no duplicate keys, no NaN/Infinity; ValueError otherwise."""
    return json.loads(data, object_pairs_hook=_pairs, parse_constant=_no_constant)


def inventory_section(items: list[Item]) -> dict[str, Any]:
    by_kind: dict[str, int] = {}
    for item in items:
        key = f"{item.kind}{' (soft-deleted)' if item.deleted else ''}"
        by_kind[key] = by_kind.get(key, 0) + 1
    return {"count": len(items), "bytes": sum(i.size for i in items), "by_kind": dict(sorted(by_kind.items())),
            "sha256": digest(items), "items": [i.to_json() for i in sorted(items)]}


# ---------------------------------------------------------------- keys


def _key_id(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).hexdigest()[:32]


def generate_key(path: Path, root: Path | None) -> str:
    """Write a new Ed25519 private key (PEM, 0600) at `path`; returns the public key PEM."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _outside_checkout(path, root)
    if path.exists():
        raise InputError(f"{path} exists; a signing key is never overwritten")
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    atomic_write(path, pem, mode=0o600)
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    atomic_write(path.with_name(path.name + ".pub"), public, mode=0o644)
    return public.decode()


def _outside_checkout(path: Path, root: Path | None) -> None:
    if root is not None and path.resolve().is_relative_to(root.resolve()):
        raise InputError(f"signing key {path} is inside the checkout {root}: keep the processor's key outside "
                         "the repository (a key in the repo is a key anyone with the repo has)")


def load_private_key(path: Path, root: Path | None) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _outside_checkout(path, root)
    try:
        st = path.stat()
    except OSError as exc:
        raise InputError(f"cannot read signing key {path}: {exc.strerror}") from None
    if stat.S_ISREG(st.st_mode) and st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InputError(f"signing key {path} is readable by others (mode {stat.S_IMODE(st.st_mode):o}); "
                         "chmod 600 it")
    # bounded: a device such as /dev/zero reports size 0 and never ends
    data = read_bounded(path, MAX_KEY_BYTES, "signing key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise InputError(f"signing key {path} is not an unencrypted PEM private key: {exc}") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"signing key {path} is not an Ed25519 key")
    return key


def load_public_key(path: Path) -> Any:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    data = read_bounded(path, MAX_KEY_BYTES, "public key")
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise InputError(f"public key {path} is not a PEM public key: {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"public key {path} is not an Ed25519 key")
    return key


def default_key_path(environ: dict[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    return env.get("DPAGUARD_SIGNING_KEY") or None


# ---------------------------------------------------------------- signing


def sign(body: dict[str, Any], private_key: Any) -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization

    public_raw = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return {
        "certificate": body,
        "signature": {
            "algorithm": "Ed25519",
            "key_id": _key_id(public_raw),
            "public_key": base64.b64encode(public_raw).decode(),
            "value": base64.b64encode(private_key.sign(canonical(body))).decode(),
        },
    }


def write(document: dict[str, Any], path: Path) -> Path:
    """The signed JSON and its HTML rendering, each written atomically; returns the HTML path."""
    atomic_write(path, json.dumps(document, indent=1, ensure_ascii=True).encode() + b"\n", mode=0o644)
    html_path = path.with_suffix(".html")
    atomic_write(html_path, render_html(document).encode("utf-8", "backslashreplace"), mode=0o644)
    return html_path


# ---------------------------------------------------------------- verifying


def read(path: Path) -> dict[str, Any]:
    data = read_bounded(path, MAX_CERTIFICATE_BYTES, "certificate")
    try:
        document = loads_strict(data)
    except RecursionError:
        raise InputError(f"{path} is nested too deeply to be a certificate") from None
    except ValueError as exc:
        # a duplicate key or NaN is a certificate that could read two ways: a verdict, not unreadable input
        if isinstance(exc, json.JSONDecodeError) or isinstance(exc, UnicodeDecodeError):
            raise InputError(f"{path} is not JSON: {str(exc)[:200]}") from None
        raise Refused(f"{path}: {exc}: a certificate must read one way only") from None
    if not isinstance(document, dict) or set(document) != {"certificate", "signature"}:
        raise InputError(f"{path} is not a signed certificate (keys certificate and signature)")
    return dict(document)


def verify(document: dict[str, Any], public_key: Any | None = None) -> str:
    """Signature first, then content; raises Refused (exit 1) naming the first fault. Returns the key id."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    body, signature = document.get("certificate"), document.get("signature")
    if not isinstance(body, dict) or not isinstance(signature, dict):
        raise Refused("certificate or signature is not an object")
    if signature.get("algorithm") != "Ed25519":
        raise Refused(f"signature algorithm {signature.get('algorithm')!r} is not Ed25519")
    if set(signature) != {"algorithm", "key_id", "public_key", "value"}:
        raise Refused("signature must have exactly algorithm, key_id, public_key and value")
    try:
        embedded_raw = base64.b64decode(str(signature.get("public_key", "")), validate=True)
        value = base64.b64decode(str(signature.get("value", "")), validate=True)
        embedded = Ed25519PublicKey.from_public_bytes(embedded_raw)
    except ValueError as exc:
        raise Refused(f"signature fields are not valid base64 Ed25519 material: {exc}") from None
    if signature.get("key_id") != _key_id(embedded_raw):
        raise Refused("key_id does not match the embedded public key")
    if public_key is not None:
        given_raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        if given_raw != embedded_raw:
            raise Refused(f"signed by key {signature.get('key_id')}, not by the given public key "
                          f"{_key_id(given_raw)}")
    try:
        embedded.verify(value, canonical(body))
    except ValueError as exc:
        raise Refused(f"the certificate cannot be put in canonical form: {exc}") from None
    except InvalidSignature:
        raise Refused("the signature does not match the certificate: it was altered after signing") from None
    check_content(body)
    return str(signature["key_id"])


def _section(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body[name]
    if not isinstance(value, dict):
        raise Refused(f"{name} must be an object")
    return value


def _time(value: Any, where: str) -> dt.datetime:
    if not isinstance(value, str):
        raise Refused(f"{where} must be an ISO 8601 time")
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise Refused(f"{where} {value[:40]!r} is not an ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise Refused(f"{where} has no time zone")
    return parsed


def check_content(body: dict[str, Any], now: dt.datetime | None = None) -> None:
    """A validly signed certificate must still say what it claims: counts, digests, emptiness, order.

    Every field is type-checked before use, so a signed certificate of the wrong shape is a verdict
    (exit 1) naming the field, never a traceback.
    """
    from dpaguard.checking.pack import ensure_importable

    ensure_importable()
    from policies.clauses import CLAUSES

    missing = [k for k in REQUIRED if k not in body]
    if missing:
        raise Refused(f"certificate lacks {', '.join(missing)}")
    if body["format"] != FORMAT:
        raise Refused(f"unknown certificate format {str(body['format'])[:40]!r}")
    for name in ("id", "operation", "stack", "agreement"):
        if not isinstance(body[name], str) or not body[name]:
            raise Refused(f"{name} must be non-empty text")
    if body["operation"] not in ("offboard", "erase"):
        raise Refused(f"operation {body['operation'][:40]!r} is neither offboard nor erase")
    clauses = body["clauses"]
    if not isinstance(clauses, list) or not clauses or any(not isinstance(c, str) or c not in CLAUSES
                                                           for c in clauses):
        raise Refused(f"clauses {str(clauses)[:80]} are not clause ids of CLAUSES.md")
    if any(not c.startswith(f"{body['agreement']}-") for c in clauses):
        raise Refused(f"clauses {clauses!r} do not all belong to agreement {body['agreement']}")
    controller = _section(body, "controller")
    if not isinstance(controller.get("id"), str) or not controller["id"] or not isinstance(controller.get("name"), str):
        raise Refused("controller must give id and name as text")
    sections = {}
    for name in ("inventory_before", "inventory_after"):
        section = _section(body, name)
        if not isinstance(section.get("items"), list):
            raise Refused(f"{name} has no item list")
        try:
            items = [Item.from_json(v) for v in section["items"]]
        except ValueError as exc:
            raise Refused(f"{name}: {exc}") from None
        if type(section.get("count")) is not int or section["count"] != len(items):
            raise Refused(f"{name} count {str(section.get('count'))[:20]} but {len(items)} items listed")
        if len({(i.account, i.container, i.name, i.snapshot, i.version) for i in items}) != len(items):
            raise Refused(f"{name} lists an item twice")
        if section.get("sha256") != digest(items):
            raise Refused(f"{name} digest does not match its items")
        expected = inventory_section(items)
        for key in ("bytes", "by_kind"):
            if section.get(key) != expected[key]:
                raise Refused(f"{name}.{key} does not match its items")
        sections[name] = items
    sanitization = _section(body, "sanitization")
    window = sanitization.get("recoverable_window_days")
    if type(window) is not int or window < 0:
        raise Refused("sanitization.recoverable_window_days is missing")
    status = body.get("status")
    if status not in STATUSES:
        raise Refused(f"status must be one of {', '.join(STATUSES)}")
    after = sections["inventory_after"]
    if any(not i.deleted for i in after):
        raise Refused("inventory_after lists live items: the deletion was not complete")
    if status == "verified-gone" and after:
        raise Refused(f"inventory_after lists {len(after)} item(s), but a verified-gone certificate leaves nothing")
    if status == "deleted-recoverable" and window == 0:
        raise Refused("a deleted-recoverable certificate must name the recoverable window")
    media = _section(body, "media")
    raw_stores = media.get("stores")
    if not isinstance(raw_stores, list) or not raw_stores or any(
            not isinstance(s, dict) or not isinstance(s.get("account"), str) or not isinstance(s.get("container"), str)
            for s in raw_stores):
        raise Refused("media.stores must list the accounts and containers")
    stores = {(s["account"], s["container"]) for s in raw_stores}
    if any((i.account, i.container) not in stores for i in sections["inventory_before"] + after):
        raise Refused("an inventory item lies outside the certificate's stores")
    stamps = _section(body, "timestamps")
    if any(k not in stamps for k in TIMESTAMP_ORDER):
        raise Refused(f"timestamps must give {', '.join(TIMESTAMP_ORDER)}")
    times = [_time(stamps[k], f"timestamps.{k}") for k in TIMESTAMP_ORDER]
    if times != sorted(times):
        raise Refused("timestamps are out of order (started <= inventoried <= deleted <= verified <= issued)")
    current = now or utcnow()
    if times[-1] > current + CLOCK_SKEW:
        raise Refused(f"issued {stamps['issued']} lies in the future")
    if status == "deleted-recoverable":
        until = _time(sanitization.get("recoverable_until"), "sanitization.recoverable_until")
        if until < times[TIMESTAMP_ORDER.index("deleted")] + dt.timedelta(days=window):
            raise Refused("sanitization.recoverable_until is earlier than the deletion plus the recoverable window")
    else:
        if "interim" in body:
            interim = body["interim"]
            if not isinstance(interim, dict) or not isinstance(interim.get("recoverable_until"), str):
                raise Refused("interim must name the interim certificate and its recoverable_until")
            until = _time(interim["recoverable_until"], "interim.recoverable_until")
            if times[TIMESTAMP_ORDER.index("verified")] < until:
                raise Refused("verified before the recoverable window of the interim certificate had passed")
    operator = _section(body, "operator")
    if not isinstance(operator.get("who"), str) or not operator["who"]:
        raise Refused("operator identity is missing")
    audit = body["audit"]
    if not isinstance(audit, list) or not audit or any(
            not isinstance(a, dict) or type(a.get("seq")) is not int or not isinstance(a.get("mac"), str)
            or len(a["mac"]) != 64 for a in audit):
        raise Refused("audit must cite the audit log entries by seq and mac")


# ---------------------------------------------------------------- rendering


def render_html(document: dict[str, Any]) -> str:
    c = document["certificate"]
    s = document["signature"]

    def e(text: str) -> str:
        # Control and format characters (U+202E right-to-left override, zero-width joiners, ESC) are shown
        # as escapes: a blob named "\u202egnp.exe" must not read as "exe.png" to the person checking.
        shown = "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch) in ("Cc", "Cf", "Cs") else ch
                        for ch in text)
        return html.escape(shown)

    def row(label: str, value: Any) -> str:
        return f"<tr><th>{e(label)}</th><td>{e(str(value))}</td></tr>"

    stores = "".join(f"<li>{e(x['account'])}/{e(x['container'])} ({e(x['data_class'])})</li>"
                     for x in c["media"]["stores"])
    before, after = c["inventory_before"], c["inventory_after"]
    kinds = ", ".join(f"{k}: {v}" for k, v in before["by_kind"].items()) or "none"
    shown = before["items"][:200]
    item_rows = "".join(
        f"<tr><td>{e(i['container'])}</td><td>{e(i['name'])}</td><td>{e(i['snapshot'] or i['version'] or '')}</td>"
        f"<td>{'yes' if i['deleted'] else 'no'}</td><td>{i['size']}</td></tr>" for i in shown)
    more = f"<p>... and {len(before['items']) - len(shown)} more (all listed in the JSON certificate).</p>" \
        if len(before["items"]) > len(shown) else ""
    audit = "".join(f"<li>#{e(str(a.get('seq')))} {e(str(a.get('action')))} {e(str(a.get('gate', '')))} "
                    f"{e(str(a.get('decision', '')))} <code>{e(str(a.get('mac', ''))[:16])}</code></li>"
                    for a in c["audit"])
    san = c["sanitization"]
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Certificate of deletion {e(c['id'])}</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}th{{text-align:left;vertical-align:top;padding-right:1em}}
table{{border-collapse:collapse}}td,th{{border-bottom:1px solid #ccc;padding:.2em .4em}}</style></head>
<body>
<h1>Certificate of deletion</h1>
<p>{e(c['standard'])}. The signed JSON file is the certificate; this page renders it.</p>
<h2>Person performing and verifying the sanitization</h2>
<table>{row('Operator', c['operator']['who'])}{row('Identity verified by', c['operator'].get('method', ''))}
{row('Processor', c['processor'].get('name', ''))}{row('Processor contact', c['processor'].get('contact', ''))}</table>
<h2>Media information</h2>
<table>{row('Controller', f"{c['controller']['name']} ({c['controller']['id']})")}
{row('Agreement and clauses', f"{c['agreement']}: {', '.join(c['clauses'])}")}{row('Stack', c['stack'])}
{row('Operation', c['operation'])}{row('Media type', c['media']['type'])}
{row('Data backed up before deletion', c['media']['export'] or 'no export requested')}</table>
<ul>{stores}</ul>
<h2>Sanitization details</h2>
<table>{row('Status', c['status'])}{row('Recoverable by the processor until', san.get('recoverable_until', 'no longer'))}
{row('Method type', san['method_type'])}{row('Method', san['method'])}{row('Tool', san['tool'])}
{row('Verification', san['verification'])}{row('Recoverable afterwards', san['residual'])}
{row('Items before', f"{before['count']} ({kinds}), {before['bytes']} bytes, SHA-256 {before['sha256']}")}
{row('Items after', f"{after['count']}, SHA-256 {after['sha256']}")}
{row('Containers removed', ', '.join(c['containers_removed']) or 'none')}
{row('Access removal', c['access_removal'])}</table>
<h2>Timestamps</h2><table>{''.join(row(k, v) for k, v in c['timestamps'].items())}</table>
<h2>Audit entries</h2><ul>{audit}</ul>
<h2>Inventory before deletion</h2>
<table><tr><th>container</th><th>name</th><th>snapshot/version</th><th>soft-deleted</th><th>bytes</th></tr>{item_rows}</table>{more}
<h2>Signature</h2>
<table>{row('Algorithm', s['algorithm'])}{row('Key id', s['key_id'])}{row('Public key (base64)', s['public_key'])}
{row('Signature', s['value'])}</table>
<p>Check it with <code>dpaguard certificate verify FILE.json --public-key PROCESSOR.pub</code>.</p>
</body></html>
"""
