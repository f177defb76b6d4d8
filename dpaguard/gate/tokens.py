"""Entra ID access-token verification: "is this caller allowed, with MFA, right now".

Enforces OUS-6.1.a / ECG-7 (only authorised staff: tenant, audience, app role or group),
OUS-6.1.d (MFA proven in the token), OUS-6.2 (the role fits the task) and, where a stack asks,
OUS-6.1.c (the request comes from the stack's VPN client pool).

The JWS is parsed here, not by python-jose: python-jose ignores `kid` and tries every key it
is given, decodes base64 leniently and follows no size limit. This module checks the
structure first, picks the one key the `kid` names, and only then asks python-jose's
cryptography-backed key to verify the RS256 signature. Claims are read only after the
signature holds.

`verify_token` never raises for anything in the token: every failure, expected or not, is a
`Decision(allowed=False)` whose `reason_code` says why.
"""

from __future__ import annotations

import functools
import ipaddress
import math
import re
import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, cast

from dpaguard.gate._strict import b64url_decode, json_loads
from dpaguard.gate.jwks import KID_PATTERN, JwksError, JwksSource

__all__ = ["Decision", "JwksError", "JwksSource", "Reason", "TokenPolicy", "verify_token"]

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

ALGORITHM = "RS256"
# amr values that prove a second factor (v1 tokens): "mfa", and "ngcmfa" for Windows Hello
# for Business provisioning, which itself requires MFA.
MFA_METHODS = frozenset({"mfa", "ngcmfa"})
# Headers that point at or carry a key: honouring any of them lets the token choose its own
# verifier (RFC 8725 §3.10). Entra ID access tokens carry none of them.
KEY_HEADERS = frozenset({"jwk", "jku", "x5u", "x5c"})
# NumericDate beyond 9999-12-31 is an attack or a bug, never a real expiry.
MAX_NUMERIC_DATE = 253402300799
SUMMARY_CLAIMS = ("ver", "iss", "tid", "aud", "exp", "iat", "nbf", "amr", "acrs", "roles",
                  "appid", "azp", "idtyp", "scp")
DEFAULT_LEEWAY = 60
MAX_LEEWAY = 300
DEFAULT_MAX_TOKEN_BYTES = 32 * 1024  # tokens with 200 groups stay well below (overage after that)
_AUTH_CONTEXT = re.compile(r"c[1-9][0-9]?")  # Entra auth context ids are c1..c99


class Reason(StrEnum):
    """Why a token was allowed or denied; stable strings for logs and tests."""

    ALLOWED = "allowed"
    TOO_LARGE = "too_large"
    MALFORMED = "malformed"
    CRIT_HEADER = "crit_header"
    EMBEDDED_KEY = "embedded_key"
    ALG_NOT_ALLOWED = "alg_not_allowed"
    KID_MISSING = "kid_missing"
    KID_INVALID = "kid_invalid"
    SIGNATURE_MISSING = "signature_missing"
    KEYS_UNAVAILABLE = "keys_unavailable"
    UNKNOWN_KEY = "unknown_key"
    BAD_SIGNATURE = "bad_signature"
    CLAIM_MISSING = "claim_missing"
    CLAIM_INVALID = "claim_invalid"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    ISSUED_IN_FUTURE = "issued_in_future"
    WRONG_TENANT = "wrong_tenant"
    WRONG_ISSUER = "wrong_issuer"
    WRONG_AUDIENCE = "wrong_audience"
    MFA_REQUIRED = "mfa_required"
    ROLE_REQUIRED = "role_required"
    PRINCIPAL_NOT_ALLOWED = "principal_not_allowed"
    SOURCE_NOT_ALLOWED = "source_not_allowed"
    ERROR = "error"


