"""Production tokens: RS256 verified against the identity provider's JWKS, served over real HTTP."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from peerlab.chassis.auth import verify_token
from peerlab.chassis.errors import ProblemError
from peerlab.chassis.settings import ServiceSettings


@pytest.fixture(scope="module")
def keys():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048), rsa.generate_private_key(
        public_exponent=65537, key_size=2048
    )


@pytest.fixture(scope="module")
def jwks_url(keys):
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(keys[0].public_key()))
    body = json.dumps({"keys": [{**public, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/.well-known/jwks.json"
    server.shutdown()


def rs256(key, **claims) -> str:
    now = int(time.time())
    base = {
        "sub": "s210001",
        "roles": ["student"],
        "iss": "https://idp.example",
        "aud": "peerlab",
        "iat": now,
        "exp": now + 300,
    }
    return jwt.encode({**base, **claims}, key, algorithm="RS256", headers={"kid": "k1"})


def settings(jwks_url: str) -> ServiceSettings:
    return ServiceSettings(environment="production", jwt_jwks_url=jwks_url, jwt_issuer="https://idp.example")


def test_rs256_token_from_the_jwks_is_accepted(keys, jwks_url):
    principal = verify_token(rs256(keys[0]), settings(jwks_url))
    assert principal.sub == "s210001" and not principal.is_staff


def test_token_signed_by_another_key_is_refused(keys, jwks_url):
    with pytest.raises(ProblemError) as refused:
        verify_token(rs256(keys[1]), settings(jwks_url))
    assert refused.value.status == 401 and refused.value.code == "invalid_token"


def test_hs256_token_is_refused_when_a_jwks_is_configured(jwks_url):
    forged = jwt.encode(
        {"sub": "x", "exp": int(time.time()) + 60, "aud": "peerlab", "iss": "https://idp.example"},
        "secret-" * 8,
        algorithm="HS256",
        headers={"kid": "k1"},
    )
    with pytest.raises(ProblemError):
        verify_token(forged, settings(jwks_url))


def test_wrong_issuer_or_audience_is_refused(keys, jwks_url):
    for claims in ({"iss": "https://evil.example"}, {"aud": "another-app"}):
        with pytest.raises(ProblemError):
            verify_token(rs256(keys[0], **claims), settings(jwks_url))
