"""Events of the visit plan and the grades, on ``peerlab.scheduling`` (through the outbox)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.outbox import enqueue
from peerlab.contracts.events.grades import GradeFinalisedV1, GradesReleasedV1
from peerlab.contracts.events.scheduling import ExamPlanPublishedV1, VisitPlanStaleV1
from peerlab.scheduling.events.publish import SOURCE
from peerlab.scheduling.exam_models import FinalGrade, GradeRelease, VisitPlan


def plan_published(session: Session, *, plan: VisitPlan, visits: int, examiner_ids: list[str]) -> None:
    changes = plan.changes
    event = ExamPlanPublishedV1(
        exam_day_id=plan.exam_day_id,
        visits=visits,
        published_at=plan.published_at,
        revision=plan.revision,
        visits_added=len(changes.get("added", [])),
        visits_dropped=len(changes.get("dropped", [])),
        examiner_ids=examiner_ids,
    )
    enqueue(session, event, source=SOURCE, subject=plan.exam_day_id, course_id=plan.course_id)


def plan_stale(session: Session, *, plan: VisitPlan, reason: dict) -> None:
    """Keyed by exam day, like the publication it follows."""
    event = VisitPlanStaleV1(
        exam_day_id=plan.exam_day_id,
        revision=plan.revision,
        stale_since=plan.stale_since,
        reason_code=reason["code"],
        group_id=reason["group_id"],
        examiner_id=reason["examiner_id"],
        changed_at=datetime.fromisoformat(reason["at"]),
        changes=len(plan.stale_reasons),
    )
    enqueue(session, event, source=SOURCE, subject=plan.exam_day_id, course_id=plan.course_id)


def grade_finalised(session: Session, *, grade: FinalGrade) -> None:
    event = GradeFinalisedV1(
        student_id=grade.student_id,
        group_id=grade.group_id,
        grade=grade.grade,
        how=grade.how,
        decided_by=grade.decided_by,
        finalised_at=grade.finalised_at,
    )
    enqueue(session, event, source=SOURCE, subject=grade.student_id, course_id=grade.course_id)


def grades_released(session: Session, *, release: GradeRelease, final_grades: int) -> None:
    event = GradesReleasedV1(final_grades=final_grades, released_at=release.released_at)
    enqueue(session, event, source=SOURCE, subject=release.course_id, course_id=release.course_id)
