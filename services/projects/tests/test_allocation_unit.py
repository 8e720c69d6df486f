"""The allocation as a pure function, for both objectives checked against brute force on small
random cases: ``rank_maximal`` (default) gives the greatest profile (most first choices, then
second, ...); ``min_sum`` places the most groups, then the least sum of ranks. Capacities hold."""

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

import pytest

from peerlab.projects.allocation import GroupChoices, allocate, solve


def test_first_choices_when_capacity_allows():
    groups = [GroupChoices("g1", ("a", "b")), GroupChoices("g2", ("b", "a")), GroupChoices("g3", ("c",))]
    placed = allocate(groups, {"a": 1, "b": 1, "c": 1})
    assert [(p.group_id, p.project_id, p.rank) for p in placed] == [("g1", "a", 1), ("g2", "b", 1), ("g3", "c", 1)]


def test_capacity_pushes_a_group_to_its_second_choice_and_minimises_total_rank():
    groups = [GroupChoices("g1", ("a", "b")), GroupChoices("g2", ("a", "c")), GroupChoices("g3", ("a",))]
    for objective in ("rank_maximal", "min_sum"):
        placed = {
            p.group_id: (p.project_id, p.rank) for p in allocate(groups, {"a": 1, "b": 1, "c": 1}, objective=objective)
        }
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
        ranks = sum(g.project_ids.index(p) + 1 for g, p in zip(groups, combo, strict=True) if p is not None)
        if (placed, -ranks) > (best[0], -best[1]):
            best = (placed, ranks)
    return best


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_matches_brute_force_on_small_random_cases(seed):
    rng = random.Random(seed)
    projects = ["a", "b", "c", "d"][: rng.randint(1, 4)]
    capacity = {p: rng.randint(0, 2) for p in projects}
    groups = [
        GroupChoices(f"g{i}", tuple(rng.sample(projects, rng.randint(1, len(projects)))))
        for i in range(rng.randint(1, 5))
    ]
    placed = allocate(groups, capacity, objective="min_sum")
    counts = {}
    for p in placed:
        counts[p.project_id] = counts.get(p.project_id, 0) + 1
        group = next(g for g in groups if g.group_id == p.group_id)
        assert group.project_ids[p.rank - 1] == p.project_id
    assert all(n <= capacity[p] for p, n in counts.items())
    assert len({p.group_id for p in placed}) == len(placed)
    assert (len(placed), sum(p.rank for p in placed)) == _brute_force(groups, capacity)


# --- rank-maximal ---------------------------------------------------------------------------------
ISSUE_CAPACITY = {"p0": 1, "p1": 1, "p2": 2, "p3": 1}
ISSUE_GROUPS = [
    GroupChoices(f"g{i}", tuple(f"p{c}" for c in cs))
    for i, cs in enumerate([[0, 3, 1, 2], [1, 2, 3, 0], [3, 1], [0, 1]])
]


def test_the_default_is_rank_maximal_three_first_choices_where_min_sum_gives_two():
    best = solve(ISSUE_GROUPS, ISSUE_CAPACITY)
    assert best.objective == "rank_maximal"
    assert best.profile == (3, 0, 0, 1) and best.unplaced == []
    assert {(p.group_id, p.project_id, p.rank) for p in best.placements} == {
        ("g0", "p2", 4),
        ("g1", "p1", 1),
        ("g2", "p3", 1),
        ("g3", "p0", 1),
    }
    summed = solve(ISSUE_GROUPS, ISSUE_CAPACITY, objective="min_sum")
    assert summed.profile == (2, 2, 0, 0) and sum(p.rank for p in summed.placements) == 6  # the old answer
    assert [(p.group_id, p.project_id) for p in allocate(ISSUE_GROUPS, ISSUE_CAPACITY)] == [
        (p.group_id, p.project_id) for p in best.placements
    ]


def test_rank_maximal_may_leave_a_group_out_that_min_sum_places_and_says_why():
    groups = [
        GroupChoices("g1", ("a", "b")),
        GroupChoices("g2", ("z", "a")),
        GroupChoices("g3", ("z",)),
        GroupChoices("g4", ("gone", "nowhere")),
    ]
    capacity = {"a": 1, "b": 1, "z": 1, "gone": 0}
    best = solve(groups, capacity)
    assert best.profile == (2, 0) and {(u.group_id, u.reason) for u in best.unplaced} == {
        ("g2", "choices_taken"),
        ("g4", "no_feasible_choice"),
    }
    summed = solve(groups, capacity, objective="min_sum")
    assert summed.profile == (1, 2) and [(u.group_id, u.reason) for u in summed.unplaced] == [
        ("g4", "no_feasible_choice")
    ]


