"""Pure peer-review allocation (no I/O): who reviews whom in a review round.

Public API: `allocate`, `Allocation`, `verify`, `replacement_for`, `AllocationInfeasible`
(with a `Reason` code), `AllocationInvalid`.

Conditions (n submitters, k reviews each, G the largest exclusion group):
- necessary: n > k, G <= n - k and 2G <= n (else `too_few_submitters` / `group_too_large`);
- the circle construction fits iff n >= 2G + k - 1, and has no mutual pair iff
  n >= 2G + 2k - 1 (see `circle`);
- exact: an allocation exists iff the flow network saturates (min-cut condition over unions
  of whole groups); when the circle does not fit the flow decides, and a failure is
  `groups_unbalanced` (e.g. sizes 3, 3, 2 with k = 5 pass the necessary checks).
"""

from .allocate import allocate
from .errors import AllocationInfeasible, AllocationInvalid, Reason
from .model import Allocation, Pair
from .replacement import replacement_for
from .verify import verify

__all__ = [
    "Allocation",
    "AllocationInfeasible",
    "AllocationInvalid",
    "Pair",
    "Reason",
    "allocate",
    "replacement_for",
    "verify",
]
