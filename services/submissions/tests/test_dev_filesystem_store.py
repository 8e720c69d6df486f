"""The embedded dev stack's filesystem object store: the same hand-in flow, with presigned URLs
served by the service's own signed object route."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import pytest


@pytest.fixture
def fs_stack(open_stack, tmp_path):
    return open_stack(storage_backend="fs", storage_fs_root=str(tmp_path / "objects"))


def _path(url: str) -> str:
    return urlsplit(url).path


def test_streamed_and_presigned_hand_ins_on_the_filesystem_store(fs_stack, make_notebook):
    stack = fs_stack
    stack.assignment("lab-1", lab_number=1)
    first = make_notebook(cells=1)
    r = stack.hand_in("lab-1", "s1", first)
    assert r.status_code == 201, r.text
    sid = r.json()["submission"]["id"]
    link = stack.client.get(f"/v1/submissions/{sid}/versions/1/download", headers=stack.auth("s1")).json()
    fetched = stack.client.get(_path(link["url"]))
    assert fetched.status_code == 200 and fetched.content == first
    second = make_notebook(cells=2)
    ticket = stack.client.post(
        "/v1/assignments/lab-1/uploads",
        headers=stack.auth("s1"),
        json={"file_name": "v2-EXE.ipynb", "size": len(second), "sha256": hashlib.sha256(second).hexdigest()},
    ).json()
    assert stack.client.put(_path(ticket["url"]), content=second).status_code == 200
    confirmed = stack.client.post(f"/v1/uploads/{ticket['upload_id']}/confirm", headers=stack.auth("s1"))
    assert confirmed.status_code == 201, confirmed.text
    assert confirmed.json()["version"]["version"] == 2
    tampered = _path(link["url"])[:-3] + "AAA"
    assert stack.client.get(tampered).status_code == 403


def test_a_rejected_upload_leaves_no_file(fs_stack, tmp_path):
    stack = fs_stack
    stack.assignment("lab-1", lab_number=1)
    r = stack.hand_in("lab-1", "s1", b"not a notebook")
    assert (r.status_code, r.json()["code"]) == (422, "not_json")
    data_dir = tmp_path / "objects" / stack.settings.storage_bucket / "data"
    assert [p for p in data_dir.rglob("*") if p.is_file()] == []
