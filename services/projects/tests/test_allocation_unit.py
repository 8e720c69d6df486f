"""The allocation as a pure function: capacities hold, the most groups are placed, then the sum
of ranks is the least possible (checked against brute force on small random cases)."""

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from peerlab.projects.allocation import GroupChoices, allocate


def test_first_choices_when_capacity_allows():
    groups = [GroupChoices("g1", ("a", "b")), GroupChoices("g2", ("b", "a")), GroupChoices("g3", ("c",))]
    placed = allocate(groups, {"a": 1, "b": 1, "c": 1})
    assert [(p.group_id, p.project_id, p.rank) for p in placed] == [("g1", "a", 1), ("g2", "b", 1), ("g3", "c", 1)]


def test_capacity_pushes_a_group_to_its_second_choice_and_minimises_total_rank():
    groups = [GroupChoices("g1", ("a", "b")), GroupChoices("g2", ("a", "c")), GroupChoices("g3", ("a",))]
    placed = {p.group_id: (p.project_id, p.rank) for p in allocate(groups, {"a": 1, "b": 1, "c": 1})}
    assert placed == {"g1": ("b", 2), "g2": ("c", 2), "g3": ("a", 1)}  # only g3 has no other choice


def test_unplaceable_groups_are_left_out_and_unknown_projects_ignored():
    groups = [GroupChoices("g1", ("a",)), GroupChoices("g2", ("a", "zzz")), GroupChoices("g3", ())]
    placed = allocate(groups, {"a": 1})
    assert len(placed) == 1 and placed[0].project_id == "a"


def test_unlimited_capacity_takes_everyone_and_zero_capacity_no_one():
    groups = [GroupChoices(f"g{i}", ("own", "b")) for i in range(5)]
    assert {p.project_id for p in allocate(groups, {"own": None, "b": 1})} == {"own"}
    placed = allocate(groups, {"own": 0, "b": 2})
    assert len(placed) == 2 and all(p.project_id == "b" and p.rank == 2 for p in placed)


def _brute_force(groups, capacity):
    """(most groups placed, least rank sum) over every way to place the groups."""
    options = [[None] + [p for p in g.project_ids if capacity.get(p, 0)] for g in groups]
    best = (0, 0)
    for combo in itertools.product(*options):
        used = {}
        for p in combo:
            if p is not None:
                used[p] = used.get(p, 0) + 1
        if any(n > capacity[p] for p, n in used.items()):
            continue
        placed = sum(p is not None for p in combo)
        ranks = sum(g.project_ids.index(p) + 1 for g, p in zip(groups, combo) if p is not None)
        if (placed, -ranks) > (best[0], -best[1]):
            best = (placed, ranks)
    return best


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_matches_brute_force_on_small_random_cases(seed):
    rng = random.Random(seed)
    projects = ["a", "b", "c", "d"][: rng.randint(1, 4)]
    capacity = {p: rng.randint(0, 2) for p in projects}
    groups = [GroupChoices(f"g{i}", tuple(rng.sample(projects, rng.randint(1, len(projects)))))
              for i in range(rng.randint(1, 5))]
    placed = allocate(groups, capacity)
    counts = {}
    for p in placed:
        counts[p.project_id] = counts.get(p.project_id, 0) + 1
        group = next(g for g in groups if g.group_id == p.group_id)
        assert group.project_ids[p.rank - 1] == p.project_id
    assert all(n <= capacity[p] for p, n in counts.items())
    assert len({p.group_id for p in placed}) == len(placed)
    assert (len(placed), sum(p.rank for p in placed)) == _brute_force(groups, capacity)
