"""Identity and roster: CSV import, LMS push (signed), roster events through the outbox."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import Session
from standardwebhooks.webhooks import Webhook

from peerlab.chassis.db import make_engine
from peerlab.chassis.outbox import OutboxEvent
from peerlab.contracts import Envelope

CSV = """id,name,email,roles,programme
s210001,Ada Lovelace,ada@student.dtu.dk,student,msc
s210002,Alan Turing,alan@student.dtu.dk,student,phd
t-ole,Ole Winther,olwi@dtu.dk,teacher;admin,
"""


def _events(settings) -> list[Envelope]:
    engine = make_engine(settings)
    with Session(engine) as session:
        rows = session.execute(select(OutboxEvent).order_by(OutboxEvent.seq)).scalars().all()
        envelopes = [Envelope.from_bytes(r.payload) for r in rows]
    engine.dispose()
    return envelopes


def test_csv_import_enrols_publishes_and_is_idempotent(client, settings, auth) -> None:
    admin = auth("t-admin", "admin")
    response = client.post("/v1/roster/import", content=CSV, headers={**admin, "content-type": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.json()["enrolled"] == 3
    events = _events(settings)
    assert [e.type for e in events] == ["roster.person_enrolled.v1"] * 3
    by_person = {e.subject: e.data for e in events}
    assert by_person["s210002"]["programme"] == "phd"
    # name and e-mail ride along (scheduling: the registrar's grade list, examiner/supervisor matching)
    assert (by_person["s210001"]["name"], by_person["s210001"]["email"]) == ("Ada Lovelace", "ada@student.dtu.dk")
    assert sorted(by_person["t-ole"]["roles"]) == ["admin", "teacher"]
    # The same file again changes nothing and publishes nothing.
    again = client.post("/v1/roster/import", content=CSV, headers={**admin, "content-type": "text/csv"})
    assert again.json()["unchanged"] == 3
    assert len(_events(settings)) == 3
    # A file without Alan, with unenrol_missing, unenrols him.
    shorter = "\n".join(line for line in CSV.splitlines() if "Alan" not in line)
    third = client.post(
        "/v1/roster/import?unenrol_missing=true", content=shorter, headers={**admin, "content-type": "text/csv"}
    )
    assert third.json()["unenrolled"] == 1
    assert _events(settings)[-1].type == "roster.person_unenrolled.v1"


def test_roster_events_carry_name_and_email_and_a_new_name_is_published(client, settings, auth) -> None:
    """Submissions masks these in reviewers' anonymised copies, so they travel in the event, and a
    changed name or e-mail (roles and programme unchanged) is published too."""
    admin = auth("t-admin", "admin")
    client.post("/v1/roster/import", content=CSV, headers={**admin, "content-type": "text/csv"})
    ada = next(e.data for e in _events(settings) if e.subject == "s210001")
    assert (ada["name"], ada["email"]) == ("Ada Lovelace", "ada@student.dtu.dk")
    renamed = CSV.replace("Ada Lovelace,ada@", "Ada King,ada.king@")
    response = client.post("/v1/roster/import", content=renamed, headers={**admin, "content-type": "text/csv"})
    assert response.json()["updated"] == 1 and response.json()["unchanged"] == 2
    last = _events(settings)[-1]
    assert (last.subject, last.data["name"], last.data["email"]) == ("s210001", "Ada King", "ada.king@student.dtu.dk")


def test_csv_rows_with_errors_are_reported_and_skipped(client, auth) -> None:
    admin = auth("t-admin", "admin")
    text = "id,name,roles,programme\ns1,A,student,msc\ns2,,student,msc\ns3,C,wizard,msc\ns4,D,student,bsc\n"
    body = client.post("/v1/roster/import", content=text, headers={**admin, "content-type": "text/csv"}).json()
    assert body["enrolled"] == 1
    assert [e["code"] for e in body["errors"]] == ["invalid_name", "invalid_role", "invalid_programme"]


def test_only_admins_import_and_students_cannot_list(client, auth) -> None:
    student = auth("s210001")
    assert client.post("/v1/roster/import", content=CSV, headers=student).status_code == 403
    assert client.get("/v1/roster", headers=student).status_code == 403
    assert client.get("/v1/people?ids=s210001", headers=student).status_code == 403
    assert client.post("/v1/roster/import", content=CSV).status_code == 401


def test_me_resolves_from_the_token_subject(client, auth) -> None:
    admin = auth("t-admin", "admin")
    client.post("/v1/roster/import", content=CSV, headers={**admin, "content-type": "text/csv"})
    me = client.get("/v1/people/me", headers=auth("s210002")).json()
    assert (me["id"], me["name"], me["programme"], me["roles"]) == ("s210002", "Alan Turing", "phd", ["student"])


def _signed(settings, message: dict, msg_id: str | None = None) -> tuple[bytes, dict]:
    body = json.dumps(message)
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    now = datetime.now(UTC)
    signature = Webhook(settings.lms_inbound_secret).sign(msg_id=msg_id, timestamp=now, data=body)
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }
    return body.encode(), headers


def test_lms_push_is_verified_and_applied_once(client, settings) -> None:
    message = {
        "type": "person.enrolled",
        "data": {"person_id": "s219999", "name": "Grace Hopper", "roles": ["student"], "programme": "msc"},
    }
    body, headers = _signed(settings, message, "msg_fixed1")
    first = client.post("/v1/roster/lms", content=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["outcome"] == "enrolled"
    assert client.post("/v1/roster/lms", content=body, headers=headers).json()["outcome"] == "duplicate"
    tampered = body.replace(b"Grace", b"Grave")
    refused = client.post("/v1/roster/lms", content=tampered, headers=headers)
    assert refused.status_code == 401 and refused.json()["code"] == "invalid_signature"
    unsigned = client.post("/v1/roster/lms", content=body, headers={"content-type": "application/json"})
    assert unsigned.status_code == 401
    assert [e.type for e in _events(settings)] == ["roster.person_enrolled.v1"]
    gone_body, gone_headers = _signed(settings, {"type": "person.unenrolled", "data": {"person_id": "s219999"}})
    assert client.post("/v1/roster/lms", content=gone_body, headers=gone_headers).json()["outcome"] == "unenrolled"
    assert _events(settings)[-1].type == "roster.person_unenrolled.v1"


def _person(client, auth, person_id: str) -> dict | None:
    response = client.get(f"/v1/people?ids={person_id}", headers=auth("t-admin", "admin"))
    return next(iter(response.json()), None)


def test_lms_push_cannot_grant_staff_roles_by_default(client, settings, auth) -> None:
    """The probe's push: enrol someone as admin + teacher. Refused whole; nothing written, no event."""
    message = {
        "type": "person.enrolled",
        "data": {"person_id": "mallory", "name": "Mallory", "roles": ["admin", "teacher"]},
    }
    body, headers = _signed(settings, message, "msg_staff1")
    refused = client.post("/v1/roster/lms", content=body, headers=headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "staff_role_not_allowed"
    assert "admin, teacher" in refused.json()["detail"]
    assert _person(client, auth, "mallory") is None
    assert _events(settings) == []
    for role in ("ta", "supervisor", "examiner", "integration"):
        one = {"type": "person.enrolled", "data": {"person_id": "m2", "name": "M", "roles": ["student", role]}}
        body, headers = _signed(settings, one)
        assert client.post("/v1/roster/lms", content=body, headers=headers).json()["code"] == "staff_role_not_allowed"


def test_lms_push_cannot_change_or_unenrol_staff_by_default(client, settings, auth) -> None:
    admin = auth("t-admin", "admin")
    assert client.put("/v1/roster/t-ole", json={"name": "Ole", "roles": ["teacher"]}, headers=admin).status_code == 200
    demote = {"type": "person.enrolled", "data": {"person_id": "t-ole", "name": "Ole", "roles": ["student"]}}
    body, headers = _signed(settings, demote)
    assert client.post("/v1/roster/lms", content=body, headers=headers).json()["code"] == "staff_role_not_allowed"
    body, headers = _signed(settings, {"type": "person.unenrolled", "data": {"person_id": "t-ole"}})
    assert client.post("/v1/roster/lms", content=body, headers=headers).json()["code"] == "staff_role_not_allowed"
    assert _person(client, auth, "t-ole")["roles"] == ["teacher"]
    # Students are the LMS's to manage.
    body, headers = _signed(
        settings, {"type": "person.enrolled", "data": {"person_id": "s1", "name": "Ada", "roles": ["student"]}}
    )
    assert client.post("/v1/roster/lms", content=body, headers=headers).json()["outcome"] == "enrolled"


def test_lms_push_grants_staff_roles_when_the_integration_allows_it(make_settings, auth) -> None:
    from fastapi.testclient import TestClient

    from peerlab.gateway.main import create_app

    settings = make_settings(lms_may_grant_staff_roles=True)
    with TestClient(create_app(settings)) as client:
        message = {
            "type": "person.enrolled",
            "data": {"person_id": "t-new", "name": "New Teacher", "roles": ["teacher", "admin"]},
        }
        body, headers = _signed(settings, message)
        assert client.post("/v1/roster/lms", content=body, headers=headers).json()["outcome"] == "enrolled"
        assert _person(client, auth, "t-new")["roles"] == ["admin", "teacher"]


def test_roster_events_carry_the_email_and_an_email_change_is_published(client, settings, auth) -> None:
    """Projects matches catalogue supervisors to people by this e-mail."""
    admin = auth("t-admin", "admin")
    client.post("/v1/roster/import", content=CSV, headers={**admin, "content-type": "text/csv"})
    assert {e.subject: e.data["email"] for e in _events(settings)}["t-ole"] == "olwi@dtu.dk"
    moved = CSV.replace("olwi@dtu.dk", "ole.winther@dtu.dk")
    body = client.post("/v1/roster/import", content=moved, headers={**admin, "content-type": "text/csv"}).json()
    assert body["updated"] == 1 and body["unchanged"] == 2
    last = _events(settings)[-1]
    assert (last.type, last.subject, last.data["email"]) == ("roster.person_enrolled.v1", "t-ole", "ole.winther@dtu.dk")
