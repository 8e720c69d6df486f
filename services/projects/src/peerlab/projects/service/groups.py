"""Groups: create, join by code, leave; staff add and remove members and grant exemptions.

The rules are in ``peerlab.projects.rules``. A student is in at most one group per course (the
membership primary key), a group never exceeds ``max_group_size`` (conditional UPDATE of its
count), and students change groups only before the selection deadline. Staff (never students)
may put a student in past the eligibility gate with an explicit override and a reason; each
bypass is written to the audit log with the membership. ``group.formed.v1`` is
published when a group first meets the size rule, ``group.changed.v1`` on every later change of
its members (an empty member list: the group was dissolved).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from peerlab.chassis.auth import Principal, Role
from peerlab.chassis.errors import ProblemError, conflict, forbidden, not_found
from peerlab.projects import repository as repo
from peerlab.projects import rules
from peerlab.projects.events import publish
from peerlab.projects.models import AuditEntryRow, GroupRow, MembershipRow
from peerlab.projects.schemas import GroupCreate, GroupPublic, MemberPublic
from peerlab.projects.service import calendar
from peerlab.projects.settings import ProjectsSettings

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


@dataclass(frozen=True)
class GroupPolicy:
    course_id: str
    min_size: int
    max_size: int
    eligibility_gate: bool
    require_roster: bool
    labs_end: datetime | None  # the calendar's dates; None until it has published them
    selection_deadline: datetime | None

    @classmethod
    def of(cls, settings: ProjectsSettings, session: Session) -> "GroupPolicy":
        course = settings.course_id
        return cls(
            course,
            settings.min_group_size,
            settings.max_group_size,
            settings.eligibility_gate,
            settings.require_roster,
            calendar.date_of(session, course, calendar.LABS_END),
            calendar.date_of(session, course, calendar.SELECTION),
        )

    def selection_open(self, now: datetime) -> bool:
        return self.selection_deadline is None or now < self.selection_deadline


@dataclass(frozen=True)
class Override:
    """Staff's explicit permission to pass the eligibility gate, with the reason the audit keeps."""

    actor: str
    reason: str


def eligibility_override(principal: Principal, *, requested: bool, reason: str | None) -> Override | None:
    """The override asked for, checked: staff only, and only with a reason."""
    text = (reason or "").strip()
    if not requested:
        if text:
            raise ProblemError(422, "unexpected_override_reason", "override_reason goes with override_eligibility.")
        return None
    if not principal.is_staff:
        raise forbidden("Only staff may override the eligibility gate.")
    if not text:
        raise ProblemError(422, "override_reason_required", "Say why the eligibility gate is overridden.")
    return Override(actor=principal.sub, reason=text)


def ensure_student_member(principal: Principal) -> None:
    """Groups are for students: only a principal with the student role becomes a member by founding
    or joining, whatever ``require_roster`` says (staff manage groups without being in them)."""
    if not principal.has(Role.STUDENT):
        raise ProblemError(403, "students_only", "Only students found or join a group as a member.")


def ensure_students_may_change(principal: Principal, policy: GroupPolicy, now: datetime) -> None:
    if not principal.is_staff and not policy.selection_open(now):
        assert policy.selection_deadline is not None
        raise conflict("selection_closed", f"Groups and choices closed at {policy.selection_deadline.isoformat()}.")


def check_candidate(
    session: Session, *, person_id: str, policy: GroupPolicy, now: datetime, override: Override | None = None
) -> str | None:
    """May ``person_id`` be put in a group? Raises a 409 problem saying why not; with an override,
    an eligibility refusal is returned instead (the caller audits it)."""
    person = repo.get_person(session, policy.course_id, person_id)
    if policy.require_roster and (person is None or not person.enrolled or "student" not in person.roles):
        raise conflict("not_on_roster", f"{person_id} is not an enrolled student of {policy.course_id}.")
    bypassed = None
    if policy.eligibility_gate:
        reason = rules.eligibility_refusal(person.eligibility if person else None, now=now, labs_end=policy.labs_end)
        if reason and override is not None:
            bypassed = reason
        elif reason == "not_eligible":
            raise conflict(reason, f"{person_id} has not passed enough labs for the project.")
        elif reason:
            raise conflict(reason, f"The labs have ended and {person_id}'s eligibility is still undecided.")
    if repo.membership(session, policy.course_id, person_id) is not None:
        raise conflict("already_in_group", f"{person_id} is already in a group.")
    return bypassed


