"""Typed failures of the allocation: infeasible inputs and broken invariants."""

from __future__ import annotations

from enum import StrEnum


class Reason(StrEnum):
    """Machine-readable reason why no exact allocation can be produced."""

    TOO_FEW_SUBMITTERS = "too_few_submitters"
    """n <= k: nobody can review k distinct other submissions."""
    GROUP_TOO_LARGE = "group_too_large"
    """A group of size g has n - g < k outsiders, or 2g > n (its g*k reviews cannot all go out)."""
    GROUPS_UNBALANCED = "groups_unbalanced"
    """Every single group fits, but the groups together admit no exact k-in/k-out assignment."""
    KEPT_PAIR_INVALID = "kept_pair_invalid"
    """A kept pair is a self-review, a group-mate review or not a pair of two ids."""
    KEPT_EXCEEDS_K = "kept_exceeds_k"
    """Someone already gives or receives more than k kept reviews."""
    KEPT_PAIRS_BLOCK = "kept_pairs_block"
    """A fresh allocation exists, but none that contains all kept pairs."""
    NO_ELIGIBLE_REVIEWEE = "no_eligible_reviewee"
    """Replacement: the reviewer has no submission left that it may review."""


class AllocationInfeasible(Exception):
    """No exact allocation exists for the input; nothing partial is ever returned."""

    def __init__(self, reason_code: Reason | str, message: str) -> None:
        super().__init__(f"{reason_code}: {message}")
        self.reason_code = Reason(reason_code)
        self.message = message


class AllocationInvalid(AssertionError):
    """An allocation breaks an invariant (raised by `verify`)."""
