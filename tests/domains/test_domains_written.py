"""A brand's whole domain written at the start of a host, hidden from the registrable name.

Made-up brands only: ``examplebank.com``, ``examplebank.co.uk``, ``avenir-commun.fr`` and the
one-letter ``k.ua``.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contrefeu.domains.folding import canonical
from contrefeu.domains.normalise import DomainParseError, parse_observed
from contrefeu.domains.score import BrandIndex, make_brand
from contrefeu.domains.written import WrittenDomainFinder

BRANDS = ["examplebank.com", "examplebank.co.uk", "avenir-commun.fr", "k.ua"]


@pytest.fixture(scope="module")
def index() -> BrandIndex:
    return BrandIndex(BRANDS)


@pytest.fixture(scope="module")
def finder() -> WrittenDomainFinder:
    return WrittenDomainFinder([make_brand(b) for b in BRANDS])


def _found(finder: WrittenDomainFinder, host: str) -> dict[str, object]:
    (w,) = finder.find(parse_observed(host))
    return {
        "target": BRANDS[w.brand],
        "start": w.start,
        "joint": w.joint,
        "crosses": w.crosses,
        "depth": w.depth,
        "follows": w.follows,
        "rest": w.rest,
        "look": w.look,
    }


# host, target, start, joint, crosses, depth, follows, rest, look
CASES = [
    ("examplebank.com-login.xyz", "examplebank.com", "host", "hyphen", True, 1, "-login",
     ("login",), "raw"),
    ("k.ua-passport.top", "k.ua", "host", "hyphen", True, 1, "-passport", ("passport",), "raw"),
    ("examplebank.co.uk-secure.info", "examplebank.co.uk", "host", "hyphen", True, 2, "-secure",
     ("secure",), "raw"),
    ("examplebank.com.verify-account.net", "examplebank.com", "host", "dot", False, 2, "",
     ("verify", "account"), "raw"),
    ("examplebank.comlogin.xyz", "examplebank.com", "host", "run", True, 1, "login", ("login",),
     "raw"),
    ("k.ua.top", "k.ua", "host", "dot", True, 1, "", (), "raw"),
    ("secure-examplebank.com-verify.top", "examplebank.com", "hyphen", "hyphen", True, 1,
     "-verify", ("verify",), "raw"),
    ("login.examplebank.com-x2.net", "examplebank.com", "dot", "hyphen", True, 1, "-x2",
     ("x", "2"), "raw"),
    ("avenir-commun.fr-connexion.top", "avenir-commun.fr", "host", "hyphen", True, 1,
     "-connexion", ("connexion",), "raw"),
    ("examp1ebank.com-login.xyz", "examplebank.com", "host", "hyphen", True, 1, "-login",
     ("login",), "homoglyph"),
    ("\u0435xamplebank.com-login.xyz", "examplebank.com", "host", "hyphen", True, 1, "-login",
     ("login",), "idn"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("host", "target", "start", "joint", "crosses", "depth", "follows", "rest", "look"), CASES
)
def test_written_domain_is_found_and_described(
    finder, host, target, start, joint, crosses, depth, follows, rest, look
):
    assert _found(finder, host) == {
        "target": target,
        "start": start,
        "joint": joint,
        "crosses": crosses,
        "depth": depth,
        "follows": follows,
        "rest": rest,
        "look": look,
    }


@pytest.mark.parametrize(
    "host",
    [
        "examplebank.com",  # the brand itself
        "www.examplebank.com",  # under the brand
        "examplebank.com.au",  # the brand's label is the registrable label: tld-swap
        "mail-examplebank.com.co",  # the registrable label holds the brand: combosquat
        "examplebank.community.xyz",  # "com" only starts the word "community"
        "examplebank.company-portal.example.net",
        "examplebank.comments.example.net",
        "myexamplebank.com-login.xyz",  # run into other letters before it
        "bk.ua-passport.top",  # "k.ua" inside another label
        "examplebank-com-login.xyz",  # no dot: the combosquat evidence handles it
        "examplebank.org-login.xyz",  # another suffix than the brand's
        "k.ua",
    ],
)
def test_no_written_domain(finder, host):
    try:
        obs = parse_observed(host)
    except DomainParseError:
        return
    assert finder.find(obs) == []


def test_digits_after_the_suffix_count_as_run_together(finder):
    found = _found(finder, "examplebank.com1.net")
    assert found["joint"] == "run" and found["rest"] == ("1",)


@pytest.mark.parametrize(
    ("host", "target", "classes", "words"),
    [
        ("examplebank.com-login.xyz", "examplebank.com", ["subdomain", "abused-tld"],
         ["written at the start of the host", "'-login'", "com-login.xyz", "login"]),
        ("k.ua-passport.top", "k.ua", ["subdomain", "abused-tld"],
         ["brand domain 'k.ua'", "ua-passport.top", "passport"]),
        ("examplebank.co.uk-secure.info", "examplebank.co.uk", ["subdomain", "abused-tld"],
         ["brand domain 'examplebank.co.uk'", "uk-secure.info"]),
        ("examplebank.com.verify-account.net", "examplebank.com", ["subdomain"],
         ["as subdomains of verify-account.net"]),
        ("examp1ebank.com-login.xyz", "examplebank.com", ["subdomain", "homoglyph", "abused-tld"],
         ["as 'examp1ebank.com'", "ASCII look-alike"]),
        ("\u0435xamplebank.com-login.xyz", "examplebank.com",
         ["subdomain", "homoglyph", "idn", "abused-tld"], ["Unicode confusables"]),
    ],
)  # fmt: skip
def test_written_domain_alerts_with_a_readable_reason(index, host, target, classes, words):
    result = index.score(host)
    assert result.alert and result.target == target
    assert result.classes == classes
    assert all(w in result.reasons[0] for w in words), result.reasons


def test_a_one_letter_brand_is_only_seen_through_its_written_domain():
    index = BrandIndex(["k.ua"])
    assert index.score("k.ua-passport.top").alert
    # Without the whole domain there is nothing to see: one letter is everywhere.
    assert index.score("k.passport-ua.top").score == 0.0
    assert index.score("shop.k.ua").reasons == ["protected or allowed domain"]


def test_the_written_domain_replaces_the_plain_subdomain_evidence(index):
    found = index.candidates("examplebank.com-login.xyz")
    mine = [c for c in found if index.brands[c.brand].target == "examplebank.com"]
    assert len(mine) == 1
    feats = mine[0].features
    assert feats["sub:fulldomain"] == 1.0 and feats["sub:cross"] == 1.0
    assert feats["sub:whole"] == 1.0 and feats["sub:reglure"] == 1.0


def test_writing_the_whole_domain_scores_above_the_brand_label_alone():
    index = BrandIndex(["examplebank.com"])

    def best(host: str) -> float:
        return max(index.model.probability(c.features) for c in index.candidates(host))

    # The same lure word and suffix; only the brand's own suffix, written on the left, differs.
    assert best("examplebank.com-login.xyz") > best("examplebank.login.xyz")
    assert best("examplebank.com-x.org") > best("examplebank.x.org")


def test_bare_brand_names_have_no_written_domain():
    index = BrandIndex(["examplebank"])
    assert index.finder._written.find(parse_observed("examplebank.com-login.xyz")) == []
    assert index.score("examplebank.com-login.xyz").alert  # the subdomain evidence remains


label = st.text(alphabet="abcdefghklmnopqrstuvwxyz0123456789-", min_size=1, max_size=10)
piece = st.sampled_from(
    ["examplebank.com", "examp1ebank.com", "k.ua", "avenir-commun.fr", "examplebank.co.uk",
     "\u0435xamplebank.com", "com", "ua", "uk", "co", "-", "login", "xn--", "\u0456"]
)  # fmt: skip
tail = st.sampled_from(["xyz", "top", "com", "co.uk", "duckdns.org", "ua", "fr"])


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(label, piece), min_size=1, max_size=5), st.sampled_from(".-"), tail)
def test_hostile_hosts_never_crash_and_results_are_consistent(finder, index, parts, glue, suffix):
    host = glue.join(parts) + "." + suffix
    try:
        obs = parse_observed(host)
    except DomainParseError:
        return
    for w in finder.find(obs):
        brand = BRANDS[w.brand]
        assert canonical(w.written) == canonical(brand)
        assert w.joint in {"hyphen", "dot", "run"} and w.start in {"host", "dot", "hyphen"}
        assert w.depth >= 1
        assert w.look in {"raw", "idn", "homoglyph", "letters"}
    result = index.score(host)
    assert 0.0 <= result.score <= 1.0
