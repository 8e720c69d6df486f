"""Validation of kept pairs (reviews already started or finished) for a fill-the-gaps rerun."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .errors import AllocationInfeasible, Reason
from .model import Pair
from .problem import Problem


def split_kept(problem: Problem, keep: Iterable[Pair]) -> tuple[set[Pair], tuple[Pair, ...]]:
    """Kept pairs between current submitters, and those dropped because a side left.

    A kept pair that is a self-review or a group-mate review (e.g. the groups changed
    after the review started) makes an exact allocation impossible: it is refused.
    """
    known = set(problem.ids)
    kept: set[Pair] = set()
    dropped: set[Pair] = set()
    for item in keep:
        pair = tuple(item)
        if len(pair) != 2 or not all(isinstance(x, str) for x in pair):
            raise AllocationInfeasible(Reason.KEPT_PAIR_INVALID, f"not a (reviewer, reviewee) pair: {item!r}")
        a, b = pair
        if a not in known or b not in known:
            dropped.add((a, b))
        elif a == b:
            raise AllocationInfeasible(Reason.KEPT_PAIR_INVALID, f"kept self-review {a!r}")
        elif problem.same_group(a, b):
            raise AllocationInfeasible(Reason.KEPT_PAIR_INVALID, f"kept review between group mates {a!r} -> {b!r}")
        else:
            kept.add((a, b))
    return kept, tuple(sorted(dropped))


def remaining_needs(problem: Problem, kept: set[Pair]) -> tuple[dict[str, int], dict[str, int]]:
    """Reviews each submitter still has to give and to receive; refuses anything over k."""
    k = problem.k
    given = Counter(a for a, _ in kept)
    received = Counter(b for _, b in kept)
    over = sorted(s for s in problem.ids if given[s] > k or received[s] > k)
    if over:
        raise AllocationInfeasible(
            Reason.KEPT_EXCEEDS_K,
            f"{len(over)} submitter(s) already give or receive more than k={k} kept reviews, e.g. {over[0]!r}",
        )
    out_need = {s: k - given[s] for s in problem.ids}
    in_need = {s: k - received[s] for s in problem.ids}
    _check_each_can_fill(problem, kept, out_need, in_need)
    return out_need, in_need


def _check_each_can_fill(problem: Problem, kept: set[Pair], out_need: dict[str, int], in_need: dict[str, int]) -> None:
    """Cheap necessary check per person, to name who is stuck before any flow is run."""
    open_in = {s for s in problem.ids if in_need[s] > 0}
    open_out = {s for s in problem.ids if out_need[s] > 0}
    open_in_by_group = Counter(problem.group_of[s] for s in open_in)
    open_out_by_group = Counter(problem.group_of[s] for s in open_out)
    kept_to: dict[str, list[str]] = {}
    kept_from: dict[str, list[str]] = {}
    for a, b in kept:
        kept_to.setdefault(a, []).append(b)
        kept_from.setdefault(b, []).append(a)
    for s in problem.ids:
        g = problem.group_of[s]
        can_review = len(open_in) - open_in_by_group[g] - sum(1 for b in kept_to.get(s, ()) if b in open_in)
        if out_need[s] > can_review:
            raise AllocationInfeasible(
                Reason.KEPT_PAIRS_BLOCK,
                f"{s!r} must give {out_need[s]} more review(s) but only {can_review} eligible submission(s) still need reviewers",
            )
        can_get = len(open_out) - open_out_by_group[g] - sum(1 for a in kept_from.get(s, ()) if a in open_out)
        if in_need[s] > can_get:
            raise AllocationInfeasible(
                Reason.KEPT_PAIRS_BLOCK,
                f"{s!r} must receive {in_need[s]} more review(s) but only {can_get} eligible reviewer(s) have reviews left to give",
            )
