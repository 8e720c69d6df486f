"""Canonical form of an allocation input, independent of input order and group labels."""

from __future__ import annotations

import random
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

from .errors import AllocationInfeasible, Reason

Groups = Mapping[str, Hashable | None]
"""submitter -> group id; a submitter that is missing or mapped to None is a group of one."""


@dataclass(frozen=True, slots=True)
class Problem:
    """Submitters sorted and de-duplicated; groups as sorted member tuples in sorted order.

    Group ids are only labels: two inputs with the same partition give the same problem.
    """

    ids: tuple[str, ...]
    groups: tuple[tuple[str, ...], ...]
    group_of: dict[str, int]
    k: int

    @property
    def n(self) -> int:
        return len(self.ids)

    @property
    def largest_group(self) -> int:
        return max((len(g) for g in self.groups), default=0)

    def same_group(self, a: str, b: str) -> bool:
        return self.group_of[a] == self.group_of[b]


def make_problem(submitters: Iterable[str], k: int, groups: Groups | None) -> Problem:
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}")
    ids = sorted(set(submitters))
    for s in ids:
        if not isinstance(s, str):
            raise TypeError(f"submitter ids must be str, got {s!r}")
    groups = groups or {}
    buckets: dict[object, list[str]] = {}
    singles: list[tuple[str, ...]] = []
    for s in ids:
        label = groups.get(s)
        if label is None:
            singles.append((s,))
        else:
            buckets.setdefault(label, []).append(s)
    parts = sorted(singles + [tuple(members) for members in buckets.values()])
    group_of = {s: gi for gi, members in enumerate(parts) for s in members}
    return Problem(ids=tuple(ids), groups=tuple(parts), group_of=group_of, k=k)


def make_rng(seed: int | str) -> random.Random:
    """A generator that depends only on the seed (str seeds are hashed with SHA-512 by `random`)."""
    if isinstance(seed, bool) or not isinstance(seed, int | str):
        raise TypeError(f"seed must be int or str, got {seed!r}")
    return random.Random(seed)


def check_sizes(problem: Problem) -> None:
    """Raise for inputs that fail a necessary condition any exact allocation needs.

    Each member of a group of size g needs k reviewees outside it (k <= n - g), and the
    group's g*k outgoing reviews land on the n - g outsiders, who receive (n - g)*k in
    total, while the group's own g*k incoming reviews must come from those same
    outsiders: g*k <= (n - g)*k, i.e. 2g <= n. These are necessary, not sufficient
    (sizes 3, 3, 2 with k = 5 pass both and still have no allocation).
    """
    n, k = problem.n, problem.k
    if n <= k:
        raise AllocationInfeasible(
            Reason.TOO_FEW_SUBMITTERS,
            f"{n} submitter(s) cannot each review {k} distinct other submissions",
        )
    g = problem.largest_group
    if g > n - k:
        raise AllocationInfeasible(
            Reason.GROUP_TOO_LARGE,
            f"a group of {g} leaves its members only {n - g} eligible submissions, fewer than k={k}",
        )
    if 2 * g > n:
        raise AllocationInfeasible(
            Reason.GROUP_TOO_LARGE,
            f"a group of {g} out of {n} submitters needs more outside reviewers than exist",
        )


def circle_layout(problem: Problem, rng: random.Random) -> list[str]:
    """Seeded order of all submitters in which each group is one contiguous block."""
    blocks = [list(members) for members in problem.groups]
    rng.shuffle(blocks)
    layout: list[str] = []
    for block in blocks:
        rng.shuffle(block)
        layout.extend(block)
    return layout
