"""The seed's step registry: :func:`seed_step` registers a step, :func:`seed_course` runs them all.

Step modules import this module (never :mod:`peerlab.local.seed`, which imports them)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

log = logging.getLogger("peerlab.local.seed")


@dataclass(frozen=True)
class SeedOptions:
    term_start: date | None = None  # week 1's Monday; None: the course plan's (30 Aug 2021)
    calendar_wait_s: float = 60.0  # how long to wait for submissions to learn the calendar's dates


SeedStep = Callable[[dict[str, str], str, SeedOptions], None]
_STEPS: list[tuple[str, SeedStep]] = []


def seed_step(func: SeedStep) -> SeedStep:
    """Register ``func(urls, token, options)`` to run, in registration order, by :func:`seed_course`."""
    _STEPS.append((func.__name__, func))
    return func


def seed_course(urls: dict[str, str], token: str, options: SeedOptions | None = None) -> list[str]:
    """Run every registered step whose services are up; return the names of the steps run."""
    options = options or SeedOptions()
    if not _STEPS:
        log.warning("no seed steps registered")
        return []
    ran = []
    for name, step in _STEPS:
        log.info("seed step %s", name)
        step(urls, token, options)
        ran.append(name)
    return ran
