"""The project phase's group hand-ins: synopsis, final report, poster.

- A synopsis that becomes a group's current version is announced to the project's supervisors
  (``synopsis.received.v1`` with the group's project from ``project.assigned.v1``); not graded.
- A poster is required of a group with a member who presents, i.e. anyone not enrolled as a PhD
  student (the roster's ``programme``; a member the roster has not described counts as presenting).
  An all-PhD group hands in a report only.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session

from peerlab.chassis.errors import not_found
from peerlab.submissions import repository
from peerlab.submissions.events import publish
from peerlab.submissions.models import Assignment, GroupProject, Person, Submission, Version
from peerlab.submissions.schemas import ProjectHandIn, ProjectHandIns

PROJECT_KINDS = ("synopsis", "report", "poster")
POSTER_MISSING = "poster_missing"


def presenting_members(session: Session, group_id: str) -> list[str]:
    members = [m.member_id for m in repository.group_members(session, group_id)]
    if not members:
        return []
    people = {p.person_id: p for p in session.scalars(select(Person).where(Person.person_id.in_(members)))}
    return sorted(m for m in members if m not in people or people[m].programme != "phd")


def poster_required(session: Session, group_id: str) -> bool:
    return bool(presenting_members(session, group_id))


def _current(session: Session, assignment: Assignment, group_id: str) -> bool:
    submission = repository.find_submission(session, assignment_id=assignment.id, owner_id=group_id)
    return submission is not None and submission.current_version is not None


def extra_warnings(session: Session, *, assignment: Assignment, owner_type: str, owner_id: str) -> list[dict]:
    """Warnings a report hand-in earns from the group's other hand-ins: the poster it must include."""
    if assignment.kind != "report" or owner_type != "group" or not poster_required(session, owner_id):
        return []
    posters = repository.list_assignments(session, course_id=assignment.course_id, kind="poster")
    if any(_current(session, p, owner_id) for p in posters):
        return []
    return [
        {
            "code": POSTER_MISSING,
            "message": "Your group has members who present, so a poster is required; none is handed in yet.",
            "details": {},
        }
    ]


def announce(session: Session, *, assignment: Assignment, submission: Submission, version: Version) -> None:
    """After a new current version: tell the supervisors about a group's synopsis."""
    if assignment.kind != "synopsis" or submission.owner_type != "group":
        return
    project = session.get(GroupProject, submission.owner_id)
    publish.synopsis_received(
        session,
        assignment=assignment,
        submission=submission,
        version=version,
        project_id=project.project_id if project else None,
    )


def status(session: Session, *, course_id: str, group_id: str) -> ProjectHandIns:
    """What the group must still hand in, and what it has."""
    if not repository.group_members(session, group_id):
        raise not_found("group")
    presenting = presenting_members(session, group_id)
    items = []
    for kind in PROJECT_KINDS:
        found = repository.list_assignments(session, course_id=course_id, kind=kind)
        required = kind != "poster" or bool(presenting)
        reason = "" if required else "Every member is a PhD student; PhD students do not present a poster."
        assignment = found[0] if found else None
        items.append(
            ProjectHandIn(
                kind=kind,
                assignment_id=assignment.id if assignment else None,
                required=required,  # type: ignore[arg-type]
                handed_in=any(_current(session, a, group_id) for a in found),
                deadline=assignment.deadline if assignment else None,
                reason=reason,
            )
        )
    return ProjectHandIns(group_id=group_id, presenting_members=presenting, items=items)