@dataclass(frozen=True)
class TokenPolicy:
    """What a caller's token must show. Invalid values raise ValueError at construction."""

    tenant_id: str
    """Entra tenant id (GUID); tokens must carry it as `tid` and in their issuer."""
    audience: str
    """The exact `aud`: the API's application id URI or client id."""
    require_mfa: bool = True
    """Demand proof of a second factor (OUS-6.1.d)."""
    required_roles: frozenset[str] = frozenset()
    """App roles (`roles` claim); holding any one of these or of `required_groups` suffices."""
    required_groups: frozenset[str] = frozenset()
    """Group object ids (`groups` claim). Empty roles and groups: no role requirement."""
    required_oids: frozenset[str] = frozenset()
    """If not empty, the token's `oid` must be one of these object ids (the stack's deployers,
    each staff with a confidentiality declaration, OUS-7). Compared as lowercase GUIDs."""
    mfa_auth_context: str | None = None
    """Conditional Access auth context id (`c1`..`c99`) whose policy demands MFA; v2 tokens
    carry no `amr`, so for them this is the only MFA proof (`acrs` claim)."""
    vpn_pool: IPNetwork | None = None
    """If set, the caller's source address must lie in this VPN client pool (OUS-6.1.c)."""
    leeway: int = DEFAULT_LEEWAY
    """Seconds of clock skew tolerated on `exp`, `nbf` and `iat` (0..300)."""
    max_token_bytes: int = DEFAULT_MAX_TOKEN_BYTES
    """Tokens longer than this are rejected before any parsing."""

    def __post_init__(self) -> None:
        try:
            tenant = str(uuid.UUID(self.tenant_id)) if isinstance(self.tenant_id, str) else None
        except ValueError:
            tenant = None
        if tenant is None or tenant != self.tenant_id.lower():
            raise ValueError(f"tenant id must be a GUID: {self.tenant_id!r}")
        object.__setattr__(self, "tenant_id", tenant)
        if not isinstance(self.audience, str) or not self.audience.strip():
            raise ValueError("audience must be a non-empty string")
        for name in ("required_roles", "required_groups"):
            values = getattr(self, name)
            if isinstance(values, str) or not isinstance(values, Iterable):
                raise ValueError(f"{name} must be a collection of strings")
            values = frozenset(values)
            if not all(isinstance(v, str) and v for v in values):
                raise ValueError(f"{name} must hold non-empty strings")
            object.__setattr__(self, name, values)
        if isinstance(self.required_oids, str) or not isinstance(self.required_oids, Iterable):
            raise ValueError("required_oids must be a collection of object ids")
        oids = frozenset(self.required_oids)
        if not all(isinstance(v, str) and v for v in oids):
            raise ValueError("required_oids must hold non-empty strings")
        object.__setattr__(self, "required_oids", frozenset(v.lower() for v in oids))
        if self.mfa_auth_context is not None and not (
            isinstance(self.mfa_auth_context, str) and _AUTH_CONTEXT.fullmatch(self.mfa_auth_context)
        ):
            raise ValueError(f"auth context must be c1..c99: {self.mfa_auth_context!r}")
        if self.vpn_pool is not None and not isinstance(self.vpn_pool, IPNetwork):
            raise ValueError("vpn_pool must be an ipaddress network")
        if type(self.leeway) is not int or not 0 <= self.leeway <= MAX_LEEWAY:
            raise ValueError(f"leeway must be 0..{MAX_LEEWAY} seconds")
        if type(self.max_token_bytes) is not int or not 1024 <= self.max_token_bytes <= 1 << 20:
            raise ValueError("max_token_bytes must be 1024..1048576")

    @functools.cached_property
    def issuer_v1(self) -> str:
        return f"https://sts.windows.net/{self.tenant_id}/"

    @functools.cached_property
    def issuer_v2(self) -> str:
        return f"https://login.microsoftonline.com/{self.tenant_id}/v2.0"


@dataclass(frozen=True)
class Decision:
    """The gate's answer. `claims`, and the identity read from them, are filled only once the
    signature has verified, so a forged token can never put a name into a log."""

    allowed: bool
    reason_code: Reason
    reason: str
    claims: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    """The token's claims, read-only; empty unless the signature verified."""

    def _text(self, *names: str) -> str | None:
        for name in names:
            value = self.claims.get(name)
            if type(value) is str and value:
                return value
        return None

    @property
    def subject(self) -> str | None:
        return self._text("sub")

    @property
    def oid(self) -> str | None:
        """The caller's object id: the stable identity to follow up on (OUS-6.b)."""
        return self._text("oid")

    @property
    def name(self) -> str | None:
        return self._text("name")

    @property
    def upn(self) -> str | None:
        # v1 tokens carry upn (unique_name for guests), v2 tokens preferred_username
        return self._text("upn", "preferred_username", "unique_name")

    @property
    def who(self) -> str:
        return self.upn or self.name or self.oid or self.subject or "unknown"

    def to_dict(self) -> dict[str, object]:
        return {
            "allowed": self.allowed,
            "reason_code": str(self.reason_code),
            "reason": self.reason,
            "subject": self.subject,
            "oid": self.oid,
            "name": self.name,
            "upn": self.upn,
            "claims": self.claims_summary(),
        }

    def claims_summary(self) -> dict[str, object]:
        """The claims a log or a reviewer needs; group lists are reduced to their length."""
        summary = {name: self.claims[name] for name in SUMMARY_CLAIMS if name in self.claims}
        groups = self.claims.get("groups")
        if type(groups) is list:
            summary["groups"] = len(groups)
        return summary


