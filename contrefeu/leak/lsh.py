"""Locality-sensitive hashing of MinHash signatures: which items share a band.

Hand-written, although datasketch's `MinHashLSH` does the same banding, because importing
datasketch imports scipy (about 0.4 s of every scan, more than the whole near-duplicate stage on
a few thousand mails) and its index is a dictionary of Python objects filled one item at a
time. Here the signatures are one matrix and each band is grouped with one sort. The band
layout is datasketch's, for the same threshold and number of values (a test checks it against
datasketch's own optimiser), so the candidates found are the same.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

# datasketch's optimum for a Jaccard threshold of 0.6 over 128 values, with false positives
# and false negatives weighted equally: 18 bands of 7 values (the last 2 values are unused).
BANDS = 18
ROWS = 7


def band_groups(
    signatures: np.ndarray, bands: int = BANDS, rows: int = ROWS
) -> Iterator[np.ndarray]:
    """For each band in turn, each group of 2 or more rows equal on that band (row numbers,
    ascending). `signatures` is an (items x values) array; groups come in no particular order
    within a band."""
    count = len(signatures)
    if count < 2:
        return
    for band in range(bands):
        # Each band as one opaque bytes value: equality of the bytes is equality of the band.
        values = np.ascontiguousarray(signatures[:, band * rows : (band + 1) * rows])
        keys = values.view(np.dtype((np.void, values.dtype.itemsize * rows))).ravel()
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
        sizes = np.diff(np.append(starts, count))
        for start, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
            yield np.sort(order[start : start + size])
