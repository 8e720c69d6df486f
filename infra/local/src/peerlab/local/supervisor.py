"""Restart a dev-stack child that died: with backoff, a bounded number of times, loudly.

``peerlab dev`` polls :meth:`Supervisor.check` once a second. A child found dead is reported at
once (name, exit code, log), restarted after a backoff that doubles from ``backoff_s`` up to
``max_backoff_s``, and counted; one that stays up for ``stable_after_s`` has its count reset.
When a child has died ``max_restarts`` times in a row, :class:`RestartsExhausted` is raised and
the caller stops everything. Polling also reaps dead children, so none is left a zombie.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

Report = Callable[[str], None]


class RestartsExhausted(RuntimeError):
    """A child kept dying; the stack must stop."""


@dataclass
class Child:
    name: str
    start: Callable[[], object]
    alive: Callable[[], bool]
    describe: Callable[[], str] = lambda: ""
    on_restart: Callable[[], None] | None = None  # e.g. the broker after its storage restarted
    restarts: int = 0
    started_at: float = field(default_factory=time.monotonic)
    down_since: float | None = None
    next_try: float = 0.0


@dataclass
class Supervisor:
    report: Report
    max_restarts: int = 5
    backoff_s: float = 1.0
    max_backoff_s: float = 30.0
    stable_after_s: float = 60.0
    children: list[Child] = field(default_factory=list)

    def add(self, child: Child) -> Child:
        self.children.append(child)
        return child

    def _backoff(self, child: Child) -> float:
        return min(self.max_backoff_s, self.backoff_s * 2 ** max(0, child.restarts - 1))

    def check(self, now: float | None = None) -> None:
        """Restart what died (when its backoff has passed); raise when restarts are exhausted."""
        for child in self.children:
            now = time.monotonic() if now is None else now
            if child.alive():
                if child.restarts and child.down_since is None and now - child.started_at > self.stable_after_s:
                    child.restarts = 0
                continue
            if child.down_since is None:
                child.down_since = now
                child.restarts += 1
                if child.restarts > self.max_restarts:
                    self.report(
                        f"[bold red]✗ {child.name} died again {child.describe()}; "
                        f"{self.max_restarts} restarts used up: stopping everything[/]"
                    )
                    raise RestartsExhausted(f"{child.name} died {child.restarts} times")
                child.next_try = now + self._backoff(child)
                self.report(
                    f"[bold red]✗ {child.name} died {child.describe()}; restart {child.restarts} of "
                    f"{self.max_restarts} in {child.next_try - now:.0f}s[/]"
                )
            if now < child.next_try:
                continue
            try:
                child.start()
            except Exception as exc:  # noqa: BLE001 - a failed restart counts as another death
                child.down_since = None
                self.report(f"[bold red]✗ {child.name} did not restart: {str(exc).splitlines()[0][:200]}[/]")
                continue
            child.down_since = None
            child.started_at = time.monotonic()
            self.report(f"[yellow]↻ {child.name} restarted[/]")
            if child.on_restart is not None:
                child.on_restart()
