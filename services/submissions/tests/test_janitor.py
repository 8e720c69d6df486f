"""The janitor removes objects of uploads that were staged but never accepted (a crash between
the put and the accept, or a presigned ticket never confirmed) and leaves accepted ones alone."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import httpx
from sqlalchemy import update

from peerlab.chassis.db import unit_of_work
from peerlab.chassis.clock import now
from peerlab.submissions.models import Upload, Version
from peerlab.submissions.service.janitor import sweep_stale_uploads


def test_stale_staged_objects_are_removed_and_accepted_ones_kept(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    kept = stack.hand_in("lab-1", "s1", make_notebook()).json()
    data = make_notebook(cells=2)
    ticket = stack.client.post(
        "/v1/assignments/lab-1/uploads",
        headers=stack.auth("s2"),
        json={"file_name": "lab-EXE.ipynb", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()},
    ).json()
    assert httpx.put(ticket["url"], content=data).status_code == 200  # uploaded, never confirmed
    assert len(stack.objects()) == 2
    engine = stack.client.app.state.engine
    store = stack.client.app.state.runtime.store
    with unit_of_work(engine) as session:
        assert sweep_stale_uploads(session, store=store, stale_after_s=3600) == 0  # too young yet
    with unit_of_work(engine) as session:  # as if it had been staged two hours ago
        session.execute(
            update(Upload).where(Upload.id == ticket["upload_id"]).values(created_at=now() - timedelta(hours=2))
        )
    with unit_of_work(engine) as session:
        assert sweep_stale_uploads(session, store=store, stale_after_s=3600) == 1
    with unit_of_work(engine) as session:
        assert sweep_stale_uploads(session, store=store, stale_after_s=3600) == 0
    with stack.session() as session:
        kept_key = session.query(Version).one().object_key
    assert stack.objects() == [kept_key]
    late = stack.client.post(f"/v1/uploads/{ticket['upload_id']}/confirm", headers=stack.auth("s2"))
    assert (late.status_code, late.json()["code"]) == (410, "upload_gone")
    link = stack.client.get(f"/v1/submissions/{kept['submission']['id']}/versions/1/download", headers=stack.auth("s1"))
    assert httpx.get(link.json()["url"]).status_code == 200
