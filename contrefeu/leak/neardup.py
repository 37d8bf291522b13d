"""Near-duplicates: the same text in several items, and what a "completed" copy added.

Each item's text gets a MinHash signature in the worker (cheap, parallel); the cross-item phase
groups them by LSH bands (`lsh.py`), so finding candidates is linear in the number of items,
never all pairs. Word-level diffs are computed only inside the small clusters found.
"""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np

from contrefeu.leak.lsh import band_groups

NUM_PERM = 128
# How signatures are made. Every signature starts with it, so a signature made another way
# (by an older version, kept in a case database) is never compared with these.
SCHEME = "contrefeu-oph128-poly64-optdense/2"
SHINGLE_WORDS = 3
MIN_WORDS = 12  # shorter texts ("ok, merci") collide by chance
THRESHOLD = 0.6  # Jaccard of shingles: a few added sentences stay above it
MAX_DIFF_WORDS = 20_000

_PUNCTUATION = "\"'.,;:!?()[]{}<>«»“”‘’*_-—–/\\|#@&%$+=~`^"
_QUOTED = re.compile(r"(?m)^[ \t]*>.*$")
# The same lines after a newline: a pattern that starts with a literal lets the regex engine
# jump from newline to newline instead of trying every position (five times faster).
_QUOTED_AFTER_NEWLINE = re.compile(r"\n[ \t]*>[^\n]*")


def words_of(text: str) -> list[str]:
    """Lower-case words of the text, without quoted lines of replies and punctuation."""
    if ">" in text:
        text = _QUOTED.sub(" ", text)
    # str.split and strip run in C; a \w+ regex over every mail cost twice as much.
    return [w for w in (t.strip(_PUNCTUATION) for t in text.lower().split()) if w]


# Signatures are computed for every item of a scan, so they are vectorised end to end: the text
# becomes an array of UTF-16 code units, a table lower-cases them and maps separators to 0, and
# each word's hash comes out of prefix sums, with no Python-level work per word. (Going through
# `words_of` and a dictionary of word hashes cost six times as much on a 17 KB mail.)

_SIGNATURE_TAG = SCHEME.encode() + b"\0"
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9], dtype=np.uint64)
_FMIX = np.array([0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53], dtype=np.uint64)
_BIN_BITS = 7  # 2**7 = 128 bins = NUM_PERM values
_VALUE_MASK = np.uint64((1 << 32) - 1)  # a bin keeps 32 bits of its hash: those after the 7
_NO_HASH = np.uint64((1 << 64) - 1)  # an empty bin (a shingle hashing to it, 1 in 2**64, is lost)
# A word's hash is a polynomial in _P over its code units, modulo 2**64. _P is odd, so it has
# an inverse modulo 2**64, which lets prefix sums give every word's hash at once.
_P = 0xD6E8FEB86659FD93  # any odd constant; this one has no structure in its bits
_P_INVERSE = pow(_P, -1, 1 << 64)
_CACHED_POWERS = 1 << 17  # characters: mail texts are far shorter; longer ones compute theirs


@functools.cache
def _character_table() -> np.ndarray:
    """For each UTF-16 code unit: its lower case, or 0 where it separates words.

    Separators are what `str.split` splits on, control characters, Unicode punctuation and
    `_PUNCTUATION` (which adds symbols such as + = $ |). Unlike `words_of`, inner punctuation
    splits words too ("l'équipe" gives "l" and "équipe"): for shingles that only makes one more
    word, the same in every copy of a text. Surrogates are letters, so a character beyond the
    table (an emoji) is a two-unit letter. Built once per process (~40 ms); the scan's
    warm-up builds it before the workers fork.
    """
    chars = "".join(map(chr, range(0x10000)))
    # U+0130 (İ) is the only character here whose lower case is two characters long.
    lowered = chars.replace("\u0130", "i").lower()
    units = np.frombuffer(lowered.encode("utf-16-le", "surrogatepass"), dtype="<u2")
    table = units.astype(np.uint16)  # a writable copy, in this machine's byte order
    for i, char in enumerate(chars):
        category = unicodedata.category(char)
        if char.isspace() or category == "Cc" or category[0] == "P" or char in _PUNCTUATION:
            table[i] = 0
    return table


