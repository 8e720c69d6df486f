"""The streamed hand-in path over PostgreSQL, moto S3 and the outbox."""

from __future__ import annotations

import hashlib

from peerlab.submissions.models import Upload, Version


def test_streamed_notebook_is_accepted_with_receipt_version_object_and_event(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    data = make_notebook()
    r = stack.hand_in("lab-1", "s210001", data)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["version"]["version"] == 1 and body["version"]["current"] is True
    assert body["version"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["receipt"]["receipt"]["size"] == len(data)
    assert body["submission"]["owner_id"] == "s210001"
    # exactly one object, under the upload's key, with the same bytes
    keys = stack.objects()
    assert len(keys) == 1 and keys[0].startswith("uploads/lab-1/")
    assert stack.minio.get_object(stack.bucket, keys[0]).read() == data
    events = stack.outbox("submission.received.v1")
    assert len(events) == 1
    assert events[0].data["submission_id"] == body["submission"]["id"]
    assert events[0].data["sha256"] == body["version"]["sha256"]
    assert stack.count(Version) == 1
    with stack.session() as session:
        assert [u.status for u in session.query(Upload).all()] == ["accepted"]


def test_multipart_upload_with_one_file_is_accepted(stack, make_notebook):
    stack.assignment("lab-2", lab_number=2)
    data = make_notebook(cells=5)
    r = stack.client.post(
        "/v1/assignments/lab-2/submissions",
        files={"file": ("lab2-EXE.ipynb", data, "application/json")},
        data={"comment": "hello"},
        headers=stack.auth("s210002"),
    )
    assert r.status_code == 201, r.text
    assert r.json()["version"]["file_name"] == "lab2-EXE.ipynb"
    assert r.json()["version"]["size"] == len(data)
