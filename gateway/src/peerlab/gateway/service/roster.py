"""Identity and roster rules: enrol, update, unenrol, and imports from CSV and the LMS.

An enrolment event is published only when something the services care about changed (roles,
programme, being enrolled), so a re-import of the same file publishes nothing.

The LMS manages students only unless ``lms_may_grant_staff_roles`` is set: a push that would give
someone a privileged role (every role but student), or change or unenrol someone who holds one,
is refused whole (422 ``staff_role_not_allowed``, nothing applied, the webhook id not recorded so
the LMS may send it again once an admin allows it). Admins grant those roles (PUT, CSV import).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from sqlmodel import Session

from peerlab.chassis.auth import Role
from peerlab.chassis.errors import ProblemError
from peerlab.chassis import clock
from peerlab.gateway import repository
from peerlab.gateway.events import publish
from peerlab.gateway.models import Enrolment, Person

ROLES = tuple(role.value for role in Role)
PRIVILEGED_ROLES = frozenset(ROLES) - {Role.STUDENT.value}
PROGRAMMES = ("msc", "phd", "other")
MAX_CSV_ROWS = 5000
# Column sizes of gateway_person; longer values are refused here rather than failing in the database.
MAX_ID, MAX_NAME, MAX_EMAIL = 100, 300, 320
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass
class PersonInput:
    person_id: str
    name: str
    email: str | None = None
    roles: list[str] = field(default_factory=lambda: ["student"])
    programme: str | None = None


@dataclass
class ImportResult:
    enrolled: int = 0
    updated: int = 0
    unchanged: int = 0
    unenrolled: int = 0
    errors: list[dict] = field(default_factory=list)


def _check(person: PersonInput) -> None:
    if not person.person_id or len(person.person_id) > MAX_ID or _CONTROL.search(person.person_id):
        raise ProblemError(422, "invalid_person_id", "A person id of 1-100 printable characters is required.")
    if not person.name or len(person.name) > MAX_NAME or _CONTROL.search(person.name):
        raise ProblemError(
            422, "invalid_name", f"{person.person_id}: a name of 1-300 printable characters is required."
        )
    if person.email is not None and (len(person.email) > MAX_EMAIL or _CONTROL.search(person.email)):
        raise ProblemError(422, "invalid_email", f"{person.person_id}: an email of at most 320 printable characters.")
    bad = [r for r in person.roles if r not in ROLES]
    if bad or not person.roles:
        raise ProblemError(422, "invalid_role", f"{person.person_id}: unknown or missing roles {bad}.")
    if person.programme is not None and person.programme not in PROGRAMMES:
        raise ProblemError(422, "invalid_programme", f"{person.person_id}: programme must be msc, phd or other.")


def enrol(session: Session, *, course_id: str, person: PersonInput) -> str:
    """Create or update a person and their enrolment; returns 'enrolled', 'updated' or 'unchanged'."""
    _check(person)
    now = clock.now()
    roles = sorted(set(person.roles))
    row = repository.get_person(session, person.person_id)
    details_changed = False
    if row is None:
        row = Person(
            id=person.person_id,
            name=person.name,
            email=person.email,
            programme=person.programme,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        details_changed = True
    else:
        # name and e-mail travel in the event too (submissions masks them in anonymised copies)
        details_changed = (row.programme, row.name, row.email) != (person.programme, person.name, person.email)
        if (row.name, row.email, row.programme) != (person.name, person.email, person.programme):
            row.name, row.email, row.programme, row.updated_at = person.name, person.email, person.programme, now
    enrolment = repository.get_enrolment(session, course_id=course_id, person_id=person.person_id)
    outcome = "unchanged"
    if enrolment is None:
        session.add(
            Enrolment(
                course_id=course_id, person_id=person.person_id, roles=",".join(roles), active=True, enrolled_at=now
            )
        )
        outcome = "enrolled"
    elif not enrolment.active:
        enrolment.active, enrolment.roles, enrolment.enrolled_at, enrolment.unenrolled_at = (
            True,
            ",".join(roles),
            now,
            None,
        )
        outcome = "enrolled"
    elif enrolment.roles != ",".join(roles) or details_changed:
        enrolment.roles = ",".join(roles)
        outcome = "updated"
    session.flush()
    if outcome != "unchanged":
        publish.person_enrolled(
            session,
            course_id=course_id,
            person_id=person.person_id,
            roles=roles,
            programme=person.programme,
            at=now,
            name=person.name,
            email=person.email,
        )
    return outcome


def unenrol(session: Session, *, course_id: str, person_id: str) -> bool:
    """Mark the enrolment inactive; returns False when the person was not enrolled."""
    enrolment = repository.get_enrolment(session, course_id=course_id, person_id=person_id)
    if enrolment is None or not enrolment.active:
        return False
    now = clock.now()
    enrolment.active, enrolment.unenrolled_at = False, now
    publish.person_unenrolled(session, course_id=course_id, person_id=person_id, at=now)
    return True


def parse_csv(text: str) -> tuple[list[PersonInput], list[dict]]:
    """Rows of ``id,name,email,roles,programme`` (roles separated by ``;``); bad rows are reported.

    A file the csv module cannot read (a field over its limit, a NUL byte, a broken quote) is
    refused whole with the line it stopped at.
    """
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        return _read_rows(reader)
    except csv.Error as exc:
        raise ProblemError(422, "invalid_csv", f"The CSV cannot be read at line {reader.line_num}: {exc}.") from exc


def _read_rows(reader: csv.DictReader) -> tuple[list[PersonInput], list[dict]]:
    required = {"id", "name"}
    if reader.fieldnames is None or not required <= {f.strip().lower() for f in reader.fieldnames}:
        raise ProblemError(422, "csv_header", "The CSV needs a header with at least id and name columns.")
    people, errors = [], []
    for line_no, raw in enumerate(reader, start=2):
        if line_no - 1 > MAX_CSV_ROWS:
            raise ProblemError(413, "too_many_rows", f"At most {MAX_CSV_ROWS} rows per import.")
        row = {(k or "").strip().lower(): v.strip() if isinstance(v, str) else "" for k, v in raw.items()}
        person = PersonInput(
            person_id=row.get("id", ""),
            name=row.get("name", ""),
            email=row.get("email") or None,
            roles=[r.strip() for r in (row.get("roles") or "student").split(";") if r.strip()],
            programme=(row.get("programme") or "").lower() or None,
        )
        try:
            _check(person)
        except ProblemError as exc:
            errors.append({"line": line_no, "code": exc.code, "detail": exc.detail})
            continue
        people.append(person)
    return people, errors


def import_csv(session: Session, *, course_id: str, text: str, unenrol_missing: bool = False) -> ImportResult:
    """Apply a roster file; rows with errors are skipped and reported, the rest applied together."""
    people, errors = parse_csv(text)
    result = ImportResult(errors=errors)
    seen = set()
    for person in people:
        seen.add(person.person_id)
        outcome = enrol(session, course_id=course_id, person=person)
        setattr(result, outcome, getattr(result, outcome) + 1)
    if unenrol_missing and not errors:
        for person_id in repository.active_person_ids(session, course_id=course_id) - seen:
            if unenrol(session, course_id=course_id, person_id=person_id):
                result.unenrolled += 1
    return result


def _text(data: dict, key: str, *, required: bool) -> str | None:
    value = data.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str):
        raise ProblemError(422, "invalid_payload", f"data.{key} must be a string.")
    return value


def _refuse_privileged(session: Session, *, course_id: str, person_id: str, roles: list[str]) -> None:
    granted = sorted(set(roles) & PRIVILEGED_ROLES)
    if granted:
        raise ProblemError(
            422, "staff_role_not_allowed", f"The LMS may not grant {', '.join(granted)}; an admin grants staff roles."
        )
    current = repository.get_enrolment(session, course_id=course_id, person_id=person_id)
    held = set(current.roles.split(",")) & PRIVILEGED_ROLES if current is not None and current.active else set()
    if held:
        raise ProblemError(
            422,
            "staff_role_not_allowed",
            f"{person_id} holds {', '.join(sorted(held))}; only an admin may change their enrolment.",
        )


def apply_lms_message(session: Session, *, course_id: str, message: dict, may_grant_staff_roles: bool = False) -> str:
    """One signed LMS push: ``{type: person.enrolled|person.unenrolled, data: {...}}``."""
    kind, data = message.get("type"), message.get("data") or {}
    if not isinstance(data, dict):
        raise ProblemError(422, "invalid_payload", "data must be an object.")
    if kind == "person.enrolled":
        roles = data.get("roles") or ["student"]
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise ProblemError(422, "invalid_payload", "roles must be a list of strings.")
        programme = _text(data, "programme", required=False)
        person = PersonInput(
            person_id=_text(data, "person_id", required=True),
            name=_text(data, "name", required=True),
            email=_text(data, "email", required=False),
            roles=roles,
            programme=programme.lower() if programme else None,
        )
        _check(person)
        if not may_grant_staff_roles:
            _refuse_privileged(session, course_id=course_id, person_id=person.person_id, roles=person.roles)
        return enrol(session, course_id=course_id, person=person)
    if kind == "person.unenrolled":
        person_id = _text(data, "person_id", required=True)
        if not may_grant_staff_roles:
            _refuse_privileged(session, course_id=course_id, person_id=person_id, roles=[])
        return "unenrolled" if unenrol(session, course_id=course_id, person_id=person_id) else "unchanged"
    raise ProblemError(422, "unknown_message_type", f"Unknown LMS message type {str(kind)[:100]!r}.")
