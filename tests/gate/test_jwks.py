"""`dpaguard.gate.jwks`: which keys are usable, rate-limited refresh on an unknown kid, last-known-good
keys on failure, discovery. The clock is fake and the network is a dict."""

from __future__ import annotations

import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from dpaguard.gate.jwks import JwksError, JwksSource, https_fetch, parse_jwks
from dpaguard.gate.tokens import Reason, verify_token
from tests.gate.helpers import KID, KID2, NOW, FakeClock, b64, claims_v1, public_jwk

DISCOVERY = "https://login.microsoftonline.com/tenant/v2.0/.well-known/openid-configuration"
JWKS_URI = "https://login.microsoftonline.com/tenant/discovery/v2.0/keys"


class FakeWeb:
    """URL -> document; counts requests; `down` makes every request fail."""

    def __init__(self, pages: dict[str, object]):
        self.pages = pages
        self.requests: list[str] = []
        self.down = False

    def __call__(self, url: str) -> bytes:
        self.requests.append(url)
        if self.down:
            raise OSError("connection refused")
        return json.dumps(self.pages[url]).encode()


def jwks_doc(*entries: dict) -> dict:
    return {"keys": list(entries)}


# --- which keys count -----------------------------------------------------------------------------


def test_usable_keys_are_indexed_by_kid(keys):
    parsed = parse_jwks(jwks_doc(public_jwk(keys.primary, KID), public_jwk(keys.secondary, KID2)))
    assert set(parsed) == {KID, KID2}


def small_rsa_jwk() -> dict:
    return public_jwk(rsa.generate_private_key(public_exponent=65537, key_size=1024), "small")


def ec_jwk() -> dict:
    numbers = ec.generate_private_key(ec.SECP256R1()).public_key().public_numbers()
    return {"kty": "EC", "crv": "P-256", "kid": "ec", "x": b64(numbers.x.to_bytes(32, "big")),
            "y": b64(numbers.y.to_bytes(32, "big"))}


SKIPPED = {
    "fail_rsa_1024": lambda k: small_rsa_jwk(),
    "fail_ec_key": lambda k: ec_jwk(),
    "fail_encryption_key": lambda k: {**public_jwk(k.attacker, "enc"), "use": "enc"},
    "fail_other_alg": lambda k: {**public_jwk(k.attacker, "ps"), "alg": "PS256"},
    "fail_kid_traversal": lambda k: public_jwk(k.attacker, "../../etc/passwd"),
    "fail_kid_missing": lambda k: {key: v for key, v in public_jwk(k.attacker, "x").items() if key != "kid"},
    "fail_modulus_not_base64url": lambda k: {**public_jwk(k.attacker, "bad"), "n": "!!!"},
    "fail_exponent_even": lambda k: {**public_jwk(k.attacker, "even"), "e": "Ag"},
    "fail_not_an_object": lambda k: "RSA",
}


@pytest.mark.parametrize("make", SKIPPED.values(), ids=SKIPPED.keys())
def test_unusable_keys_are_skipped(make, keys):
    parsed = parse_jwks(jwks_doc(make(keys), public_jwk(keys.primary, KID)))
    assert set(parsed) == {KID}


def test_a_duplicated_kid_is_dropped_as_ambiguous(keys):
    parsed = parse_jwks(jwks_doc(public_jwk(keys.primary, KID), public_jwk(keys.attacker, KID),
                                 public_jwk(keys.secondary, KID2)))
    assert set(parsed) == {KID2}


BAD_DOCUMENTS = {
    "fail_no_keys_member": {"jwks_uri": "x"},
    "fail_keys_not_list": {"keys": {}},
    "fail_only_unusable_keys": {"keys": [{"kty": "oct", "k": "c2VjcmV0", "kid": "h"}]},
    "fail_not_object": [1, 2],
}


@pytest.mark.parametrize("document", BAD_DOCUMENTS.values(), ids=BAD_DOCUMENTS.keys())
def test_documents_without_usable_keys_are_refused(document):
    with pytest.raises(JwksError):
        parse_jwks(document)


FILES = {
    "fail_missing_file": None,
    "fail_not_json": b"{keys:",
    "fail_empty": b"",
    "fail_too_large": b" " * ((1 << 20) + 10),
}


@pytest.mark.parametrize("content", FILES.values(), ids=FILES.keys())
def test_unreadable_files_raise_jwks_error(content, tmp_path):
    path = tmp_path / "jwks.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(JwksError):
        JwksSource.from_file(path)


# --- refresh --------------------------------------------------------------------------------------


def counting_source(documents: list, clock: FakeClock) -> tuple[JwksSource, list]:
    loads: list[int] = []

    def load() -> bytes:
        loads.append(1)
        document = documents[0]
        if isinstance(document, Exception):
            raise document
        return json.dumps(document).encode()

    source = JwksSource(load, origin="test", clock=clock)
    return source, loads


def test_unknown_kid_refreshes_at_most_once_per_five_minutes(keys, clock):
    source, loads = counting_source([jwks_doc(public_jwk(keys.primary, KID))], clock)
    assert source.get(KID) is not None and len(loads) == 1
    for _ in range(50):
        assert source.get("rotated") is None
    assert len(loads) == 1  # the first load is less than 300 s ago
    clock.advance(299)
    assert source.get("rotated") is None and len(loads) == 1
    clock.advance(1)
    assert source.get("rotated") is None and len(loads) == 2
    assert source.get("rotated") is None and len(loads) == 2


