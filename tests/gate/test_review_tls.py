"""The tenant's keys come over https verified against the system's CAs only, never a CA the caller
names: with $SSL_CERT_FILE (which OpenSSL's default paths honour) and $HTTPS_PROXY a caller could
serve its own discovery document and JWKS, and a self-signed token passed on an `entra` stack.

A real TLS server on 127.0.0.1 with a certificate from a CA made here; the test holds the CA.
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import ssl
import threading
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from dpaguard.gate.jwks import JwksError, https_fetch

BODY = b'{"keys": []}'


def _cert(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name | None,
          issuer_key: ec.EllipticCurvePrivateKey, ca: bool) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder().subject_name(name).issuer_name(issuer or name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(hours=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    ca_key, host_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = _cert("caller's own CA", ca_key, None, ca_key, True)
    host = _cert("127.0.0.1", host_key, ca.subject, ca_key, False)
    ca_pem, chain = tmp_path / "ca.pem", tmp_path / "host.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    chain.write_bytes(host.public_bytes(serialization.Encoding.PEM) + host_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{httpd.server_address[1]}/keys", ca_pem
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_a_ca_named_in_ssl_cert_file_is_not_trusted(server, monkeypatch):
    url, ca_pem = server
    # the server is fine for whoever trusts that CA ...
    with urllib.request.urlopen(url, context=ssl.create_default_context(cafile=str(ca_pem)), timeout=5) as response:
        assert response.read() == BODY
    # ... but the gate trusts only the system's CAs, whatever the environment says
    monkeypatch.setenv("SSL_CERT_FILE", str(ca_pem))
    monkeypatch.setenv("SSL_CERT_DIR", str(ca_pem.parent))
    with pytest.raises(JwksError) as raised:
        https_fetch(url)
    assert "CERTIFICATE_VERIFY_FAILED" in raised.value.message
