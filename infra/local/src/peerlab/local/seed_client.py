"""The HTTP side of seeding: one client per service, and the skip rules every step follows.

A step is skipped, with a warning, when its service is not running (no URL) or when the service
answers a write with 404/405 (the endpoint does not exist in the running build). Any other error
fails the seed loudly: a half-seeded course is worse than none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import httpx

log = logging.getLogger("peerlab.local.seed")

TIMEOUT_S = 30.0


class EndpointMissing(Exception):
    """The service does not have the endpoint the step needs (404/405 on a write)."""


class SeedFailed(RuntimeError):
    """A service refused a seed request."""


class SeedClient:
    def __init__(self, service: str, base_url: str, token: str) -> None:
        self.service = service
        self._http = httpx.Client(base_url=base_url, headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT_S)

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, **params: Any) -> Any:
        response = self._http.get(path, params=params or None)
        self._check(response, write=False)
        return response.json()

    def put(self, path: str, body: dict) -> Any:
        response = self._http.put(path, json=body)
        self._check(response, write=True)
        return response.json()

    def post(self, path: str, body: dict | None = None) -> Any:
        response = self._http.post(path, json=body or {})
        self._check(response, write=True)
        return response.json()

    def _check(self, response: httpx.Response, *, write: bool) -> None:
        request = f"{response.request.method} {self.service}{response.request.url.path}"
        if write and response.status_code in (404, 405):
            raise EndpointMissing(f"{request} answered {response.status_code}")
        if response.status_code >= 400:
            raise SeedFailed(f"{request} answered {response.status_code}: {response.text[:500]}")


def with_service(urls: dict[str, str], token: str, service: str, step: str, work: Callable[[SeedClient], None]) -> bool:
    """Run ``work`` against ``service``; False (and a warning) when the step was skipped."""
    if service not in urls:
        log.warning("seed step %s skipped: the %s service is not running", step, service)
        return False
    client = SeedClient(service, urls[service], token)
    try:
        work(client)
        return True
    except EndpointMissing as exc:
        log.warning("seed step %s skipped: %s (this build of %s lacks the endpoint)", step, exc, service)
        return False
    finally:
        client.close()
