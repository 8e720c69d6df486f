"""The batch reads behind the gateway's DataLoaders (``?ids=``, ``?owner_ids=``) run as many SQL
statements for one hand-in as for many: no query per row (counted with an SQLAlchemy event hook).
More ids than the limit are a 422 ``too_many_ids``, not a silently shortened answer."""

from __future__ import annotations

from peerlab.local.testing import count_statements

STUDENTS = ("s1", "s2", "s3")


def _read(stack, headers: dict[str, str], **params: str) -> tuple[int, list[str]]:
    with count_statements(stack.client.app.state.engine) as sql:
        r = stack.client.get("/v1/submissions", params=params, headers=headers)
    assert r.status_code == 200, r.text
    return len(sql), [item["id"] for item in r.json()["items"]]


def test_batch_reads_cost_the_same_statements_for_one_row_as_for_six(stack, make_notebook):
    ids = []
    for lab in (1, 2):
        stack.assignment(f"lab-{lab}", lab_number=lab)
        for student in STUDENTS:
            r = stack.hand_in(f"lab-{lab}", student, make_notebook())
            assert r.status_code == 201, r.text
            ids.append(r.json()["submission"]["id"])
    teacher = stack.teacher

    one, rows = _read(stack, teacher, ids=ids[0])
    six, rows_six = _read(stack, teacher, ids=",".join(ids))
    assert (rows, rows_six) == ([ids[0]], ids) and one == six

    one, rows = _read(stack, teacher, owner_ids="s1")
    three, rows_three = _read(stack, teacher, owner_ids=",".join(STUDENTS))
    assert (len(rows), len(rows_three)) == (2, 6) and one == three

    # A student's batch read checks access for all rows at once too, and sees only their own.
    student = stack.auth("s1")
    one, rows = _read(stack, student, ids=ids[0])
    six, rows_six = _read(stack, student, ids=",".join(ids))
    assert rows == [ids[0]] and rows_six == [ids[0], ids[3]] and one == six


def test_more_ids_than_the_limit_are_refused(stack):
    too_many = ",".join(f"sub-{i}" for i in range(501))
    for params in ({"ids": too_many}, {"owner_ids": too_many}):
        r = stack.client.get("/v1/submissions", params=params, headers=stack.teacher)
        assert (r.status_code, r.json()["code"]) == (422, "too_many_ids")
