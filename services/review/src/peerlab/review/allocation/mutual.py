"""Best-effort removal of mutual pairs (a reviews b and b reviews a) by degree-preserving swaps.

A swap replaces a->b and c->d by a->d and c->b: every out- and in-degree stays the same,
so exactness is untouched; it is taken only if both new pairs are allowed, new, and not
mutual themselves, so each swap removes at least one mutual pair and the loop ends.
Kept pairs are never moved. Not guaranteed to reach the minimum.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from .model import Pair

_PASSES = 3


def count_mutual(pairs: set[Pair]) -> int:
    return sum(1 for a, b in pairs if a < b and (b, a) in pairs)


def reduce_mutual(
    pairs: list[Pair],
    *,
    fixed: set[Pair],
    allowed: Callable[[str, str], bool],
    rng: random.Random,
) -> list[Pair]:
    edges = set(pairs)
    if count_mutual(edges) == 0:
        return pairs
    for _ in range(_PASSES):
        mutual = sorted((a, b) for a, b in edges if a < b and (b, a) in edges)
        if not mutual:
            break
        movable = sorted(edges - fixed)
        rng.shuffle(movable)
        progressed = False
        for a, b in mutual:
            if (a, b) not in edges or (b, a) not in edges:
                continue  # already resolved by an earlier swap
            for x, y in ((a, b), (b, a)):
                if (x, y) not in fixed and _swap_one(x, y, edges, movable, allowed):
                    progressed = True
                    break
        if not progressed:
            break
    return sorted(edges)


def _swap_one(a: str, b: str, edges: set[Pair], movable: list[Pair], allowed: Callable[[str, str], bool]) -> bool:
    for c, d in movable:
        if (c, d) not in edges or c == a or d == b:
            continue
        if not (allowed(a, d) and allowed(c, b)):
            continue
        if (a, d) in edges or (c, b) in edges or (d, a) in edges or (b, c) in edges:
            continue
        edges -= {(a, b), (c, d)}
        edges |= {(a, d), (c, b)}
        movable.extend([(a, d), (c, b)])  # stale entries are skipped by the membership test
        return True
    return False
