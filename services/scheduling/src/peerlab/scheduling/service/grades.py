"""Individual grades on the Danish 7-step scale, after the exam.

- A group's report is *graded* when staff record it (``PUT …/groups/{g}/report-assessment``),
  naming the examiners who read it. No grade is recorded before that (409 ``report_not_graded``):
  the grade is based on poster and report together, and a group that did not present (all PhD)
  has only the report.
- An examiner may grade a student when they are a registered examiner of the course (403
  ``not_an_examiner``) and assigned to the student's group: one of its visits in a published plan,
  or named in its report assessment (403 ``not_assigned_examiner``).
- A grade is final when two examiners record the same grade (``agreed``) or a teacher settles it
  (``settled``); then ``grade.finalised.v1`` is published and nobody changes it (409 ``grade_final``).
- Students read their own final grade only after the teacher released the course's grades
  (403 ``grades_not_released``); another student's grade never (403 ``not_your_grade``).
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from peerlab.chassis.auth import Principal
from peerlab.chassis.errors import ProblemError, conflict
from peerlab.scheduling import repository as repo
from peerlab.scheduling.events import exam_publish
from peerlab.scheduling.exam_models import Examiner, FinalGrade, GradeProposal, GradeRelease, ReportAssessment
from peerlab.scheduling.exam_schemas import GRADE_SCALE, GradeProposalPublic, GradePublic, ReleasePublic
from peerlab.scheduling.service import examiners as exm
from peerlab.scheduling.service import visit_plans


def check_scale(grade: str) -> str:
    if grade not in GRADE_SCALE:
        raise ProblemError(
            422, "grade_not_on_scale", f"{grade!r} is not on the 7-step scale ({', '.join(GRADE_SCALE)})."
        )
    return grade


def _group_of_student(session: Session, course_id: str, student_id: str) -> str:
    group_id = repo.group_of(session, course_id, student_id)
    if group_id is None:
        raise ProblemError(404, "unknown_student", f"{student_id} is in no project group of {course_id}.")
    return group_id


def record_report_assessment(
    session: Session, *, course_id: str, group_id: str, examiner_ids: list[str], principal: Principal, now: datetime
) -> ReportAssessment:
    group = repo.get_group(session, group_id)
    if group is None or group.course_id != course_id:
        raise ProblemError(404, "unknown_group", f"No group {group_id!r} is known in {course_id}.")
    for examiner_id in examiner_ids:
        if session.get(Examiner, (course_id, examiner_id)) is None:
            raise ProblemError(422, "unknown_examiner", f"{examiner_id} is not an examiner of {course_id}.")
    row = session.get(ReportAssessment, (course_id, group_id)) or ReportAssessment(
        course_id=course_id, group_id=group_id, examiner_ids=[], recorded_by=principal.sub, recorded_at=now
    )
    row.examiner_ids, row.recorded_by, row.recorded_at = sorted(set(examiner_ids)), principal.sub, now
    session.add(row)
    return row


def get_report_assessment(session: Session, *, course_id: str, group_id: str) -> ReportAssessment | None:
    return session.get(ReportAssessment, (course_id, group_id))


def _ensure_gradable(session: Session, course_id: str, student_id: str) -> tuple[str, ReportAssessment]:
    group_id = _group_of_student(session, course_id, student_id)
    report = session.get(ReportAssessment, (course_id, group_id))
    if report is None:
        raise conflict("report_not_graded", f"The report of group {group_id} is not graded yet.")
    if session.get(FinalGrade, (course_id, student_id)) is not None:
        raise conflict("grade_final", f"The grade of {student_id} is final.")
    return group_id, report


def propose(
    session: Session, *, course_id: str, student_id: str, grade: str, principal: Principal, now: datetime
) -> GradePublic:
    """An examiner's grade for a student; final when a second examiner records the same grade."""
    check_scale(grade)
    if session.get(Examiner, (course_id, principal.sub)) is None:
        raise ProblemError(403, "not_an_examiner", "Only the course's examiners record grades.")
    group_id, report = _ensure_gradable(session, course_id, student_id)
    assigned = visit_plans.examiners_of_group(session, course_id=course_id, group_id=group_id) | set(
        report.examiner_ids
    )
    if principal.sub not in assigned:
        raise ProblemError(403, "not_assigned_examiner", f"You are not an examiner of group {group_id}.")
    row = session.get(GradeProposal, (course_id, student_id, principal.sub))
    if row is None:
        try:
            with session.begin_nested():
                session.add(
                    GradeProposal(
                        course_id=course_id,
                        student_id=student_id,
                        examiner_id=principal.sub,
                        group_id=group_id,
                        grade=grade,
                        recorded_at=now,
                    )
                )
        except IntegrityError as exc:
            raise conflict("grade_conflict", "Your grade for this student was recorded at the same moment.") from exc
    else:
        row.grade, row.group_id, row.recorded_at = grade, group_id, now
        session.add(row)
        session.flush()
    agreeing = sorted(p.examiner_id for p in _proposals(session, course_id, student_id) if p.grade == grade)
    if len(agreeing) >= 2:
        _finalise(
            session,
            course_id=course_id,
            student_id=student_id,
            group_id=group_id,
            grade=grade,
            how="agreed",
            decided_by=agreeing,
            now=now,
        )
    return view(session, course_id=course_id, student_id=student_id, principal=principal, staff_view=True)


