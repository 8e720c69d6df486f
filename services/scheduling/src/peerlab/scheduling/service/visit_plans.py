"""The examiners' visit plan of an exam day: built from the bookings, the group projection, the
people's programmes, supervision and the examiners' availability; solved by ``visit_planner``.

Planning writes a *draft* (re-planning replaces it); publishing turns the draft into the day's
published plan and emits ``exam.plan_published.v1``. A plan the day changed under is stale
(``plan_staleness``) until planned and published again. A draft made while a plan is published keeps
every published visit that is still possible and reports what changed. Staff see everything; an
examiner sees only their own itinerary; a student sees only the times their group is visited.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlmodel import Session

from peerlab.chassis.auth import Principal
from peerlab.chassis.errors import ProblemError, conflict, forbidden, not_found
from peerlab.scheduling import repository as repo
from peerlab.scheduling import visit_planner as vp
from peerlab.scheduling.events import exam_publish
from peerlab.scheduling.exam_models import Examiner, PlannedVisit, VisitPlan
from peerlab.scheduling.models import ExamDay
from peerlab.scheduling.exam_schemas import PlanChangesPublic, PlanPublic, VisitPublic
from peerlab.scheduling.service import examiners as exm
from peerlab.scheduling.settings import SchedulingSettings

DRAFT, PUBLISHED = "draft", "published"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _minute(value: datetime) -> int:
    return int((value - EPOCH).total_seconds() // 60)


def _at(minute: int) -> datetime:
    return EPOCH + timedelta(minutes=minute)


def build_problem(
    session: Session, *, course_id: str, exam_day_id: str, settings: SchedulingSettings, previous: list[PlannedVisit]
) -> tuple[vp.PlanProblem, dict[str, str]]:
    """The day's planning problem and each planned group's slot id. Groups whose members all are
    PhD students do not present and are left out (they are graded on the report alone)."""
    examiners = [e for e in exm.list_examiners(session, course_id=course_id) if exm.windows_on(e, exam_day_id)]
    needs, slot_of = [], {}
    for booking, slot in repo.list_bookings(session, course_id, exam_day_id=exam_day_id):
        group = repo.get_group(session, booking.group_id)
        presenting = exm.presenting_members(session, course_id=course_id, member_ids=group.member_ids if group else [])
        if not presenting:
            continue
        supervisors = exm.supervisors_among(
            session, course_id=course_id, group_id=booking.group_id, examiners=examiners
        )
        duration = settings.minutes_per_presenter * len(presenting) + settings.question_minutes
        needs.append(
            vp.GroupNeed(
                booking.group_id,
                slot.slot_id,
                _minute(slot.starts_at),
                _minute(slot.ends_at),
                duration,
                frozenset(supervisors),
            )
        )
        slot_of[booking.group_id] = slot.slot_id
    avail = tuple(
        vp.ExaminerAvailability(e.person_id, tuple((_minute(a), _minute(b)) for a, b in exm.windows_on(e, exam_day_id)))
        for e in examiners
    )
    prev = tuple(vp.Visit(_minute(v.starts_at), v.group_id, v.examiner_id, _minute(v.ends_at)) for v in previous)
    problem = vp.PlanProblem(
        groups=tuple(needs),
        examiners=avail,
        k=settings.examiners_per_group,
        gap=settings.walking_gap_minutes,
        previous=prev,
    )
    return problem, slot_of


def _visits(session: Session, course_id: str, exam_day_id: str, state: str) -> list[PlannedVisit]:
    return list(
        session.scalars(
            select(PlannedVisit)
            .where(
                PlannedVisit.course_id == course_id,
                PlannedVisit.exam_day_id == exam_day_id,
                PlannedVisit.state == state,
            )
            .order_by(PlannedVisit.starts_at, PlannedVisit.group_id, PlannedVisit.examiner_id)
        )
    )


def _clear(session: Session, course_id: str, exam_day_id: str, state: str) -> None:
    session.execute(
        delete(PlannedVisit).where(
            PlannedVisit.course_id == course_id, PlannedVisit.exam_day_id == exam_day_id, PlannedVisit.state == state
        )
    )
    plan = session.get(VisitPlan, (course_id, exam_day_id, state))
    if plan is not None:
        session.delete(plan)
    session.flush()


def _visit_json(v: vp.Visit, exam_day_id: str, slot_of: dict[str, str]) -> dict:
    return {
        "exam_day_id": exam_day_id,
        "group_id": v.group_id,
        "examiner_id": v.examiner_id,
        "slot_id": slot_of.get(v.group_id, ""),
        "starts_at": _at(v.start).isoformat(),
        "ends_at": _at(v.end).isoformat(),
    }


def make_plan(
    session: Session,
    *,
    course_id: str,
    exam_day_id: str,
    settings: SchedulingSettings,
    principal: Principal,
    now: datetime,
) -> VisitPlan:
    """Solve the day and store the result as its draft; 422 ``plan_infeasible`` with a conflicts
    report (and no draft) when the examiners cannot cover every presenting group."""
    _lock_day(session, course_id, exam_day_id)
    published = _visits(session, course_id, exam_day_id, PUBLISHED)
    problem, slot_of = build_problem(
        session, course_id=course_id, exam_day_id=exam_day_id, settings=settings, previous=published
    )
    try:
        result = vp.solve(problem, time_limit_s=settings.plan_time_limit_s, seed=settings.plan_seed)
    except vp.PlanInfeasible as exc:
        raise ProblemError(
            422,
            "plan_infeasible",
            f"The examiners cannot give every presenting group {problem.k} visits; see conflicts.",
            extra={
                "conflicts": [
                    {
                        "slot_id": c.slot_id,
                        "starts_at": _at(c.start).isoformat(),
                        "ends_at": _at(c.end).isoformat(),
                        "group_ids": c.group_ids,
                        "missing_examiner_minutes": c.missing_examiner_minutes,
                        "groups": c.groups,
                    }
                    for c in exc.conflicts
                ]
            },
        ) from exc
    except vp.PlanTimeout as exc:
        raise ProblemError(
            422,
            "plan_time_limit",
            f"No plan was found, nor shown impossible, within "
            f"{exc.time_limit_s} s; raise PLAN_TIME_LIMIT_S or simplify the day.",
        ) from exc
    _clear(session, course_id, exam_day_id, DRAFT)
    base = session.get(VisitPlan, (course_id, exam_day_id, PUBLISHED))
    plan = VisitPlan(
        course_id=course_id,
        exam_day_id=exam_day_id,
        state=DRAFT,
        revision=(base.revision + 1) if base else 1,
        k=problem.k,
        gap_minutes=problem.gap,
        question_minutes=settings.question_minutes,
        optimal=result.optimal,
        spread=result.spread,
        solve_ms=int(result.seconds * 1000),
        created_by=principal.sub,
        created_at=now,
        changes={
            "kept": len(result.changes.kept),
            "kept_all_possible": result.kept_all_possible,
            "added": [_visit_json(v, exam_day_id, slot_of) for v in result.changes.added] if published else [],
            "dropped": [
                _visit_json(v, exam_day_id, {p.group_id: p.slot_id for p in published}) for v in result.changes.dropped
            ],
            "loads": result.loads,
        },
    )
    session.add(plan)
    session.add_all(
        [
            PlannedVisit(
                course_id=course_id,
                exam_day_id=exam_day_id,
                state=DRAFT,
                group_id=v.group_id,
                examiner_id=v.examiner_id,
                slot_id=slot_of[v.group_id],
                starts_at=_at(v.start),
                ends_at=_at(v.end),
            )
            for v in result.visits
        ]
    )
    session.flush()
    return plan


def _lock_day(session: Session, course_id: str, exam_day_id: str) -> ExamDay:
    """The exam day, locked for this transaction: plans and publications of one day run one at a time."""
    day = session.get(ExamDay, (course_id, exam_day_id), with_for_update=True)
    if day is None:
        raise not_found("Exam day")
    return day


def publish(session: Session, *, course_id: str, exam_day_id: str, now: datetime) -> VisitPlan:
    _lock_day(session, course_id, exam_day_id)
    draft = session.get(VisitPlan, (course_id, exam_day_id, DRAFT))
    if draft is None:
        raise conflict("no_draft_plan", "Make a plan (POST …/plan) before publishing it.")
    visits = _visits(session, course_id, exam_day_id, DRAFT)
    values = {c: getattr(draft, c) for c in VisitPlan.model_fields if c not in ("state", "published_at")}
    _clear(session, course_id, exam_day_id, PUBLISHED)
    published = VisitPlan(**values, state=PUBLISHED, published_at=now)
    session.add(published)
    session.add_all(
        [
            PlannedVisit(**{c: getattr(v, c) for c in PlannedVisit.model_fields if c != "state"}, state=PUBLISHED)
            for v in visits
        ]
    )
    _clear(session, course_id, exam_day_id, DRAFT)
    session.add(published)
    session.flush()
    exam_publish.plan_published(
        session, plan=published, visits=len(visits), examiner_ids=sorted({v.examiner_id for v in visits})
    )
    return published


def get_plan(session: Session, *, course_id: str, exam_day_id: str, state: str) -> tuple[VisitPlan, list[PlannedVisit]]:
    plan = session.get(VisitPlan, (course_id, exam_day_id, state))
    if plan is None:
        raise not_found(f"{state.capitalize()} plan")
    return plan, _visits(session, course_id, exam_day_id, state)


def visit_public(v: PlannedVisit, *, with_examiner: bool = True) -> VisitPublic:
    return VisitPublic(
        exam_day_id=v.exam_day_id,
        group_id=v.group_id,
        examiner_id=v.examiner_id if with_examiner else None,
        slot_id=v.slot_id,
        starts_at=v.starts_at,
        ends_at=v.ends_at,
    )


def plan_public(plan: VisitPlan, visits: list[PlannedVisit]) -> PlanPublic:
    changes = plan.changes
    return PlanPublic(
        course_id=plan.course_id,
        exam_day_id=plan.exam_day_id,
        state=plan.state,
        revision=plan.revision,
        k=plan.k,
        optimal=plan.optimal,
        spread=plan.spread,
        solve_ms=plan.solve_ms,
        loads=changes.get("loads", {}),
        changes=PlanChangesPublic(
            kept=changes["kept"],
            added=changes["added"],
            dropped=changes["dropped"],
            kept_all_possible=changes["kept_all_possible"],
        ),
        created_at=plan.created_at,
        published_at=plan.published_at,
        stale=plan.stale_since is not None,
        stale_since=plan.stale_since,
        stale_reasons=plan.stale_reasons,
        visits=[visit_public(v) for v in visits],
    )


def itinerary(session: Session, *, course_id: str, examiner_id: str, principal: Principal) -> list[PlannedVisit]:
    """An examiner's published visits (their own; staff may read anyone's)."""
    if not principal.is_staff and principal.sub != examiner_id:
        raise forbidden("Examiners see only their own plan.")
    if session.get(Examiner, (course_id, examiner_id)) is None:
        raise not_found("Examiner")
    return published_visits_of(session, course_id=course_id, examiner_id=examiner_id)


def published_visits_of(session: Session, *, course_id: str, examiner_id: str) -> list[PlannedVisit]:
    """The person's visits in the published plans (none when they examine nothing)."""
    return list(
        session.scalars(
            select(PlannedVisit)
            .where(
                PlannedVisit.course_id == course_id,
                PlannedVisit.examiner_id == examiner_id,
                PlannedVisit.state == PUBLISHED,
            )
            .order_by(PlannedVisit.starts_at)
        )
    )


def group_visits(session: Session, *, course_id: str, group_id: str, principal: Principal) -> list[VisitPublic]:
    """The group's published visits: staff see the examiners, members only the times."""
    if not principal.is_staff and repo.group_of(session, course_id, principal.sub) != group_id:
        raise forbidden("You may only see your own group's visit times.")
    rows = session.scalars(
        select(PlannedVisit)
        .where(PlannedVisit.course_id == course_id, PlannedVisit.group_id == group_id, PlannedVisit.state == PUBLISHED)
        .order_by(PlannedVisit.starts_at)
    )
    return [visit_public(v, with_examiner=principal.is_staff) for v in rows]


def examiners_of_group(session: Session, *, course_id: str, group_id: str) -> set[str]:
    """Examiners of the group's published visits (any exam day)."""
    return set(
        session.scalars(
            select(PlannedVisit.examiner_id).where(
                PlannedVisit.course_id == course_id, PlannedVisit.group_id == group_id, PlannedVisit.state == PUBLISHED
            )
        )
    )
