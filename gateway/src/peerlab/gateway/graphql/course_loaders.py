"""DataLoaders of the project phase (projects and scheduling), per request.

Staff read whole lists (groups, selections, assignments, bookings, print requests: one call each,
whatever the number of groups asked for); anyone else asks per group, and the service decides
(its 403/404 is null here). Projects load per catalogue year (one call per year).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

from peerlab.gateway.clients.base import BackendError
from peerlab.gateway.clients.models import projects as pm
from peerlab.gateway.clients.models import scheduling as sm
from peerlab.gateway.graphql.errors import from_backend

if TYPE_CHECKING:
    from peerlab.gateway.graphql.context import GatewayContext

MAX_BATCH = 500
T = TypeVar("T")


async def call(awaitable: Awaitable[T]) -> T:
    """A service call whose 4xx is a visible error (anything else is masked)."""
    try:
        return await awaitable
    except BackendError as exc:
        raise from_backend(exc) from exc


async def or_none(awaitable: Awaitable[T]) -> T | None:
    """A per-item read: the service's 403/404 (not there, or not the caller's) is null."""
    try:
        return await awaitable
    except BackendError as exc:
        if exc.status in (403, 404):
            return None
        raise from_backend(exc) from exc


def project_year(project_id: str) -> int | None:
    """Catalogue ids are ``p-<year>-<number>``."""
    parts = project_id.split("-")
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


class CourseLoaders:
    def __init__(self, context: GatewayContext) -> None:
        self.context = context
        projects, scheduling = (lambda: context.projects), (lambda: context.scheduling)
        self.group = self._per_group(lambda: projects().groups(), lambda k: projects().group(group_id=k))
        self.selection = self._per_group(lambda: projects().selections(), lambda k: projects().selection(group_id=k))
        self.assignment = self._per_group(lambda: projects().assignments(), lambda k: projects().assignment(group_id=k))
        self.booking = self._per_group(lambda: scheduling().bookings(), lambda k: scheduling().booking(group_id=k))
        self.print_request = self._per_group(
            lambda: scheduling().print_requests(), lambda k: scheduling().print_request(group_id=k)
        )
        self.project = DataLoader(self._projects, max_batch_size=MAX_BATCH)

    @property
    def is_staff(self) -> bool:
        return self.context.user().is_staff

    def _per_group(
        self, every: Callable[[], Awaitable[Sequence[Any]]], one: Callable[[str], Awaitable[Any]]
    ) -> DataLoader:
        async def load(group_ids: list[str]) -> list[Any]:
            if self.is_staff:
                rows = await call(every())
                by_group = {row.group_id: row for row in rows}
                return [by_group.get(g) for g in group_ids]
            return list(await asyncio.gather(*(or_none(one(g)) for g in group_ids)))

        return DataLoader(load, max_batch_size=MAX_BATCH)

    async def _projects(self, project_ids: list[str]) -> list[pm.ProjectPublic | None]:
        years = sorted({y for p in project_ids if (y := project_year(p)) is not None})
        catalogues = await asyncio.gather(*(self.catalogue(y) for y in years))
        by_id = {row.project_id: row for rows in catalogues for row in rows}
        return [by_id.get(p) for p in project_ids]

    def catalogue(self, year: int) -> Awaitable[list[pm.ProjectPublic]]:
        """A year's catalogue, read once per request: project loads that arrive in later batches
        (a choice's project, then an assignment's) share the one call."""
        years: dict[int, asyncio.Future] = self.__dict__.setdefault("_catalogues", {})
        if year not in years:
            years[year] = asyncio.ensure_future(call(self.context.projects.projects(year=year)))
        return years[year]

    async def assigned_counts(self) -> dict[str, int]:
        """Staff: groups assigned per project (the assignments, once per request)."""
        counts: dict[str, int] = defaultdict(int)
        for row in await self.assignment_list():
            counts[row.project_id] += 1
        return counts

    async def assignment_list(self) -> list[pm.AssignmentPublic]:
        cached = getattr(self, "_assignments", None)
        if cached is None:
            cached = self._assignments = await call(self.context.projects.assignments())
            for row in cached:
                self.assignment.prime(row.group_id, row)
        return cached

    async def my_group(self) -> pm.GroupPublic | None:
        """The caller's group, read once per request (``me.group`` and ``me.project`` share it)."""
        if not hasattr(self, "_mine"):
            self._mine = asyncio.ensure_future(or_none(self.context.projects.my_group()))
        row = await self._mine
        if row is not None:
            self.group.prime(row.group_id, row)
        return row

    async def groups(self, state: str | None = None) -> list[pm.GroupPublic]:
        rows = await call(self.context.projects.groups(state=state))
        for row in rows:
            self.group.prime(row.group_id, row)
        return rows

    async def bookings(self) -> list[sm.BookingPublic]:
        rows = await call(self.context.scheduling.bookings())
        for row in rows:
            self.booking.prime(row.group_id, row)
        return rows


def course_loaders(context: GatewayContext) -> CourseLoaders:
    """The request's project-phase loaders (made on first use, kept on the context)."""
    loaders = context.__dict__.get("_course_loaders")
    if loaders is None:
        loaders = context.__dict__["_course_loaders"] = CourseLoaders(context)
    return loaders
