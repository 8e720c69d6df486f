"""Grades: report assessment, examiners' grades, teacher's settlement, release, registrar export."""

from __future__ import annotations

from fastapi import APIRouter, Response

from peerlab.chassis.auth import CurrentPrincipal, StaffPrincipal, TeacherPrincipal
from peerlab.chassis.db import SessionDep
from peerlab.chassis.errors import not_found
from peerlab.chassis.problem_docs import not_answered
from peerlab.scheduling.exam_schemas import (
    GradePublic,
    GradePut,
    ReleasePublic,
    ReportAssessmentPublic,
    ReportAssessmentPut,
)
from peerlab.scheduling.exam_models import ReportAssessment
from peerlab.scheduling.routers.deps import CourseId, NaturalId, Now
from peerlab.scheduling.service import grades

router = APIRouter(prefix="/v1/courses/{course_id}", tags=["grades"])

# Routes that answer with the staff view of a grade: ``grades.view``'s student-only refusals are
# never theirs (the OpenAPI's reading of the source follows every branch).
STAFF_VIEW = not_answered(403, "not_your_grade", "grades_not_released") | not_answered(404, "no_final_grade")


def _report_public(row: ReportAssessment) -> ReportAssessmentPublic:
    return ReportAssessmentPublic.model_validate(row, from_attributes=True)


@router.put("/groups/{group_id}/report-assessment", response_model=ReportAssessmentPublic)
def put_report_assessment(
    course_id: CourseId,
    group_id: NaturalId,
    body: ReportAssessmentPut,
    session: SessionDep,
    principal: StaffPrincipal,
    now: Now,
) -> ReportAssessmentPublic:
    """Record that the group's final report is graded, naming the examiners who read it."""
    return _report_public(
        grades.record_report_assessment(
            session,
            course_id=course_id,
            group_id=group_id,
            examiner_ids=body.examiner_ids,
            principal=principal,
            now=now,
        )
    )


@router.get("/groups/{group_id}/report-assessment", response_model=ReportAssessmentPublic)
def get_report_assessment(
    course_id: CourseId, group_id: NaturalId, session: SessionDep, _: StaffPrincipal
) -> ReportAssessmentPublic:
    row = grades.get_report_assessment(session, course_id=course_id, group_id=group_id)
    if row is None:
        raise not_found("Report assessment")
    return _report_public(row)


@router.put("/students/{student_id}/grade", response_model=GradePublic, responses=STAFF_VIEW)
def propose_grade(
    course_id: CourseId,
    student_id: NaturalId,
    body: GradePut,
    session: SessionDep,
    principal: CurrentPrincipal,
    now: Now,
) -> GradePublic:
    """The calling examiner's grade for the student (-3, 00, 02, 4, 7, 10, 12). Final once two
    examiners agree. 422 ``grade_not_on_scale``; 403 ``not_an_examiner`` / ``not_assigned_examiner``;
    409 ``report_not_graded`` / ``grade_final``."""
    return grades.propose(
        session, course_id=course_id, student_id=student_id, grade=body.grade, principal=principal, now=now
    )


@router.put("/students/{student_id}/final-grade", response_model=GradePublic, responses=STAFF_VIEW)
def settle_grade(
    course_id: CourseId,
    student_id: NaturalId,
    body: GradePut,
    session: SessionDep,
    principal: TeacherPrincipal,
    now: Now,
) -> GradePublic:
    """A teacher settles the student's grade (e.g. when the examiners disagree)."""
    return grades.settle(
        session, course_id=course_id, student_id=student_id, grade=body.grade, principal=principal, now=now
    )


@router.get("/students/{student_id}/grade", response_model=GradePublic)
def get_grade(
    course_id: CourseId, student_id: NaturalId, session: SessionDep, principal: CurrentPrincipal
) -> GradePublic:
    """Staff: proposals and the final grade. The student: their final grade once released (403
    ``grades_not_released`` before; 403 ``not_your_grade`` for someone else's)."""
    return grades.view(session, course_id=course_id, student_id=student_id, principal=principal)


@router.get("/grades", response_model=list[GradePublic], responses=STAFF_VIEW)
def list_final_grades(course_id: CourseId, session: SessionDep, principal: StaffPrincipal) -> list[GradePublic]:
    return [
        grades.view(session, course_id=course_id, student_id=g.student_id, principal=principal)
        for g in grades.final_grades(session, course_id=course_id)
    ]


@router.get("/grades.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def registrar_export(course_id: CourseId, session: SessionDep, _: StaffPrincipal) -> Response:
    """Final grades for the registrar: ``student_id,name,grade``."""
    return Response(
        grades.registrar_csv(session, course_id=course_id),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{course_id}-grades.csv"'},
    )


@router.post("/grades/release", response_model=ReleasePublic)
def release_grades(course_id: CourseId, session: SessionDep, principal: TeacherPrincipal, now: Now) -> ReleasePublic:
    """Show the final grades to the students (the whole course at once; ``grades.released.v1``)."""
    return grades.release(session, course_id=course_id, principal=principal, now=now)
