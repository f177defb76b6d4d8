"""Strict decoders shared by the gate: the input is hostile until proven otherwise."""

from __future__ import annotations

import binascii
import json

# `-_` become the standard alphabet; `+/=` become a character strict mode refuses
_TO_STANDARD = bytes.maketrans(b"-_+/=", b"+/!!!")
# the last character of a 2- or 3-character final group carries unused low bits, which must
# be zero in the canonical form: these are the characters that satisfy that
_CANONICAL_LAST = {2: frozenset(b"AQgw"), 3: frozenset(b"AEIMQUYcgkosw048")}


def b64url_decode(segment: bytes) -> bytes:
    """Decode unpadded base64url, rejecting padding, foreign characters and non-canonical forms.

    Raises ValueError. The canonical check matters because the unused low bits of the last
    character let several strings decode to the same bytes, which makes a token malleable
    (RFC 7515 §2 defines the encoding without padding, RFC 4648 §3.5 the canonical form).
    """
    remainder = len(segment) % 4
    if remainder == 1:
        raise ValueError("not base64url (impossible length)")
    if remainder and segment[-1] not in _CANONICAL_LAST[remainder]:
        raise ValueError("non-canonical base64url")
    try:
        return binascii.a2b_base64(
            segment.translate(_TO_STANDARD) + b"=" * (-remainder % 4), strict_mode=True
        )
    except binascii.Error as exc:
        raise ValueError("not base64url") from exc


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    # Parsers disagree on which duplicate wins; an attacker can use that to show one value to
    # a check and another to the consumer (RFC 7515 §5.2 allows rejecting them).
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise ValueError("duplicate key in a JSON object")
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
