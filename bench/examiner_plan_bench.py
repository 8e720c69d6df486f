"""Examiner visit plan: CP-SAT against a greedy round-robin, in the same run.

The instance: 2 exam days 09:00-17:00 in half-hour slots, 120 presenting groups (60 a day, 3-4 per
slot) of 1-4 members of whom 0-1 are PhD students (visit = 2 min per presenting member + 2 min of
questions), 12 examiners (half available all day, the others only the morning or the afternoon
of one of the days), each group supervised by one of the examiners with probability 1/2, k = 2,
a walking gap of 1 minute. The solver's figures: time, proven optimal or the gap to its bound,
load spread; the baseline's: time, spread and the rules it breaks. No assertions: numbers only.

``--scarce`` gives a third of the examiners a single hour, so that a spread of 0 or 1 is out of
reach and the exact model has to search (the default instance is met by the packed first plan).

Run: ``uv run python bench/examiner_plan_bench.py [--groups 120] [--examiners 12] [--seed 1] [--scarce]``
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter

from peerlab.scheduling.visit_planner import (
    ExaminerAvailability,
    GroupNeed,
    PlanInfeasible,
    PlanProblem,
    round_robin,
    solve,
    violations,
)

DAY = 24 * 60


def instance(
    *, groups: int, examiners: int, days: int, seed: int, k: int = 2, gap: int = 1, scarce: bool = False
) -> PlanProblem:
    rng = random.Random(seed)
    ids = [f"e{i:02d}" for i in range(examiners)]
    slots = [(d, d * DAY + 9 * 60 + 30 * s) for d in range(days) for s in range(16)]
    needs = []
    for i in range(groups):
        day, start = slots[i % len(slots)]
        members = rng.randint(1, 4)
        presenting = max(1, members - rng.randint(0, 1))
        supervisors = frozenset({rng.choice(ids)}) if rng.random() < 0.5 else frozenset()
        needs.append(
            GroupNeed(
                f"g{i:03d}",
                f"d{day}-{start % DAY // 60:02d}{start % 60:02d}",
                start,
                start + 30,
                2 * presenting + 2,
                supervisors,
            )
        )
    avail = []
    for n, eid in enumerate(ids):
        if scarce and n % 3 == 1:  # a third of the examiners can give only one hour
            d = rng.randrange(days)
            hour = rng.randrange(9, 16)
            windows = ((d * DAY + hour * 60, d * DAY + hour * 60 + 60),)
        elif n % 2 == 0:
            windows = tuple((d * DAY + 9 * 60, d * DAY + 17 * 60) for d in range(days))
        else:
            d = rng.randrange(days)
            windows = (
                ((d * DAY + 9 * 60, d * DAY + 13 * 60),)
                if rng.random() < 0.5
                else ((d * DAY + 13 * 60, d * DAY + 17 * 60),)
            )
        avail.append(ExaminerAvailability(eid, windows))
    return PlanProblem(groups=tuple(needs), examiners=tuple(avail), k=k, gap=gap)


def spread_of(visits, examiner_ids) -> int:
    loads = Counter(v.examiner_id for v in visits)
    values = [loads.get(e, 0) for e in examiner_ids]
    return max(values) - min(values)


def status(result) -> str:
    """'optimal', or the spread's proven lower bound (the objective's other terms are constant)."""
    if result.optimal:
        return "optimal"
    spread_bound = max(0, round(result.bound - (result.objective - result.spread)))
    return f"not proven: spread {result.spread}, lower bound {spread_bound}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--groups", type=int, default=120)
    parser.add_argument("--examiners", type=int, default=12)
    parser.add_argument("--days", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--scarce", action="store_true", help="a third of the examiners give only one hour")
    args = parser.parse_args()
    problem = instance(groups=args.groups, examiners=args.examiners, days=args.days, seed=args.seed, scarce=args.scarce)
    ids = [e.examiner_id for e in problem.examiners]
    print(
        f"instance: {len(problem.groups)} groups, {len(ids)} examiners, {args.days} days, k={problem.k}, "
        f"gap={problem.gap} min, seed {args.seed}{', scarce' if args.scarce else ''}"
    )

    began = time.perf_counter()
    greedy = round_robin(problem)
    greedy_s = time.perf_counter() - began
    broken = violations(problem, greedy)
    kinds = Counter(
        v.split(" ")[0] if v.startswith("supervisor") else v.split(" ", 2)[-1].split(" ")[0] for v in broken
    )
    print(
        f"round-robin: {greedy_s * 1000:.1f} ms, {len(greedy)} visits, spread {spread_of(greedy, ids)}, "
        f"{len(broken)} violations {dict(kinds)}"
    )

    try:
        result = solve(problem, time_limit_s=args.time_limit, seed=args.seed, workers=args.workers)
    except PlanInfeasible as exc:
        print(f"cp-sat: infeasible, {len(exc.conflicts)} slot conflicts")
        return
    print(
        f"cp-sat: {result.seconds:.2f} s, {status(result)}, "
        f"{len(result.visits)} visits, spread {result.spread} (loads {min(result.loads.values())}-"
        f"{max(result.loads.values())}), violations {len(violations(problem, result.visits))}"
    )
    print(
        f"ratio: cp-sat time / round-robin time = {result.seconds / max(greedy_s, 1e-9):.0f}x; "
        f"spread {result.spread} vs {spread_of(greedy, ids)}"
    )

    exact = solve(problem, time_limit_s=args.time_limit, seed=args.seed, workers=args.workers, first_plan=False)
    print(
        f"cp-sat exact model alone (no packed first plan): {exact.seconds:.2f} s, {status(exact)}, "
        f"spread {exact.spread}"
    )

    dropped = ids[0]
    replan = PlanProblem(
        groups=problem.groups,
        examiners=tuple(e for e in problem.examiners if e.examiner_id != dropped),
        k=problem.k,
        gap=problem.gap,
        previous=tuple(result.visits),
    )
    again = solve(replan, time_limit_s=args.time_limit, seed=args.seed, workers=args.workers)
    lost = sum(1 for v in result.visits if v.examiner_id == dropped)
    print(
        f"re-plan without {dropped} ({lost} visits lost): {again.seconds:.2f} s, "
        f"{'optimal' if again.optimal else 'feasible'}, kept {len(again.changes.kept)}, "
        f"dropped {len(again.changes.dropped)}, added {len(again.changes.added)}, spread {again.spread}"
    )


if __name__ == "__main__":
    main()