class _Deny(Exception):
    def __init__(self, code: Reason, reason: str):
        self.code = code
        self.reason = reason


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 48 else text[:45] + "..."


def _segment_json(segment: bytes, what: str) -> object:
    try:
        return json_loads(b64url_decode(segment))
    except (ValueError, RecursionError) as exc:
        raise _Deny(Reason.MALFORMED, f"{what} is not base64url JSON: {_short(str(exc))}") from None


def _numeric_date(claims: Mapping[str, object], name: str) -> float:
    value: Any = claims.get(name)
    if value is None and name not in claims:
        raise _Deny(Reason.CLAIM_MISSING, f"claim {name!r} is missing")
    if type(value) not in (int, float) or not math.isfinite(value) or not 0 <= value <= MAX_NUMERIC_DATE:
        raise _Deny(Reason.CLAIM_INVALID, f"claim {name!r} is not a valid NumericDate: {_short(value)}")
    return float(value)


def _string(claims: Mapping[str, object], name: str) -> str:
    value = claims.get(name)
    if value is None and name not in claims:
        raise _Deny(Reason.CLAIM_MISSING, f"claim {name!r} is missing")
    if type(value) is not str or not value:
        raise _Deny(Reason.CLAIM_INVALID, f"claim {name!r} must be a non-empty string")
    return value


def _string_list(claims: Mapping[str, object], name: str) -> list[str] | tuple[()]:
    value = claims.get(name)
    if value is None and name not in claims:
        return ()
    if type(value) is not list or not all(type(v) is str for v in value):
        raise _Deny(Reason.CLAIM_INVALID, f"claim {name!r} must be a list of strings")
    return value


def _source_address(source_ip: object) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if isinstance(source_ip, ipaddress.IPv4Address | ipaddress.IPv6Address):
        address = source_ip
    elif isinstance(source_ip, str):
        try:
            address = ipaddress.ip_address(source_ip)
        except ValueError:
            return None
    else:
        return None
    # an IPv4 client seen through a dual-stack socket arrives as ::ffff:a.b.c.d
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def verify_token(
    token: str,
    policy: TokenPolicy,
    keys: JwksSource,
    *,
    source_ip: str | ipaddress.IPv4Address | ipaddress.IPv6Address | None = None,
    now: float | None = None,
) -> Decision:
    """Decide whether `token` grants access under `policy`. Never raises for any token content."""
    claims: dict[str, object] | None = None
    try:
        claims = _authenticate(token, policy, keys)
        reason = _decide(claims, policy, source_ip, time.time() if now is None else now)
        return _decision(True, Reason.ALLOWED, reason, claims)
    except _Deny as deny:
        return _decision(False, deny.code, deny.reason, claims)
    except Exception as exc:  # noqa: BLE001 - the contract: a rejection, never a crash
        return _decision(False, Reason.ERROR, f"token could not be processed ({type(exc).__name__})", claims)


def _decision(allowed: bool, code: Reason, reason: str, claims: dict[str, object] | None) -> Decision:
    if claims is None:
        return Decision(allowed, code, reason)
    return Decision(allowed, code, reason, MappingProxyType(claims))


# Accepted header segments and the kid they name. Entra signs weeks of tokens with one key, so
# the same few headers recur; only headers that passed every check are remembered, and the
# cache is bounded, so hostile headers cost a parse each and can only evict.
_HEADER_CACHE: dict[bytes, str] = {}
_HEADER_CACHE_SIZE = 64


