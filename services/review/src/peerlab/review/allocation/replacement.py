"""Replacement reviewee when a submission is withdrawn from review (e.g. after 3 flags).

Invariant given up: the withdrawn submission leaves the pool, yet its k reviewers still
owe k reviews each. With n - 1 submissions left, which already receive (n - 1)*k reviews
in total, "every submission receives exactly k" can no longer hold: each replacement
puts one submission at k + 1. Kept exactly: every reviewer still gives k distinct,
eligible reviews. The replacement is the eligible submission with the fewest current
reviewers, then one that does not review the reviewer (no new mutual pair), then a seeded
hash as tie-break. Starting from an exact allocation, replacing the k reviewers of one
withdrawn submission lifts exactly k distinct submissions to k + 1 whenever n >= g + 2k
(g: the reviewer's group size), since each reviewer then still sees at least one eligible
submission at k; in smaller rounds a submission can reach k + 2.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable

from .errors import AllocationInfeasible, Reason
from .model import Pair
from .problem import Groups, make_rng


def replacement_for(
    reviewer: str,
    removed_reviewee: str,
    current_pairs: Iterable[Pair],
    *,
    seed: int | str,
    submitters: Iterable[str] | None = None,
    groups: Groups | None = None,
) -> str:
    """The new reviewee for `reviewer`, who loses `removed_reviewee`.

    `submitters` is the pool of submissions under review (default: everyone in
    `current_pairs`); the removed one is never chosen. Pairs towards the removed
    submission are ignored. Deterministic for the same inputs and seed.
    """
    make_rng(seed)  # validates the seed type
    pairs = [(a, b) for a, b in current_pairs if b != removed_reviewee]
    pool = set(submitters) if submitters is not None else {x for p in current_pairs for x in p}
    pool.discard(removed_reviewee)
    groups = groups or {}
    own_group = groups.get(reviewer)
    already = {b for a, b in pairs if a == reviewer}
    reviews_me = {a for a, b in pairs if b == reviewer}
    received = Counter(b for _, b in pairs)

    def eligible(c: str) -> bool:
        if c == reviewer or c in already:
            return False
        return own_group is None or groups.get(c) != own_group

    candidates = [c for c in pool if eligible(c)]
    if not candidates:
        raise AllocationInfeasible(
            Reason.NO_ELIGIBLE_REVIEWEE, f"{reviewer!r} has no eligible submission left to review"
        )
    return min(candidates, key=lambda c: (received[c], c in reviews_me, _tiebreak(seed, reviewer, removed_reviewee, c)))


def _tiebreak(seed: int | str, reviewer: str, removed: str, candidate: str) -> bytes:
    text = f"{type(seed).__name__}:{seed}\x00{reviewer}\x00{removed}\x00{candidate}"
    return hashlib.sha256(text.encode()).digest()
