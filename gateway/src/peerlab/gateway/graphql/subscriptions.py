"""Live updates over WebSocket (graphql-transport-ws), each about the caller only.

The token comes in ``connection_init``'s payload (``{"authorization": "Bearer ..."}``); events
come from Kafka through the process's SubscriptionHub, filtered to the caller's own id.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime

import strawberry
from strawberry.types import Info

from peerlab.gateway.graphql.errors import GatewayError
from peerlab.gateway.graphql import live
from peerlab.gateway.graphql.live import BookingSlotsEvent, TaskEvent
from peerlab.gateway.graphql.review import EligibilityState, VerdictValue
from peerlab.gateway.graphql.values import _dt


@strawberry.type(description="A review task was allocated to you.")
class ReviewTaskAllocated:
    task_token: strawberry.ID
    round_id: strawberry.ID
    assignment_id: strawberry.ID
    due_at: datetime


@strawberry.type(description="One of your labs was judged.")
class LabStatusChanged:
    assignment_id: strawberry.ID
    lab_number: int | None
    verdict: VerdictValue
    origin: str
    set_at: datetime


@strawberry.type(description="Your project eligibility changed.")
class EligibilityChanged:
    status: EligibilityState
    labs_passed: int
    labs_open: int
    threshold: int
    changed_at: datetime


def _hub(info: Info):
    hub = info.context.services.hub
    if hub is None:
        raise GatewayError("subscriptions_unavailable", "Subscriptions are not enabled on this gateway.")
    return hub


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description=(
            "Your review tasks as they are allocated and withdrawn. Pass the last eventId you saw to get what you "
            "missed while disconnected (or a Resync when it is out of reach)."
        )
    )
    async def my_tasks(self, info: Info, last_event_id: str | None = None) -> AsyncGenerator[TaskEvent, None]:
        user = info.context.user()
        async for item in live.my_tasks(_hub(info), user.sub, last_event_id):
            yield item

    @strawberry.subscription(
        description=("Free places of an exam day's slots, live while you book. lastEventId as for myTasks.")
    )
    async def booking_slots_changed(
        self, info: Info, exam_day_id: strawberry.ID, last_event_id: str | None = None
    ) -> AsyncGenerator[BookingSlotsEvent, None]:
        info.context.user()
        async for item in live.booking_slots(_hub(info), str(exam_day_id), last_event_id):
            yield item

    @strawberry.subscription
    async def my_review_task_allocated(self, info: Info) -> AsyncGenerator[ReviewTaskAllocated, None]:
        user = info.context.user()
        async for envelope in _hub(info).listen(user.sub, {"review.allocated.v1"}):
            data = envelope.data
            yield ReviewTaskAllocated(
                task_token=data["task_token"],
                round_id=data["round_id"],
                assignment_id=data["assignment_id"],
                due_at=_dt(data["due_at"]),
            )

    @strawberry.subscription
    async def my_lab_status_changed(self, info: Info) -> AsyncGenerator[LabStatusChanged, None]:
        user = info.context.user()
        async for envelope in _hub(info).listen(user.sub, {"lab.verdict_set.v1"}):
            data = envelope.data
            yield LabStatusChanged(
                assignment_id=data["assignment_id"],
                lab_number=data.get("lab_number"),
                verdict=VerdictValue(data["verdict"]),
                origin=data.get("origin", "teacher"),
                set_at=_dt(data["set_at"]),
            )

    @strawberry.subscription
    async def my_eligibility_changed(self, info: Info) -> AsyncGenerator[EligibilityChanged, None]:
        user = info.context.user()
        async for envelope in _hub(info).listen(user.sub, {"eligibility.changed.v1"}):
            data = envelope.data
            yield EligibilityChanged(
                status=EligibilityState(data["status"]),
                labs_passed=data["labs_passed"],
                labs_open=data["labs_open"],
                threshold=data["threshold"],
                changed_at=_dt(data["changed_at"]),
            )