def _authenticate(token: object, policy: TokenPolicy, keys: JwksSource) -> dict[str, object]:
    """The claims of a well-formed RS256 token signed by the key its kid names; else _Deny."""
    if type(token) is not str:
        raise _Deny(Reason.MALFORMED, "token is not a string")
    if len(token) > policy.max_token_bytes:
        raise _Deny(Reason.TOO_LARGE, f"token is longer than {policy.max_token_bytes} bytes")
    if not token.isascii():
        raise _Deny(Reason.MALFORMED, "token contains non-ASCII characters")
    raw = token.encode("ascii")
    parts = raw.split(b".")
    if len(parts) != 3:
        raise _Deny(Reason.MALFORMED, f"token has {len(parts)} segments, a JWS has 3")
    header_segment, payload_segment, signature_segment = parts

    kid = _HEADER_CACHE.get(header_segment)
    if kid is None:
        kid = _check_header(_segment_json(header_segment, "header"))
        if len(_HEADER_CACHE) >= _HEADER_CACHE_SIZE:
            _HEADER_CACHE.clear()
        _HEADER_CACHE[header_segment] = kid
    if not signature_segment:
        raise _Deny(Reason.SIGNATURE_MISSING, "token has no signature")
    try:
        signature = b64url_decode(signature_segment)
    except ValueError as exc:
        raise _Deny(Reason.MALFORMED, f"signature is not base64url: {exc}") from None

    key = keys.get(kid)
    if key is None:
        if not keys.loaded:
            raise _Deny(Reason.KEYS_UNAVAILABLE, f"no signing keys available: {keys.last_error}")
        raise _Deny(Reason.UNKNOWN_KEY, f"kid {kid!r} is not among the tenant's signing keys")
    if not key.verify(raw[: len(header_segment) + 1 + len(payload_segment)], signature):
        raise _Deny(Reason.BAD_SIGNATURE, f"signature does not verify with key {kid!r}")

    claims = _segment_json(payload_segment, "payload")
    if type(claims) is not dict:
        raise _Deny(Reason.MALFORMED, "payload is not a JSON object")
    return claims


def _check_header(header: object) -> str:
    """The kid of an acceptable header; the algorithm and the key are our choice, not the token's."""
    if type(header) is not dict:
        raise _Deny(Reason.MALFORMED, "header is not a JSON object")
    if "crit" in header:
        # RFC 7515 §4.1.11: we understand no extension, so a critical one must fail
        raise _Deny(Reason.CRIT_HEADER, "header has 'crit' extensions; none are supported")
    if not KEY_HEADERS.isdisjoint(header):
        name = min(KEY_HEADERS.intersection(header))
        raise _Deny(Reason.EMBEDDED_KEY, f"header carries '{name}'; keys come only from the tenant's JWKS")
    alg = header.get("alg")
    if alg != ALGORITHM:
        raise _Deny(Reason.ALG_NOT_ALLOWED, f"alg {_short(alg)} is not allowed; only RS256")
    kid = header.get("kid")
    if kid is None:
        raise _Deny(Reason.KID_MISSING, "header has no 'kid'")
    if type(kid) is not str or not KID_PATTERN.fullmatch(kid):
        raise _Deny(Reason.KID_INVALID, f"kid {_short(kid)} is not a key id")
    return kid


