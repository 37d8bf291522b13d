"""Words: the lure vocabulary (French and English) and an English dictionary.

What it is for: two questions the scorer asks about the letters around a brand found inside a
run-together label. Is the brand only part of a longer ordinary word ("vice" inside "service",
"intel" inside "intelligence")? Then it is no evidence. Are the other letters lure words
("login", "securite", "sso")? Then it is strong evidence. ``segment`` splits run-together
words ("accountsecurelogin" -> account secure login) by dynamic programming over the lexicon.

The English dictionary comes from the english-words package (Webster's 2nd and GCIDE word
lists, offline). The lure lists live in ``words/`` and are ours: generic phishing vocabulary,
never brand names.
"""

from __future__ import annotations

from functools import lru_cache

from contrefeu.domains.suffixes import read_word_file

# Longest word the segmenter tries; longer runs of letters are left as one unknown piece.
_MAX_WORD = 20


@lru_cache(maxsize=1)
def lure_words() -> frozenset[str]:
    """Lure words in English and French (accents stripped)."""
    return read_word_file("lures_en.txt") | read_word_file("lures_fr.txt")


@lru_cache(maxsize=1)
def context_words() -> frozenset[str]:
    """Words common in lures and in a brand's own infrastructure names (cdn, cloud, api)."""
    return read_word_file("context_en.txt") | read_word_file("context_fr.txt")


@lru_cache(maxsize=1)
def dictionary() -> frozenset[str]:
    """Lower-case alphabetic English words of at least 3 letters."""
    from english_words import get_english_words_set

    words = get_english_words_set(["web2", "gcide"], lower=True, alpha=True)
    return frozenset(w for w in words if len(w) >= 3) | lure_words() | context_words()


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Words present in both dictionaries: a brand that is one of these is an ordinary word."""
    from english_words import get_english_words_set

    web2 = get_english_words_set(["web2"], lower=True, alpha=True)
    gcide = get_english_words_set(["gcide"], lower=True, alpha=True)
    return frozenset(web2 & gcide)


def covered_by_word(text: str, start: int, end: int, min_extra: int = 1) -> bool:
    """True when ``text[start:end]`` lies strictly inside a dictionary word of ``text``.

    Only words that extend the match by at least ``min_extra`` letters count, so "apple"
    inside "pineapple" is covered but "apple" alone is not.
    """
    words = dictionary()
    n = len(text)
    for a in range(max(0, start - 12), start + 1):
        for b in range(end, min(n, end + 12) + 1):
            if (start - a) + (b - end) >= min_extra and text[a:b] in words:
                return True
    return False


@lru_cache(maxsize=65536)
def segment(text: str) -> tuple[str, ...]:
    """Split a run of letters/digits into words, preferring lure words, then long words.

    Digits form their own pieces; letters that no word explains are kept as one piece each
    run. The cost favours few pieces and known words, which is what a reader does.
    """
    if not text:
        return ()
    words = dictionary()
    lures = lure_words() | context_words()
    n = len(text)
    # best[i] = (cost, pieces) for text[:i]
    empty: tuple[str, ...] = ()
    best: list[tuple[float, tuple[str, ...]]] = [(0.0, empty)] + [(float("inf"), empty)] * n
    for i in range(1, n + 1):
        for j in range(max(0, i - _MAX_WORD), i):
            piece = text[j:i]
            if piece.isdigit():
                cost = 0.5
            elif piece in lures:
                cost = 0.8
            elif piece in words:
                cost = 1.0 if len(piece) > 3 else 1.6
            else:
                cost = 2.0 + 0.6 * len(piece)  # unknown letters: costly per letter
            total = best[j][0] + cost
            if total < best[i][0]:
                best[i] = (total, best[j][1] + (piece,))
    return best[n][1]