def _add(
    session: Session,
    group: GroupRow,
    person_id: str,
    policy: GroupPolicy,
    now: datetime,
    override: Override | None = None,
) -> None:
    bypassed = check_candidate(session, person_id=person_id, policy=policy, now=now, override=override)
    if not repo.take_seat(session, group.group_id, policy.max_size):
        raise conflict("group_full", f"A group has at most {policy.max_size} members.")
    try:
        with session.begin_nested():
            session.add(
                MembershipRow(course_id=policy.course_id, person_id=person_id, group_id=group.group_id, joined_at=now)
            )
    except IntegrityError as exc:
        raise conflict("already_in_group", f"{person_id} joined another group at the same moment.") from exc
    if bypassed and override is not None:
        session.add(
            AuditEntryRow(
                id=str(uuid.uuid4()),
                course_id=policy.course_id,
                action="eligibility_override",
                actor=override.actor,
                person_id=person_id,
                group_id=group.group_id,
                rule=bypassed,
                reason=override.reason,
                created_at=now,
            )
        )


def _remove(session: Session, group: GroupRow, person_id: str, policy: GroupPolicy) -> None:
    row = repo.membership(session, policy.course_id, person_id)
    if row is None or row.group_id != group.group_id:
        raise not_found("Member")
    session.delete(row)
    session.flush()
    repo.free_seat(session, group.group_id)


def settle(session: Session, group: GroupRow, *, policy: GroupPolicy, now: datetime, members_changed: bool) -> None:
    """Recompute the group's state after a change and publish what downstream must know."""
    session.flush()
    session.refresh(group)
    members = repo.member_ids(session, group.group_id)
    state = rules.group_state(len(members), exempt=group.exempt, min_size=policy.min_size)
    if state == "formed" and group.state != "formed":
        group.formed_at = group.formed_at or now
        publish.group_formed(session, course_id=group.course_id, group_id=group.group_id, member_ids=members, at=now)
    elif group.state == "formed" and (members_changed or state != "formed"):
        publish.group_changed(session, course_id=group.course_id, group_id=group.group_id, member_ids=members, at=now)
    group.state, group.updated_at = state, now
    session.add(group)


def _require_group(session: Session, group_id: str, policy: GroupPolicy, *, for_update: bool = False) -> GroupRow:
    group = repo.get_group(session, group_id, for_update=for_update)
    if group is None or group.course_id != policy.course_id:
        raise not_found("Group")
    return group


def _new_group(
    session: Session,
    *,
    name: str,
    policy: GroupPolicy,
    principal: Principal,
    now: datetime,
    exempt: bool,
    reason: str | None,
) -> GroupRow:
    for _ in range(10):
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if repo.group_by_code(session, policy.course_id, code) is None:
            break
    group = GroupRow(
        group_id=f"g-{secrets.token_hex(4)}",
        course_id=policy.course_id,
        name=name,
        join_code=code,
        state="forming",
        member_count=0,
        exempt=exempt,
        exemption_reason=reason,
        created_by=principal.sub,
        created_at=now,
        updated_at=now,
    )
    session.add(group)
    session.flush()
    return group


def create_group(
    session: Session, *, body: GroupCreate, principal: Principal, policy: GroupPolicy, now: datetime
) -> GroupRow:
    """A student founds a group with themself in it (others join with its code; only the student
    role founds or joins, see ``ensure_student_member``); staff may create a group with any members (at most the maximum size; past the eligibility gate only with an
    audited override), teachers with the exemption that lets it be smaller than the minimum."""
    override = eligibility_override(principal, requested=body.override_eligibility, reason=body.override_reason)
    if principal.is_staff:
        members = list(dict.fromkeys(body.member_ids or []))
        if not members:
            raise ProblemError(422, "no_members", "Name the group's members.")
        if len(members) > policy.max_size:
            raise conflict("group_full", f"A group has at most {policy.max_size} members; {len(members)} were named.")
        if principal.sub in members:
            ensure_student_member(principal)
    else:
        ensure_student_member(principal)
        if body.member_ids not in (None, [principal.sub]) or body.exempt:
            raise forbidden("Students found a group with themselves; others join with its code.")
        ensure_students_may_change(principal, policy, now)
        members = [principal.sub]
    if body.exempt and not principal.is_teacher:
        raise forbidden("Only teachers grant exemptions.")
    group = _new_group(
        session,
        name=body.name,
        policy=policy,
        principal=principal,
        now=now,
        exempt=body.exempt,
        reason=body.exemption_reason,
    )
    for person_id in members:
        _add(session, group, person_id, policy, now, override)
    settle(session, group, policy=policy, now=now, members_changed=True)
    return group


