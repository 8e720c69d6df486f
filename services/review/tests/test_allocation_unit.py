"""Unit tests of the peer-review allocation: constructions, reasons, verify, keep, replacement."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter

import pytest

from peerlab.review.allocation import (
    Allocation,
    AllocationInfeasible,
    AllocationInvalid,
    Reason,
    allocate,
    replacement_for,
    verify,
)
from peerlab.review.allocation.circle import circle_offset


def people(n: int) -> list[str]:
    return [f"p{i:03d}" for i in range(n)]


def grouped(sizes: list[int]) -> tuple[list[str], dict[str, int]]:
    ids, groups = [], {}
    for g, size in enumerate(sizes):
        for j in range(size):
            ids.append(f"g{g}m{j}")
            groups[f"g{g}m{j}"] = g
    return ids, groups


def assert_exact(pairs, ids, k, groups=None):
    """Independent check of the invariants (does not use the library's verify)."""
    groups = groups or {}
    ids = set(ids)
    assert len(pairs) == len(set(pairs)) == len(ids) * k
    for a, b in pairs:
        assert a in ids and b in ids and a != b
        assert groups.get(a) is None or groups.get(a) != groups.get(b)
    given, received = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    assert all(given[s] == k and received[s] == k for s in ids)


# --- the circle construction and its exact fitting condition -------------------------


@pytest.mark.parametrize(("k", "g"), [(1, 1), (3, 1), (3, 4), (5, 3), (2, 6)])
def test_circle_fits_exactly_from_n_equal_2g_plus_k_minus_1(k, g):
    n = 2 * g + k - 1
    assert circle_offset(n, k, g) == max(1, g)
    assert circle_offset(n - 1, k, g) is None


def test_circle_used_at_the_boundary_and_flow_below_it():
    ids, groups = grouped([4, 4, 1, 1])  # n = 10 = 2*4 + 3 - 1
    alloc = allocate(ids, k=3, seed=1, groups=groups)
    assert alloc.method == "circle"
    assert_exact(alloc.pairs, ids, 3, groups)
    ids, groups = grouped([4, 4, 1])  # n = 9: circle does not fit, an allocation exists
    alloc = allocate(ids, k=3, seed=1, groups=groups)
    assert alloc.method == "flow"
    assert_exact(alloc.pairs, ids, 3, groups)


def test_circle_without_groups_has_no_mutual_pairs_when_n_at_least_2k_plus_1():
    for n in (7, 8, 20, 101):
        alloc = allocate(people(n), k=3, seed="x", groups=None)
        pairs = set(alloc.pairs)
        assert alloc.mutual_pairs == 0
        assert not any((b, a) in pairs for a, b in pairs)


def test_two_halves_need_the_flow_and_get_a_mutual_free_assignment():
    ids, groups = grouped([5, 5])
    alloc = allocate(ids, k=2, seed=3, groups=groups)
    assert alloc.method == "flow"
    assert_exact(alloc.pairs, ids, 2, groups)
    assert alloc.mutual_pairs == 0


def test_everyone_reviews_everyone_else_when_k_is_n_minus_1():
    ids = people(5)
    alloc = allocate(ids, k=4, seed=9)
    assert set(alloc.pairs) == {(a, b) for a in ids for b in ids if a != b}
    assert alloc.mutual_pairs == 10  # unavoidable: every pair is mutual


def test_pairs_are_sorted_and_default_k_is_3():
    alloc = allocate(people(12), seed=0)
    assert alloc.k == 3 and len(alloc.pairs) == 36
    assert list(alloc.pairs) == sorted(alloc.pairs)
    assert alloc.reviewees_of("p000") == [b for a, b in alloc.pairs if a == "p000"]
    assert len(alloc.reviewers_of("p000")) == 3


# --- infeasible inputs: typed reason, never pairs --------------------------------------


@pytest.mark.parametrize(
    ("sizes", "k", "reason"),
    [
        ([], 3, Reason.TOO_FEW_SUBMITTERS),
        ([1, 1, 1], 3, Reason.TOO_FEW_SUBMITTERS),
        ([1, 1, 1, 1], 4, Reason.TOO_FEW_SUBMITTERS),
        ([3, 1, 1], 3, Reason.GROUP_TOO_LARGE),  # members see only 2 outsiders
        ([4, 1, 1, 1], 3, Reason.GROUP_TOO_LARGE),  # k <= n - g holds but 2g > n
        ([3, 3, 2], 5, Reason.GROUPS_UNBALANCED),  # each group fits alone
        ([4, 4], 5, Reason.GROUP_TOO_LARGE),
    ],
)
def test_infeasible_inputs_raise_with_reason(sizes, k, reason):
    ids, groups = grouped(sizes)
    with pytest.raises(AllocationInfeasible) as info:
        allocate(ids, k=k, seed=1, groups=groups)
    assert info.value.reason_code is reason
    assert info.value.message


def test_sizes_3_3_2_work_with_k_4():
    ids, groups = grouped([3, 3, 2])
    assert_exact(allocate(ids, k=4, seed=1, groups=groups).pairs, ids, 4, groups)


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError):
        allocate(people(5), k=0, seed=1)
    with pytest.raises(TypeError):
        allocate(people(5), k=2, seed=1.5)
    with pytest.raises(TypeError):
        allocate([1, 2, 3, 4], k=2, seed=1)


