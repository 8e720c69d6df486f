"""The examiners' visit plan as a constraint problem (pure: no database, no clock).

Times are whole minutes on one axis (the service uses minutes since the Unix epoch). Every
presenting group has a booked slot ``[start, end)`` and a visit length; every examiner has
availability windows. The plan gives each group ``k`` visits by distinct examiners who do not
supervise it; a visit lies inside the group's slot and inside one of the examiner's windows; an
examiner's visits do not overlap, counting a walking gap after each visit. Among such plans CP-SAT
minimises, in this order: changes against a previous (published) plan, the number of visits
(exactly ``k`` per group, stated as a constraint: nobody walks to a poster only to even out the
load), and the load spread (most minus fewest visits per examiner who could visit anyone).

A fresh plan starts from a packed model (examiners chosen under per-(examiner, slot) minute
capacities, visits packed one after another); when its spread reaches the floor (0, or 1 when the
visits do not divide evenly) it is optimal as it is, else it is the exact model's first solution.

With ``previous`` set, every previous visit that is still possible (same group, examiner, time and
length; the examiner still available and not a supervisor) is kept as a hard constraint; only when
that is infeasible is keeping made the first objective instead (``kept_all_possible`` is then False).

When no plan exists, :class:`PlanInfeasible` carries a report per slot: the groups that cannot get
``k`` visits and the examiner-minutes missing, from a second solve that maximises coverage.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass, field

from ortools.sat.python import cp_model


@dataclass(frozen=True)
class GroupNeed:
    group_id: str
    slot_id: str
    start: int
    end: int
    duration: int
    supervisors: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ExaminerAvailability:
    examiner_id: str
    windows: tuple[tuple[int, int], ...]


@dataclass(frozen=True, order=True)
class Visit:
    start: int
    group_id: str
    examiner_id: str
    end: int


@dataclass(frozen=True)
class PlanProblem:
    groups: tuple[GroupNeed, ...]
    examiners: tuple[ExaminerAvailability, ...]
    k: int = 2
    gap: int = 1
    previous: tuple[Visit, ...] = ()


@dataclass
class PlanChanges:
    kept: list[Visit] = field(default_factory=list)
    dropped: list[Visit] = field(default_factory=list)  # previous visits not in the new plan
    added: list[Visit] = field(default_factory=list)  # new visits not in the previous plan

    @property
    def count(self) -> int:
        return len(self.dropped) + len(self.added)


@dataclass
class PlanResult:
    visits: list[Visit]
    optimal: bool
    spread: int
    loads: dict[str, int]
    objective: float
    bound: float
    seconds: float
    changes: PlanChanges
    kept_all_possible: bool = True


@dataclass
class SlotConflict:
    slot_id: str
    start: int
    end: int
    group_ids: list[str]
    missing_examiner_minutes: int
    groups: list[dict]


class PlanInfeasible(Exception):
    def __init__(self, conflicts: list[SlotConflict], message: str | None = None) -> None:
        super().__init__(message or f"no plan: {len(conflicts)} slot(s) cannot be covered")
        self.conflicts = conflicts


class KeepInfeasible(PlanInfeasible):
    """With ``require_keep``: every slot can be covered, but not while keeping every previous visit
    that is still possible."""

    def __init__(self) -> None:
        super().__init__([], "no plan keeps every previous visit that is still possible")


class PlanTimeout(Exception):
    """Neither a plan nor a proof that none exists within the time limit."""

    def __init__(self, time_limit_s: float) -> None:
        super().__init__(f"no plan found within {time_limit_s} s")
        self.time_limit_s = time_limit_s


@dataclass
class _Option:
    group: GroupNeed
    examiner_id: str
    lo: int
    hi: int
    chosen: cp_model.IntVar | None = None
    start: cp_model.IntVar | None = None

    @property
    def segment(self) -> tuple[str, int, int]:
        """The examiner's time inside this slot and window: visits in it are packed one after another."""
        return (self.examiner_id, self.lo, self.hi + self.group.duration)


