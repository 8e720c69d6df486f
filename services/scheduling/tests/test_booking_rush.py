"""A rush on one slot over HTTP, to a real uvicorn process: exactly ``capacity`` bookings succeed,
every other group gets 409 ``slot_full``, and nothing answers 5xx (the probe saw 500s from an
exhausted connection pool and 503s from SQLite's lock). On PostgreSQL and on SQLite."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest
from sqlmodel import Session

from peerlab.chassis.auth import mint_dev_token
from peerlab.scheduling.models import Slot
from scheduling_testkit import COURSE, future_poster_day, make_stack, slot_of

CAPACITY = 6


@pytest.fixture(params=["postgres", "sqlite"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'scheduling.db'}"
        return
    server = request.getfixturevalue("pg_server")
    if server is None:
        pytest.skip("needs PostgreSQL")
    name = f"t_sched_rush_{uuid.uuid4().hex[:10]}"
    url = server.create_database(name)
    yield url
    server.drop_database(name)


def _token(sub: str, *roles: str) -> dict[str, str]:
    return {"Authorization": "Bearer " + mint_dev_token(sub=sub, roles=roles or ("student",), secret=_SECRET)}


_SECRET = None


async def _rush(base_url: str, slot: str, groups: int) -> list[tuple[int, str]]:
    async with httpx.AsyncClient(
        base_url=base_url, timeout=120, limits=httpx.Limits(max_connections=groups, max_keepalive_connections=0)
    ) as client:

        async def book(i: int) -> tuple[int, str]:
            response = await client.put(
                f"/v1/courses/{COURSE}/groups/g-{i}/booking", json={"slot_id": slot}, headers=_token(f"s{i:06d}")
            )
            code = response.json().get("code", "") if response.status_code >= 400 else ""
            return response.status_code, code

        return await asyncio.gather(*(book(i) for i in range(groups)))


@pytest.mark.slow
@pytest.mark.parametrize("groups", [50, 200])
def test_a_rush_on_one_slot_books_exactly_its_capacity(database_url, spawn_service, groups):
    global _SECRET
    with make_stack(database_url) as stack:
        _SECRET = stack.settings.jwt_secret
        for i in range(groups):
            stack.feed_group(f"g-{i}", [f"s{i:06d}"])
        env = {
            "PEERLAB_SCHEDULING_DATABASE_URL": database_url,
            "PEERLAB_SCHEDULING_ENVIRONMENT": "test",
            "PEERLAB_SCHEDULING_RELAY_IN_PROCESS": "false",
            "PEERLAB_SCHEDULING_KAFKA_BOOTSTRAP": "127.0.0.1:9",
            "PEERLAB_SCHEDULING_COURSE_ID": COURSE,
            "PEERLAB_SCHEDULING_LOG_LEVEL": "WARNING",
        }
        api = spawn_service("peerlab.scheduling.main:app", env=env, name="scheduling-rush")
        created = httpx.put(
            f"{api.url}/v1/courses/{COURSE}/exam-days/poster-2021",
            json=future_poster_day(slot_capacity=CAPACITY),
            headers=_token("t1", "teacher"),
            timeout=30,
        )
        assert created.status_code in (200, 201), created.text
        slot = slot_of("poster-2021", "1000")

        results = asyncio.run(_rush(api.url, slot, groups))

        assert [r for r in results if r[0] >= 500] == [], api.log_tail()
        assert results.count((201, "")) == CAPACITY
        assert results.count((409, "slot_full")) == groups - CAPACITY
        with Session(stack.engine) as session:
            assert session.get(Slot, (COURSE, slot)).booked == CAPACITY
        assert len(stack.outbox("exam.booked.v1")) == CAPACITY