# --- determinism -------------------------------------------------------------------------


def test_same_input_in_any_order_and_with_other_group_labels_gives_the_same_allocation():
    ids, groups = grouped([2, 3, 1, 4, 2, 2, 1, 3])
    first = allocate(ids, k=3, seed="round-1", groups=groups)
    relabelled = {s: f"team-{g * 7 + 1}" for s, g in groups.items()}
    again = allocate(list(reversed(ids)) + ids[:3], k=3, seed="round-1", groups=relabelled)
    assert again.pairs == first.pairs


def test_another_seed_gives_another_allocation():
    ids, groups = grouped([2, 3, 1, 4, 2, 2, 1, 3, 2, 2])
    allocations = {allocate(ids, k=3, seed=s, groups=groups).pairs for s in range(10)}
    assert len(allocations) == 10


# --- verify ------------------------------------------------------------------------------


def test_verify_accepts_an_allocation_and_its_plain_pairs():
    ids, groups = grouped([2, 2, 1, 1, 1])
    alloc = allocate(ids, k=2, seed=4, groups=groups)
    verify(alloc, ids, k=2, groups=groups)
    verify(list(alloc.pairs), ids, k=2, groups=groups, keep=alloc.pairs[:3])


@pytest.mark.parametrize(
    ("pairs", "message"),
    [
        ([("a", "b"), ("b", "c"), ("c", "a"), ("d", "d")], "self-review"),
        ([("a", "b"), ("b", "c"), ("c", "d"), ("d", "a"), ("a", "b")], "duplicate"),
        ([("a", "b"), ("b", "a"), ("c", "d"), ("d", "c")], "group mate"),
        ([("a", "c"), ("b", "c"), ("c", "a"), ("d", "b")], "receives != 1"),
        ([("a", "c"), ("b", "d"), ("c", "a")], "gives != 1"),
        ([("a", "c"), ("b", "d"), ("c", "a"), ("d", "x")], "non-submitter"),
    ],
)
def test_verify_raises_on_each_violation(pairs, message):
    with pytest.raises(AllocationInvalid, match=message):
        verify(pairs, ["a", "b", "c", "d"], k=1, groups={"a": 1, "b": 1})


def test_verify_raises_when_a_kept_pair_is_missing():
    pairs = [("a", "b"), ("b", "c"), ("c", "d"), ("d", "a")]
    verify(pairs, "abcd", k=1, keep=[("a", "b"), ("x", "a")])  # pairs with non-submitters are ignored
    with pytest.raises(AllocationInvalid, match="kept pair missing"):
        verify(pairs, "abcd", k=1, keep=[("a", "c")])


# --- fill gaps ----------------------------------------------------------------------------


def test_keep_everything_returns_the_same_allocation_whatever_the_seed():
    ids, groups = grouped([1, 2, 3, 4, 1, 2, 2])
    first = allocate(ids, k=3, seed=1, groups=groups)
    again = allocate(ids, k=3, seed=99, groups=groups, keep=first.pairs)
    assert again.pairs == first.pairs
    assert again.method == "flow"


def test_keep_fills_gaps_after_removals_and_additions():
    ids, groups = grouped([1, 2, 3, 4, 1, 2, 2, 1, 1, 3, 2])
    first = allocate(ids, k=3, seed=1, groups=groups)
    started = first.pairs[::3]
    removed = {ids[0], ids[5]}
    now = [s for s in ids if s not in removed] + ["new1", "new2", "new3"]
    second = allocate(now, k=3, seed=2, groups=groups, keep=started)
    assert_exact(second.pairs, now, 3, groups)
    survivors = {p for p in started if not removed & set(p)}
    assert survivors <= set(second.pairs)
    assert set(second.dropped) == {p for p in started if removed & set(p)}
    assert second.dropped


@pytest.mark.parametrize(
    "keep",
    [[("g0m0", "g0m0")], [("g1m0", "g1m1")], [("g0m0",)], [("g0m0", 5)]],
)
def test_invalid_kept_pairs_are_refused(keep):
    ids, groups = grouped([1, 2, 1, 1, 1, 1])
    with pytest.raises(AllocationInfeasible) as info:
        allocate(ids, k=2, seed=1, groups=groups, keep=keep)
    assert info.value.reason_code is Reason.KEPT_PAIR_INVALID


def test_more_than_k_kept_reviews_is_refused():
    ids = people(6)
    keep = [("p000", b) for b in ids[1:4]]
    with pytest.raises(AllocationInfeasible) as info:
        allocate(ids, k=2, seed=1, keep=keep)
    assert info.value.reason_code is Reason.KEPT_EXCEEDS_K


