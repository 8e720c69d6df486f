"""Exact fill by maximum flow: source -> reviewer (cap: reviews still to give) ->
reviewee (cap 1 per allowed, not yet used pair) -> sink (cap: reviews still to receive).

An integral maximum flow saturating every source edge is exactly an assignment with the
required out- and in-degrees (max-flow/min-cut plus integrality), so the search finds one
whenever one exists. To stay near O(n*k) in the usual case, each reviewer is first offered
only w seeded random candidates (a random sparse graph expands well, so small w nearly
always saturates); w doubles on failure, and the last attempt offers every eligible pair,
so a failure there proves that no assignment exists.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import csr_array
from scipy.sparse.csgraph import maximum_flow


def flow_fill(
    group_at: np.ndarray,
    out_need: np.ndarray,
    in_need: np.ndarray,
    taken: set[tuple[int, int]],
    *,
    k: int,
    seed: int,
) -> list[tuple[int, int]] | None:
    """New (reviewer, reviewee) position pairs meeting the needs exactly, or None.

    `group_at[p]` is the group of position p; `taken` holds pairs already fixed (never
    proposed again); `seed` drives the choice of candidates.
    """
    n = len(group_at)
    total = int(out_need.sum())
    if total != int(in_need.sum()):
        return None
    if total == 0:
        return []
    taken_rev = np.fromiter((a for a, _ in taken), dtype=np.int64, count=len(taken))
    taken_dst = np.fromiter((b for _, b in taken), dtype=np.int64, count=len(taken))
    taken_keys = taken_rev * n + (taken_dst - taken_rev) % n
    generator = np.random.default_rng(seed)
    largest = int(np.bincount(group_at).max())
    width = 4 * k + largest + 1
    while True:
        every = width >= n - 1
        distances = _all_distances(n) if every else _random_distances(n, width, generator)
        found = _max_flow(group_at, out_need, in_need, taken_keys, distances, total)
        if found is not None or every:
            return found
        width *= 2


def _all_distances(n: int) -> np.ndarray:
    return np.tile(np.arange(1, n, dtype=np.int64), (n, 1))


def _random_distances(n: int, width: int, generator: np.random.Generator) -> np.ndarray:
    distances = generator.integers(1, n, size=(n, width), dtype=np.int64)
    distances.sort(axis=1)
    return distances


def _max_flow(
    group_at: np.ndarray,
    out_need: np.ndarray,
    in_need: np.ndarray,
    taken_keys: np.ndarray,
    distances: np.ndarray,
    total: int,
) -> list[tuple[int, int]] | None:
    """One max-flow over the candidates (i, i + d mod n) for d in row i of `distances` (sorted)."""
    n, width = distances.shape
    rev = np.repeat(np.arange(n, dtype=np.int64), width)
    flat = distances.ravel()
    dst = (rev + flat) % n
    ok = np.ones(n * width, dtype=bool)
    ok[1:] = (flat[1:] != flat[:-1]) | (rev[1:] != rev[:-1])  # drop repeated draws
    ok &= (group_at[rev] != group_at[dst]) & (out_need[rev] > 0) & (in_need[dst] > 0)
    if taken_keys.size:  # keys rev*n + d are sorted, the first of equal keys is the kept one
        keys = rev * n + flat
        at = np.searchsorted(keys, taken_keys)
        hit = at < keys.size
        hit[hit] = keys[at[hit]] == taken_keys[hit]
        ok[at[hit]] = False
    rev, dst = rev[ok], dst[ok]
    source, sink = 0, 2 * n + 1
    people = np.arange(n, dtype=np.int64)
    rows = np.concatenate([np.zeros(n, np.int64), 1 + rev, n + 1 + people])
    cols = np.concatenate([1 + people, n + 1 + dst, np.full(n, sink, np.int64)])
    caps = np.concatenate([out_need, np.ones(len(rev), np.int64), in_need]).astype(np.int32)
    positive = caps > 0
    graph = csr_array((caps[positive], (rows[positive], cols[positive])), shape=(sink + 1, sink + 1))
    result = maximum_flow(graph, source, sink)
    if int(result.flow_value) != total:
        return None
    flow = result.flow.tocoo()
    used = (flow.data > 0) & (flow.row >= 1) & (flow.row <= n) & (flow.col > n) & (flow.col < sink)
    return list(zip((flow.row[used] - 1).tolist(), (flow.col[used] - n - 1).tolist(), strict=True))
