"""Strict decoders shared by the gate: the input is hostile until proven otherwise."""

from __future__ import annotations

import base64
import binascii
import json
import re

_B64URL = re.compile(rb"[A-Za-z0-9_-]*")


def b64url_decode(segment: bytes) -> bytes:
    """Decode unpadded base64url, rejecting padding, foreign characters and non-canonical forms.

    Raises ValueError. The canonical check matters because the unused low bits of the last
    character let several strings decode to the same bytes, which makes a token malleable
    (RFC 7515 §2 defines the encoding without padding, RFC 4648 §3.5 the canonical form).
    """
    if len(segment) % 4 == 1 or not _B64URL.fullmatch(segment):
        raise ValueError("not base64url")
    try:
        raw = base64.urlsafe_b64decode(segment + b"=" * (-len(segment) % 4))
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc
    if base64.urlsafe_b64encode(raw).rstrip(b"=") != segment:
        raise ValueError("non-canonical base64url")
    return raw


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # Parsers disagree on which duplicate wins; an attacker can use that to show one value to
    # a check and another to the consumer (RFC 7515 §5.2 allows rejecting them).
    obj: dict[str, object] = {}
    for key, value in pairs:
        if key in obj:
            raise ValueError(f"duplicate key {key[:40]!r}")
        obj[key] = value
    return obj


def _no_constants(name: str) -> object:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_no_constants)


def json_loads(data: bytes | str) -> object:
    """Parse RFC 8259 JSON: UTF-8 only, no NaN/Infinity, no duplicate keys.

    Raises ValueError (including UnicodeDecodeError) or RecursionError for deep nesting.
    """
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return _DECODER.decode(text)


def canonical_json(obj: object) -> bytes:
    """One byte string per value: sorted keys, no spaces, ASCII only, finite numbers."""
    return json.dumps(
        obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode("ascii")