def _geometric(base: int, count: int) -> np.ndarray:
    powers = np.full(count, base, dtype=np.uint64)
    powers[0] = 1
    return np.cumprod(powers)  # uint64 arithmetic wraps around: these are modulo 2**64


@functools.cache
def _cached_powers() -> tuple[np.ndarray, np.ndarray]:
    return _geometric(_P, _CACHED_POWERS), _geometric(_P_INVERSE, _CACHED_POWERS)


def _powers(count: int) -> tuple[np.ndarray, np.ndarray]:
    """At least `count` powers (from 0) of _P and of its inverse, modulo 2**64."""
    if count <= _CACHED_POWERS:
        return _cached_powers()
    return _geometric(_P, count), _geometric(_P_INVERSE, count)


def _words(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The text's letters (lower-cased code units, 0 for separators) and where its words start
    and end in them (half-open spans), quoted reply lines left out."""
    if ">" in text:
        text = _QUOTED_AFTER_NEWLINE.sub("\n", "\n" + text)
    # surrogatepass: text decoded with errors="surrogateescape" can hold lone surrogates.
    units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), dtype="<u2")
    letters = _character_table().take(units)
    in_word = np.zeros(len(units) + 2, dtype=bool)  # padded: every word has both edges
    np.not_equal(letters, 0, out=in_word[1:-1])
    edges = np.flatnonzero(in_word[1:] != in_word[:-1])
    return letters, edges[0::2], edges[1::2]


def _word_hashes(letters: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each word [start, end) of the letters."""
    powers, inverse_powers = _powers(len(letters))
    # prefix[i] = sum of letters[j] * P**-j for j < i. For a word [s, e),
    # (prefix[e] - prefix[s]) * P**(e-1) = sum of letters[j] * P**(e-1-j): the same polynomial
    # wherever the word stands. Distinct words colliding modulo 2**64 would only add noise
    # to a similarity estimate; nothing relies on them being unforgeable.
    prefix = np.zeros(len(letters) + 1, dtype=np.uint64)
    np.cumsum(letters * inverse_powers[: len(letters)], out=prefix[1:])
    hashes = (prefix[ends] - prefix[starts]) * powers[ends - 1]
    # The polynomial's low bits are weak (bit 0 is the parity of the sum of the code units)
    # and every bit must count in the shingle hash's top bits.
    return _fmix64(hashes)


def _fmix64(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's finaliser, in place: a bijection where every bit depends on every bit."""
    values ^= values >> np.uint64(33)
    values *= _FMIX[0]
    values ^= values >> np.uint64(33)
    values *= _FMIX[1]
    values ^= values >> np.uint64(33)
    return values


def _shingle_hashes(word_hashes: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each run of SHINGLE_WORDS words (word order counts)."""
    count = len(word_hashes) - SHINGLE_WORDS + 1
    shingles = np.zeros(count, dtype=np.uint64)
    for offset in range(SHINGLE_WORDS):
        shingles ^= word_hashes[offset : offset + count] * _MIX[offset]
        shingles *= _MIX[(offset + 1) % SHINGLE_WORDS]
    shingles ^= shingles >> np.uint64(29)
    shingles *= _MIX[0]
    return shingles


@functools.cache
def _borrowing_ranks() -> np.ndarray:
    """ranks[j, b]: how soon an empty bin j borrows from bin b, in a fixed order of its own.

    "Optimal densification" (Shrivastava, ICML 2017): an empty bin takes the value of the
    first full bin in its own pseudo-random order of all bins. The rotation of 2014 (take the
    next full bin) made a run of empty bins copy one value, so a short text counted a few
    shingles many times and its estimate was noisy (a completed copy of a 40-word mail could
    fall under THRESHOLD). With an order per bin the estimate is nearly as good as with 128
    independent permutations: on 20-word texts, a root mean square error of 0.03, not 0.054.
    """
    keys = _fmix64(np.arange(NUM_PERM * NUM_PERM, dtype=np.uint64) + _MIX[2])
    # Keys are distinct (fmix64 is a bijection), so the order is the same on every machine.
    order = keys.reshape(NUM_PERM, NUM_PERM).argsort(axis=1)
    return order.argsort(axis=1).astype(np.uint8)  # small: rows are copied for every text


def text_minhash(text: str | None) -> bytes | None:
    """The MinHash signature of a text's 3-word shingles, as bytes; None for short texts.

    One-permutation hashing with densification (Li et al. 2012, Shrivastava 2017) instead of
    datasketch's `MinHash.update_batch`, which hashes every shingle with SHA-1 in a Python
    loop and applies 128 permutations: that dominated the scan's time. Here each shingle is
    hashed once, its top 7 bits choose one of 128 bins and each bin keeps its minimum; empty
    bins borrow from a full one (see `_borrowing_ranks`). The share of equal values estimates
    the Jaccard similarity without bias, so the signatures are banded like ordinary MinHash
    values (`lsh.py`).
    """
    if not text:
        return None
    letters, starts, ends = _words(text)
    if len(starts) < MIN_WORDS:
        return None
    hashes = _shingle_hashes(_word_hashes(letters, starts, ends))
    # Each bin keeps the smallest hash that falls in it. Not deduplicated: a repeated shingle
    # cannot change a minimum. np.minimum.at (fast since NumPy 1.25) beats sorting 5 to 1.
    smallest = np.full(NUM_PERM, _NO_HASH, dtype=np.uint64)
    np.minimum.at(smallest, hashes >> np.uint64(64 - _BIN_BITS), hashes)
    signature = (smallest >> np.uint64(64 - _BIN_BITS - 32)) & _VALUE_MASK
    full = smallest != _NO_HASH
    if not full.all():
        empty = ~full
        ranks = _borrowing_ranks()[empty][:, full]  # empty bins x full bins
        signature[empty] = signature[full][ranks.argmin(axis=1)]
    return _SIGNATURE_TAG + signature.astype("<u4").tobytes()


def signature_values(signature: bytes) -> np.ndarray | None:
    """The NUM_PERM values of a signature made by this SCHEME; None for any other signature."""
    size = len(_SIGNATURE_TAG) + 4 * NUM_PERM
    if len(signature) != size or not signature.startswith(_SIGNATURE_TAG):
        return None
    return np.frombuffer(signature, dtype="<u4", offset=len(_SIGNATURE_TAG))


def near_duplicate_clusters(
    signatures: Iterable[tuple[Hashable, bytes]], threshold: float = THRESHOLD
) -> list[list[Hashable]]:
    """Groups of keys whose texts are near-duplicates (clusters of 2 or more), sorted.

    The LSH bands are laid out for THRESHOLD; another threshold changes only which candidates
    are accepted, not which are found.
    """
    keys: list[Hashable] = []
    rows: list[np.ndarray] = []
    for key, raw in signatures:
        values = signature_values(raw) if raw else None
        if values is None:  # made another way (an older version's): not comparable
            continue
        keys.append(key)
        rows.append(values)
    if len(keys) < 2:
        return []
    matrix = np.vstack(rows)
    # Each key's rank in str order: a bucket's head is its first member in that order, so the
    # result does not depend on the order the signatures came in.
    rank = np.empty(len(keys), dtype=np.intp)
    rank[sorted(range(len(keys)), key=lambda i: str(keys[i]))] = np.arange(len(keys))
    parent = list(range(len(keys)))

    def find(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    # Walk the LSH buckets rather than querying every key: a query returns a whole bucket, so
    # a dump of 20,000 copies of one newsletter would cost 20,000 x 20,000 comparisons. Each
    # member of a bucket is compared with the bucket's first member only; members that are
    # similar to each other but not to it meet again in another band's bucket.
    for group in band_groups(matrix):
        members = group[np.argsort(rank[group])]
        head, others = members[0], members[1:]
        # Jaccard estimate of each member with the head: the share of equal values.
        similar = (matrix[others] == matrix[head]).mean(axis=1) >= threshold
        for other in others[similar]:
            root_head, root_other = find(int(head)), find(int(other))
            if root_head != root_other:
                parent[root_other] = root_head
    clusters: dict[int, list[Hashable]] = {}
    for index, key in enumerate(keys):
        clusters.setdefault(find(index), []).append(key)
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