def join_group(
    session: Session, *, join_code: str, principal: Principal, policy: GroupPolicy, now: datetime
) -> GroupRow:
    ensure_student_member(principal)
    ensure_students_may_change(principal, policy, now)
    group = repo.group_by_code(session, policy.course_id, join_code.strip().upper())
    if group is None or group.state == "dissolved":
        raise ProblemError(404, "unknown_join_code", "No open group has this code.")
    _add(session, group, principal.sub, policy, now)
    settle(session, group, policy=policy, now=now, members_changed=True)
    return group


def leave_group(
    session: Session, *, group_id: str, principal: Principal, policy: GroupPolicy, now: datetime
) -> GroupRow:
    ensure_students_may_change(principal, policy, now)
    group = _require_group(session, group_id, policy, for_update=True)
    _remove(session, group, principal.sub, policy)
    settle(session, group, policy=policy, now=now, members_changed=True)
    return group


def add_member(
    session: Session,
    *,
    group_id: str,
    person_id: str,
    policy: GroupPolicy,
    now: datetime,
    override: Override | None = None,
) -> GroupRow:
    """Staff: put a student in a group (the roster rule applies; the eligibility gate too unless
    overridden, which is audited)."""
    group = _require_group(session, group_id, policy, for_update=True)
    if person_id in repo.member_ids(session, group_id):
        return group
    if group.state == "dissolved":
        raise conflict("group_dissolved", "The group was dissolved.")
    _add(session, group, person_id, policy, now, override)
    settle(session, group, policy=policy, now=now, members_changed=True)
    return group


def remove_member(session: Session, *, group_id: str, person_id: str, policy: GroupPolicy, now: datetime) -> GroupRow:
    group = _require_group(session, group_id, policy, for_update=True)
    _remove(session, group, person_id, policy)
    settle(session, group, policy=policy, now=now, members_changed=True)
    return group


def remove_from_any_group(session: Session, *, person_id: str, policy: GroupPolicy, now: datetime) -> None:
    """A student who leaves the course leaves their group too."""
    row = repo.membership(session, policy.course_id, person_id)
    if row is not None:
        remove_member(session, group_id=row.group_id, person_id=person_id, policy=policy, now=now)


def set_exemption(
    session: Session, *, group_id: str, exempt: bool, reason: str | None, policy: GroupPolicy, now: datetime
) -> GroupRow:
    group = _require_group(session, group_id, policy, for_update=True)
    group.exempt, group.exemption_reason = exempt, reason if exempt else None
    settle(session, group, policy=policy, now=now, members_changed=False)
    return group


def require_visible(session: Session, *, group_id: str, principal: Principal, policy: GroupPolicy) -> GroupRow:
    """Members and staff see a group; others get 404 (a group's existence is not public)."""
    group = _require_group(session, group_id, policy)
    if principal.is_staff:
        return group
    row = repo.membership(session, policy.course_id, principal.sub)
    if row is None or row.group_id != group_id:
        raise not_found("Group")
    return group


def to_public(
    session: Session, group: GroupRow, *, principal: Principal, members: list[str] | None = None
) -> GroupPublic:
    members = members if members is not None else repo.member_ids(session, group.group_id)
    people = repo.people(session, group.course_id, members)
    shows_code = principal.is_staff or principal.sub in members
    return GroupPublic(
        group_id=group.group_id,
        course_id=group.course_id,
        name=group.name,
        state=group.state,
        members=[
            MemberPublic(
                person_id=m,
                programme=people[m].programme if m in people else None,
                eligibility=people[m].eligibility if m in people else None,
                presents_poster=not (m in people and people[m].programme == "phd"),
            )
            for m in members
        ],
        exempt=group.exempt,
        exemption_reason=group.exemption_reason,
        join_code=group.join_code if shows_code and group.state != "dissolved" else None,
        created_at=group.created_at,
        formed_at=group.formed_at,
    )
