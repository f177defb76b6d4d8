"""The tenant's signing keys (JWKS): from a file or from Entra ID, cached, refreshed sparingly.

Entra ID rolls its signing keys and publishes the new one ahead of use, so an unknown `kid` is
the signal to refresh. Refreshes are rate limited (an attacker can mint endless unknown kids),
and a failed refresh keeps the last keys that worked: an outage of the discovery endpoint must
not lock every operator out, nor let anything in.
"""

from __future__ import annotations

import contextlib
import os
import re
import ssl
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicNumbers

# Explicitly the cryptography backend: python-jose silently falls back to pure-Python `rsa`.
from jose.backends.cryptography_backend import CryptographyRSAKey

from dpaguard.errors import InputError
from dpaguard.files import read_bounded
from dpaguard.gate._strict import b64url_decode, json_loads

MIN_REFRESH_INTERVAL = 300.0  # seconds; issue 5: at most one refresh per 5 minutes
MAX_AGE = 24 * 3600.0  # keys older than this are refreshed on next use (revoked keys drop out)
MAX_DOCUMENT_BYTES = 1 << 20
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192
FETCH_TIMEOUT = 5.0

# Entra kids are base64url thumbprints; anything else (slashes, NUL, megabytes) is refused
# before it reaches a lookup, a log line or an error message.
KID_PATTERN = re.compile(r"[A-Za-z0-9._=-]{1,128}")

Fetch = Callable[[str], bytes]


class JwksError(InputError):
    """The key set cannot be read, fetched or used."""


