"""The scheduling service's HTTP API: ``uvicorn peerlab.scheduling.main:app``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI

from peerlab.chassis.app import create_service_app
from peerlab.chassis.clock import request_now
from peerlab.scheduling.routers import bookings, calendar, exam_days, rooms
from peerlab.scheduling.routers import examiners, grades, visit_plans
from peerlab.scheduling.routers import feeds
from peerlab.scheduling.settings import SchedulingSettings, get_settings

DESCRIPTION = """The course calendar (term, counted weeks with breaks not counted, weekly sessions),
rooms, poster-exam days cut into slots, one booking per project group, and the free poster print
quota (first come first served). Staff create and edit; students read and book for their own group.
Examiners and their availability, the visit plan (CP-SAT), and the individual 7-step grades."""


def create_app(settings: SchedulingSettings | None = None, *, clock: Callable[[], datetime] | None = None) -> FastAPI:
    """``clock`` replaces the server clock of every request (tests move time without sleeping)."""
    app = create_service_app(
        settings=settings or get_settings(),
        title="Peerlab scheduling",
        description=DESCRIPTION,
        routers=[
            calendar.router,
            rooms.router,
            exam_days.router,
            bookings.router,
            examiners.router,
            visit_plans.router,
            grades.router,
            feeds.router,
        ],
    )
    if clock is not None:
        app.dependency_overrides[request_now] = clock
    return app


app = create_app()
