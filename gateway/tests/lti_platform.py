"""An LMS played by the tests: its own RSA key with its JWKS, an OAuth token endpoint that checks the
tool's signed client assertion, NRPS memberships (two pages) and AGS line items and scores, all over
real HTTP on loopback. It records what the tool did."""

from __future__ import annotations

import http.server
import json
import secrets
import threading
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

MEMBERSHIPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
LINEITEM_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"
LTI = "https://purl.imsglobal.org/spec/lti/claim/"


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class Platform:
    def __init__(self, *, tool_jwks: dict, client_id: str = "peerlab-tool", deployment_id: str = "dep-1") -> None:
        self.key, self.kid = new_key(), "platform-key-1"
        self.client_id, self.deployment_id, self.context_id = client_id, deployment_id, "ctx-02456"
        self.tool_jwks = tool_jwks
        self.members: list[dict] = []
        self.line_items: dict[str, dict] = {}
        self.scores: list[dict] = []
        self.tokens: dict[str, set[str]] = {}
        self.token_requests = 0
        self.requests: list[str] = []  # "GET /jwks", ... every request the platform answered
        self.fail_next_scores = 0
        platform = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                platform._route(self, "GET")

            def do_POST(self) -> None:
                platform._route(self, "POST")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.issuer = self.url
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def registration(self) -> dict:
        return {
            "issuer": self.issuer,
            "client_id": self.client_id,
            "deployment_ids": [self.deployment_id],
            "auth_login_url": f"{self.url}/auth",
            "auth_token_url": f"{self.url}/token",
            "jwks_url": f"{self.url}/jwks",
        }

    # --- the id_token of a launch ------------------------------------------------------------------
    def id_token(
        self,
        *,
        nonce: str,
        sub: str,
        sourcedid: str,
        roles: list[str] | None = None,
        key: rsa.RSAPrivateKey | None = None,
        aud: str | None = None,
        **overrides: Any,
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": aud or self.client_id,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": f"Student {sourcedid}",
            "email": f"{sourcedid}@student.dtu.dk",
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "roles": roles or ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            LTI + "context": {"id": self.context_id, "title": "02456 Deep learning"},
            LTI + "resource_link": {"id": "rl-1"},
            LTI + "lis": {"person_sourcedid": sourcedid},
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": [LINEITEM_SCOPE, SCORE_SCOPE],
                "lineitems": f"{self.url}/ags/{self.context_id}/lineitems",
            },
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": f"{self.url}/nrps/{self.context_id}/memberships",
                "service_versions": ["2.0"],
            },
        }
        claims.update(overrides)
        return jwt.encode(claims, key or self.key, algorithm="RS256", headers={"kid": self.kid})

    # --- HTTP -------------------------------------------------------------------------------------
    def _route(self, h: http.server.BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(h.path)
        body = h.rfile.read(int(h.headers.get("content-length") or 0))
        self.requests.append(f"{method} {parts.path}")
        if parts.path == "/jwks" and method == "GET":
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
            return _send(h, 200, {"keys": [{**jwk, "kid": self.kid, "alg": "RS256", "use": "sig"}]})
        if parts.path == "/token" and method == "POST":
            return self._token(h, parse_qs(body.decode()))
        scopes = self.tokens.get((h.headers.get("authorization") or "").removeprefix("Bearer "))
        if scopes is None:
            return _send(h, 401, {"error": "invalid_token"})
        if parts.path.endswith("/memberships") and method == "GET":
            if MEMBERSHIPS_SCOPE not in scopes:
                return _send(h, 403, {"error": "insufficient_scope"})
            page = int(parse_qs(parts.query).get("page", ["1"])[0])
            half = len(self.members) // 2
            if page == 1:
                return _send(
                    h,
                    200,
                    {"id": parts.path, "members": self.members[:half]},
                    {"Link": f'<{self.url}{parts.path}?page=2>; rel="next"'},
                )
            return _send(h, 200, {"id": parts.path, "members": self.members[half:]})
        if LINEITEM_SCOPE not in scopes or SCORE_SCOPE not in scopes:
            return _send(h, 403, {"error": "insufficient_scope"})
        if parts.path.endswith("/lineitems") and method == "GET":
            wanted = parse_qs(parts.query).get("resource_id", [None])[0]
            return _send(h, 200, [i for i in self.line_items.values() if wanted in (None, i["resourceId"])])
        if parts.path.endswith("/lineitems") and method == "POST":
            assert h.headers["content-type"] == "application/vnd.ims.lis.v2.lineitem+json"
            item = {**json.loads(body), "id": f"{self.url}{parts.path}/{uuid.uuid4().hex[:8]}"}
            self.line_items[item["id"]] = item
            return _send(h, 201, item)
        if parts.path.endswith("/scores") and method == "POST":
            assert h.headers["content-type"] == "application/vnd.ims.lis.v1.score+json"
            if self.fail_next_scores:
                self.fail_next_scores -= 1
                return _send(h, 503, {"error": "try later"})
            line_item = f"{self.url}{parts.path.removesuffix('/scores')}"
            self.scores.append({**json.loads(body), "lineItem": self.line_items[line_item]["resourceId"]})
            return _send(h, 200, {})
        return _send(h, 404, {"error": "not found"})

    def _token(self, h: http.server.BaseHTTPRequestHandler, form: dict[str, list[str]]) -> None:
        self.token_requests += 1
        assertion = form.get("client_assertion", [""])[0]
        try:
            kid = jwt.get_unverified_header(assertion)["kid"]
            jwk = next(k for k in self.tool_jwks["keys"] if k["kid"] == kid)
            jwt.decode(
                assertion, jwt.PyJWK(jwk).key, algorithms=["RS256"], audience=f"{self.url}/token", issuer=self.client_id
            )
        except Exception:  # noqa: BLE001 - anything wrong with the assertion is invalid_client
            return _send(h, 401, {"error": "invalid_client"})
        if form.get("grant_type") != ["client_credentials"]:
            return _send(h, 400, {"error": "unsupported_grant_type"})
        token = secrets.token_urlsafe(16)
        self.tokens[token] = set(form.get("scope", [""])[0].split())
        return _send(
            h,
            200,
            {"access_token": token, "token_type": "bearer", "expires_in": 3600, "scope": form.get("scope", [""])[0]},
        )


def _send(h: http.server.BaseHTTPRequestHandler, status: int, body: Any, headers: dict | None = None) -> None:
    data = json.dumps(body).encode()
    h.send_response(status)
    h.send_header("content-type", "application/json")
    for name, value in (headers or {}).items():
        h.send_header(name, value)
    h.send_header("content-length", str(len(data)))
    h.end_headers()
    h.wfile.write(data)
