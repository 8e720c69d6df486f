"""Project allocation by ranked choice, respecting capacities (pure; no database).

Two exact objectives:

- ``rank_maximal`` (default): the greatest **profile** (signature) — the most first choices, then
  among those the most second choices, and so on — which is how course coordinators compare
  allocations. It may leave a group unplaced that ``min_sum`` would place (a first choice for
  another group outweighs any number of lower ranks, "unplaced" included).
- ``min_sum``: first as many groups as possible, then the least sum of ranks.

Each project with capacity c becomes c "places" and ``scipy.optimize.linear_sum_assignment``
finds the optimum over group x place. For ``rank_maximal`` a place of a group's r-th choice
weighs ``B**(R-r)`` with ``B`` = groups + 1 and ``R`` the deepest rank: a rank's count is at most
the number of groups < B, so comparing weight sums compares profiles. The solver works in float64,
so these integer weights are used only while ``B**R`` stays far below 2**53 (exact); beyond it the
profile is found by successive exact integer programs (``scipy.optimize.milp``), one per rank, each
keeping the counts of the better ranks fixed. Groups are ordered by id, so equal inputs give equal
outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linear_sum_assignment, milp
from scipy.sparse import coo_array

Objective = Literal["rank_maximal", "min_sum"]
OBJECTIVES: tuple[Objective, ...] = ("rank_maximal", "min_sum")
FLOAT_EXACT_LIMIT = 2**50
"""Largest weight total handed to the float64 solver (2**53 is exact; the margin covers its sums)."""


@dataclass(frozen=True)
class GroupChoices:
    group_id: str
    project_ids: tuple[str, ...]  # best first; duplicates are ignored after their first rank


@dataclass(frozen=True)
class Placement:
    group_id: str
    project_id: str
    rank: int  # 1 = first choice


@dataclass(frozen=True)
class Unplaced:
    group_id: str
    reason: Literal["no_feasible_choice", "choices_taken"]
    """``no_feasible_choice``: every project it chose is unknown or has no place left;
    ``choices_taken``: its projects' places went to groups the objective put first."""


@dataclass(frozen=True)
class Allocation:
    objective: Objective
    placements: list[Placement]
    unplaced: list[Unplaced]
    profile: tuple[int, ...] = field(default=())
    """Groups placed at their 1st, 2nd, ... choice (as long as the longest list of choices)."""


def allocate(
    groups: Sequence[GroupChoices], capacity: Mapping[str, int | None], *, objective: Objective = "rank_maximal"
) -> list[Placement]:
    """The placements of :func:`solve` (unplaced groups are left out)."""
    return solve(groups, capacity, objective=objective).placements


def solve(
    groups: Sequence[GroupChoices],
    capacity: Mapping[str, int | None],
    *,
    objective: Objective = "rank_maximal",
    float_limit: int = FLOAT_EXACT_LIMIT,
) -> Allocation:
    """Place groups in projects. ``capacity[p]`` is the number of groups project p can still take
    (None: unlimited). Unknown projects in the choices are ignored. ``float_limit`` bounds the
    weights given to the float solver (tests lower it to exercise the integer-program path)."""
    if objective not in OBJECTIVES:
        raise ValueError(f"unknown objective {objective!r}")
    groups = sorted(groups, key=lambda g: g.group_id)
    ranked = [_first_ranks(g.project_ids, capacity) for g in groups]
    depth = max((len(g.project_ids) for g in groups), default=0)
    chosen: dict[int, tuple[str, int]] = {}
    if any(ranked):
        if objective == "rank_maximal" and _rank_weight_total(ranked) > float_limit:
            chosen = _lexicographic_milp(ranked, capacity)
        else:
            chosen = _assignment(ranked, capacity, objective)
    placements = [Placement(groups[i].group_id, p, r + 1) for i, (p, r) in sorted(chosen.items())]
    unplaced = [
        Unplaced(g.group_id, "choices_taken" if ranked[i] else "no_feasible_choice")
        for i, g in enumerate(groups)
        if i not in chosen
    ]
    profile = [0] * depth
    for placement in placements:
        profile[placement.rank - 1] += 1
    return Allocation(objective=objective, placements=placements, unplaced=unplaced, profile=tuple(profile))


