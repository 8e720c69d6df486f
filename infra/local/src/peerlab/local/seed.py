"""Seed a demo course into a running stack through the services' own APIs.

Steps are registered with :func:`seed_step` (in :mod:`peerlab.local.seed_steps`); each gets the
service URLs (by service name) and a bearer token, and calls the public APIs, so seeding exercises
the same paths a user does. Importing this module registers the course's steps, in this order.
"""

from __future__ import annotations

# The history goes first: it must play the fall-2021 labs before the calendar holds the 2021 term.
from peerlab.local import seed_history as _seed_history  # isort: skip
from peerlab.local import seed_course as _seed_course
from peerlab.local import seed_demo as _seed_demo
from peerlab.local import seed_demo_exam as _seed_demo_exam
from peerlab.local.seed_steps import SeedOptions, SeedStep, seed_course, seed_step

__all__ = ["SeedOptions", "SeedStep", "seed_course", "seed_step"]
STEP_MODULES = (_seed_history, _seed_course, _seed_demo, _seed_demo_exam)
