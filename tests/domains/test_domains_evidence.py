"""Evidence finding: look-alike folding, the fast suffix split, aliases and typo features."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from publicsuffixlist import PublicSuffixList

from contrefeu.domains.evidence import EvidenceFinder
from contrefeu.domains.folding import canonical, canonical_map, splice, visual_fold
from contrefeu.domains.normalise import parse_observed
from contrefeu.domains.score import BrandIndex, make_brand
from contrefeu.domains.suffixes import hosting_suffixes, split_host, suffix_kind

_REFERENCE = PublicSuffixList(only_icann=False)

label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
known_tails = st.sampled_from(
    ["com", "fr", "co.uk", "com.mx", "ne.kr", "duckdns.org", "ck", "www.ck", "kobe.jp",
     "city.kobe.jp", "blogspot.com", "compute.amazonaws.com", "run.app", "zz", "gov.pl"]
)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(label, min_size=0, max_size=3), known_tails)
def test_fast_split_agrees_with_the_reference_psl(left, tail):
    host = ".".join([*left, tail])
    labels = host.split(".")
    if any(".".join(labels[i:]) in hosting_suffixes() for i in range(len(labels))):
        return  # our own hosting suffixes extend the PSL on purpose
    suffix = _REFERENCE.publicsuffix(host)
    expected = (
        None if suffix is None or suffix == host else (_REFERENCE.privatesuffix(host), suffix)
    )
    assert split_host(host) == expected


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("a.b.example.co.uk", ("example.co.uk", "co.uk")),
        ("naver.chickenkiller.com", ("naver.chickenkiller.com", "chickenkiller.com")),
        ("chickenkiller.com", ("chickenkiller.com", "com")),  # the provider's own name
        ("x.yahoo.kro.kr", ("yahoo.kro.kr", "kro.kr")),
        ("co.uk", None),
        ("www.ck", ("www.ck", "ck")),  # exception rule
        ("foo.bar.ck", ("foo.bar.ck", "bar.ck")),  # wildcard rule
    ],
)
def test_split_host_cases(host, expected):
    assert split_host(host) == expected


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="abcilmnoqrvw0134-", max_size=20))
def test_canonical_map_agrees_with_canonical_and_points_into_the_text(text):
    folded, where = canonical_map(text)
    assert len(where) == len(folded) + 1
    assert where[0] == 0 and where[-1] == len(text)
    assert all(a < b for a, b in zip(where, where[1:], strict=False))
    # Each folded character comes from the stretch it points at.
    for i, c in enumerate(folded):
        assert canonical(text[where[i] : where[i + 1]]) == c


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet="abc-", max_size=12),
    st.integers(0, 12),
    st.integers(0, 12),
    st.text(alphabet="xyz", min_size=1, max_size=5),
)
def test_splice_replaces_exactly_the_compact_stretch(reading, a, b, letters):
    compact = reading.replace("-", "")
    start, end = sorted((min(a, len(compact)), min(b, len(compact))))
    out = splice(reading, start, end, letters)
    assert out.replace("-", "") == compact[:start] + letters + compact[end:]


def test_visual_fold_and_canonical():
    assert canonical("rnicr0soft") == canonical("microsoft")
    assert canonical("twiiio") == canonical("twilio")
    assert canonical("g00g1e") == canonical("google")
    assert visual_fold("sharcpolnt") == visual_fold("sharepoint")


def test_suffix_kinds():
    assert suffix_kind("com") == "legacy"
    assert suffix_kind("co") == "typo"
    assert suffix_kind("de") == "cc"
    assert suffix_kind("com.mx") == "cc2"
    assert suffix_kind("cloud") == "new"
    assert suffix_kind("duckdns.org") == "host"


def _features(brands, text):
    finder = EvidenceFinder([make_brand(b) for b in brands])
    return [c.features for c in finder.candidates(parse_observed(text))]


def test_lookalike_reading_keeps_the_words_around_the_brand():
    index = BrandIndex(["examplebank.com"])
    result = index.score("examp1ebank-l0gin.com")
    assert result.alert and result.classes == ["combosquat", "homoglyph"]
    assert "login" in result.reasons[0]


def test_letter_lookalikes_fold_without_digits():
    result = BrandIndex(["examplebank.com"]).score("exampiebank.com")
    assert result.alert and result.classes == ["homoglyph"]


def test_a_digit_lookalike_is_not_also_reported_as_a_typo():
    feats = _features(["examplebank.com"], "examp1ebank.com")
    assert not any("typo:bias" in f for f in feats)


def test_short_brand_run_together_with_its_suffix():
    index = BrandIndex(["ab.fr"])
    result = index.score("abfr-support.com")
    assert result.alert and result.target == "ab.fr"
    assert "run together as 'abfr'" in result.reasons[0]
    assert not index.score("abstract-art.com").alert


def test_one_letter_brand_is_kept_through_its_alias():
    index = BrandIndex(["x.com"])
    assert index.score("xcom-support.net").alert
    assert index.score("example.com").score == 0.0
    assert index.score("x.com").reasons == ["protected or allowed domain"]


def test_brand_domain_written_as_subdomains_is_a_feature():
    feats = _features(["examplebank.com"], "examplebank.com.verify-account.net")
    assert feats and feats[0].get("sub:fulldomain") == 1.0 and feats[0].get("sub:tldleft") == 1.0


def test_typo_features_describe_the_slip():
    (mid,) = [f for f in _features(["examplebank.com"], "exanplebank.com") if "typo:bias" in f]
    (first,) = [f for f in _features(["examplebank.com"], "bxamplebank.com") if "typo:bias" in f]
    assert mid.get("typo:natural") == 1.0 and "typo:first" not in mid
    assert first.get("typo:first") == 1.0
    index = BrandIndex(["examplebank.com"])
    assert index.score("bxamplebank.com").score < index.score("exanplebank.com").score
    (visual,) = [f for f in _features(["sharepoint.com"], "sharcpolnt.net") if "typo:bias" in f]
    assert visual.get("typo:visual", 0) >= 1


def test_lure_left_of_the_registrable_name_counts():
    feats = _features(["examplebank.com"], "login.examplebank-docs.net")
    assert feats and all(f.get("lure-left") == 1.0 for f in feats)


def test_digits_added_to_a_brand_are_not_a_typo():
    feats = _features(["examplebank.com"], "examplebank1.com")
    assert not any("typo:bias" in f for f in feats)
    assert any("contain:digits" in f for f in feats)