def _first_ranks(project_ids: Sequence[str], capacity: Mapping[str, int | None]) -> dict[str, int]:
    ranks: dict[str, int] = {}
    for index, project_id in enumerate(project_ids):
        if project_id in capacity and project_id not in ranks and capacity[project_id] != 0:
            ranks[project_id] = index
    return ranks


def _base_and_depth(ranked: list[dict[str, int]]) -> tuple[int, int]:
    return len(ranked) + 1, 1 + max((max(r.values()) for r in ranked if r), default=0)


def _rank_weight_total(ranked: list[dict[str, int]]) -> int:
    """An upper bound of any weight sum under the rank-maximal weights: ``B**R`` (exact integers)."""
    base, depth = _base_and_depth(ranked)
    return base**depth


def _assignment(
    ranked: list[dict[str, int]], capacity: Mapping[str, int | None], objective: Objective
) -> dict[int, tuple[str, int]]:
    places: list[str] = []
    for project_id in sorted(capacity):
        wanted = sum(1 for r in ranked if project_id in r)
        limit = capacity[project_id]
        places += [project_id] * min(wanted, limit if limit is not None else wanted)
    if objective == "rank_maximal":
        base, depth = _base_and_depth(ranked)
        weight = [base ** (depth - 1 - r) for r in range(depth)]
        cost = np.zeros((len(ranked), len(places)), dtype=np.float64)  # an unchosen place gains nothing
        for row, ranks in enumerate(ranked):
            for col, project_id in enumerate(places):
                if project_id in ranks:
                    cost[row, col] = -float(weight[ranks[project_id]])
    else:
        worst = max((max(r.values()) for r in ranked if r), default=0)
        penalty = (worst + 1) * (len(ranked) + 1)  # more than any sum of ranks: placing comes first
        cost = np.full((len(ranked), len(places)), penalty, dtype=np.float64)
        for row, ranks in enumerate(ranked):
            for col, project_id in enumerate(places):
                if project_id in ranks:
                    cost[row, col] = ranks[project_id]
    rows, cols = linear_sum_assignment(cost)
    out: dict[int, tuple[str, int]] = {}
    for row, col in zip(rows, cols, strict=True):
        project_id = places[col]
        if project_id in ranked[row]:
            out[int(row)] = (project_id, ranked[row][project_id])
    return out


def _lexicographic_milp(ranked: list[dict[str, int]], capacity: Mapping[str, int | None]) -> dict[int, tuple[str, int]]:
    """Rank-maximal by successive integer programs: maximise the rank-1 count, fix it, maximise the
    rank-2 count, ... Each stage is exact (0/1 variables, integer counts)."""
    edges = [(g, p, r) for g, ranks in enumerate(ranked) for p, r in sorted(ranks.items())]
    n_edges = len(edges)
    rows: list[int] = []
    cols: list[int] = []
    upper: list[float] = []
    for g in range(len(ranked)):  # each group at most one project
        rows += [len(upper)] * sum(1 for e in edges if e[0] == g)
        cols += [i for i, e in enumerate(edges) if e[0] == g]
        upper.append(1)
    for project_id, limit in sorted(capacity.items()):
        if limit is None:
            continue
        mine = [i for i, e in enumerate(edges) if e[1] == project_id]
        if mine:
            rows += [len(upper)] * len(mine)
            cols += mine
            upper.append(limit)
    base = coo_array((np.ones(len(rows)), (rows, cols)), shape=(len(upper), n_edges)).toarray()
    constraints = [LinearConstraint(base, -np.inf, np.array(upper, dtype=np.float64))]
    depth = _base_and_depth(ranked)[1]
    x = np.zeros(n_edges)
    for rank in range(depth):
        indicator = np.array([1.0 if e[2] == rank else 0.0 for e in edges])
        if not indicator.any():
            continue
        result = milp(-indicator, integrality=np.ones(n_edges), bounds=Bounds(0, 1), constraints=constraints)
        if not result.success:  # pragma: no cover - the empty assignment is always feasible
            raise RuntimeError(f"allocation integer program failed: {result.message}")
        x = np.rint(result.x)
        best = int(round(float(indicator @ x)))
        constraints.append(LinearConstraint(indicator.reshape(1, -1), best, best))
    return {g: (p, r) for (g, p, r), taken in zip(edges, x, strict=True) if taken > 0.5}
