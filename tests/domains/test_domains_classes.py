"""Each evidence class, with the exact classes expected (a case manifest: one row, one test)."""

from __future__ import annotations

import pytest

from contrefeu.domains.score import DEFAULT_THRESHOLD, BrandIndex, make_brand

BRANDS = ["avenir-commun.fr", "examplebank.com", "en-marche.fr", "office.com"]

# (observed, alert, target, exact classes)
CASES = [
    ("avenir-commun.cloud", True, "avenir-commun.fr", ["tld-swap", "abused-tld"]),
    # The brand's exact label under another legacy TLD is alerted: the fitted model found
    # it suspicious enough (the owner's own .net belongs in the allow-list).
    ("avenir-commun.net", True, "avenir-commun.fr", ["tld-swap"]),
    ("en-marche.co", True, "en-marche.fr", ["tld-swap"]),
    ("avenircommun.fr", True, "avenir-commun.fr", ["hyphenation"]),
    ("example-bank.com", True, "examplebank.com", ["hyphenation"]),
    ("aveniir-commun.fr", True, "avenir-commun.fr", ["typo"]),
    ("exanplebank.com", True, "examplebank.com", ["typo"]),
    ("examplebamk.com", True, "examplebank.com", ["typo"]),
    ("examplebenk.com", True, "examplebank.com", ["bitsquat"]),
    ("examp1ebank.com", True, "examplebank.com", ["homoglyph"]),
    ("avenir-cornmun.fr", True, "avenir-commun.fr", ["homoglyph"]),
    ("xn--avenir-commn-nlb.fr", True, "avenir-commun.fr", ["homoglyph", "idn"]),
    ("\u0435xamplebank.com", True, "examplebank.com", ["homoglyph", "idn"]),
    ("examplebank-login.com", True, "examplebank.com", ["combosquat"]),
    ("securite-examplebank.fr", True, "examplebank.com", ["combosquat", "tld-swap"]),
    ("examplebanksecurelogin.com", True, "examplebank.com", ["combosquat"]),
    ("onedrive-en-marche.fr", True, "en-marche.fr", ["combosquat"]),
    ("mail-en-marche.fr", True, "en-marche.fr", ["combosquat"]),
    ("accounts-office.fr", True, "office.com", ["combosquat", "tld-swap"]),
    ("portal-office.fr", True, "office.com", ["combosquat", "tld-swap"]),
    ("examplebank.duckdns.org", True, "examplebank.com", ["subdomain"]),
    ("examplebank.com.verify-account.net", True, "examplebank.com", ["subdomain"]),
    ("examplebank.secure-login.tk", True, "examplebank.com", ["subdomain", "abused-tld"]),
    ("http://files.example.net/examplebank/login.php", False, "examplebank.com", ["path"]),
    ("officedepot.com", False, "office.com", ["combosquat"]),
    ("intelligence.com", False, None, []),
    ("wikipedia.org", False, None, []),
]


@pytest.fixture(scope="module")
def index() -> BrandIndex:
    return BrandIndex(BRANDS)


@pytest.mark.parametrize(("observed", "alert", "target", "classes"), CASES)
def test_class_manifest(index, observed, alert, target, classes):
    result = index.score(observed)
    assert result.error is None
    assert result.classes == classes, result.reasons
    assert result.alert is alert
    assert result.target == target
    assert 0.0 <= result.score <= 1.0
    if alert:
        assert result.score >= DEFAULT_THRESHOLD
        assert result.reasons


def test_owned_domains_are_never_alerted(index):
    for name in ("en-marche.fr", "www.en-marche.fr", "mail.en-marche.fr", "https://office.com/x"):
        result = index.score(name)
        assert not result.alert and result.score == 0.0
        assert result.reasons == ["protected or allowed domain"]


def test_allow_list_silences_brand_owner_domains():
    plain = BrandIndex(["examplebank.com"])
    assert plain.score("examplebank-login.com").alert
    allowed = BrandIndex(["examplebank.com"], allow=["examplebank-login.com"])
    assert not allowed.score("examplebank-login.com").alert
    assert not allowed.score("www.examplebank-login.com").alert


def test_brand_name_without_domain():
    index = BrandIndex(["avenircommun"])
    result = index.score("avenircommun-connexion.com")
    assert result.alert and result.target == "avenircommun"
    assert "combosquat" in result.classes


def test_threshold_is_respected():
    score = BrandIndex(["examplebank.com"]).score("examplebank-login.com").score
    strict = BrandIndex(["examplebank.com"], threshold=score + 0.001)
    assert not strict.score("examplebank-login.com").alert
    exact = BrandIndex(["examplebank.com"], threshold=score)
    assert exact.score("examplebank-login.com").alert


def test_make_brand_uses_leftmost_label():
    assert make_brand("nts.go.kr").name == "nts"
    assert make_brand("https://www.en-marche.fr/").compact == "enmarche"
    assert make_brand("enisa.europa.eu").name == "enisa"


def test_short_brand_needs_a_token_boundary():
    index = BrandIndex(["att.com"])
    assert index.score("attack-news.com").score == 0.0
    assert index.score("att-login.com").alert


def test_to_dict_follows_the_contract(index):
    d = index.score("examplebank-login.com").to_dict()
    for key in ("domain", "registrable", "score", "alert", "target", "classes", "reasons"):
        assert key in d
    assert d["registrable"] == "examplebank-login.com"
