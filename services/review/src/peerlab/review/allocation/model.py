"""The result type of an allocation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Pair = tuple[str, str]
"""(reviewer, reviewee): the reviewer reviews the reviewee's submission."""

Method = Literal["circle", "flow"]


@dataclass(frozen=True, slots=True)
class Allocation:
    """An exact allocation: every submitter gives and receives exactly k reviews.

    `pairs` is sorted. `dropped` lists kept pairs that were left out because one
    side is no longer a submitter. `mutual_pairs` counts unordered pairs {a, b}
    where a reviews b and b reviews a (avoided where possible, not forbidden).
    """

    pairs: tuple[Pair, ...]
    method: Method
    k: int
    dropped: tuple[Pair, ...] = ()
    mutual_pairs: int = 0

    def reviewees_of(self, reviewer: str) -> list[str]:
        return [b for a, b in self.pairs if a == reviewer]

    def reviewers_of(self, reviewee: str) -> list[str]:
        return [a for a, b in self.pairs if b == reviewee]