def _options(problem: PlanProblem) -> list[_Option]:
    """One option per (group, examiner, window) where the visit fits inside slot and window."""
    out = []
    for group in problem.groups:
        for examiner in problem.examiners:
            if examiner.examiner_id in group.supervisors:
                continue
            for w_start, w_end in examiner.windows:
                lo, hi = max(group.start, w_start), min(group.end, w_end) - group.duration
                if hi >= lo:
                    out.append(_Option(group, examiner.examiner_id, lo, hi))
    return out


def still_possible(problem: PlanProblem, visit: Visit) -> bool:
    """Whether a previous visit can stay exactly as it is in ``problem``."""
    group = next((g for g in problem.groups if g.group_id == visit.group_id), None)
    examiner = next((e for e in problem.examiners if e.examiner_id == visit.examiner_id), None)
    if group is None or examiner is None or visit.examiner_id in group.supervisors:
        return False
    if visit.end - visit.start != group.duration or visit.start < group.start or visit.end > group.end:
        return False
    return any(ws <= visit.start and visit.end <= we for ws, we in examiner.windows)


def _build(problem: PlanProblem, options: list[_Option], *, hard_keep: bool):
    model = cp_model.CpModel()
    by_pair: dict[tuple[str, str], list[_Option]] = defaultdict(list)
    intervals: dict[str, list] = defaultdict(list)
    for i, opt in enumerate(options):
        opt.chosen = model.new_bool_var(f"x{i}")
        opt.start = model.new_int_var(opt.lo, opt.hi, f"s{i}")
        intervals[opt.examiner_id].append(
            model.new_optional_fixed_size_interval_var(opt.start, opt.group.duration + problem.gap, opt.chosen, f"i{i}")
        )
        by_pair[(opt.group.group_id, opt.examiner_id)].append(opt)
    pair_var = {}
    for pair, opts in by_pair.items():
        if len(opts) == 1:
            pair_var[pair] = opts[0].chosen
        else:
            var = model.new_bool_var(f"p{pair}")
            model.add(sum(o.chosen for o in opts) == var)
            pair_var[pair] = var
    kept_per_group: dict[str, int] = defaultdict(int)
    for visit in problem.previous:
        if still_possible(problem, visit):
            kept_per_group[visit.group_id] += 1
    for group in problem.groups:
        count = sum(v for (g, _), v in pair_var.items() if g == group.group_id)
        if hard_keep:  # fewest visits: exactly k, or the kept ones if more (stated, so CP-SAT need not prove it)
            model.add(count == max(problem.k, kept_per_group[group.group_id]))
        else:
            model.add(count >= problem.k)
    for ivs in intervals.values():
        model.add_no_overlap(ivs)
    by_segment: dict[tuple[str, int, int], list] = defaultdict(list)
    for opt in options:  # implied: packed visits of a segment fit in its length plus one gap
        by_segment[opt.segment].append(opt.chosen * (opt.group.duration + problem.gap))
    for seg, terms in by_segment.items():
        model.add(sum(terms) <= seg[2] - seg[1] + problem.gap)
    active = sorted({e for _, e in pair_var})
    loads = {e: sum(v for (_, ee), v in pair_var.items() if ee == e) for e in active}
    n_groups = len(problem.groups)
    hi_load, lo_load = model.new_int_var(0, n_groups, "max"), model.new_int_var(0, n_groups, "min")
    for load in loads.values():
        model.add(load <= hi_load)
        model.add(load >= lo_load)
    total = sum(pair_var.values())
    keep_vars = []
    for visit in problem.previous:
        if not still_possible(problem, visit):
            continue
        opt = next(o for o in by_pair[(visit.group_id, visit.examiner_id)] if o.lo <= visit.start <= o.hi)
        if hard_keep:
            model.add(opt.chosen == 1)
            model.add(opt.start == visit.start)
        else:
            keep = model.new_bool_var(f"k{visit}")
            model.add_implication(keep, opt.chosen)
            model.add(opt.start == visit.start).only_enforce_if(keep)
            keep_vars.append(keep)
        model.add_hint(opt.chosen, 1)
        model.add_hint(opt.start, visit.start)
    w_total = n_groups + 1  # the spread is at most n_groups
    w_change = (len(pair_var) + 1) * w_total
    # changes = previous visits not kept + new visits not previous = (P - kept) + (total - kept)
    lost = len(problem.previous) - sum(keep_vars) if keep_vars else 0
    model.minimize(w_change * 2 * lost + w_total * total + (hi_load - lo_load))
    return model, pair_var, loads


