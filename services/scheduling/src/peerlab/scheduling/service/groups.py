"""The projection of project groups (``group.formed.v1`` / ``group.changed.v1``).

Events of different groups may arrive out of order (they are keyed by group id), so each row
remembers the time of the event that wrote it and an older event never overwrites a newer one.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.scheduling import repository as repo
from peerlab.scheduling.models import GroupMemberRow, GroupRow
from peerlab.scheduling.schemas import GroupPublic
from peerlab.scheduling.service import plan_staleness


def apply_group(session: Session, *, course_id: str, group_id: str, member_ids: list[str], at: datetime) -> bool:
    """Record the group's member list as of ``at``; False when a newer state is already recorded."""
    members = sorted(set(member_ids))
    row = repo.get_group(session, group_id)
    if row is not None and row.changed_at > at:
        return False
    if row is not None and row.member_ids != members:
        plan_staleness.group_changed(session, course_id=course_id, group_id=group_id, code="members_changed", now=at)
    if row is None:
        session.add(GroupRow(group_id=group_id, course_id=course_id, member_ids=members, changed_at=at))
    else:
        row.member_ids, row.changed_at = members, at
        session.add(row)
    for member in repo.members_of(session, course_id, group_id):
        if member.person_id not in members and member.changed_at <= at:
            session.delete(member)
    for person_id in members:
        member = session.get(GroupMemberRow, (course_id, person_id))
        if member is None:
            session.add(GroupMemberRow(course_id=course_id, person_id=person_id, group_id=group_id, changed_at=at))
        elif member.changed_at <= at:
            member.group_id, member.changed_at = group_id, at
            session.add(member)
    return True


def to_public(row: GroupRow) -> GroupPublic:
    return GroupPublic.model_validate(row, from_attributes=True)
