"""Storage down or database down: the hand-in is refused with 503 and Retry-After, never half-accepted."""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from minio import Minio

from peerlab.chassis.auth import mint_dev_token
from peerlab.submissions.models import Upload, Version


def test_storage_down_refuses_hand_ins_with_503_and_keeps_nothing(open_stack, make_s3_server, make_notebook):
    s3 = make_s3_server()
    stack = open_stack(storage_s3_endpoint=s3.endpoint)
    stack.assignment("lab-1", lab_number=1)
    data = make_notebook()
    ticket = stack.client.post(
        "/v1/assignments/lab-1/uploads",
        headers=stack.auth("s1"),
        json={"file_name": "lab-EXE.ipynb", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()},
    ).json()
    assert httpx.put(ticket["url"], content=data).status_code == 200
    s3.stop()
    r = stack.hand_in("lab-1", "s1", data)
    assert r.status_code == 503, r.text
    assert r.json()["code"] == "storage_unavailable" and int(r.headers["retry-after"]) > 0
    confirm = stack.client.post(f"/v1/uploads/{ticket['upload_id']}/confirm", headers=stack.auth("s1"))
    assert confirm.status_code == 503 and "retry-after" in confirm.headers
    assert stack.client.get("/readyz").status_code == 503
    assert stack.count(Version) == 0 and stack.outbox("submission.received.v1") == []
    with stack.session() as session:
        statuses = sorted(u.status for u in session.query(Upload).all())
    assert statuses == ["discarded", "staged"]  # the ticket stays open for a retry once storage is back


def test_database_down_refuses_with_503(open_stack, make_pg_server, make_notebook, request):
    if request.getfixturevalue("pg_server") is None:
        pytest.skip("needs PostgreSQL")
    pg = make_pg_server()
    stack = open_stack(database_url=pg.create_database("down"))
    stack.assignment("lab-1", lab_number=1)
    pg.stop()
    r = stack.hand_in("lab-1", "s1", make_notebook())
    assert (r.status_code, r.json()["code"]) == (503, "database_unavailable")
    assert int(r.headers["retry-after"]) > 0
    read = stack.client.get("/v1/assignments", headers=stack.auth("s1"))
    assert read.status_code == 503
    assert stack.objects() == []
    pg.start()
    assert stack.hand_in("lab-1", "s1", make_notebook()).status_code == 201


def test_database_lost_mid_upload_refuses_with_503_and_removes_the_object(
    make_settings, make_pg_server, spawn_service, env_for, make_notebook, request
):
    """Over uvicorn: the upload begins (database up), the database stops while the body streams,
    the accept fails: 503, and the staged object is removed."""
    if request.getfixturevalue("pg_server") is None:
        pytest.skip("needs PostgreSQL")
    pg = make_pg_server()
    settings = make_settings(database_url=pg.create_database("midway"))
    service = spawn_service("peerlab.submissions.main:app", env=env_for(settings), name="submissions")
    teacher = {"Authorization": "Bearer " + mint_dev_token(sub="t", roles=["teacher"], secret=settings.jwt_secret)}
    student = {"Authorization": "Bearer " + mint_dev_token(sub="s1", roles=["student"], secret=settings.jwt_secret)}
    now = datetime.now(UTC)
    assert (
        httpx.post(
            f"{service.url}/v1/assignments",
            headers=teacher,
            json={
                "id": "lab-1",
                "kind": "lab",
                "title": "Lab 1",
                "opens_at": (now - timedelta(hours=1)).isoformat(),
                "deadline": (now + timedelta(hours=1)).isoformat(),
            },
        ).status_code
        == 201
    )
    data = make_notebook(cells=30)
    half_sent, release = threading.Event(), threading.Event()

    def body():
        yield data[: len(data) // 2]
        half_sent.set()
        release.wait(30)
        yield data[len(data) // 2 :]

    result = {}
    sender = threading.Thread(
        target=lambda: result.setdefault(
            "r",
            httpx.post(
                f"{service.url}/v1/assignments/lab-1/submissions",
                params={"file_name": "lab-EXE.ipynb"},
                headers={**student, "Content-Type": "application/octet-stream"},
                content=body(),
                timeout=60,
            ),
        )
    )
    sender.start()
    assert half_sent.wait(30)
    time.sleep(0.3)  # the begin transaction has committed; the body is streaming
    pg.stop()
    release.set()
    sender.join(60)
    r = result["r"]
    assert (r.status_code, r.json()["code"]) == (503, "database_unavailable"), r.text
    assert "retry-after" in r.headers
    minio = Minio(
        settings.storage_s3_endpoint,
        access_key=settings.storage_s3_access_key,
        secret_key=settings.storage_s3_secret_key,
        secure=False,
    )
    assert list(minio.list_objects(settings.storage_bucket, recursive=True)) == []
