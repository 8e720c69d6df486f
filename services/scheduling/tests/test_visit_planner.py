"""The visit planner (pure): property tests over random instances, the conflicts report, re-planning."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from peerlab.scheduling.visit_planner import (
    ExaminerAvailability,
    GroupNeed,
    PlanInfeasible,
    PlanProblem,
    Visit,
    solve,
    still_possible,
    violations,
)

SLOT = 30
# CP-SAT's limit is wall-clock time: generous, because the suite runs in parallel workers on two
# cores; on a quiet machine these instances solve (or are proven impossible) in well under a second.
LIMIT = 30.0


@st.composite
def instances(draw, *, max_groups: int = 8, max_examiners: int = 5):
    n_slots = draw(st.integers(1, 4))
    examiners = [f"e{i}" for i in range(draw(st.integers(2, max_examiners)))]
    groups = []
    for i in range(draw(st.integers(1, max_groups))):
        slot = draw(st.integers(0, n_slots - 1))
        start = 540 + slot * SLOT
        supervisors = frozenset({draw(st.sampled_from(examiners))})  # every group is supervised by an examiner
        groups.append(GroupNeed(f"g{i}", f"s{slot}", start, start + SLOT, 2 * draw(st.integers(1, 3)) + 2, supervisors))
    avail = []
    for eid in examiners:
        a = draw(st.integers(0, n_slots * SLOT - 10))
        b = draw(st.integers(a + 10, n_slots * SLOT))
        avail.append(ExaminerAvailability(eid, ((540 + a, 540 + b),)))
    return PlanProblem(
        groups=tuple(groups), examiners=tuple(avail), k=draw(st.integers(1, 2)), gap=draw(st.integers(0, 2))
    )


def _check(problem: PlanProblem, visits: list[Visit]) -> None:
    """The rules, asserted one by one (independently of ``violations``)."""
    groups = {g.group_id: g for g in problem.groups}
    windows = {e.examiner_id: e.windows for e in problem.examiners}
    by_group, by_examiner = defaultdict(set), defaultdict(list)
    for v in visits:
        g = groups[v.group_id]
        assert v.examiner_id not in g.supervisors, "a supervisor visits their own group"
        assert g.start <= v.start and v.end <= g.end and v.end - v.start == g.duration
        assert any(a <= v.start and v.end <= b for a, b in windows[v.examiner_id]), "outside availability"
        by_group[v.group_id].add(v.examiner_id)
        by_examiner[v.examiner_id].append(v)
    for gid in groups:
        assert len(by_group[gid]) >= problem.k, f"{gid} has fewer than k examiners"
    for vs in by_examiner.values():
        vs.sort()
        for a, b in zip(vs, vs[1:], strict=False):
            assert b.start >= a.end + problem.gap, "overlap (walking gap included)"


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances())
def test_every_plan_keeps_the_rules_and_infeasible_instances_get_a_report(problem):
    try:
        result = solve(problem, time_limit_s=LIMIT)
    except PlanInfeasible as exc:
        assert exc.conflicts, "an infeasible instance must name at least one slot"
        for conflict in exc.conflicts:
            assert conflict.group_ids and conflict.missing_examiner_minutes > 0
            assert all(g["visits_possible"] < problem.k for g in conflict.groups)
        return
    _check(problem, result.visits)
    assert violations(problem, result.visits) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(instances(max_examiners=6), st.data())
def test_replanning_after_an_examiner_drops_out_keeps_every_visit_still_possible(problem, data):
    try:
        first = solve(problem, time_limit_s=LIMIT)
    except PlanInfeasible:
        return
    gone = data.draw(st.sampled_from([e.examiner_id for e in problem.examiners]))
    after = PlanProblem(
        groups=problem.groups,
        examiners=tuple(e for e in problem.examiners if e.examiner_id != gone),
        k=problem.k,
        gap=problem.gap,
        previous=tuple(first.visits),
    )
    try:
        second = solve(after, time_limit_s=LIMIT)
    except PlanInfeasible:
        return  # no plan at all without them: the report, never a partial plan
    _check(after, second.visits)
    possible = [v for v in first.visits if still_possible(after, v)]
    assert possible == [v for v in first.visits if v.examiner_id != gone]
    if second.kept_all_possible:
        assert set(possible) <= set(second.visits)
        assert sorted(second.changes.dropped) == sorted(v for v in first.visits if v.examiner_id == gone)
    else:  # only when keeping all of them leaves no plan: prove that with the keep-all model alone
        with pytest.raises(PlanInfeasible):
            solve(after, time_limit_s=LIMIT, require_keep=True)


def test_conflicts_name_the_slot_the_groups_and_the_missing_minutes():
    # one examiner, k = 2: each group in the 09:00 slot lacks one visit of 6 minutes
    problem = PlanProblem(
        groups=(
            GroupNeed("g1", "s0900", 540, 570, 6),
            GroupNeed("g2", "s0900", 540, 570, 6),
            GroupNeed("g3", "s0930", 570, 600, 6, frozenset({"e2"})),
        ),
        examiners=(ExaminerAvailability("e1", ((540, 600),)), ExaminerAvailability("e2", ((570, 600),))),
        k=2,
        gap=1,
    )
    with pytest.raises(PlanInfeasible) as caught:
        solve(problem, time_limit_s=LIMIT)
    by_slot = {c.slot_id: c for c in caught.value.conflicts}
    assert sorted(by_slot) == ["s0900", "s0930"]
    assert by_slot["s0900"].group_ids == ["g1", "g2"] and by_slot["s0900"].missing_examiner_minutes == 12
    assert by_slot["s0930"].group_ids == ["g3"] and by_slot["s0930"].missing_examiner_minutes == 6
    assert by_slot["s0930"].groups[0]["eligible_examiners"] == 1  # e2 supervises g3


def test_load_is_balanced_and_the_plan_is_the_same_for_the_same_seed():
    groups = tuple(GroupNeed(f"g{i}", f"s{i % 4}", 540 + 30 * (i % 4), 570 + 30 * (i % 4), 6) for i in range(12))
    examiners = tuple(ExaminerAvailability(f"e{i}", ((540, 660),)) for i in range(4))
    problem = PlanProblem(groups=groups, examiners=examiners, k=2, gap=1)
    first, again = solve(problem, time_limit_s=LIMIT, seed=3), solve(problem, time_limit_s=LIMIT, seed=3)
    assert first.visits == again.visits
    assert first.optimal and first.spread == 0 and set(first.loads.values()) == {6}
    assert len(first.visits) == 24  # exactly k per group: no needless visits


def test_out_of_time_without_a_plan_is_a_timeout_not_an_empty_report(monkeypatch):
    import peerlab.scheduling.visit_planner as vp

    real = vp._solver
    monkeypatch.setattr(vp, "_solver", lambda limit, seed, workers: _no_time(real(limit, seed, workers)))
    groups = tuple(GroupNeed(f"g{i}", f"s{i % 8}", 540 + 30 * (i % 8), 570 + 30 * (i % 8), 6) for i in range(40))
    problem = PlanProblem(
        groups=groups, examiners=tuple(ExaminerAvailability(f"e{i}", ((540, 780),)) for i in range(6))
    )
    with pytest.raises(vp.PlanTimeout):
        solve(problem, time_limit_s=LIMIT, first_plan=False)


def _no_time(solver):
    solver.parameters.max_time_in_seconds = 1e-9
    return solver
