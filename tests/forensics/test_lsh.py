"""The hand-written LSH banding against datasketch's MinHashLSH, which it replaces."""

from __future__ import annotations

from collections.abc import Hashable

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHashLSH
from datasketch.lsh import _optimal_param
from hypothesis import given, settings
from hypothesis import strategies as st

from contrefeu.leak.lsh import BANDS, ROWS, band_groups
from contrefeu.leak.neardup import (
    _SIGNATURE_TAG,
    NUM_PERM,
    THRESHOLD,
    near_duplicate_clusters,
    signature_values,
)


def test_band_layout_is_datasketchs_optimum() -> None:
    assert (BANDS, ROWS) == _optimal_param(THRESHOLD, NUM_PERM, 0.5, 0.5)


def _datasketch_clusters(signatures: list[tuple[Hashable, bytes]]) -> list[list[Hashable]]:
    """The previous implementation: datasketch's index, then the same bucket walk."""
    lsh = MinHashLSH(threshold=THRESHOLD, num_perm=NUM_PERM)
    minhashes = {}
    for key, raw in signatures:
        values = signature_values(raw)
        if values is None:
            continue
        minhashes[key] = LeanMinHash(seed=1, scheme="affine32", hashvalues=values)
        lsh.insert(key, minhashes[key], check_duplication=False)
    parent = {k: k for k in minhashes}

    def find(key: Hashable) -> Hashable:
        while parent[key] != key:
            key = parent[key]
        return key

    for table in lsh.hashtables:
        for band in table.keys():
            members = sorted(table.get(band), key=str)
            head = minhashes[members[0]]
            for other in members[1:]:
                if find(members[0]) != find(other) and head.jaccard(minhashes[other]) >= THRESHOLD:
                    parent[find(other)] = find(members[0])
    clusters: dict[Hashable, list[Hashable]] = {}
    for key in minhashes:
        clusters.setdefault(find(key), []).append(key)
    return sorted((sorted(c, key=str) for c in clusters.values() if len(c) > 1), key=str)


def _signature(values: np.ndarray) -> bytes:
    return _SIGNATURE_TAG + values.astype("<u4").tobytes()


def _family(rng: np.random.Generator, size: int, families: int, noise: float) -> list[bytes]:
    """`size` signatures drawn around `families` originals, each value changed with `noise`."""
    originals = rng.integers(0, 2**32, size=(families, NUM_PERM), dtype=np.uint64)
    out = []
    for n in range(size):
        values = originals[n % families].copy()
        changed = rng.random(NUM_PERM) < noise
        values[changed] = rng.integers(0, 2**32, size=int(changed.sum()), dtype=np.uint64)
        out.append(_signature(values))
    return out


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    size=st.integers(0, 60),
    families=st.integers(1, 8),
    noise=st.sampled_from([0.0, 0.2, 0.35, 0.45, 0.6, 1.0]),
)
def test_same_clusters_as_datasketch(seed: int, size: int, families: int, noise: float) -> None:
    rng = np.random.default_rng(seed)
    signatures: list[tuple[Hashable, bytes]] = [
        (f"item-{n:03d}", raw) for n, raw in enumerate(_family(rng, size, families, noise))
    ]
    order = rng.permutation(len(signatures)) if signatures else []
    shuffled = [signatures[i] for i in order]
    assert near_duplicate_clusters(shuffled) == _datasketch_clusters(signatures)


def test_groups_are_exactly_the_rows_equal_on_a_band() -> None:
    rng = np.random.default_rng(3)
    matrix = rng.integers(0, 2**32, size=(50, NUM_PERM), dtype=np.uint64).astype(np.uint32)
    matrix[7] = matrix[3]                                  # equal everywhere: 18 bands
    matrix[20, ROWS * 4 : ROWS * 5] = matrix[11, ROWS * 4 : ROWS * 5]   # one band only
    matrix[30, NUM_PERM - 2 :] = matrix[31, NUM_PERM - 2 :]  # only the unused tail
    groups = [tuple(g.tolist()) for g in band_groups(matrix)]
    assert sorted(groups) == sorted([(3, 7)] * BANDS + [(11, 20)])


@pytest.mark.parametrize("count", [0, 1])
def test_too_few_rows_make_no_group(count: int) -> None:
    assert list(band_groups(np.zeros((count, NUM_PERM), dtype=np.uint32))) == []
