"""DataLoaders: one per service and key, per request, each backed by a batch endpoint.

A staff query over 400 students and their 8 labs therefore costs one call per loader per level
(``?ids=`` with all keys of that level), not one per student.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Protocol

from anyio import to_thread
from sqlalchemy.engine import Engine
from sqlmodel import Session
from strawberry.dataloader import DataLoader

from peerlab.gateway import repository
from peerlab.gateway.clients.base import BackendError
from peerlab.gateway.clients.models import review as rm
from peerlab.gateway.clients.models import submissions as sm
from peerlab.gateway.clients.review import ReviewClient
from peerlab.gateway.clients.submissions import SubmissionsClient
from peerlab.gateway.graphql.errors import from_backend
from peerlab.gateway.models import Enrolment, Person
from peerlab.gateway.settings import GatewaySettings

MAX_BATCH = 500


class _Engine(Protocol):
    @property
    def engine(self) -> Engine: ...


class LoaderContext(Protocol):
    """What the loaders read from the request's context (``GatewayContext`` is one; no import of it
    here, so the context may build its loaders without an import cycle)."""

    @property
    def services(self) -> _Engine: ...
    @property
    def settings(self) -> GatewaySettings: ...
    @property
    def submissions(self) -> SubmissionsClient: ...
    @property
    def review(self) -> ReviewClient: ...


class Loaders:
    def __init__(self, context: LoaderContext) -> None:
        self.context = context
        self.person = DataLoader(self._people, max_batch_size=MAX_BATCH)
        self.assignment = DataLoader(self._assignments, max_batch_size=MAX_BATCH)
        self.submission = DataLoader(self._submissions, max_batch_size=MAX_BATCH)
        self.submissions_of_owner = DataLoader(self._submissions_of_owners, max_batch_size=MAX_BATCH)
        self.lab_status = DataLoader(self._lab_status, max_batch_size=MAX_BATCH)
        self.eligibility = DataLoader(self._eligibility, max_batch_size=MAX_BATCH)
        self.round = DataLoader(self._rounds, max_batch_size=MAX_BATCH)

    # --- gateway's own database -------------------------------------------------------------
    async def _people(self, ids: list[str]) -> list[tuple[Person, Enrolment | None] | None]:
        engine, course_id = self.context.services.engine, self.context.settings.course_id

        def load() -> list[tuple[Person, Enrolment | None] | None]:
            with Session(engine) as session:
                people = repository.get_people(session, ids)
                enrolments = repository.get_enrolments(session, course_id=course_id, person_ids=ids)
                session.expunge_all()
            return [(people[i], enrolments.get(i)) if i in people else None for i in ids]

        return await to_thread.run_sync(load)

    # --- services ---------------------------------------------------------------------------
    async def _assignments(self, ids: list[str]) -> list[sm.AssignmentPublic | None]:
        rows = await _call(self.context.submissions.assignments_by_id(ids))
        by_id = {row.id: row for row in rows}
        return [by_id.get(i) for i in ids]

    async def _submissions(self, ids: list[str]) -> list[sm.SubmissionPublic | None]:
        rows = await _call(self.context.submissions.submissions_by_id(ids))
        by_id = {row.id: row for row in rows}
        return [by_id.get(i) for i in ids]

    async def _submissions_of_owners(self, owner_ids: list[str]) -> list[list[sm.SubmissionPublic]]:
        rows = await _call(self.context.submissions.submissions_of_owners(owner_ids))
        by_owner: dict[str, list[sm.SubmissionPublic]] = defaultdict(list)
        for row in rows:
            by_owner[row.owner_id].append(row)
        return [by_owner.get(i, []) for i in owner_ids]

    async def _lab_status(self, ids: list[str]) -> list[list[rm.LabStatusPublic]]:
        by_id = await _call(self.context.review.lab_status(ids))
        return [by_id.get(i, []) for i in ids]

    async def _eligibility(self, ids: list[str]) -> list[rm.EligibilityPublic | None]:
        rows = await _call(self.context.review.eligibility(ids))
        by_id = {row.student_id: row for row in rows}
        return [by_id.get(i) for i in ids]

    async def _rounds(self, ids: list[str]) -> list[rm.RoundPublic | None]:
        rows = await _call(self.context.review.rounds_by_id(ids))
        by_id = {row.id: row for row in rows}
        return [by_id.get(i) for i in ids]


async def _call(awaitable):
    try:
        return await awaitable
    except BackendError as exc:
        raise from_backend(exc) from exc
