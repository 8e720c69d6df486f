"""The O(n*k) circle construction.

Lay the submitters on a circle, each group a contiguous block, and let position i review
positions i+s, ..., i+s+k-1 (mod n). Every position then gives k and receives k reviews
(a circulant), the k targets are distinct and never i itself as long as s >= 1 and
s + k - 1 <= n - 1. A target at distance d lies in i's own block of size g iff
d mod n is in (-g, g); so no group mate is ever hit iff every d in [s, s+k-1] satisfies
g <= d <= n - g for the largest group g = G. The smallest choice is s = G, and the layout
fits iff G + k - 1 <= n - G, i.e. n >= 2G + k - 1.

Mutual pairs arise iff two distances d, d' in the window add up to n, i.e. iff
2s <= n <= 2s + 2k - 2; with s = G the circle has none iff n >= 2G + 2k - 1.
"""

from __future__ import annotations

from .model import Pair


def circle_offset(n: int, k: int, largest_group: int) -> int | None:
    """The offset s for which the circle is valid, or None when the layout does not fit."""
    s = max(1, largest_group)
    return s if s + k - 1 <= n - s else None


def circle_pairs(layout: list[str], k: int, s: int) -> list[Pair]:
    n = len(layout)
    return [(layout[i], layout[(i + s + t) % n]) for i in range(n) for t in range(k)]
