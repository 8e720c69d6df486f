"""Reading Prometheus text from /metrics: one scrape, and a watcher that keeps the worst seen."""

from __future__ import annotations

import threading

import httpx
from prometheus_client.parser import text_string_to_metric_families

Samples = list[tuple[str, dict[str, str], float]]


def scrape(url: str, *, timeout: float = 5.0) -> Samples:
    resp = httpx.get(url, timeout=timeout)
    resp.raise_for_status()
    return [
        (s.name, dict(s.labels), s.value)
        for family in text_string_to_metric_families(resp.text)
        for s in family.samples
    ]


def total(samples: Samples, name: str, **labels: str) -> float:
    return sum(v for n, lab, v in samples if n == name and all(lab.get(k) == x for k, x in labels.items()))


def largest(samples: Samples, name: str) -> float:
    return max((v for n, _, v in samples if n == name), default=0.0)


def server_errors(samples: Samples) -> float:
    return sum(
        v for n, lab, v in samples if n == "peerlab_http_requests_total" and lab.get("status", "").startswith("5")
    )


def snapshot(urls: list[str]) -> dict[str, float]:
    """Lag, backlog, oldest unsent age, DLQ and 5xx totals over every reachable URL."""
    out = {
        "consumer_lag": 0.0,
        "outbox_backlog": 0.0,
        "outbox_oldest_age_s": 0.0,
        "dead_lettered": 0.0,
        "http_5xx": 0.0,
        "unreachable": 0.0,
    }
    for url in urls:
        try:
            samples = scrape(url)
        except (httpx.HTTPError, ValueError):
            out["unreachable"] += 1
            continue
        out["consumer_lag"] += total(samples, "peerlab_consumer_lag")
        out["outbox_backlog"] += total(samples, "peerlab_outbox_backlog")
        out["outbox_oldest_age_s"] = max(
            out["outbox_oldest_age_s"], largest(samples, "peerlab_outbox_oldest_age_seconds")
        )
        out["dead_lettered"] += total(samples, "peerlab_events_dead_lettered_total")
        out["http_5xx"] += server_errors(samples)
    return out


class MetricsWatch:
    """Samples ``urls`` every ``interval_s`` in a thread; ``summary()`` has the worst and last values."""

    def __init__(self, urls: list[str], *, interval_s: float = 1.0) -> None:
        self.urls = urls
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.first: dict[str, float] = {}
        self.peak: dict[str, float] = {}
        self.last: dict[str, float] = {}

    def _sample(self) -> None:
        snap = snapshot(self.urls)
        self.first = self.first or snap
        self.last = snap
        self.peak = {k: max(v, self.peak.get(k, 0.0)) for k, v in snap.items()}

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval_s)

    def start(self) -> None:
        if self.urls:
            self._sample()
            self._thread = threading.Thread(target=self._loop, name="metrics-watch", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
            self._sample()

    def summary(self) -> dict[str, float]:
        if not self.urls:
            return {}
        return {
            "peak consumer lag": self.peak.get("consumer_lag", 0.0),
            "peak outbox backlog": self.peak.get("outbox_backlog", 0.0),
            "peak oldest unsent event, s": round(self.peak.get("outbox_oldest_age_s", 0.0), 2),
            "outbox backlog at the end": self.last.get("outbox_backlog", 0.0),
            "new 5xx": self.last.get("http_5xx", 0.0) - self.first.get("http_5xx", 0.0),
            "new dead letters": self.last.get("dead_lettered", 0.0) - self.first.get("dead_lettered", 0.0),
            "unreachable /metrics": self.peak.get("unreachable", 0.0),
        }
