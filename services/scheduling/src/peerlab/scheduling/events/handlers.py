"""Consumers of the projects service's group events. Each handler runs in the consumer's unit of
work, which also writes the inbox key, so a redelivered event has no second effect."""

from __future__ import annotations

from sqlmodel import Session

from peerlab.chassis.consumer import ConsumerSpec
from peerlab.contracts import Envelope, topics
from peerlab.contracts.events.projects import GroupChangedV1, GroupFormedV1
from peerlab.scheduling.service import groups

CONSUMER_NAME = "scheduling"


def on_group_formed(session: Session, envelope: Envelope, data: GroupFormedV1) -> None:
    groups.apply_group(
        session, course_id=envelope.course_id, group_id=data.group_id, member_ids=data.member_ids, at=data.formed_at
    )


def on_group_changed(session: Session, envelope: Envelope, data: GroupChangedV1) -> None:
    groups.apply_group(
        session, course_id=envelope.course_id, group_id=data.group_id, member_ids=data.member_ids, at=data.changed_at
    )


def consumer_spec() -> ConsumerSpec:
    return ConsumerSpec(
        name=CONSUMER_NAME,
        topics=[topics.PROJECTS],
        handlers={GroupFormedV1.TYPE: on_group_formed, GroupChangedV1.TYPE: on_group_changed},
    )
