"""Who may hand in for which owner, when, and who may read what.

- A student hands in for themselves (owner type student) or for a group they belong to (owner
  type group, from the projection of the projects service's group events). The owner is always
  derived from the caller's identity, never taken from the request as is.
- A resubmission is open only to a student whose latest verdict on the lab it re-submits is
  ``fail``; it is read by its owner and teachers only, never by peers or TAs.
- Staff read every other hand-in; a reviewer reads only an anonymised copy of a submission
  allocated to them (see ``reviewer_allocation``).
- A supervisor (role ``supervisor``) reads the synopsis and report hand-ins of the groups the
  projects service says they supervise (projection of ``group.supervisors_changed.v1``), and
  nothing else; external supervisors without an account use a teacher's read link instead.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.auth import Principal, Role
from peerlab.chassis.errors import ProblemError, conflict, forbidden
from peerlab.submissions import repository
from peerlab.submissions.models import Allocation, Assignment, Submission


def not_allowed(detail: str) -> ProblemError:
    return ProblemError(403, "not_allowed", detail)


def resolve_owner(
    session: Session,
    *,
    assignment: Assignment,
    principal: Principal,
    group_id: str | None = None,
) -> tuple[str, str]:
    """(owner_type, owner_id) the caller hands in for."""
    if not principal.has(Role.STUDENT):
        raise not_allowed("Only students hand in.")
    if assignment.owner_type == "student":
        return "student", principal.sub
    groups = repository.groups_of(session, principal.sub)
    if group_id is not None:
        if group_id not in groups:
            raise not_allowed("You are not a member of that group.")
        return "group", group_id
    if not groups:
        raise not_allowed("This is a group hand-in and you are in no group.")
    if len(groups) > 1:
        raise ProblemError(422, "group_required", "You are in several groups; name the group (group_id).")
    return "group", groups[0]


def check_window(assignment: Assignment, *, received_at: datetime, closed: bool) -> None:
    """The deadline rule: a hand-in is on time iff its request reached the server strictly before
    the deadline (``received_at < deadline``); it must also be accepted before the assignment is
    closed (``deadline + close_grace_s``)."""
    if received_at < assignment.opens_at:
        raise conflict("not_open", "The assignment is not open for hand-ins yet.")
    if closed or received_at >= assignment.deadline:
        raise conflict("deadline_passed", "The deadline has passed; hand-ins are closed.")


def check_resubmission(session: Session, *, assignment: Assignment, owner_id: str) -> None:
    if assignment.kind != "resubmission":
        return
    verdict = repository.latest_verdict(
        session, student_id=owner_id, assignment_id=assignment.resubmits_assignment_id or ""
    )
    if verdict is None or verdict.verdict != "fail":
        raise not_allowed("A resubmission is open only to students whose lab was failed.")


def is_owner(session: Session, principal: Principal, submission: Submission) -> bool:
    if submission.owner_type == "student":
        return submission.owner_id == principal.sub
    return submission.owner_id in repository.groups_of(session, principal.sub)


SUPERVISED_KINDS = frozenset({"synopsis", "report"})


def is_supervisor_of(session: Session, principal: Principal, submission: Submission, assignment: Assignment) -> bool:
    return (
        assignment.kind in SUPERVISED_KINDS
        and submission.owner_type == "group"
        and principal.has(Role.SUPERVISOR)
        and repository.supervises(session, supervisor_id=principal.sub, group_id=submission.owner_id)
    )


def _reads_as_reader(principal: Principal, assignment: Assignment) -> bool:
    """Neither owner nor supervisor: staff read hand-ins, teachers alone resubmissions."""
    return principal.is_teacher if assignment.kind == "resubmission" else principal.is_staff


def can_read(session: Session, principal: Principal, submission: Submission, assignment: Assignment) -> bool:
    return (
        is_owner(session, principal, submission)
        or is_supervisor_of(session, principal, submission, assignment)
        or _reads_as_reader(principal, assignment)
    )


def readable(
    session: Session, principal: Principal, submissions: list[Submission], *, course_id: str
) -> list[Submission]:
    """The ``submissions`` of ``course_id`` the caller may read (``can_read`` of each), order kept,
    in at most three queries whatever their number: assignments, the caller's groups, supervised groups."""
    if not submissions:
        return []
    assignments = {
        a.id: a for a in repository.assignments_by_ids(session, sorted({s.assignment_id for s in submissions}))
    }
    groups = (
        set(repository.groups_of(session, principal.sub))
        if any(s.owner_type == "group" for s in submissions)
        else set()
    )
    supervised = set(repository.supervised_groups(session, principal.sub)) if principal.has(Role.SUPERVISOR) else set()

    def may_read(submission: Submission, assignment: Assignment) -> bool:
        if submission.owner_type == "student":
            owner = submission.owner_id == principal.sub
        else:
            owner = submission.owner_id in groups
        supervisor = (
            assignment.kind in SUPERVISED_KINDS
            and submission.owner_type == "group"
            and submission.owner_id in supervised
        )
        return owner or supervisor or _reads_as_reader(principal, assignment)

    return [
        s
        for s in submissions
        if (a := assignments.get(s.assignment_id)) is not None and a.course_id == course_id and may_read(s, a)
    ]


def ensure_can_read(session: Session, principal: Principal, submission: Submission, assignment: Assignment) -> None:
    if not can_read(session, principal, submission, assignment):
        raise forbidden("You may not read this hand-in.")


def owner_ids_visible_to(session: Session, principal: Principal) -> list[str]:
    """The owner ids whose hand-ins a non-staff caller may list: themselves and their groups, and a
    supervisor's supervised groups (whose hand-ins ``can_read`` narrows to synopsis and report)."""
    supervised = repository.supervised_groups(session, principal.sub) if principal.has(Role.SUPERVISOR) else []
    return [principal.sub, *repository.groups_of(session, principal.sub), *supervised]


def reviewer_allocation(
    session: Session,
    *,
    principal: Principal,
    submission: Submission,
    assignment: Assignment,
) -> Allocation:
    if assignment.kind == "resubmission":
        raise forbidden("Resubmissions go to teachers only.")
    allocations = repository.allocations_for(session, reviewer_id=principal.sub, submission_id=submission.id)
    if not allocations:
        raise forbidden("This submission is not allocated to you.")
    return allocations[0]