def _segment_caps(problem: PlanProblem, options: list[_Option]) -> dict[tuple[str, int, int], int]:
    """Minutes of (visit + walking gap) that fit in each segment when visits are packed from its
    start: its length plus one gap, unless another segment of the examiner begins within a gap
    after its end (then the last walk must fit inside)."""
    segments = {o.segment for o in options}
    starts: dict[str, list[int]] = defaultdict(list)
    for eid, start, _end in segments:
        starts[eid].append(start)
    return {
        seg: seg[2] - seg[1] + (0 if any(seg[2] <= s < seg[2] + problem.gap for s in starts[seg[0]]) else problem.gap)
        for seg in segments
    }


def _packed_plan(
    problem: PlanProblem, options: list[_Option], *, time_limit_s: float, seed: int, workers: int
) -> list[Visit] | None:
    """A quick first plan: choose (group, examiner) pairs under per-segment capacities, balance the
    load, then pack each segment's visits from its start. Every plan it returns keeps all the rules
    (the capacities are a slight restriction of the exact model), so it serves as the exact model's
    starting solution; None when it finds none."""
    model = cp_model.CpModel()
    chosen = [model.new_bool_var(f"x{i}") for i in range(len(options))]
    by_pair: dict[tuple[str, str], list] = defaultdict(list)
    by_segment: dict[tuple[str, int, int], list] = defaultdict(list)
    for var, opt in zip(chosen, options, strict=True):
        by_pair[(opt.group.group_id, opt.examiner_id)].append(var)
        by_segment[opt.segment].append((var, opt.group.duration + problem.gap))
    for vs in by_pair.values():
        model.add(sum(vs) <= 1)
    for group in problem.groups:
        model.add(
            sum(v for v, o in zip(chosen, options, strict=True) if o.group.group_id == group.group_id) == problem.k
        )
    for seg, cap in _segment_caps(problem, options).items():
        model.add(sum(v * w for v, w in by_segment[seg]) <= cap)
    loads = defaultdict(list)
    for var, opt in zip(chosen, options, strict=True):
        loads[opt.examiner_id].append(var)
    n = len(problem.groups)
    hi_load, lo_load = model.new_int_var(0, n, "max"), model.new_int_var(0, n, "min")
    for vs in loads.values():
        model.add(sum(vs) <= hi_load)
        model.add(sum(vs) >= lo_load)
    model.minimize((n + 1) * sum(chosen) + (hi_load - lo_load))
    solver = _solver(time_limit_s, seed, workers)
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    visits, cursor = [], {}
    picked = sorted(
        (o for v, o in zip(chosen, options, strict=True) if solver.value(v)),
        key=lambda o: (o.segment, o.group.group_id),
    )
    for opt in picked:
        start = cursor.get(opt.segment, opt.segment[1])
        visits.append(Visit(start, opt.group.group_id, opt.examiner_id, start + opt.group.duration))
        cursor[opt.segment] = start + opt.group.duration + problem.gap
    return visits if not violations(problem, visits) else None


