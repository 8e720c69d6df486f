"""The deadline rule at the boundary, over a real uvicorn server (the body really streams).

Rule: a hand-in is on time iff the server received its request (headers in, body not yet read)
strictly before the deadline; its bytes must arrive before the assignment closes at
deadline + close_grace_s, else it is refused (deadline_passed) and nothing is kept.

The server's clock is moved past the deadline by the test (a test clock file), never waited for.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select
from sqlmodel import Session

import pytest
from peerlab.chassis.auth import mint_dev_token
from peerlab.submissions.models import Upload

pytestmark = pytest.mark.dialect_sensitive  # stored datetimes compared with deadlines

GRACE_S = 60


def _slow_body(data: bytes, release: threading.Event):
    """Half the body now, the rest once ``release`` is set."""
    yield data[: len(data) // 2]
    release.wait(60)
    yield data[len(data) // 2 :]


def test_a_request_that_began_before_the_deadline_and_finished_after_is_on_time(
    make_settings, spawn_service, make_notebook, env_for, engine_for, movable_clock
):
    settings = make_settings(close_grace_s=GRACE_S, test_clock_file=str(movable_clock.path))
    service = spawn_service("peerlab.submissions.main:app", env=env_for(settings), name="submissions")
    teacher = {"Authorization": "Bearer " + mint_dev_token(sub="t", roles=["teacher"], secret=settings.jwt_secret)}

    def student(sub):
        return {
            "Authorization": "Bearer " + mint_dev_token(sub=sub, roles=["student"], secret=settings.jwt_secret),
            "Content-Type": "application/octet-stream",
        }

    with httpx.Client(base_url=service.url, timeout=30) as client:

        def create(assignment_id, deadline):
            r = client.post(
                "/v1/assignments",
                headers=teacher,
                json={
                    "id": assignment_id,
                    "kind": "lab",
                    "title": assignment_id,
                    "opens_at": (deadline - timedelta(hours=1)).isoformat(),
                    "deadline": deadline.isoformat(),
                },
            )
            assert r.status_code == 201, r.text

        create("warm-up", datetime.now(UTC) + timedelta(hours=1))
        warm = client.post(
            "/v1/assignments/warm-up/submissions",
            headers=student("warm"),
            params={"file_name": "w-EXE.ipynb"},
            content=make_notebook(),
        )  # starts the validator
        assert warm.status_code == 201, warm.text
        deadline = (datetime.now(UTC) + timedelta(hours=1)).replace(microsecond=0)
        create("lab-1", deadline)
        data = make_notebook(cells=20)

        results, releases = {}, {"straddles": threading.Event(), "too-slow": threading.Event()}

        def send(name):
            results[name] = httpx.post(
                f"{service.url}/v1/assignments/lab-1/submissions",
                headers=student(name),
                params={"file_name": "lab-EXE.ipynb"},
                content=_slow_body(data, releases[name]),
                timeout=60,
            )

        senders = {name: threading.Thread(target=send, args=(name,)) for name in releases}
        for sender in senders.values():
            sender.start()
        engine = engine_for(settings)

        def begun() -> int:  # hand-ins the server has received (their start time is recorded)
            with Session(engine) as session:
                return session.execute(
                    select(func.count()).select_from(Upload).where(Upload.assignment_id == "lab-1")
                ).scalar_one()

        limit = time.monotonic() + 30
        while begun() < 2 and time.monotonic() < limit:
            time.sleep(0.05)
        assert begun() == 2, "both hand-ins began before the deadline"

        movable_clock.move_to(deadline + timedelta(seconds=1))  # past the deadline, within the grace
        releases["straddles"].set()
        senders["straddles"].join(60)
        after = client.post(
            "/v1/assignments/lab-1/submissions",
            headers=student("late"),
            params={"file_name": "lab-EXE.ipynb"},
            content=data,
        )
        movable_clock.move_to(deadline + timedelta(seconds=GRACE_S + 1))  # the assignment has closed
        releases["too-slow"].set()
        senders["too-slow"].join(60)

        ok = results["straddles"]
        assert ok.status_code == 201, ok.text
        version = ok.json()["version"]
        assert (
            datetime.fromisoformat(version["received_at"]) < deadline < datetime.fromisoformat(version["accepted_at"])
        )
        assert version["on_time"] is True
        assert (after.status_code, after.json()["code"]) == (409, "deadline_passed")
        slow = results["too-slow"]
        assert (slow.status_code, slow.json()["code"]) == (409, "deadline_passed")
        owners = client.get("/v1/submissions", params={"assignment_id": "lab-1"}, headers=teacher).json()["items"]
        assert [s["owner_id"] for s in owners] == ["straddles"]
