"""Read models: a student's labs at a glance, eligibility, and the teachers' per-lab overview."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session

from peerlab.chassis.errors import not_found
from peerlab.review import repository as repo
from peerlab.review.schemas import (
    AllocationRunPublic,
    AuditEntryPublic,
    EligibilityPublic,
    FlagPublic,
    LabOverviewPublic,
    LabStatusPublic,
    ReviewerProgress,
    StudentLabsPublic,
    StudentOverviewPublic,
    VerdictCounts,
    VerdictPublic,
)
from peerlab.review.service import eligibility, lab_status, views
from peerlab.review.settings import ReviewSettings


def labs_of(
    session: Session, *, student_ids: Iterable[str], settings: ReviewSettings, now: datetime, with_reviews: bool = False
) -> dict[str, list[LabStatusPublic]]:
    students = sorted(set(student_ids))
    states = lab_status.compute(session, student_ids=students, total_labs=settings.total_labs, now=now)
    counts: dict[tuple[str, str, int], int] = Counter()
    if with_reviews:
        counts = _review_counts(session, students)
    return {
        s: [
            views.lab_status_public(
                st,
                received=counts[("received", s, st.lab_number)],
                assigned=counts[("assigned", s, st.lab_number)],
                given=counts[("given", s, st.lab_number)],
            )
            for st in lab_states
        ]
        for s, lab_states in states.items()
    }


def _review_counts(session: Session, students: list[str]) -> Counter:
    as_reviewer = repo.allocations_of_reviewers(session, students)
    as_reviewee = repo.allocations_to_reviewees(session, students)
    rows = [a for a in as_reviewer + as_reviewee if a.status != "cancelled"]
    labs = {r.id: r.lab_number for r in repo.rounds_by_ids(session, {a.round_id for a in rows})}
    reviews = repo.reviews_by_allocation(session, [a.id for a in rows])
    wanted = set(students)
    counts: Counter = Counter()
    for a in {a.id: a for a in rows}.values():
        lab = labs.get(a.round_id)
        submitted = a.id in reviews and reviews[a.id].status == "submitted"
        if a.reviewer_id in wanted:
            if a.status == "active":
                counts[("assigned", a.reviewer_id, lab)] += 1
            if submitted:
                counts[("given", a.reviewer_id, lab)] += 1
        if a.reviewee_id in wanted and submitted:
            counts[("received", a.reviewee_id, lab)] += 1
    return counts


def eligibility_of(
    session: Session, *, student_ids: Iterable[str], settings: ReviewSettings, now: datetime
) -> dict[str, EligibilityPublic]:
    computed = eligibility.compute(session, student_ids=student_ids, settings=settings, now=now)
    return {s: views.eligibility_public(e) for s, e in computed.items()}


def student_labs(session: Session, *, student_id: str, settings: ReviewSettings, now: datetime) -> StudentLabsPublic:
    labs = labs_of(session, student_ids=[student_id], settings=settings, now=now, with_reviews=True)[student_id]
    elig = eligibility_of(session, student_ids=[student_id], settings=settings, now=now)[student_id]
    return StudentLabsPublic(student_id=student_id, labs=labs, eligibility=elig)


def student_overview(
    session: Session, *, student_id: str, settings: ReviewSettings, now: datetime
) -> StudentOverviewPublic:
    mine = student_labs(session, student_id=student_id, settings=settings, now=now)
    history = [VerdictPublic.model_validate(v, from_attributes=True) for v in repo.verdicts_of(session, [student_id])]
    audit = [
        AuditEntryPublic.model_validate(a, from_attributes=True) for a in repo.audit_entries(session, [student_id])
    ]
    return StudentOverviewPublic(
        student_id=student_id, labs=mine.labs, eligibility=mine.eligibility, verdicts=history, audit=audit
    )


def lab_overview(session: Session, *, lab_number: int, settings: ReviewSettings, now: datetime) -> LabOverviewPublic:
    assignment = repo.lab_assignments(session).get(lab_number)
    if assignment is None:
        raise not_found("lab")
    closed = lab_status.is_closed(assignment, now)
    subs = [
        s
        for s in repo.submissions_of_assignment(session, assignment.assignment_id)
        if not s.withdrawn and s.owner_type == "student"
    ]
    handed_in = sum(1 for s in subs if s.on_time and (s.final or not closed))
    round_row = repo.round_for_assignment(session, assignment.assignment_id)
    reviewers: dict[str, ReviewerProgress] = {}
    flags, failures = [], []
    allocated = submitted_total = 0
    if round_row is not None:
        active = repo.allocations_of_round(session, round_row.id, ("active",))
        reviews = repo.reviews_by_allocation(session, [a.id for a in active])
        allocated = len(active)
        for a in sorted(active, key=lambda a: a.reviewer_id):
            p = reviewers.setdefault(
                a.reviewer_id, ReviewerProgress(reviewer_id=a.reviewer_id, assigned=0, submitted=0, drafts=0, missing=0)
            )
            p.assigned += 1
            review = reviews.get(a.id)
            if review is not None and review.status == "submitted":
                p.submitted += 1
                submitted_total += 1
            else:
                p.missing += 1
                p.drafts += 1 if review is not None else 0
        flags = [FlagPublic.model_validate(f, from_attributes=True) for f in repo.flags_of_round(session, round_row.id)]
        failures = [
            AllocationRunPublic.model_validate(r, from_attributes=True)
            for r in repo.allocation_runs(session, round_row.id)
            if r.outcome == "failed"
        ]
    everyone = set(repo.student_ids(session)) | {s.owner_id for s in subs}
    states = lab_status.compute(session, student_ids=everyone, total_labs=settings.total_labs, now=now)
    tally = (
        Counter(st[lab_number - 1].status for st in states.values())
        if 1 <= lab_number <= settings.total_labs
        else Counter()
    )
    return LabOverviewPublic(
        lab_number=lab_number,
        assignment_id=assignment.assignment_id,
        deadline=assignment.deadline,
        closed=closed,
        round=views.round_public(session, round_row) if round_row else None,
        handed_in=handed_in,
        late=sum(1 for s in subs if not s.on_time),
        allocated_tasks=allocated,
        reviews_submitted=submitted_total,
        reviews_missing=allocated - submitted_total,
        reviewers=list(reviewers.values()),
        flags=flags,
        statuses=VerdictCounts(**{k: tally.get(k, 0) for k in VerdictCounts.model_fields}),
        failures=failures,
        open_teacher_items=len(repo.teacher_items(session, open_only=True, lab_number=lab_number)),
    )