def test_an_unknown_objective_is_refused():
    with pytest.raises(ValueError):
        solve(ISSUE_GROUPS, ISSUE_CAPACITY, objective="max_happiness")


def _every_allocation(groups, capacity):
    """Yield the chosen project (or None) per group for every feasible allocation."""
    options = [
        [None] + list(dict.fromkeys(p for p in g.project_ids if p in capacity and capacity[p] != 0)) for g in groups
    ]
    for combo in itertools.product(*options):
        used = {}
        for p in combo:
            if p is not None:
                used[p] = used.get(p, 0) + 1
        if all(capacity[p] is None or n <= capacity[p] for p, n in used.items()):
            yield combo


def _brute_profiles(groups, capacity):
    """(greatest profile, best (placed, -rank sum)) over every feasible allocation."""
    depth = max((len(g.project_ids) for g in groups), default=0)
    best_profile, best_sum = None, None
    for combo in _every_allocation(groups, capacity):
        profile = [0] * depth
        for g, p in zip(groups, combo, strict=True):
            if p is not None:
                profile[g.project_ids.index(p)] += 1
        placed = sum(profile)
        rank_sum = sum(g.project_ids.index(p) + 1 for g, p in zip(groups, combo, strict=True) if p is not None)
        best_profile = max(best_profile or tuple(profile), tuple(profile))
        best_sum = max(best_sum or (placed, -rank_sum), (placed, -rank_sum))
    return best_profile, best_sum


def _random_case(rng):
    projects = [f"p{i}" for i in range(rng.randint(1, 5))]
    capacity = {p: rng.choice([0, 1, 1, 2, None]) if p == "p0" else rng.randint(0, 2) for p in projects}
    groups = [
        GroupChoices(f"g{i}", tuple(rng.sample(projects, rng.randint(0, len(projects)))))
        for i in range(rng.randint(1, 6))
    ]
    return groups, capacity


def _check_feasible(allocation, groups, capacity):
    used = {}
    for p in allocation.placements:
        group = next(g for g in groups if g.group_id == p.group_id)
        assert group.project_ids.index(p.project_id) == p.rank - 1
        used[p.project_id] = used.get(p.project_id, 0) + 1
    assert all(capacity[p] is None or n <= capacity[p] for p, n in used.items())
    ids = [p.group_id for p in allocation.placements] + [u.group_id for u in allocation.unplaced]
    assert sorted(ids) == sorted(g.group_id for g in groups)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=10**9))
def test_both_objectives_match_brute_force(seed):
    groups, capacity = _random_case(random.Random(seed))
    best_profile, best_sum = _brute_profiles(groups, capacity)
    ranked = solve(groups, capacity)
    _check_feasible(ranked, groups, capacity)
    assert ranked.profile == best_profile
    summed = solve(groups, capacity, objective="min_sum")
    _check_feasible(summed, groups, capacity)
    assert (len(summed.placements), -sum(p.rank for p in summed.placements)) == best_sum


@pytest.mark.parametrize("seed", range(60))
def test_the_integer_program_path_matches_brute_force_too(seed):
    """Weights too large for exact floats switch to successive integer programs; force that path."""
    groups, capacity = _random_case(random.Random(1000 + seed))
    best_profile, _ = _brute_profiles(groups, capacity)
    ranked = solve(groups, capacity, float_limit=0)
    _check_feasible(ranked, groups, capacity)
    assert ranked.profile == best_profile


def test_deep_rankings_stay_exact():
    """40 groups ranking 30 projects each: 41**30 is far beyond float precision; the profile
    must still be the greatest (every group gets its first choice when the firsts are distinct,
    and a single contested project goes to one group while the other gets its second)."""
    projects = [f"p{i:02d}" for i in range(60)]
    groups = [GroupChoices(f"g{i:02d}", tuple(projects[i : i + 30])) for i in range(40)]
    capacity = {p: 1 for p in projects}
    result = solve(groups, capacity)
    assert result.profile == (40,) + (0,) * 29
    contested = [GroupChoices("a", ("x", "y")), GroupChoices("b", ("x",) + tuple(projects[:29]))]
    result = solve(contested, {"x": 1, "y": 1, **capacity})
    assert result.profile[:2] == (1, 1) and not result.unplaced
