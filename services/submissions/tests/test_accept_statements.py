"""The accepting transaction of a hand-in stays a handful of statements (counted with an engine
event hook): the upload, the assignment, the owner's submission with its number and the closed
marker, the version, the outbox row. A first and a later version cost the same."""

from __future__ import annotations

import hashlib

from sqlalchemy import event

from peerlab.submissions.models import Upload, Version
from peerlab.submissions.service import handins
from peerlab.submissions.service.runtime import in_transaction

IGNORED = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN")  # transaction control


def _stage(stack, data: bytes) -> str:
    ticket = stack.client.post(
        "/v1/assignments/lab-1/uploads",
        headers=stack.auth("s1"),
        json={"file_name": "lab-EXE.ipynb", "size": len(data), "sha256": hashlib.sha256(data).hexdigest()},
    )
    assert ticket.status_code == 201, ticket.text
    return ticket.json()["upload_id"]


def _accept_counting(stack, upload_id: str, data: bytes) -> tuple[list[str], Version]:
    engine = stack.client.app.state.engine
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        if not statement.lstrip().upper().startswith(IGNORED):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)

    def accept(session):
        statements.clear()  # a retried SQLite transaction ("database is locked") counts once
        return handins.accept_upload(
            session,
            upload_id=upload_id,
            file_name="lab-EXE.ipynb",
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            warnings=[],
            close_grace_s=0,
        )

    try:  # the way a hand-in runs it: its own transaction, retried while SQLite is locked
        _, _, version = stack.client.portal.call(in_transaction, engine, accept)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return statements, version


def test_accepting_an_upload_takes_five_statements_and_accepting_it_again_none_written(stack, make_notebook):
    stack.assignment("lab-1", lab_number=1)
    for number in (1, 2):
        data = make_notebook(cells=number)
        upload_id = _stage(stack, data)
        statements, version = _accept_counting(stack, upload_id, data)
        assert version.version == number
        # upload UPDATE, assignment SELECT, submission upsert, version INSERT, outbox INSERT (and on
        # PostgreSQL the NOTIFY that wakes the relay at commit: a signal, not a statement on a table)
        written = [s for s in statements if not s.lstrip().upper().startswith("NOTIFY")]
        assert len(written) == 5, statements
    again, version = _accept_counting(stack, upload_id, data)
    assert version.version == 2 and not any(s.lstrip().upper().startswith("INSERT") for s in again)
    with stack.session() as session:
        assert session.get(Upload, upload_id).status == "accepted"
    assert len(stack.outbox("submission.received.v1")) == 2
