"""Near-duplicates: the same text in several items, and what a "completed" copy added.

Each item's text gets a MinHash signature in the worker (cheap, parallel); the cross-item phase
puts them in an LSH index (datasketch), so finding candidates is linear in the number of items,
never all pairs. Word-level diffs are computed only inside the small clusters found.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

NUM_PERM = 128
SCHEME = "affine32"  # explicit, so stored signatures stay comparable across versions
SHINGLE_WORDS = 3
MIN_WORDS = 12  # shorter texts ("ok, merci") collide by chance
THRESHOLD = 0.6  # Jaccard of shingles: a few added sentences stay above it
MAX_DIFF_WORDS = 20_000

_WORD = re.compile(r"\w+", re.UNICODE)
_QUOTED = re.compile(r"(?m)^[ \t]*>.*$")


def words_of(text: str) -> list[str]:
    """Lower-case words of the text, without quoted lines of replies."""
    return _WORD.findall(_QUOTED.sub(" ", text).lower())


@lru_cache(maxsize=1)
def _empty_minhash():  # type: ignore[no-untyped-def]
    """Making the permutations costs more than hashing a mail: made once per process."""
    from datasketch import MinHash  # imports scipy: only where a signature is made

    return MinHash(num_perm=NUM_PERM, scheme=SCHEME)


def text_minhash(text: str | None) -> bytes | None:
    """The MinHash signature of a text's word shingles, as bytes; None for short texts."""
    if not text:
        return None
    words = words_of(text)
    if len(words) < MIN_WORDS:
        return None
    from datasketch import MinHash  # imports scipy: only where a signature is made

    shingles = {
        " ".join(words[i : i + SHINGLE_WORDS]).encode()
        for i in range(len(words) - SHINGLE_WORDS + 1)
    }
    signature = MinHash(num_perm=NUM_PERM, scheme=SCHEME)
    signature.update_batch(shingles)
    return signature.hashvalues.astype(np.uint32).tobytes()


def near_duplicate_clusters(
    signatures: Iterable[tuple[Hashable, bytes]], threshold: float = THRESHOLD
) -> list[list[Hashable]]:
    """Groups of keys whose texts are near-duplicates (clusters of 2 or more), sorted."""
    from datasketch import MinHash, MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=NUM_PERM)
    minhashes: dict[Hashable, MinHash] = {}
    for key, raw in signatures:
        minhash = MinHash(
            num_perm=NUM_PERM, scheme=SCHEME, hashvalues=np.frombuffer(raw, dtype=np.uint32)
        )
        minhashes[key] = minhash
        lsh.insert(key, minhash, check_duplication=False)
    parent: dict[Hashable, Hashable] = {k: k for k in minhashes}

    def find(key: Hashable) -> Hashable:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for key, minhash in minhashes.items():
        for other in lsh.query(minhash):
            if other != key and minhash.jaccard(minhashes[other]) >= threshold:
                root_a, root_b = find(key), find(other)
                if root_a != root_b:
                    parent[root_b] = root_a
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