class _HttpsOnlyRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(  # noqa: PLR0913 - urllib's signature
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        # urllib follows redirects to plain http; a key set fetched in clear is worthless
        if urllib.parse.urlsplit(newurl).scheme != "https":
            raise urllib.error.HTTPError(newurl, code, "redirect away from https refused", headers, fp)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def system_tls_context() -> ssl.SSLContext:
    """TLS with certificate and host name checks against the system's CA store only.

    Not `ssl.create_default_context()`: its `load_default_certs` ends in OpenSSL's
    `set_default_verify_paths`, which honours $SSL_CERT_FILE and $SSL_CERT_DIR, so a caller could
    add a CA of its own and, with $HTTPS_PROXY, serve the tenant's "published" keys itself.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED and check_hostname
    if sys.platform == "win32":
        # the Windows certificate stores, as load_default_certs reads them, without the env paths
        for store in ("ROOT", "CA"):
            for cert, encoding, trust in ssl.enum_certificates(store):
                if encoding == "x509_asn" and (trust is True or ssl.Purpose.SERVER_AUTH.oid in trust):
                    with contextlib.suppress(ssl.SSLError):
                        context.load_verify_locations(cadata=cert)
        return context
    paths = ssl.get_default_verify_paths()  # openssl_cafile/openssl_capath: compiled in, not from the environment
    cafile = paths.openssl_cafile if os.path.isfile(paths.openssl_cafile) else None
    capath = paths.openssl_capath if os.path.isdir(paths.openssl_capath) else None
    if cafile is None and capath is None:
        raise JwksError(f"no system CA certificates at {paths.openssl_cafile} or {paths.openssl_capath}")
    context.load_verify_locations(cafile=cafile, capath=capath)
    return context


def https_fetch(url: str, *, timeout: float = FETCH_TIMEOUT) -> bytes:
    """GET `url` (https only, no redirect off https, size-capped); raises JwksError."""
    if urllib.parse.urlsplit(url).scheme != "https":
        raise JwksError(f"refusing to fetch keys over a non-https URL: {url}")
    # certificate and host name verified against the system's CAs, stated rather than left to
    # urllib's default: the keys are only as trustworthy as the channel they came over
    tls = urllib.request.HTTPSHandler(context=system_tls_context())
    opener = urllib.request.build_opener(_HttpsOnlyRedirects, tls)
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": "dpaguard-gate"}
    )
    try:
        with opener.open(request, timeout=timeout) as response:
            data: bytes = response.read(MAX_DOCUMENT_BYTES + 1)
    except (OSError, ValueError) as exc:  # URLError, HTTPError, timeouts are OSError
        raise JwksError(f"cannot fetch {url}: {exc}") from exc
    if len(data) > MAX_DOCUMENT_BYTES:
        raise JwksError(f"{url} returned more than {MAX_DOCUMENT_BYTES} bytes")
    return data


def _b64_int(value: object, name: str) -> int:
    if not isinstance(value, str):
        raise ValueError(f"{name} is not a string")
    return int.from_bytes(b64url_decode(value.encode("ascii")), "big")


def parse_jwks(document: object) -> dict[str, CryptographyRSAKey]:
    """The RS256 signing keys of a JWKS document, by kid. Raises JwksError if there is none.

    Keys that are not RSA signature keys are skipped (a JWKS may mix key types); a kid that
    appears twice is dropped, because which of the two would verify is ambiguous.
    """
    if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
        raise JwksError("not a JWKS document (no 'keys' list)")
    keys: dict[str, CryptographyRSAKey] = {}
    ambiguous: set[str] = set()
    for jwk in document["keys"]:
        if not isinstance(jwk, Mapping) or jwk.get("kty") != "RSA":
            continue
        if jwk.get("use", "sig") != "sig" or jwk.get("alg", "RS256") != "RS256":
            continue
        kid = jwk.get("kid")
        if not isinstance(kid, str) or not KID_PATTERN.fullmatch(kid):
            continue
        try:
            n = _b64_int(jwk.get("n"), "n")
            e = _b64_int(jwk.get("e"), "e")
            if not MIN_RSA_BITS <= n.bit_length() <= MAX_RSA_BITS:
                continue
            key = CryptographyRSAKey(RSAPublicNumbers(e, n).public_key(), "RS256")
        except (ValueError, TypeError, UnicodeEncodeError):
            continue
        if kid in keys:
            ambiguous.add(kid)
        keys[kid] = key
    for kid in ambiguous:
        del keys[kid]
    if not keys:
        raise JwksError("no usable RS256 signing key (RSA >= 2048 bits, unique kid)")
    return keys


class JwksSource:
    """Keys by kid, loaded by `loader` (returns the JWKS document as bytes).

    `clock` is monotonic seconds; inject a fake one in tests instead of sleeping.
    Thread-safe; a refresh holds the lock so concurrent misses cause one fetch, not many.
    """

    def __init__(
        self,
        loader: Callable[[], bytes],
        *,
        origin: str,
        clock: Callable[[], float] = time.monotonic,
        min_refresh_interval: float = MIN_REFRESH_INTERVAL,
        max_age: float = MAX_AGE,
    ):
        self.origin = origin
        self._loader = loader
        self._clock = clock
        self._min_refresh_interval = min_refresh_interval
        self._max_age = max_age
        self._keys: dict[str, CryptographyRSAKey] = {}
        self._loaded_at: float | None = None
        self._attempted_at: float | None = None
        self._lock = threading.Lock()
        self.last_error: str | None = None
        self.refresh_count = 0

    @classmethod
    def from_file(cls, path: str | Path, **kwargs: Any) -> JwksSource:
        """Keys from a JWKS file, read now (raises JwksError) and re-read on an unknown kid."""
        path = Path(path)

        def load() -> bytes:
            # bounded, regular files only: a FIFO would block the open read forever
            try:
                return read_bounded(path, MAX_DOCUMENT_BYTES, "JWKS file")
            except InputError as exc:
                raise JwksError(exc.message) from None

        source = cls(load, origin=str(path), **kwargs)
        source.refresh()
        return source

    @classmethod
    def from_url(cls, url: str, *, fetch: Fetch | None = None, **kwargs: Any) -> JwksSource:
        """Keys from Entra ID: `url` is the OpenID discovery document or the `jwks_uri` itself.

        Nothing is fetched until the first lookup or an explicit `refresh()`. `fetch` replaces
        the https GET (tests, proxies); the discovered `jwks_uri` must be https too.
        """
        if urllib.parse.urlsplit(url).scheme != "https":
            raise JwksError(f"JWKS URL must be https: {url}")
        get = fetch or https_fetch
        resolved: dict[str, str] = {}

        def load() -> bytes:
            if "jwks_uri" in resolved:
                return get(resolved["jwks_uri"])
            data = get(url)
            document = _document(data, url)
            if isinstance(document, Mapping) and "keys" not in document and "jwks_uri" in document:
                jwks_uri = document["jwks_uri"]
                if not isinstance(jwks_uri, str) or urllib.parse.urlsplit(jwks_uri).scheme != "https":
                    raise JwksError(f"discovery document {url} names no https jwks_uri")
                resolved["jwks_uri"] = jwks_uri
                return get(jwks_uri)
            return data

        return cls(load, origin=url, **kwargs)

    @property
    def loaded(self) -> bool:
        return self._loaded_at is not None

    @property
    def kids(self) -> frozenset[str]:
        return frozenset(self._keys)

    def refresh(self) -> None:
        """Load the keys now, regardless of the rate limit. Raises JwksError; keeps the old keys."""
        with self._lock:
            self._refresh_locked()

    def get(self, kid: str) -> CryptographyRSAKey | None:
        """The key for `kid`, refreshing first if it is unknown or the keys are old (rate limited)."""
        # the common case reads without the lock: the dict is replaced whole, never mutated
        keys, loaded_at = self._keys, self._loaded_at
        key = keys.get(kid)
        if key is not None and loaded_at is not None and self._clock() - loaded_at < self._max_age:
            return key
        with self._lock:
            now = self._clock()
            key = self._keys.get(kid)
            fresh = self._loaded_at is not None and now - self._loaded_at < self._max_age
            if key is not None and fresh:
                return key
            if self._attempted_at is None or now - self._attempted_at >= self._min_refresh_interval:
                try:
                    self._refresh_locked()
                except JwksError as exc:
                    self.last_error = exc.message
                key = self._keys.get(kid)
            return key

    def _refresh_locked(self) -> None:
        self._attempted_at = self._clock()
        self.refresh_count += 1
        try:
            data = self._loader()
        except JwksError:
            raise
        except Exception as exc:  # an injected fetch may raise anything; it stays a load failure
            raise JwksError(f"cannot load keys from {self.origin}: {exc}") from exc
        keys = parse_jwks(_document(data, self.origin))
        self._keys = keys
        self._loaded_at = self._clock()
        self.last_error = None


def _document(data: bytes, origin: str) -> object:
    try:
        return json_loads(data)
    except (ValueError, RecursionError) as exc:
        raise JwksError(f"{origin} is not valid JSON: {exc}") from exc
