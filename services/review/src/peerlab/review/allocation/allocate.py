"""`allocate`: the entry point that picks the construction and always verifies the result."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from .circle import circle_offset, circle_pairs
from .errors import AllocationInfeasible, Reason
from .flow import flow_fill
from .kept import remaining_needs, split_kept
from .model import Allocation, Method, Pair
from .mutual import count_mutual, reduce_mutual
from .problem import Groups, Problem, check_sizes, circle_layout, make_problem, make_rng
from .verify import verify


def allocate(
    submitters: Iterable[str],
    *,
    k: int = 3,
    seed: int | str,
    groups: Groups | None = None,
    keep: Iterable[Pair] = (),
) -> Allocation:
    """Exact peer-review allocation: each submitter reviews k others and is reviewed by k.

    Never a self-review or a group mate's; mutual pairs avoided where possible. The result
    depends only on (seed, set of submitters, partition into groups, set of kept pairs).
    With `keep`, every kept pair between current submitters stays and only the gaps are
    filled; kept pairs touching someone no longer submitting are reported in `dropped`.
    Raises `AllocationInfeasible` (never returns a partial allocation).
    """
    problem = make_problem(submitters, k, groups)
    kept, dropped = split_kept(problem, keep)
    check_sizes(problem)
    rng = make_rng(seed)
    layout = circle_layout(problem, rng)

    method: Method
    if kept:
        pairs = _fill_around(problem, layout, kept, flow_seed=rng.getrandbits(64))
        method = "flow"
    else:
        s = circle_offset(problem.n, k, problem.largest_group)
        if s is not None:
            pairs, method = circle_pairs(layout, k, s), "circle"
        else:
            pairs, method = _fresh_flow(problem, layout, flow_seed=rng.getrandbits(64)), "flow"

    pairs = reduce_mutual(
        pairs,
        fixed=kept,
        allowed=lambda a, b: problem.group_of[a] != problem.group_of[b],
        rng=rng,
    )
    result = Allocation(
        pairs=tuple(sorted(pairs)),
        method=method,
        k=k,
        dropped=dropped,
        mutual_pairs=count_mutual(set(pairs)),
    )
    verify(result, problem.ids, k=k, groups=_as_groups(problem), keep=kept)
    return result


def _fresh_flow(problem: Problem, layout: list[str], *, flow_seed: int) -> list[Pair]:
    full = {s: problem.k for s in problem.ids}
    pairs = _flow(problem, layout, set(), full, full, flow_seed=flow_seed)
    if pairs is None:
        sizes = sorted((len(g) for g in problem.groups), reverse=True)
        raise AllocationInfeasible(
            Reason.GROUPS_UNBALANCED,
            f"no exact k={problem.k} allocation exists for {problem.n} submitters in groups of sizes {sizes[:8]}"
            + ("..." if len(sizes) > 8 else ""),
        )
    return pairs


def _fill_around(problem: Problem, layout: list[str], kept: set[Pair], *, flow_seed: int) -> list[Pair]:
    """The kept pairs plus a fill. ``KEPT_PAIRS_BLOCK`` promises that a fresh start works, so it is
    raised only once a fresh allocation is known to exist; otherwise the fresh start's reason is."""
    try:
        out_need, in_need = remaining_needs(problem, kept)
    except AllocationInfeasible as blocked:
        if blocked.reason_code is Reason.KEPT_PAIRS_BLOCK:
            _fresh_must_exist(problem, layout, flow_seed=flow_seed)
        raise
    added = _flow(problem, layout, kept, out_need, in_need, flow_seed=flow_seed)
    if added is None:
        _fresh_must_exist(problem, layout, flow_seed=flow_seed)
        raise AllocationInfeasible(
            Reason.KEPT_PAIRS_BLOCK,
            f"no exact allocation contains all {len(kept)} kept pairs; a fresh allocation exists",
        )
    return sorted(kept) + added


def _fresh_must_exist(problem: Problem, layout: list[str], *, flow_seed: int) -> None:
    """Raise ``GROUPS_UNBALANCED`` when not even a fresh allocation exists (the circle always does)."""
    if circle_offset(problem.n, problem.k, problem.largest_group) is None:
        _fresh_flow(problem, layout, flow_seed=flow_seed)


def _flow(
    problem: Problem,
    layout: list[str],
    kept: set[Pair],
    out_need: dict[str, int],
    in_need: dict[str, int],
    *,
    flow_seed: int,
) -> list[Pair] | None:
    position = {s: i for i, s in enumerate(layout)}
    group_at = np.array([problem.group_of[s] for s in layout], dtype=np.int64)
    found = flow_fill(
        group_at,
        np.array([out_need[s] for s in layout], dtype=np.int64),
        np.array([in_need[s] for s in layout], dtype=np.int64),
        {(position[a], position[b]) for a, b in kept},
        k=problem.k,
        seed=flow_seed,
    )
    if found is None:
        return None
    return [(layout[i], layout[j]) for i, j in found]


def _as_groups(problem: Problem) -> dict[str, int]:
    return dict(problem.group_of)
