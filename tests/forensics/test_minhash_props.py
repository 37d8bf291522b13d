"""MinHash signatures: what the vectorised tokeniser and hashing must keep true.

A reference tokeniser, written the slow obvious way, says which words a text has; the
signatures must depend on those words only, the same in every process, and estimate the
Jaccard similarity of 3-word shingles without bias.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contrefeu.leak.neardup import (
    _PUNCTUATION,
    _QUOTED,
    MIN_WORDS,
    NUM_PERM,
    SCHEME,
    _word_hashes,
    _words,
    near_duplicate_clusters,
    signature_values,
    text_minhash,
)

FRENCH = (
    "Bonjour à tous, la réunion de l'équipe presse aura lieu jeudi à dix heures dans la salle "
    "du premier étage. Merci de préparer les « éléments de langage » sur le programme "
    "économique — et la liste des journalistes invités au meeting de Lyon samedi prochain."
)
RUSSIAN = (
    "Всем привет, встреча команды по прессе состоится в четверг в десять часов в зале на "
    "втором этаже. Просьба подготовить тезисы по экономической программе и список "
    "журналистов, приглашённых на митинг в Лионе в следующую субботу."
)


def reference_words(text: str) -> list[str]:
    """The words a signature is made of, the slow obvious way (one character at a time)."""
    text = _QUOTED.sub(" ", text)
    out, word = [], []
    for char in text + " ":
        if ord(char) >= 0x10000:  # beyond the table: a letter, kept as it is
            word.append(char)
            continue
        category = unicodedata.category(char)
        if char.isspace() or category == "Cc" or category[0] == "P" or char in _PUNCTUATION:
            if word:
                out.append("".join(word))
            word = []
        else:
            word.append("i" if char == "\u0130" else char.lower())
    return out


def vectorised_words(text: str) -> list[str]:
    letters, starts, ends = _words(text)
    return [
        letters[s:e].astype("<u2").tobytes().decode("utf-16-le", "surrogatepass")
        for s, e in zip(starts, ends, strict=True)
    ]


def estimate(a: bytes, b: bytes) -> float:
    return float(np.mean(signature_values(a) == signature_values(b)))


def shingles(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i : i + 3]) for i in range(len(words) - 2)}


# Outside input: any text, lone surrogates (undecodable bytes kept by surrogateescape) included,
# with the characters that matter most to the tokeniser drawn often.
TRICKY = list(" \t\n\r>-'’«»—….,İΣσςßÉéЖжa1😀\x00\u00a0\u2028\ud800")
texts = st.text(st.one_of(st.sampled_from(TRICKY), st.characters(exclude_categories=())))


@settings(max_examples=300, deadline=None)
@given(texts)
def test_vectorised_tokeniser_finds_the_reference_words(text):
    assert vectorised_words(text) == reference_words(text)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_any_text_gives_none_or_a_well_formed_signature(text):
    signature = text_minhash(text)
    if len(reference_words(text)) < MIN_WORDS:
        assert signature is None
    else:
        assert signature is not None
        values = signature_values(signature)
        assert values is not None and len(values) == NUM_PERM
        assert signature == text_minhash(text)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "é", "жж", "ab", "😀"]), min_size=1, max_size=60))
def test_a_word_hashes_the_same_wherever_it_stands_and_distinct_words_differ(words):
    text = " ".join(words)
    hashes = _word_hashes(*_words(text))
    by_word = {}
    for word, value in zip(words, hashes.tolist(), strict=True):
        assert by_word.setdefault(word, value) == value
    assert len(set(by_word.values())) == len(by_word)


separators = st.lists(
    st.sampled_from([" ", "\n", "\t", ", ", " — ", " « ", "’", "...", "\r\n"]),
    min_size=1,
    max_size=3,
).map("".join)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["Été", "ÉTÉ", "Жук", "жук", "Lyon", "meeting", "2017"]), separators
        ),
        min_size=MIN_WORDS,
        max_size=40,
    )
)
def test_signatures_ignore_case_and_which_separators_stand_between_words(pairs):
    text = "".join(word + sep for word, sep in pairs)
    plain = " ".join(word.lower() for word, _ in pairs)
    assert text_minhash(text) == text_minhash(plain)


def test_empty_blank_and_punctuation_only_texts_have_no_signature():
    for text in ("", " \n\t ", "... --- !!! «» — ’’ " * 30, "> quoted\n" * 40):
        assert text_minhash(text) is None


def test_quoted_reply_lines_are_left_out_wherever_they_stand():
    quoted = "\n".join(
        f"{indent}> citation numéro {i} du message"
        for i, indent in enumerate(["", "  ", "\t", " \t "] * 5)
    )
    first, second = FRENCH[:100], FRENCH[100:]
    assert text_minhash(first + "\n" + quoted + "\n" + second) == text_minhash(
        first + "\n" + second
    )
    assert text_minhash(quoted + "\n" + FRENCH) == text_minhash(FRENCH)
    # ">" elsewhere than at the start of a line is punctuation, not a quote.
    assert text_minhash(FRENCH + " -> suite") == text_minhash(FRENCH + " suite")
    assert text_minhash(FRENCH + "\n- > suite") == text_minhash(FRENCH + " suite")


def test_french_and_russian_texts_ignore_case_and_find_their_completed_copies():
    for text, addition, other in (
        (FRENCH, " Le candidat demande de détruire les factures.", RUSSIAN),
        (RUSSIAN, " Кандидат просит уничтожить счета подрядчика.", FRENCH),
    ):
        assert text_minhash(text.upper()) == text_minhash(text)
        signatures = [
            ("copy", text_minhash(text + addition)),
            ("original", text_minhash(text)),
            ("other", text_minhash(other)),
        ]
        assert near_duplicate_clusters(signatures) == [["copy", "original"]]


def random_pair(rng: random.Random, size: int) -> tuple[list[str], list[str]]:
    """A random text and a copy with a random share of its words replaced."""
    vocabulary = [f"mot{i}" for i in range(2000)]
    a = rng.choices(vocabulary, k=size)
    b = list(a)
    for i in rng.sample(range(size), int(rng.random() * size)):
        b[i] = rng.choice(vocabulary)
    return a, b


def jaccard_errors(size: int, pairs: int) -> list[float]:
    rng = random.Random(2024 + size)
    errors = []
    for _ in range(pairs):
        a, b = random_pair(rng, size)
        exact = len(shingles(a) & shingles(b)) / len(shingles(a) | shingles(b))
        errors.append(estimate(text_minhash(" ".join(a)), text_minhash(" ".join(b))) - exact)
    return errors


def test_estimated_jaccard_is_close_to_the_exact_shingle_jaccard_and_unbiased():
    errors = jaccard_errors(300, 60)  # about 300 shingles: every bin gets some
    assert max(map(abs, errors)) < 0.15
    assert abs(sum(errors) / len(errors)) < 0.02  # over many pairs, no systematic error


def test_short_texts_estimate_without_bias_and_with_little_noise():
    # 20 words, 18 shingles: most bins are empty and borrow. Borrowing from the next full bin
    # (rotation) gave a root mean square error of 0.054 here, and completed copies of short
    # mails fell under the threshold; independent borrowing orders give 0.03.
    errors = jaccard_errors(20, 300)
    assert abs(sum(errors) / len(errors)) < 0.02
    assert (sum(e * e for e in errors) / len(errors)) ** 0.5 < 0.04
    assert max(map(abs, errors)) < 0.2


def test_a_word_far_into_a_long_text_hashes_as_it_does_at_the_start():
    # Past the cached powers (1 << 17 characters) they are computed for the one text.
    far = " " * 300_000 + "alpha beta"
    assert _word_hashes(*_words(far)).tolist() == _word_hashes(*_words("alpha beta")).tolist()


def test_signatures_are_the_same_in_another_process_with_another_hash_seed():
    texts = [FRENCH, RUSSIAN, FRENCH + "\n> quoted\n" + RUSSIAN + " 😀"]
    code = (
        "import sys, json\n"
        "from contrefeu.leak.neardup import text_minhash\n"
        "texts = json.loads(sys.stdin.read())\n"
        "print(json.dumps([text_minhash(t).hex() for t in texts]))\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    result = subprocess.run(
        [sys.executable, "-c", code],
        input=json.dumps(texts),
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert json.loads(result.stdout) == [text_minhash(t).hex() for t in texts]


def test_signatures_of_another_scheme_are_never_compared():
    mine = text_minhash(FRENCH)
    older = np.frombuffer(mine[-4 * NUM_PERM :], dtype="<u4").tobytes()  # same values, no tag
    assert mine.startswith(SCHEME.encode())
    assert signature_values(older) is None and signature_values(b"") is None
    signatures = [("a", mine), ("b", text_minhash(FRENCH)), ("old", older), ("junk", b"\x00" * 7)]
    assert near_duplicate_clusters(signatures) == [["a", "b"]]


@pytest.mark.parametrize("text", [FRENCH, RUSSIAN])
def test_a_few_changed_words_keep_a_copy_above_the_threshold(text):
    words = text.split()
    words[5] = "changé"
    copy = " ".join(words)
    assert near_duplicate_clusters([("a", text_minhash(text)), ("b", text_minhash(copy))]) == [
        ["a", "b"]
    ]
