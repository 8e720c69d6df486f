"""The presigned path: ticket, PUT straight to S3, confirm (size + SHA-256 + content checked)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import httpx
from sqlalchemy import update

from peerlab.chassis.db import unit_of_work
from peerlab.chassis.clock import now
from peerlab.submissions.models import Upload
from peerlab.submissions.service.janitor import sweep_stale_uploads


def _ticket(stack, data, *, student="s1", name="lab-EXE.ipynb", sha=None, size=None):
    return stack.client.post(
        "/v1/assignments/lab-1/uploads",
        headers=stack.auth(student),
        json={
            "file_name": name,
            "size": size if size is not None else len(data),
            "sha256": sha or hashlib.sha256(data).hexdigest(),
        },
    )


def test_presigned_upload_then_confirm_is_accepted_like_a_stream(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    data = make_notebook(cells=4)
    ticket = _ticket(stack, data)
    assert ticket.status_code == 201, ticket.text
    t = ticket.json()
    assert t["method"] == "PUT" and t["max_bytes"] == 25 * 1024 * 1024
    early = stack.client.post(f"/v1/uploads/{t['upload_id']}/confirm", headers=stack.auth("s1"))
    assert (early.status_code, early.json()["code"]) == (409, "upload_missing")
    assert httpx.put(t["url"], content=data).status_code == 200
    r = stack.client.post(f"/v1/uploads/{t['upload_id']}/confirm", headers=stack.auth("s1"))
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["version"]["channel"] == "presigned" and body["version"]["sha256"] == hashlib.sha256(data).hexdigest()
    # the hand-in's start (deadline rule) is when the ticket was issued
    assert datetime.fromisoformat(body["version"]["received_at"]) == datetime.fromisoformat(t["received_at"])
    again = stack.client.post(f"/v1/uploads/{t['upload_id']}/confirm", headers=stack.auth("s1"))
    assert again.status_code == 201 and again.json()["version"]["id"] == body["version"]["id"]
    assert len(stack.outbox("submission.received.v1")) == 1
    # the accepted bytes were copied out of the key the URL writes to
    assert stack.objects() == [f"versions/lab-1/{t['upload_id']}"]


def test_the_url_cannot_change_an_accepted_hand_in(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    data, other = make_notebook(cells=2), make_notebook(cells=7)
    t = _ticket(stack, data).json()
    httpx.put(t["url"], content=data)
    sid = stack.client.post(f"/v1/uploads/{t['upload_id']}/confirm", headers=stack.auth("s1")).json()["submission"][
        "id"
    ]
    assert httpx.put(t["url"], content=other).status_code == 200  # the URL has not expired yet
    link = stack.client.get(f"/v1/submissions/{sid}/versions/1/download", headers=stack.auth("s1")).json()
    assert httpx.get(link["url"]).content == data
    # once the URL has expired the janitor removes what it wrote
    engine, store = stack.client.app.state.engine, stack.client.app.state.runtime.store
    with unit_of_work(engine) as session:
        session.execute(
            update(Upload).where(Upload.id == t["upload_id"]).values(expires_at=now() - timedelta(minutes=1))
        )
    with unit_of_work(engine) as session:
        assert sweep_stale_uploads(session, store=store, stale_after_s=3600) == 1
    with unit_of_work(engine) as session:
        assert sweep_stale_uploads(session, store=store, stale_after_s=3600) == 0
    assert stack.objects() == [f"versions/lab-1/{t['upload_id']}"]


def test_confirm_refuses_a_different_file_and_removes_it(stack, make_notebook, nothing_kept):
    stack.assignment("lab-1", lab_number=1)
    declared, sent = make_notebook(cells=2), make_notebook(cells=3)
    t = _ticket(stack, declared).json()
    httpx.put(t["url"], content=sent)
    r = stack.client.post(f"/v1/uploads/{t['upload_id']}/confirm", headers=stack.auth("s1"))
    assert (r.status_code, r.json()["code"]) == (422, "size_mismatch")
    t2 = _ticket(stack, declared).json()
    tampered = declared.replace(b"print(0)", b"print(9)")
    assert len(tampered) == len(declared) and tampered != declared
    httpx.put(t2["url"], content=tampered)
    r2 = stack.client.post(f"/v1/uploads/{t2['upload_id']}/confirm", headers=stack.auth("s1"))
    assert (r2.status_code, r2.json()["code"]) == (422, "sha256_mismatch")
    gone = stack.client.post(f"/v1/uploads/{t2['upload_id']}/confirm", headers=stack.auth("s1"))
    assert (gone.status_code, gone.json()["code"]) == (410, "upload_gone")
    nothing_kept(stack)


def test_confirm_validates_content_and_ticket_checks_name_and_size(stack, make_pdf, nothing_kept):
    stack.assignment("lab-1", lab_number=1)
    pdf = make_pdf(1)
    t = _ticket(stack, pdf).json()
    httpx.put(t["url"], content=pdf)
    r = stack.client.post(f"/v1/uploads/{t['upload_id']}/confirm", headers=stack.auth("s1"))
    assert (r.status_code, r.json()["code"]) == (422, "not_json")
    big = _ticket(stack, b"{}", size=26 * 1024 * 1024)
    assert (big.status_code, big.json()["code"]) == (413, "too_large")
    bad_name = _ticket(stack, b"{}", name="lab.ipynb")
    assert (bad_name.status_code, bad_name.json()["code"]) == (422, "file_name_rule")
    nothing_kept(stack)
