"""Independent check of every allocation invariant; `allocate` runs it before returning."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from .errors import AllocationInvalid
from .model import Allocation, Pair
from .problem import Groups, make_problem

_SHOWN = 5


def verify(
    allocation: Allocation | Iterable[Pair],
    submitters: Iterable[str],
    *,
    k: int,
    groups: Groups | None = None,
    keep: Iterable[Pair] = (),
) -> None:
    """Raise `AllocationInvalid` unless the pairs form an exact allocation.

    Checked: both sides are submitters; no duplicate pair; no self-review; no review of a
    group mate; every submitter gives exactly k and receives exactly k reviews; every
    kept pair between two current submitters is present.
    """
    problem = make_problem(submitters, k, groups)
    pairs = list(allocation.pairs if isinstance(allocation, Allocation) else allocation)
    known = set(problem.ids)
    problems: list[str] = []

    strangers = [p for p in pairs if p[0] not in known or p[1] not in known]
    _note(problems, "pair with a non-submitter", strangers)
    counts = Counter(pairs)
    _note(problems, "duplicate pair", [p for p, c in counts.items() if c > 1])
    _note(problems, "self-review", [p for p in pairs if p[0] == p[1]])
    group_of = problem.group_of
    mates = [(a, b) for a, b in pairs if a != b and group_of.get(a, a) == group_of.get(b, b)]
    _note(problems, "group mate review", mates)

    given = Counter(a for a, _ in pairs)
    received = Counter(b for _, b in pairs)
    _note(problems, f"gives != {k}", [(s, str(given[s])) for s in problem.ids if given[s] != k])
    _note(problems, f"receives != {k}", [(s, str(received[s])) for s in problem.ids if received[s] != k])

    present = set(pairs)
    missing = [p for p in keep if p[0] in known and p[1] in known and p not in present]
    _note(problems, "kept pair missing", missing)
    if problems:
        raise AllocationInvalid("; ".join(problems))


def _note(problems: list[str], what: str, items: list) -> None:
    if items:
        shown = ", ".join(map(str, items[:_SHOWN]))
        more = f" (+{len(items) - _SHOWN} more)" if len(items) > _SHOWN else ""
        problems.append(f"{len(items)} x {what}: {shown}{more}")