def test_newcomer_blocked_when_everyone_is_already_full():
    ids = people(20)
    full = allocate(ids, k=3, seed=1).pairs
    with pytest.raises(AllocationInfeasible) as info:
        allocate(ids + ["late"], k=3, seed=1, keep=full)
    assert info.value.reason_code is Reason.KEPT_PAIRS_BLOCK
    assert "'late'" in info.value.message


def test_kept_pairs_can_block_even_when_each_person_alone_could_be_filled():
    keep = [("a", "b"), ("a", "e"), ("b", "a"), ("b", "e"), ("e", "a")]
    with pytest.raises(AllocationInfeasible) as info:
        allocate(list("abcde"), k=2, seed=1, keep=keep)
    assert info.value.reason_code is Reason.KEPT_PAIRS_BLOCK
    assert "fresh allocation exists" in info.value.message


def test_keep_that_drops_to_nothing_is_a_fresh_allocation():
    ids = people(9)
    fresh = allocate(ids, k=2, seed=5)
    ghost = allocate(ids, k=2, seed=5, keep=[("gone", "p001"), ("p002", "gone")])
    assert ghost.pairs == fresh.pairs and ghost.method == "circle"
    assert ghost.dropped == (("gone", "p001"), ("p002", "gone"))


# --- replacement after a withdrawal ----------------------------------------------------


def test_replacement_for_each_reviewer_of_a_withdrawn_submission():
    ids, groups = grouped([2, 2, 3, 1, 1, 2, 3, 1, 2, 2])
    pairs = list(allocate(ids, k=3, seed=1, groups=groups).pairs)
    withdrawn = ids[4]
    for reviewer in [a for a, b in pairs if b == withdrawn]:
        new = replacement_for(reviewer, withdrawn, pairs, seed=1, submitters=ids, groups=groups)
        assert new != withdrawn and new != reviewer
        assert groups[new] != groups[reviewer]
        assert (reviewer, new) not in pairs
        pairs = [p for p in pairs if p != (reviewer, withdrawn)] + [(reviewer, new)]
    assert not any(b == withdrawn for _, b in pairs)
    given = Counter(a for a, _ in pairs)
    received = Counter(b for _, b in pairs)
    assert all(given[s] == 3 for s in ids)  # still exact for reviewers
    remaining = [received[s] for s in ids if s != withdrawn]
    assert max(remaining) == 4 and remaining.count(4) == 3  # the documented surplus
    assert min(remaining) == 3


def test_replacement_prefers_the_least_reviewed_then_no_mutual():
    pairs = [("a", "b"), ("b", "c"), ("c", "a"), ("d", "c"), ("e", "b")]
    # a loses b; candidates c (2 reviewers), d (0), e (0): d and e tie on the count
    chosen = replacement_for("a", "b", pairs, seed=1, submitters=list("abcde"))
    assert chosen in {"d", "e"}
    # with "d" reviewing "a", "e" is the one without a mutual pair
    chosen = replacement_for("a", "b", pairs + [("d", "a")], seed=1, submitters=list("abcde"))
    assert chosen == "e"


def test_replacement_is_deterministic_and_seeded():
    ids = people(30)
    pairs = list(allocate(ids, k=3, seed=2).pairs)
    reviewer, withdrawn = pairs[0]
    picks = {replacement_for(reviewer, withdrawn, pairs, seed=s, submitters=ids) for s in range(30)}
    assert len(picks) > 1
    assert replacement_for(reviewer, withdrawn, pairs, seed=7) == replacement_for(
        reviewer, withdrawn, list(reversed(pairs)), seed=7
    )


def test_replacement_without_candidates_raises():
    pairs = [("a", "b"), ("a", "c"), ("b", "a"), ("c", "a")]
    with pytest.raises(AllocationInfeasible) as info:
        replacement_for("a", "b", pairs, seed=1, submitters=list("abc"))
    assert info.value.reason_code is Reason.NO_ELIGIBLE_REVIEWEE


def test_allocation_is_immutable():
    alloc = allocate(people(6), k=2, seed=1)
    assert isinstance(alloc, Allocation)
    with pytest.raises(AttributeError):
        alloc.pairs = ()  # type: ignore[misc]


def test_same_allocation_in_processes_with_different_string_hashing():
    """Reruns happen in other processes: nothing may depend on set or hash order."""
    script = (
        "import hashlib\n"
        "from peerlab.review.allocation import allocate\n"
        "ids = [f'p{i}' for i in range(60)]\n"
        "groups = {s: f'g{i // 3}' for i, s in enumerate(ids) if i % 4}\n"
        "out = []\n"
        "first = allocate(ids, k=3, seed='s', groups=groups)\n"
        "out.append(first.pairs)\n"
        "out.append(allocate(ids[:9], k=3, seed='s', groups={s: 'a' for s in ids[:4]}).pairs)\n"
        "out.append(allocate(ids[5:] + ['x', 'y'], k=3, seed='t', groups=groups, keep=first.pairs[::4]).pairs)\n"
        "print(hashlib.sha256(repr(out).encode()).hexdigest())\n"
    )
    digests = set()
    for hash_seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        digests.add(done.stdout.strip())
    assert len(digests) == 1
