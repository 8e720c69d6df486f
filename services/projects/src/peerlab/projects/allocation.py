"""Project allocation by ranked choice, respecting capacities (pure; no database).

Each project with capacity c becomes c "places"; a group's cost for a place of its k-th choice is
k-1, and for a place it did not choose a penalty larger than any sum of ranks, so the optimum
(``scipy.optimize.linear_sum_assignment``) first places as many groups as possible and then
minimises the sum of ranks. Groups are ordered by id, so equal inputs give equal outputs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment


@dataclass(frozen=True)
class GroupChoices:
    group_id: str
    project_ids: tuple[str, ...]  # best first; duplicates are ignored after their first rank


@dataclass(frozen=True)
class Placement:
    group_id: str
    project_id: str
    rank: int  # 1 = first choice


def allocate(groups: Sequence[GroupChoices], capacity: Mapping[str, int | None]) -> list[Placement]:
    """Place groups in projects. ``capacity[p]`` is the number of groups project p can still take
    (None: unlimited). Unknown projects in the choices are ignored. Unplaced groups are left out."""
    groups = sorted(groups, key=lambda g: g.group_id)
    ranked = [_first_ranks(g.project_ids, capacity) for g in groups]
    places: list[str] = []
    for project_id in sorted(capacity):
        wanted = sum(1 for r in ranked if project_id in r)
        limit = capacity[project_id]
        places += [project_id] * min(wanted, limit if limit is not None else wanted)
    if not groups or not places:
        return []
    worst = max((max(r.values()) for r in ranked if r), default=0)
    penalty = (worst + 1) * (len(groups) + 1)
    cost = np.full((len(groups), len(places)), penalty, dtype=np.int64)
    for row, ranks in enumerate(ranked):
        for col, project_id in enumerate(places):
            if project_id in ranks:
                cost[row, col] = ranks[project_id]
    rows, cols = linear_sum_assignment(cost)
    out = []
    for row, col in zip(rows, cols, strict=True):
        project_id = places[col]
        if project_id in ranked[row]:
            out.append(Placement(groups[row].group_id, project_id, ranked[row][project_id] + 1))
    return sorted(out, key=lambda p: p.group_id)


def _first_ranks(project_ids: Sequence[str], capacity: Mapping[str, int | None]) -> dict[str, int]:
    ranks: dict[str, int] = {}
    for index, project_id in enumerate(project_ids):
        if project_id in capacity and project_id not in ranks and capacity[project_id] != 0:
            ranks[project_id] = index
    return ranks
