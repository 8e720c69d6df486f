"""The review service's HTTP API: ``uvicorn peerlab.review.main:app``."""

from __future__ import annotations

from fastapi import FastAPI

from peerlab.chassis.app import create_service_app
from peerlab.review.routers import received, rounds, status, submissions, tasks, teacher, verdicts
from peerlab.review.settings import ReviewSettings, get_settings

DESCRIPTION = """Peer review of the lab hand-ins: review rounds, exact allocation at the deadline,
anonymous reviews, reactions and flags, teacher verdicts, lab status and project eligibility.

Student-facing responses never carry the identity of the other side of a review."""


def create_app(settings: ReviewSettings | None = None) -> FastAPI:
    return create_service_app(
        settings=settings or get_settings(),
        title="Peerlab review",
        description=DESCRIPTION,
        routers=[
            tasks.router,
            received.router,
            status.router,
            rounds.router,
            verdicts.router,
            teacher.router,
            submissions.router,
        ],
    )


app = create_app()