def _decide(claims: dict[str, object], policy: TokenPolicy, source_ip: object, now: float) -> str:
    """Check authentic claims against the policy; the reason it is allowed, or _Deny."""
    # Any: the one combined test below (or _check_claim_types) establishes each claim's type
    get = cast(Callable[[str], Any], claims.get)
    version, issuer, tenant, audience = get("ver"), get("iss"), get("tid"), get("aud")
    subject, oid = get("sub"), get("oid")
    expires, not_before, issued = get("exp"), get("nbf"), get("iat")
    # one combined test for the common case; the precise complaint comes from the slow path
    if not (
        type(version) is str and type(issuer) is str and type(tenant) is str and type(audience) is str
        and type(subject) is str and subject and type(oid) is str and oid
        and type(expires) is int and type(not_before) is int and type(issued) is int
        and 0 <= expires <= MAX_NUMERIC_DATE and 0 <= not_before <= MAX_NUMERIC_DATE
        and 0 <= issued <= MAX_NUMERIC_DATE
        and (version == "1.0" or version == "2.0")
    ):
        _check_claim_types(claims)
    amr, acrs = _string_list(claims, "amr"), _string_list(claims, "acrs")
    roles, groups = _string_list(claims, "roles"), _string_list(claims, "groups")

    leeway = policy.leeway
    if now >= expires + leeway:
        raise _Deny(Reason.EXPIRED, f"token expired at {int(expires)}")
    if now + leeway < not_before:
        raise _Deny(Reason.NOT_YET_VALID, f"token is not valid before {int(not_before)}")
    if now + leeway < issued:
        raise _Deny(Reason.ISSUED_IN_FUTURE, f"token claims to be issued at {int(issued)}, in the future")

    if tenant != policy.tenant_id:
        raise _Deny(Reason.WRONG_TENANT, f"token is from tenant {_short(tenant)}, not {policy.tenant_id}")
    expected_issuer = policy.issuer_v1 if version == "1.0" else policy.issuer_v2
    if issuer != expected_issuer:
        other = policy.issuer_v2 if version == "1.0" else policy.issuer_v1
        hint = f" (the v{'2' if version == '1.0' else '1'} issuer on a v{version[0]} token)" if issuer == other else ""
        raise _Deny(Reason.WRONG_ISSUER, f"issuer {_short(issuer)} is not {expected_issuer}{hint}")
    if audience != policy.audience:
        raise _Deny(Reason.WRONG_AUDIENCE, f"audience {_short(audience)} is not {policy.audience!r}")

    proof = []
    if policy.require_mfa:
        if policy.mfa_auth_context is not None and policy.mfa_auth_context in acrs:
            proof.append(f"auth context {policy.mfa_auth_context}")
        elif version == "1.0" and not MFA_METHODS.isdisjoint(amr):
            proof.append("MFA (amr)")
        else:
            if version == "2.0" and policy.mfa_auth_context is None:
                why = "a v2 token proves MFA only through an auth context (acrs); none is configured"
            elif version == "2.0":
                why = f"acrs does not contain auth context {policy.mfa_auth_context}"
            else:
                why = "amr shows no second factor (mfa)"
            raise _Deny(Reason.MFA_REQUIRED, f"MFA not proven: {why}")

    if policy.required_roles or policy.required_groups:
        held_roles = policy.required_roles.intersection(roles)
        held_groups = policy.required_groups.intersection(groups)
        if not held_roles and not held_groups:
            names = get("_claim_names")
            overage = type(names) is dict and "groups" in names
            why = " (groups overage: the token lists no groups; use app roles)" if overage else ""
            raise _Deny(Reason.ROLE_REQUIRED, f"caller holds none of the required roles or groups{why}")
        proof.append("role " + ",".join(sorted(held_roles)) if held_roles else "group " + ",".join(sorted(held_groups)))

    if policy.required_oids:
        if oid.lower() not in policy.required_oids:
            raise _Deny(Reason.PRINCIPAL_NOT_ALLOWED,
                        f"object id {_short(oid)} is not one of the stack's deployers (gate.deployers, OUS-7)")
        proof.append("a named deployer")

    if policy.vpn_pool is not None:
        address = _source_address(source_ip)
        if address is None:
            raise _Deny(Reason.SOURCE_NOT_ALLOWED, f"no valid source address given; {policy.vpn_pool} is required")
        if address.version != policy.vpn_pool.version or address not in policy.vpn_pool:
            raise _Deny(Reason.SOURCE_NOT_ALLOWED, f"source {address} is outside the VPN pool {policy.vpn_pool}")
        proof.append(f"source in {policy.vpn_pool}")

    return "token valid" + (": " + ", ".join(proof) if proof else "")


def _check_claim_types(claims: dict[str, object]) -> None:
    """Raise the precise _Deny for the first required claim that is missing or mistyped."""
    version = _string(claims, "ver")
    if version not in ("1.0", "2.0"):
        raise _Deny(Reason.CLAIM_INVALID, f"token version {_short(version)} is neither 1.0 nor 2.0")
    for name in ("iss", "tid", "aud", "sub", "oid"):
        _string(claims, name)
    for name in ("exp", "nbf", "iat"):
        _numeric_date(claims, name)