def solve(
    problem: PlanProblem,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    workers: int = 1,
    require_keep: bool = False,
    first_plan: bool = True,
) -> PlanResult:
    """The best plan found within the time limit; raises :class:`PlanInfeasible` when there is none.

    With ``workers=1`` (the default) the result is the same for the same problem and seed. With
    ``require_keep`` a plan that cannot keep every still-possible previous visit is infeasible.
    ``first_plan=False`` skips the packed first plan (the bench uses it to time the exact model alone)."""
    began = time.perf_counter()
    options = _options(problem)
    keeps = any(still_possible(problem, v) for v in problem.previous)
    attempts = [True, False] if keeps and not require_keep else [True]
    start_plan = (
        None
        if problem.previous or not first_plan
        else _packed_plan(problem, options, time_limit_s=time_limit_s / 2, seed=seed, workers=workers)
    )
    if start_plan is not None:
        loads = _loads(options, start_plan)
        total, active = problem.k * len(problem.groups), len(loads)
        floor = 0 if not active or total % active == 0 else 1  # no plan has a smaller spread
        if max(loads.values(), default=0) - min(loads.values(), default=0) <= floor:
            return PlanResult(
                visits=sorted(start_plan),
                optimal=True,
                spread=floor,
                loads=loads,
                objective=float(floor),
                bound=float(floor),
                seconds=time.perf_counter() - began,
                changes=diff((), sorted(start_plan)),
            )
    for hard_keep in attempts:
        opts = [_Option(o.group, o.examiner_id, o.lo, o.hi) for o in options]
        model, _pairs, loads = _build(problem, opts, hard_keep=hard_keep)
        if start_plan is not None:
            _hint(model, opts, start_plan)
        solver = _solver(max(0.5, time_limit_s - (time.perf_counter() - began)), seed, workers)
        status = solver.solve(model)
        if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            visits = sorted(
                Visit(solver.value(o.start), o.group.group_id, o.examiner_id, solver.value(o.start) + o.group.duration)
                for o in opts
                if solver.value(o.chosen)
            )
            load_values = {e: int(solver.value(v)) for e, v in loads.items()}
            spread = max(load_values.values()) - min(load_values.values()) if load_values else 0
            return PlanResult(
                visits=visits,
                optimal=status == cp_model.OPTIMAL,
                spread=spread,
                loads=load_values,
                objective=solver.objective_value,
                bound=solver.best_objective_bound,
                seconds=time.perf_counter() - began,
                changes=diff(problem.previous, visits),
                kept_all_possible=hard_keep,
            )
    if status == cp_model.UNKNOWN:  # out of time before any plan was found, nor proven impossible
        raise PlanTimeout(time_limit_s)
    found = conflicts(problem, time_limit_s=time_limit_s, seed=seed, workers=workers)
    if found:
        raise PlanInfeasible(found)
    if require_keep and status == cp_model.INFEASIBLE:  # coverage is possible; keeping all is not
        raise KeepInfeasible()
    raise PlanTimeout(time_limit_s)  # the coverage solve ran out of time too: no report to give


def _loads(options: list[_Option], visits: list[Visit]) -> dict[str, int]:
    """Visits per examiner, counting every examiner who could visit some group (0 when none)."""
    loads = {o.examiner_id: 0 for o in options}
    for v in visits:
        loads[v.examiner_id] += 1
    return loads


def _hint(model: cp_model.CpModel, options: list[_Option], visits: list[Visit]) -> None:
    at = {(v.group_id, v.examiner_id): v.start for v in visits}
    for opt in options:
        start = at.get((opt.group.group_id, opt.examiner_id))
        hit = start is not None and opt.lo <= start <= opt.hi
        model.add_hint(opt.chosen, 1 if hit else 0)
        model.add_hint(opt.start, start if hit else opt.lo)


def _solver(time_limit_s: float, seed: int, workers: int) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.random_seed = seed
    solver.parameters.num_workers = workers
    if workers > 1:
        solver.parameters.interleave_search = True  # deterministic with several workers
    return solver


def diff(previous: tuple[Visit, ...] | list[Visit], visits: list[Visit]) -> PlanChanges:
    before, after = set(previous), set(visits)
    return PlanChanges(kept=sorted(before & after), dropped=sorted(before - after), added=sorted(after - before))


