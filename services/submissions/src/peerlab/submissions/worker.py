"""``python -m peerlab.submissions.worker``: consumers, the closer, the janitor and (production) the relay."""

from __future__ import annotations

from peerlab.chassis.storage import make_object_store
from peerlab.chassis.worker import PeriodicJob, run_worker
from peerlab.submissions.events.handlers import consumer_spec
from peerlab.submissions.service.closing import close_due
from peerlab.submissions.service.janitor import sweep_stale_uploads
from peerlab.submissions.settings import SubmissionsSettings, get_settings


def periodic_jobs(settings: SubmissionsSettings) -> list[PeriodicJob]:
    """The closer (``assignment.closed.v1`` once per assignment; catches up after downtime) and the
    janitor (objects of uploads that were never accepted)."""
    store = make_object_store(settings)
    return [
        PeriodicJob(
            "close-assignments",
            settings.closer_interval_s,
            lambda session: close_due(session, close_grace_s=settings.close_grace_s),
        ),
        PeriodicJob(
            "sweep-stale-uploads",
            settings.janitor_interval_s,
            lambda session: sweep_stale_uploads(session, store=store, stale_after_s=settings.stale_upload_after_s),
        ),
    ]


def main() -> None:
    settings = get_settings()
    run_worker(settings=settings, consumers=[consumer_spec()], periodic=periodic_jobs(settings))


if __name__ == "__main__":
    main()
