"""One HTTP attempt of a webhook delivery: sign, connect to a checked address, classify the answer.

No database work here; the caller records the result with ``webhooks.record_attempt``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx
from standardwebhooks.webhooks import Webhook

from peerlab.chassis import clock
from peerlab.gateway.service import ssrf
from peerlab.gateway.service.webhooks import AttemptResult

USER_AGENT = "Peerlab-Webhooks/1.0"


def signature_header(*, secrets: list[str], webhook_id: str, timestamp: datetime, body: str) -> str:
    """Space-separated ``v1,<sig>`` per secret (two during a rotation's overlap)."""
    return " ".join(Webhook(s).sign(msg_id=webhook_id, timestamp=timestamp, data=body) for s in secrets)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - clock.now()).total_seconds())
    except (TypeError, ValueError):
        return None


def attempt(
    client: httpx.Client,
    *,
    url: str,
    secrets: list[str],
    webhook_id: str,
    body: str,
    allow_private: bool,
    now: Callable[[], datetime] = clock.now,
) -> AttemptResult:
    """Resolve and check the address, then sign with ``now()`` read just before the request goes out."""
    started = time.perf_counter()

    def elapsed_ms() -> int:
        return int((time.perf_counter() - started) * 1000)

    try:
        addresses = ssrf.safe_addresses(url, allow_private=allow_private)
    except ssrf.UnsafeAddress as exc:
        return AttemptResult("unsafe_address", None, elapsed_ms(), str(exc))
    except Exception as exc:  # noqa: BLE001 - a malformed stored URL is a failed attempt, not a crash
        return AttemptResult("unsafe_address", None, elapsed_ms(), str(exc))
    pinned_url, host, extensions = ssrf.pin(url, addresses[0])
    timestamp = now().replace(microsecond=0)
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        **host,
        "webhook-id": webhook_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature_header(secrets=secrets, webhook_id=webhook_id, timestamp=timestamp, body=body),
    }
    try:
        with client.stream(
            "POST", pinned_url, content=body.encode(), headers=headers, extensions=extensions
        ) as response:
            code, retry_after = response.status_code, response.headers.get("retry-after")
            snippet = _read_snippet(response)
    except httpx.TimeoutException as exc:
        return AttemptResult("timeout", None, elapsed_ms(), f"timed out: {exc.__class__.__name__}")
    except httpx.HTTPError as exc:
        return AttemptResult("network", None, elapsed_ms(), f"{exc.__class__.__name__}: {exc}")
    if 200 <= code < 300:
        return AttemptResult("success", code, elapsed_ms(), snippet)
    outcome = "redirect" if 300 <= code < 400 else "http_error"
    return AttemptResult(outcome, code, elapsed_ms(), snippet, _retry_after(retry_after))


def _read_snippet(response: httpx.Response, limit: int = 2048) -> str:
    """At most ``limit`` bytes of the body: a receiver cannot make us read a huge answer."""
    chunks, size = [], 0
    for chunk in response.iter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size >= limit:
            break
    return b"".join(chunks)[:limit].decode("utf-8", errors="replace")


def make_client(timeout_s: float) -> httpx.Client:
    """Redirects are failures and are never followed; no proxies from the environment."""
    return httpx.Client(timeout=httpx.Timeout(timeout_s), follow_redirects=False, trust_env=False)
