"""Calls to a platform's LTI Advantage services (synchronous, for the worker and admin actions):
an OAuth 2 access token by client credentials with a signed client assertion, NRPS memberships
(paged by ``Link: rel=next``), AGS line items (found by ``resourceId`` or created) and scores, and
the platform's JWKS. Every request passes the SSRF guard (``url_guard``) first and goes to the
address it checked; redirects are never followed."""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx

from peerlab.gateway import lti_keys as keys
from peerlab.gateway.lti.models import LtiPlatform
from peerlab.gateway.lti.url_guard import UnsafeUrl, UrlPolicy, target

MEMBERSHIPS = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LINEITEM = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE = "application/vnd.ims.lis.v1.score+json"
MAX_PAGES = 50


class PlatformError(Exception):
    """A platform call failed; ``status`` is its HTTP status (None: no answer); ``code`` is
    ``unsafe_url`` when the SSRF guard refused the URL (no request was made)."""

    def __init__(self, message: str, status: int | None = None, code: str = "platform_error") -> None:
        super().__init__(message)
        self.status, self.code = status, code


def request(http: httpx.Client, method: str, url: str, *, policy: UrlPolicy, **kwargs: Any) -> httpx.Response:
    """One request to a platform URL, to the address the guard checked; a non-2xx is a ``PlatformError``."""
    try:
        pinned, host, extensions = target(url, policy=policy)
    except UnsafeUrl as exc:
        raise PlatformError(f"{method} {url[:200]}: refused: {exc}", code="unsafe_url") from exc
    headers = {**kwargs.pop("headers", {}), **host}
    try:
        response = http.request(method, pinned, headers=headers, extensions=extensions, **kwargs)
    except httpx.HTTPError as exc:
        raise PlatformError(f"{method} {url}: {exc}") from exc
    if not response.is_success:
        raise PlatformError(f"{method} {url}: {response.status_code} {response.text[:200]}", response.status_code)
    return response


class PlatformClient:
    """One per process: an HTTP client and the access tokens it holds (per platform and scopes)."""

    def __init__(self, *, private_key: str, key_id: str, policy: UrlPolicy, timeout_s: float = 15.0) -> None:
        self.private_key, self.key_id, self.policy = private_key, key_id, policy
        self.http = make_http(timeout_s)
        self._tokens: dict[tuple[str, str], tuple[str, float]] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        self.http.close()

    def token(self, platform: LtiPlatform, scopes: list[str]) -> str:
        key = (platform.id, " ".join(sorted(scopes)))
        with self._lock:
            cached = self._tokens.get(key)
        if cached and cached[1] > time.monotonic():
            return cached[0]
        assertion = keys.client_assertion(
            self.private_key, self.key_id, client_id=platform.client_id, token_url=platform.auth_token_url
        )
        body = {
            "grant_type": "client_credentials",
            "scope": key[1],
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        }
        data = self._json(self._call("POST", platform.auth_token_url, data=body), "token")
        token = data.get("access_token")
        if not isinstance(token, str):
            raise PlatformError("the token endpoint answered without an access_token")
        expires = float(data.get("expires_in") or 300)
        with self._lock:
            self._tokens[key] = (token, time.monotonic() + max(expires - 30, 1))
        return token

    def memberships(self, platform: LtiPlatform, url: str, scopes: list[str]) -> list[dict[str, Any]]:
        members: list[dict[str, Any]] = []
        next_url: str | None = url
        for _ in range(MAX_PAGES):
            if next_url is None:
                return members
            response = self._call("GET", next_url, headers=self._auth(platform, scopes, MEMBERSHIPS))
            page = self._json(response, "memberships")
            members += [m for m in page.get("members", []) if isinstance(m, dict)]
            next_url = response.links.get("next", {}).get("url")
        raise PlatformError(f"more than {MAX_PAGES} pages of members")

    def line_item(
        self,
        platform: LtiPlatform,
        lineitems_url: str,
        scopes: list[str],
        *,
        key: str,
        label: str,
        score_maximum: float,
    ) -> str:
        """The URL of the line item with ``resourceId`` ``key``, created if the course has none."""
        found = self._call(
            "GET", _with_query(lineitems_url, f"resource_id={key}"), headers=self._auth(platform, scopes, LINEITEMS)
        )
        for item in self._json(found, "line items", expect=list):
            if isinstance(item, dict) and item.get("resourceId") == key and isinstance(item.get("id"), str):
                return item["id"]
        body = {"scoreMaximum": score_maximum, "label": label, "resourceId": key, "tag": "peerlab"}
        created = self._call(
            "POST",
            lineitems_url,
            json=body,
            headers={**self._auth(platform, scopes, LINEITEM), "content-type": LINEITEM},
        )
        item_id = self._json(created, "line item").get("id")
        if not isinstance(item_id, str):
            raise PlatformError("the platform created a line item without an id")
        return item_id

    def post_score(self, platform: LtiPlatform, lineitem_url: str, scopes: list[str], score: dict[str, Any]) -> int:
        response = self._call(
            "POST",
            _with_path(lineitem_url, "/scores"),
            json=score,
            headers={**self._auth(platform, scopes, "application/json"), "content-type": SCORE},
        )
        return response.status_code

    # --- plumbing -----------------------------------------------------------------------------------
    def _auth(self, platform: LtiPlatform, scopes: list[str], accept: str) -> dict[str, str]:
        return {"authorization": f"Bearer {self.token(platform, scopes)}", "accept": accept}

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return request(self.http, method, url, policy=self.policy, **kwargs)

    @staticmethod
    def _json(response: httpx.Response, what: str, expect: type = dict) -> Any:
        try:
            data = response.json()
        except ValueError as exc:
            raise PlatformError(f"the platform's {what} answer is not JSON") from exc
        if not isinstance(data, expect):
            raise PlatformError(f"the platform's {what} answer is not a JSON {expect.__name__}")
        return data


def make_http(timeout_s: float) -> httpx.Client:
    """Redirects are failures and are never followed."""
    return httpx.Client(timeout=timeout_s, follow_redirects=False)


def _with_query(url: str, query: str) -> str:
    return url + ("&" if "?" in url else "?") + query


def _with_path(url: str, suffix: str) -> str:
    """``<line item>/scores``, keeping a query string the platform put on the line item URL."""
    base, _, query = url.partition("?")
    return base.rstrip("/") + suffix + (f"?{query}" if query else "")