def conflicts(
    problem: PlanProblem, *, time_limit_s: float = 10.0, seed: int = 0, workers: int = 1
) -> list[SlotConflict]:
    """Per slot, the groups that cannot get ``k`` visits and the examiner-minutes missing.

    Maximises the visits placed (at most ``k`` per group) under the same rules; what is short of
    ``k`` is missing. Each group also lists how many examiners could visit it at all."""
    options = _options(problem)
    model = cp_model.CpModel()
    intervals: dict[str, list] = defaultdict(list)
    per_pair: dict[tuple[str, str], list] = defaultdict(list)
    for i, opt in enumerate(options):
        opt.chosen = model.new_bool_var(f"x{i}")
        opt.start = model.new_int_var(opt.lo, opt.hi, f"s{i}")
        intervals[opt.examiner_id].append(
            model.new_optional_fixed_size_interval_var(opt.start, opt.group.duration + problem.gap, opt.chosen, f"i{i}")
        )
        per_pair[(opt.group.group_id, opt.examiner_id)].append(opt.chosen)
    for chosen in per_pair.values():
        model.add(sum(chosen) <= 1)
    per_group: dict[str, list] = defaultdict(list)
    for opt in options:
        per_group[opt.group.group_id].append(opt.chosen)
    for chosen in per_group.values():
        model.add(sum(chosen) <= problem.k)
    for ivs in intervals.values():
        model.add_no_overlap(ivs)
    model.maximize(sum(o.chosen for o in options))
    solver = _solver(time_limit_s, seed, workers)
    status = solver.solve(model)
    solved = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    eligible = {g.group_id: len({e for (gg, e) in per_pair if gg == g.group_id}) for g in problem.groups}
    by_slot: dict[str, list[tuple[GroupNeed, int]]] = defaultdict(list)
    for group in problem.groups:
        placed = sum(solver.value(c) for c in per_group[group.group_id]) if solved else 0
        if placed < problem.k:
            by_slot[group.slot_id].append((group, placed))
    out = []
    for slot_id, short in sorted(by_slot.items(), key=lambda kv: (kv[1][0][0].start, kv[0])):
        first = short[0][0]
        out.append(
            SlotConflict(
                slot_id=slot_id,
                start=first.start,
                end=first.end,
                group_ids=[g.group_id for g, _ in short],
                missing_examiner_minutes=sum((problem.k - placed) * g.duration for g, placed in short),
                groups=[
                    {
                        "group_id": g.group_id,
                        "visits_needed": problem.k,
                        "visits_possible": placed,
                        "visit_minutes": g.duration,
                        "eligible_examiners": eligible[g.group_id],
                    }
                    for g, placed in short
                ],
            )
        )
    return out


def violations(problem: PlanProblem, visits: list[Visit]) -> list[str]:
    """Every rule a plan breaks (used by the baseline in the bench and by tests as a second opinion)."""
    groups = {g.group_id: g for g in problem.groups}
    windows = {e.examiner_id: e.windows for e in problem.examiners}
    out = []
    per_group: dict[str, set[str]] = defaultdict(set)
    per_examiner: dict[str, list[Visit]] = defaultdict(list)
    for v in visits:
        g = groups[v.group_id]
        per_group[v.group_id].add(v.examiner_id)
        per_examiner[v.examiner_id].append(v)
        if v.examiner_id in g.supervisors:
            out.append(f"supervisor {v.examiner_id} visits {v.group_id}")
        if v.start < g.start or v.end > g.end:
            out.append(f"visit of {v.group_id} by {v.examiner_id} outside the slot")
        if v.end - v.start != g.duration:
            out.append(f"visit of {v.group_id} by {v.examiner_id} has the wrong length")
        if not any(ws <= v.start and v.end <= we for ws, we in windows.get(v.examiner_id, ())):
            out.append(f"{v.examiner_id} not available for {v.group_id}")
    for gid in groups:
        if len(per_group[gid]) < problem.k:
            out.append(f"{gid} has {len(per_group[gid])} examiners")
    for eid, vs in per_examiner.items():
        vs.sort()
        for a, b in zip(vs, vs[1:], strict=False):
            if b.start < a.end + problem.gap:
                out.append(f"{eid} overlaps {a.group_id} and {b.group_id}")
    return out


def round_robin(problem: PlanProblem) -> list[Visit]:
    """The greedy baseline: groups in slot order, examiners in turn (skipping supervisors), each
    visit at the examiner's next free minute in the slot. It ignores availability and may overrun."""
    ids = [e.examiner_id for e in problem.examiners]
    free_at: dict[str, int] = {}
    turn, out = 0, []
    for group in sorted(problem.groups, key=lambda g: (g.start, g.group_id)):
        taken: set[str] = set()
        tries = 0
        while len(taken) < problem.k and tries < len(ids):
            eid = ids[turn % len(ids)]
            turn += 1
            tries += 1
            if eid in group.supervisors or eid in taken:
                continue
            start = max(group.start, free_at.get(eid, group.start))
            out.append(Visit(start, group.group_id, eid, start + group.duration))
            free_at[eid] = start + group.duration + problem.gap
            taken.add(eid)
    return out