def settle(
    session: Session, *, course_id: str, student_id: str, grade: str, principal: Principal, now: datetime
) -> GradePublic:
    """A teacher decides the grade (e.g. when the examiners disagree)."""
    check_scale(grade)
    group_id, _ = _ensure_gradable(session, course_id, student_id)
    _finalise(
        session,
        course_id=course_id,
        student_id=student_id,
        group_id=group_id,
        grade=grade,
        how="settled",
        decided_by=[principal.sub],
        now=now,
    )
    return view(session, course_id=course_id, student_id=student_id, principal=principal, staff_view=True)


def _finalise(
    session: Session,
    *,
    course_id: str,
    student_id: str,
    group_id: str,
    grade: str,
    how: str,
    decided_by: list[str],
    now: datetime,
) -> None:
    final = FinalGrade(
        course_id=course_id,
        student_id=student_id,
        group_id=group_id,
        grade=grade,
        how=how,
        decided_by=decided_by,
        finalised_at=now,
    )
    try:
        with session.begin_nested():
            session.add(final)
    except IntegrityError as exc:
        raise conflict("grade_final", f"The grade of {student_id} became final at the same moment.") from exc
    exam_publish.grade_finalised(session, grade=final)


def _proposals(session: Session, course_id: str, student_id: str) -> list[GradeProposal]:
    return list(
        session.scalars(
            select(GradeProposal)
            .where(GradeProposal.course_id == course_id, GradeProposal.student_id == student_id)
            .order_by(GradeProposal.examiner_id)
        )
    )


def view(
    session: Session, *, course_id: str, student_id: str, principal: Principal, staff_view: bool = False
) -> GradePublic:
    """Staff: the proposals and the final grade. A student: their own final grade after release."""
    if not (staff_view or principal.is_staff):
        if principal.sub != student_id:
            raise ProblemError(403, "not_your_grade", "You may only see your own grade.")
        if session.get(GradeRelease, course_id) is None:
            raise ProblemError(403, "grades_not_released", "Grades are not released yet.")
    final = session.get(FinalGrade, (course_id, student_id))
    if not (staff_view or principal.is_staff):
        if final is None:
            raise ProblemError(404, "no_final_grade", "You have no final grade.")
        return GradePublic(
            course_id=course_id,
            student_id=student_id,
            group_id=final.group_id,
            status="final",
            grade=final.grade,
            how=final.how,
            finalised_at=final.finalised_at,
        )
    proposals = _proposals(session, course_id, student_id)
    status = "final" if final else ("disagreement" if len({p.grade for p in proposals}) > 1 else "pending")
    return GradePublic(
        course_id=course_id,
        student_id=student_id,
        group_id=final.group_id if final else repo.group_of(session, course_id, student_id),
        status=status,
        grade=final.grade if final else None,
        how=final.how if final else None,
        finalised_at=final.finalised_at if final else None,
        proposals=[GradeProposalPublic.model_validate(p, from_attributes=True) for p in proposals],
    )


def final_grades(session: Session, *, course_id: str) -> list[FinalGrade]:
    return list(
        session.scalars(select(FinalGrade).where(FinalGrade.course_id == course_id).order_by(FinalGrade.student_id))
    )


def registrar_csv(session: Session, *, course_id: str) -> str:
    """``student_id,name,grade`` of every final grade (names from the roster projection)."""
    rows = final_grades(session, course_id=course_id)
    names = exm.people(session, course_id=course_id, person_ids=[r.student_id for r in rows])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["student_id", "name", "grade"])
    for row in rows:
        person = names.get(row.student_id)
        writer.writerow([row.student_id, (person.name if person and person.name else ""), row.grade])
    return out.getvalue()


def release(session: Session, *, course_id: str, principal: Principal, now: datetime) -> ReleasePublic:
    """Make the final grades visible to the students (once; again is a no-op)."""
    row = session.get(GradeRelease, course_id)
    count = session.scalar(select(func.count()).select_from(FinalGrade).where(FinalGrade.course_id == course_id))
    if row is None:
        row = GradeRelease(course_id=course_id, released_by=principal.sub, released_at=now)
        session.add(row)
        session.flush()
        exam_publish.grades_released(session, release=row, final_grades=int(count))
    return ReleasePublic(
        course_id=course_id, released_by=row.released_by, released_at=row.released_at, final_grades=int(count)
    )
