"""Near-duplicates: the same text in several items, and what a "completed" copy added.

Each item's text gets a MinHash signature in the worker (cheap, parallel); the cross-item phase
puts them in an LSH index (datasketch), so finding candidates is linear in the number of items,
never all pairs. Word-level diffs are computed only inside the small clusters found.
"""

from __future__ import annotations

import difflib
import gc
import re
import zlib
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np

NUM_PERM = 128
SCHEME = "affine32"  # explicit, so stored signatures stay comparable across versions
SHINGLE_WORDS = 3
MIN_WORDS = 12  # shorter texts ("ok, merci") collide by chance
THRESHOLD = 0.6  # Jaccard of shingles: a few added sentences stay above it
MAX_DIFF_WORDS = 20_000

_PUNCTUATION = "\"'.,;:!?()[]{}<>«»“”‘’*_-—–/\\|#@&%$+=~`^"
_QUOTED = re.compile(r"(?m)^[ \t]*>.*$")


def words_of(text: str) -> list[str]:
    """Lower-case words of the text, without quoted lines of replies and punctuation."""
    if ">" in text:
        text = _QUOTED.sub(" ", text)
    # str.split and strip run in C; a \w+ regex over every mail cost twice as much.
    return [w for w in (t.strip(_PUNCTUATION) for t in text.lower().split()) if w]


_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)
_BIN_BITS = 7                              # 2**7 = 128 bins = NUM_PERM values
_VALUE_MASK = np.uint64((1 << 32) - 1)
_EMPTY = np.uint64(1 << 32)


def _shingle_hashes(words: list[str]) -> np.ndarray:
    # Each distinct word is hashed once; the text is then a run of dictionary look-ups.
    vocabulary = {w: zlib.crc32(w.encode()) for w in set(words)}
    word_hashes = np.fromiter(map(vocabulary.__getitem__, words), dtype=np.uint64,
                              count=len(words))
    count = len(words) - SHINGLE_WORDS + 1
    shingles = np.zeros(count, dtype=np.uint64)
    with np.errstate(over="ignore"):   # wrapping multiplication is the hash
        for offset in range(SHINGLE_WORDS):
            shingles = (shingles ^ (word_hashes[offset:offset + count] * _MIX[offset])) \
                * _MIX[(offset + 1) % SHINGLE_WORDS]
        shingles ^= shingles >> np.uint64(29)
        shingles *= _MIX[0]
    # Sorted, not deduplicated: a repeated shingle cannot change a bin's minimum, and
    # np.unique costs five times a plain sort (it was a fifth of the MinHash time).
    shingles.sort()
    return shingles


def text_minhash(text: str | None) -> bytes | None:
    """The MinHash signature of a text's 3-word shingles, as bytes; None for short texts.

    One-permutation hashing with densification (Shrivastava & Li, 2014) instead of
    datasketch's `MinHash.update_batch`, which hashes every shingle with SHA-1 in a Python
    loop and applies 128 permutations: that dominated the scan's time. Here each shingle is
    hashed once, its top 7 bits choose one of 128 bins and each bin keeps its minimum; empty
    bins borrow from the next full one. Equal values still estimate the Jaccard similarity,
    so the signatures go into datasketch's LSH index as ordinary MinHash values.
    """
    if not text:
        return None
    words = words_of(text)
    if len(words) < MIN_WORDS:
        return None
    hashes = _shingle_hashes(words)   # sorted: by bin (top bits), then by value (next bits)
    bins = (hashes >> np.uint64(64 - _BIN_BITS)).astype(np.intp)
    firsts = np.flatnonzero(np.diff(bins, prepend=-1))      # the minimum of each bin
    signature = np.full(NUM_PERM, _EMPTY, dtype=np.uint64)
    signature[bins[firsts]] = (hashes[firsts] >> np.uint64(64 - _BIN_BITS - 32)) & _VALUE_MASK
    full = np.flatnonzero(signature != _EMPTY)
    empty = np.flatnonzero(signature == _EMPTY)
    if len(empty):
        nearest = full[np.searchsorted(full, empty) % len(full)]
        distance = ((nearest - empty) % NUM_PERM).astype(np.uint64)
        with np.errstate(over="ignore"):
            signature[empty] = (signature[nearest] + distance * np.uint64(0x9E3779B1)) & _VALUE_MASK
    return signature.astype(np.uint32).tobytes()


def near_duplicate_clusters(
    signatures: Iterable[tuple[Hashable, bytes]], threshold: float = THRESHOLD
) -> list[list[Hashable]]:
    """Groups of keys whose texts are near-duplicates (clusters of 2 or more), sorted."""
    from datasketch import LeanMinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    minhashes: dict[Hashable, LeanMinHash] = {}
    # The index is hundreds of thousands of small sets that never form cycles: the cyclic
    # garbage collector would spend a third of the time scanning them.
    collecting = gc.isenabled()
    gc.disable()
    try:
        for key, raw in signatures:
            # Lean: made from stored values, without the permutation tables nothing needs.
            values = np.frombuffer(raw, dtype=np.uint32)
            minhash = LeanMinHash(seed=1, scheme=SCHEME, hashvalues=values)
            minhashes[key] = minhash
            lsh.insert(key, minhash, check_duplication=False)
    finally:
        if collecting:
            gc.enable()
    parent: dict[Hashable, Hashable] = {k: k for k in minhashes}

    def find(key: Hashable) -> Hashable:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    # Walk the LSH buckets rather than querying every key: a query returns a whole bucket, so
    # a dump of 20,000 copies of one newsletter would cost 20,000 x 20,000 comparisons. Each
    # member of a bucket is compared with the bucket's first member only; members that are
    # similar to each other but not to it meet again in another band's bucket.
    for table in lsh.hashtables:
        for band in table.keys():
            members = sorted(table.get(band), key=str)
            head = minhashes[members[0]]
            for other in members[1:]:
                if find(members[0]) != find(other) and head.jaccard(minhashes[other]) >= threshold:
                    parent[find(other)] = find(members[0])
    clusters: dict[Hashable, list[Hashable]] = {}
    for key in minhashes:
        clusters.setdefault(find(key), []).append(key)
    return sorted((sorted(c, key=str) for c in clusters.values() if len(c) > 1), key=str)


@dataclass(frozen=True)
class WordDiff:
    added: tuple[str, ...]  # runs of words present only in the copy
    removed: tuple[str, ...]  # runs present only in the original
    changed: tuple[tuple[str, str], ...]  # (original run, copy run)

    @property
    def identical(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def summary(self, limit: int = 600) -> str:
        parts = [f"added «{a}»" for a in self.added]
        parts += [f"removed «{r}»" for r in self.removed]
        parts += [f"changed «{o}» to «{n}»" for o, n in self.changed]
        text = "; ".join(parts)
        return text if len(text) <= limit else text[: limit - 1] + "…"


def word_diff(original: str, copy: str) -> WordDiff:
    """What the copy added, removed and changed, word by word (quoted reply lines ignored)."""
    a = _QUOTED.sub(" ", original).split()[:MAX_DIFF_WORDS]
    b = _QUOTED.sub(" ", copy).split()[:MAX_DIFF_WORDS]
    added, removed, changed = [], [], []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "insert":
            added.append(" ".join(b[j1:j2]))
        elif tag == "delete":
            removed.append(" ".join(a[i1:i2]))
        elif tag == "replace":
            changed.append((" ".join(a[i1:i2]), " ".join(b[j1:j2])))
    return WordDiff(tuple(added), tuple(removed), tuple(changed))
