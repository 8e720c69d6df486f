"""Identity and roster over REST: me, people (batch), roster import (CSV) and the signed LMS push."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from peerlab.chassis import inbox
from peerlab.chassis.auth import CurrentPrincipal, Principal, Role, StaffPrincipal, require_roles
from peerlab.chassis.db import SessionDep
from peerlab.chassis.errors import ProblemError, not_found
from peerlab.chassis.requests import split_ids
from peerlab.gateway import repository
from peerlab.gateway.limits import UTF8, media_type
from peerlab.gateway.models import Enrolment, Person
from peerlab.gateway.schemas import ImportReport, LmsAck, PersonPublic, PersonUpdate, RosterPage
from peerlab.gateway.service import lms_inbound, roster

router = APIRouter(prefix="/v1", tags=["roster"])
AdminPrincipal = Annotated[Principal, Depends(require_roles(Role.ADMIN))]
CSV_MEDIA_TYPES = ("text/csv", "text/plain", "application/csv", "application/vnd.ms-excel")


async def _raw_body(request: Request) -> bytes:
    return await request.body()


RawBody = Annotated[bytes, Depends(_raw_body)]


def to_public(person: Person, enrolment: Enrolment | None, *, with_email: bool) -> PersonPublic:
    return PersonPublic(
        id=person.id,
        name=person.name,
        email=person.email if with_email else None,
        programme=person.programme,
        roles=enrolment.roles.split(",") if enrolment and enrolment.active else [],
        enrolled=bool(enrolment and enrolment.active),
    )


def _course(request: Request) -> str:
    return request.app.state.settings.course_id


@router.get("/people/me", response_model=PersonPublic)
def me(request: Request, session: SessionDep, principal: CurrentPrincipal) -> PersonPublic:
    person = repository.get_person(session, principal.sub)
    if person is None:
        raise not_found("Person")
    enrolment = repository.get_enrolment(session, course_id=_course(request), person_id=person.id)
    return to_public(person, enrolment, with_email=True)


MAX_PEOPLE = 1000


@router.get("/people", response_model=list[PersonPublic])
def people(
    request: Request,
    session: SessionDep,
    _: StaffPrincipal,
    ids: Annotated[str, Query(description=f"Comma-separated person ids (at most {MAX_PEOPLE}).")],
) -> list[PersonPublic]:
    wanted = split_ids(ids, limit=MAX_PEOPLE)
    found = repository.get_people(session, wanted)
    enrolments = repository.get_enrolments(session, course_id=_course(request), person_ids=wanted)
    return [to_public(found[i], enrolments.get(i), with_email=True) for i in wanted if i in found]


@router.get("/roster", response_model=RosterPage)
def list_roster(
    request: Request,
    session: SessionDep,
    _: StaffPrincipal,
    role: str | None = None,
    after: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> RosterPage:
    rows = repository.list_roster(session, course_id=_course(request), role=role, after=after, limit=limit)
    items = [to_public(p, e, with_email=True) for p, e in rows]
    return RosterPage(items=items, next_after=rows[-1][0].id if len(rows) == limit else None)


@router.put("/roster/{person_id}", response_model=PersonPublic)
def put_person(
    person_id: str, body: PersonUpdate, request: Request, session: SessionDep, _: AdminPrincipal
) -> PersonPublic:
    roster.enrol(
        session,
        course_id=_course(request),
        person=roster.PersonInput(
            person_id=person_id, name=body.name, email=body.email, roles=body.roles, programme=body.programme
        ),
    )
    person = repository.get_person(session, person_id)
    return to_public(
        person, repository.get_enrolment(session, course_id=_course(request), person_id=person_id), with_email=True
    )


@router.delete("/roster/{person_id}", status_code=204)
def delete_person(person_id: str, request: Request, session: SessionDep, _: AdminPrincipal) -> None:
    if not roster.unenrol(session, course_id=_course(request), person_id=person_id):
        raise not_found("Enrolment")


@router.post(
    "/roster/import",
    response_model=ImportReport,
    openapi_extra={"requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def import_roster(
    request: Request,
    session: SessionDep,
    _: AdminPrincipal,
    body: RawBody,
    unenrol_missing: bool = False,
) -> ImportReport:
    """CSV (UTF-8) with a header ``id,name,email,roles,programme``; roles separated by ``;``.

    Its size is limited before it is read (``max_roster_file_bytes``, 413 ``too_large``).
    """
    kind, charset = media_type(request.headers.get("content-type"))
    if kind not in CSV_MEDIA_TYPES:
        raise ProblemError(415, "unsupported_media_type", "Upload the roster as text/csv.")
    if charset not in UTF8:
        raise ProblemError(415, "unsupported_charset", "The roster file must be UTF-8.")
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ProblemError(422, "not_utf8", "The roster file must be UTF-8 text.") from exc
    result = roster.import_csv(session, course_id=_course(request), text=text, unenrol_missing=unenrol_missing)
    return ImportReport(**result.__dict__)


@router.post("/roster/lms", response_model=LmsAck)
def lms_push(request: Request, session: SessionDep, body: RawBody) -> LmsAck:
    """A roster change pushed by the LMS, signed per Standard Webhooks; a retried id is applied once.

    Students only, unless ``lms_may_grant_staff_roles``: see ``service.roster``.
    """
    settings = request.app.state.settings
    message = lms_inbound.read_push(secret=settings.lms_inbound_secret, body=body, headers=request.headers)
    webhook_id = request.headers["webhook-id"][:64]
    if inbox.seen(session, consumer="lms-inbound", event_id=webhook_id):
        return LmsAck(outcome="duplicate")
    outcome = roster.apply_lms_message(
        session, course_id=settings.course_id, message=message, may_grant_staff_roles=settings.lms_may_grant_staff_roles
    )
    inbox.record(session, consumer="lms-inbound", event_id=webhook_id, event_type=str(message.get("type")))
    return LmsAck(outcome=outcome)
