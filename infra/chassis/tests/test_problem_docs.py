"""The OpenAPI document lists each operation's problem answers, derived from the route: what the
chassis does for it (token, role, body, database) and what its code raises; nothing it cannot
answer. Only the document is rendered, so no infrastructure is needed."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from peerlab.chassis.app import create_service_app
from peerlab.chassis.auth import CurrentPrincipal, TeacherPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.chassis.errors import ProblemError, conflict, not_found
from peerlab.chassis.problem_docs import answers, not_answered
from peerlab.chassis.settings import ServiceSettings

router = APIRouter(prefix="/v1")


class Slot(BaseModel):
    name: str


def _booked(slot_id: str) -> None:
    if slot_id == "full":
        raise conflict("slot_full", "The slot is full.")


def _slot_or_404(slot_id: str) -> None:
    if slot_id == "none":
        raise not_found("slot")
    _booked(slot_id)


@router.get("/public")
def public() -> dict:
    return {}


@router.get("/me")
def me(principal: CurrentPrincipal) -> dict:
    return {"sub": principal.sub}


@router.put("/slots/{slot_id}")
def book(slot_id: str, body: Slot, session: SessionDep, _: TeacherPrincipal) -> dict:
    _slot_or_404(slot_id)
    if body.name == "x":
        raise ProblemError(422, "bad_name", "Not that name.")
    return {}


@router.get("/declared", responses=answers(409, "deadline_passed", note="Move the deadline first."))
def declared(_: CurrentPrincipal) -> dict:
    return {}


def _student_only(principal) -> None:
    if not principal.is_staff:
        raise not_found("your grade")


@router.get("/staff-view", responses=not_answered(404))
def staff_view(principal: TeacherPrincipal) -> dict:
    _student_only(principal)  # the reading follows the branch a teacher never takes
    return {}


def _spec() -> dict:
    settings = ServiceSettings(
        service_name="docs", environment="test", database_url="sqlite://", relay_in_process=False
    )
    return create_service_app(settings=settings, title="t", description="t", routers=[router]).openapi()


def _problems(spec: dict, path: str, method: str) -> dict[str, str]:
    responses = spec["paths"][path][method]["responses"]
    return {status: r["description"] for status, r in responses.items() if status >= "400"}


def test_a_route_documents_only_what_it_can_answer() -> None:
    spec = _spec()
    assert set(_problems(spec, "/v1/public", "get")) == {"400"}  # the NUL guard, on every route
    me = _problems(spec, "/v1/me", "get")
    assert set(me) == {"400", "401"}
    assert all(f"`{code}`" in me["401"] for code in ("unauthorized", "invalid_token", "token_expired"))


def test_role_body_database_and_raised_problems_are_derived() -> None:
    spec = _spec()
    book = _problems(spec, "/v1/slots/{slot_id}", "put")
    assert set(book) == {"400", "401", "403", "404", "409", "413", "422", "503"}
    assert "`forbidden`" in book["403"] and "`not_found`" in book["404"]
    assert "`slot_full`" in book["409"]  # raised two calls down
    assert "`too_large`" in book["413"]
    assert "`bad_name`" in book["422"] and "`validation_error`" in book["422"]
    assert "`database_busy`" in book["503"] and "`database_unavailable`" in book["503"]
    response = spec["paths"]["/v1/slots/{slot_id}"]["put"]["responses"]["503"]
    assert "Retry-After" in response["headers"]
    assert response["content"] == {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}


def test_declared_answers_are_merged_and_the_problem_schema_replaces_fastapis() -> None:
    spec = _spec()
    declared = spec["paths"]["/v1/declared"]["get"]["responses"]["409"]
    assert (
        declared["description"]
        == "Conflict with the current state. Problem codes: `deadline_passed`. Move the deadline first."
    )
    assert "x-problem-codes" not in declared
    schemas = spec["components"]["schemas"]
    assert set(schemas["Problem"]["required"]) == {"type", "title", "status", "code", "detail"}
    assert "HTTPValidationError" not in schemas


def test_a_derived_problem_the_route_cannot_meet_is_dropped() -> None:
    assert set(_problems(_spec(), "/v1/staff-view", "get")) == {"400", "401", "403"}
