"""The review worker: ``python -m peerlab.review.worker``.

Consumes the submissions and roster topics, closes ended review windows (the no-news-is-a-pass
rule) periodically, and relays the outbox when the API does not.
"""

from __future__ import annotations

from peerlab.chassis.worker import PeriodicJob, run_worker
from peerlab.chassis import clock
from peerlab.review.events.handlers import consumer_spec
from peerlab.review.service import window
from peerlab.review.settings import ReviewSettings, get_settings


def window_job(settings: ReviewSettings) -> PeriodicJob:
    return PeriodicJob(
        name="review-window-end",
        interval_s=settings.window_job_interval_s,
        run=lambda session: window.close_ended_windows(
            session, settings=settings, course_id=settings.course_id, now=clock.now()
        ),
    )


def main() -> None:
    settings = get_settings()
    run_worker(settings=settings, consumers=[consumer_spec(settings)], periodic=[window_job(settings)])


if __name__ == "__main__":
    main()
