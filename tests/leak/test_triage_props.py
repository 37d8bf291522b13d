"""Sensitivity triage on hostile and random text: it never raises, spans stay in bounds,
secrets are only ever hashes, and pathological inputs do not blow up the regexes."""

from __future__ import annotations

import hashlib
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contrefeu.leak.triage import LEVELS, Triage, fold, triage_text

FRAGMENTS = [
    "FR76 3000 6000 0112 3456 7890 189", "GB82 WEST 1234 5698 7654 32", "06 12 34 56 78",
    "+44 20 7946 0958", "1 85 05 78 006 084 91", "4970 1000 0000 0014", "Mot de passe : ",
    "password: ", "AKIAIOSFODNN7EXAMPLE", "ghp_", "-----BEGIN RSA PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----", "née le 3 mars 1985", "12 rue de la Paix, 75002 Paris",
    "facture", "devis", "1 250,00 €", "TVA FR 40 303 265 045", "BIC BNPAFRPPXXX", "@", ".fr",
    "jean@example.org", "Cordialement,\n", "De : ", "\n", " ", "\u00a0", "’", "İ", "é", "\r\n",
    "api_key=", "q8F3kLm9Qz2Xw7Rt5Yp1", '"', "«", ")", "*", "x" * 70, "1" * 19,
]  # fmt: skip


def check_invariants(text: str, tr: Triage) -> None:
    assert tr.level in LEVELS
    assert tr.categories == sorted(set(tr.categories))
    assert (tr.level == "none") == (not tr.spans and not tr.categories)
    previous_end = 0
    for span in tr.spans:
        assert 0 <= span.start < span.end <= len(text)
        assert span.start >= previous_end  # sorted, no overlaps
        previous_end = span.end
        assert span.severity in LEVELS[1:]
        assert span.category in tr.categories
    if tr.spans:
        assert tr.level == max((s.severity for s in tr.spans), key=LEVELS.index)
    spans = {(s.start, s.end) for s in tr.spans}
    for secret in tr.secrets:
        assert (secret.start, secret.end) in spans
        value = text[secret.start : secret.end]
        assert (
            secret.secret_sha256
            == hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()
        )
        if len(value) >= 6:
            assert value not in repr(tr.spans)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=3000))
def test_random_text_never_raises(text: str) -> None:
    check_invariants(text, triage_text(text))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=40),
    st.one_of(st.none(), st.text(max_size=80)),
    st.lists(st.sampled_from(["example.org", "avenir-commun.fr", "", " ", "."]), max_size=3),
)
def test_mixed_fragments(parts: list[str], subject: str | None, org: list[str]) -> None:
    text = "".join(parts)
    tr = triage_text(text, subject=subject, filename=subject, org_domains=org)
    check_invariants(text, tr)


@given(st.text(max_size=500))
def test_fold_keeps_offsets(text: str) -> None:
    folded = fold(text)
    assert len(folded) == len(text)
    assert fold(folded) == folded


PATHOLOGICAL = {
    "letters": "a" * 200_000,
    "local part then at": "a." * 100_000 + "@",
    "at signs": "a@" * 50_000,
    "domain dots": "x@" + "a." * 50_000,
    "digits": "1" * 200_000,
    "spaced digits": "1 " * 100_000,
    "capitals": "A" * 200_000,
    "capitals and digits": "AB12 " * 40_000,
    "pem begins": "-----BEGIN RSA PRIVATE KEY-----\n" * 5_000,
    "pem body": "-----BEGIN RSA PRIVATE KEY-----\n" + "QUJD\n" * 40_000,
    "labels": "mot de passe : " * 10_000,
    "keywords": "facture devis budget presse " * 10_000,
    "addresses": "12 rue " * 30_000,
    "phones": "06 12 34 56 78 " * 20_000,
    "amounts": "1 000 000 " * 20_000 + "€",
    "newlines": "\n" * 200_000,
    "quoted headers": "De : x\n" * 30_000,
    "addresses in headers": "De : Claire <c@avenir-commun.fr>\nCordialement,\n" * 5_000,
}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_inputs_stay_linear(name: str) -> None:
    text = PATHOLOGICAL[name]
    t0 = time.perf_counter()
    tr = triage_text(text)
    elapsed = time.perf_counter() - t0
    check_invariants(text, tr)
    # About 200 KB each: linear scans take well under a second; a quadratic one, minutes.
    assert elapsed < 8, f"{name}: {elapsed:.1f} s"


def test_a_secret_glued_to_another_span_is_masked_there_too() -> None:
    """Found by `test_mixed_fragments`: an address ran on into an API key written right after
    it, and the address's preview showed the key."""
    key = "AKIAIOSFODNN7EXAMPLE"
    text = f"{key}-----BEGIN RSA PRIVATE KEY-----12 rue de la Paix, 75002 Paris{key}"
    tr = triage_text(text)
    check_invariants(text, tr)
    address = [s for s in tr.spans if s.kind == "postal-address"]
    assert address and address[0].value_preview.startswith("12 rue de la Paix")
    assert key not in repr(tr.spans)
