"""Consumer ``scheduling-exam``: what the visit plan and the grades need from others — people's
programme, name and e-mail (``roster.person_enrolled.v1``) and each group's project supervisors
(``project.assigned.v1``). A separate consumer group from ``scheduling`` (the group projection),
so either can be replayed alone; both write in the handler's unit of work with the inbox key."""

from __future__ import annotations

from sqlmodel import Session

from peerlab.chassis.consumer import ConsumerSpec
from peerlab.contracts import Envelope, topics
from peerlab.contracts.events.projects import ProjectAssignedV1
from peerlab.contracts.events.roster import PersonEnrolledV1
from peerlab.scheduling.service import examiners

CONSUMER_NAME = "scheduling-exam"


def on_person_enrolled(session: Session, envelope: Envelope, data: PersonEnrolledV1) -> None:
    examiners.apply_person(
        session,
        course_id=envelope.course_id,
        person_id=data.person_id,
        name=data.name,
        email=data.email,
        programme=data.programme,
        at=data.enrolled_at,
    )


def on_project_assigned(session: Session, envelope: Envelope, data: ProjectAssignedV1) -> None:
    examiners.apply_project_assigned(
        session,
        course_id=envelope.course_id,
        group_id=data.group_id,
        project_id=data.project_id,
        supervisor_emails=data.supervisor_emails,
        at=data.assigned_at,
    )


def consumer_spec() -> ConsumerSpec:
    return ConsumerSpec(
        name=CONSUMER_NAME,
        topics=[topics.ROSTER, topics.PROJECTS],
        handlers={PersonEnrolledV1.TYPE: on_person_enrolled, ProjectAssignedV1.TYPE: on_project_assigned},
    )