def test_rotated_key_is_picked_up_from_the_file(keys, policy, tmp_path, clock):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps(jwks_doc(public_jwk(keys.primary, KID))))
    source = JwksSource.from_file(path, clock=clock)
    rotated = keys.token(claims_v1(), key=keys.secondary, kid=KID2)
    assert verify_token(rotated, policy, source, now=NOW).reason_code == Reason.UNKNOWN_KEY
    path.write_text(json.dumps(jwks_doc(public_jwk(keys.primary, KID), public_jwk(keys.secondary, KID2))))
    assert verify_token(rotated, policy, source, now=NOW).reason_code == Reason.UNKNOWN_KEY  # rate limited
    clock.advance(300)
    assert verify_token(rotated, policy, source, now=NOW).allowed


def test_failed_refresh_keeps_last_known_good_keys(keys, policy, clock):
    documents: list = [jwks_doc(public_jwk(keys.primary, KID))]
    source, loads = counting_source(documents, clock)
    token = keys.token(claims_v1())
    assert verify_token(token, policy, source, now=NOW).allowed
    documents[0] = OSError("endpoint down")
    clock.advance(2 * 24 * 3600)  # keys are stale: the next lookup tries to refresh, and fails
    assert verify_token(token, policy, source, now=NOW).allowed
    assert len(loads) == 2 and "endpoint down" in source.last_error
    documents[0] = jwks_doc({"kty": "RSA"})  # a refresh that yields garbage changes nothing either
    clock.advance(300)
    assert verify_token(token, policy, source, now=NOW).allowed
    assert source.kids == {KID}


def test_stale_keys_are_replaced_when_refresh_works(keys, policy, clock):
    documents: list = [jwks_doc(public_jwk(keys.primary, KID))]
    source, loads = counting_source(documents, clock)
    assert source.get(KID) is not None
    documents[0] = jwks_doc(public_jwk(keys.secondary, KID2))  # primary revoked
    clock.advance(24 * 3600)
    assert verify_token(keys.token(claims_v1()), policy, source, now=NOW).reason_code == Reason.UNKNOWN_KEY


def test_no_keys_at_all_is_reported_as_unavailable(keys, policy, clock):
    source, _ = counting_source([OSError("offline")], clock)
    decision = verify_token(keys.token(claims_v1()), policy, source, now=NOW)
    assert decision.reason_code == Reason.KEYS_UNAVAILABLE
    assert "offline" in decision.reason


# --- from Entra ID --------------------------------------------------------------------------------


def test_discovery_document_leads_to_the_keys_once(keys, policy, clock):
    web = FakeWeb({DISCOVERY: {"issuer": "x", "jwks_uri": JWKS_URI},
                   JWKS_URI: jwks_doc(public_jwk(keys.primary, KID))})
    source = JwksSource.from_url(DISCOVERY, fetch=web, clock=clock)
    assert web.requests == []  # nothing happens until keys are needed
    assert verify_token(keys.token(claims_v1()), policy, source, now=NOW).allowed
    clock.advance(300)
    source.get("unknown")
    assert web.requests == [DISCOVERY, JWKS_URI, JWKS_URI]


def test_jwks_uri_can_be_given_directly(keys, policy, clock):
    web = FakeWeb({JWKS_URI: jwks_doc(public_jwk(keys.primary, KID))})
    source = JwksSource.from_url(JWKS_URI, fetch=web, clock=clock)
    assert verify_token(keys.token(claims_v1()), policy, source, now=NOW).allowed


def test_endpoint_outage_keeps_keys_and_limits_retries(keys, policy, clock):
    web = FakeWeb({JWKS_URI: jwks_doc(public_jwk(keys.primary, KID))})
    source = JwksSource.from_url(JWKS_URI, fetch=web, clock=clock)
    source.refresh()
    web.down = True
    for _ in range(20):  # 20 unknown kids over 570 s
        source.get("unknown")
        clock.advance(30)
    assert len(web.requests) == 2  # the initial load, then one retry at 300 s
    assert verify_token(keys.token(claims_v1()), policy, source, now=NOW).allowed


URLS = {
    "fail_plain_http": "http://login.microsoftonline.com/t/discovery/keys",
    "fail_file_url": "file:///etc/passwd",
    "fail_no_scheme": "login.microsoftonline.com/keys",
}


@pytest.mark.parametrize("url", URLS.values(), ids=URLS.keys())
def test_only_https_urls_are_accepted(url):
    with pytest.raises(JwksError):
        JwksSource.from_url(url)
    with pytest.raises(JwksError):
        https_fetch(url)


def test_discovery_must_name_an_https_jwks_uri(clock):
    web = FakeWeb({DISCOVERY: {"jwks_uri": "http://evil.example/keys"}})
    source = JwksSource.from_url(DISCOVERY, fetch=web, clock=clock)
    with pytest.raises(JwksError, match="https jwks_uri"):
        source.refresh()
