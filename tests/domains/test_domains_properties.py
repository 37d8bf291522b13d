"""Property tests for every parser of outside input: they never raise, whatever the text."""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from contrefeu.domains.clone import parse_page
from contrefeu.domains.feeds import decode_lines, names_in_line, score_lines
from contrefeu.domains.normalise import DomainParseError, parse_observed
from contrefeu.domains.score import BrandIndex
from contrefeu.domains.stix import read_results

INDEX = BrandIndex(["examplebank.com", "avenir-commun.fr", "att.com"])
label = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=20)
hosts = st.lists(label, min_size=2, max_size=5).map(".".join)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_score_never_raises_on_any_text(text):
    result = INDEX.score(text)
    assert 0.0 <= result.score <= 1.0
    assert result.error is None or not result.alert


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=500))
def test_feed_lines_never_raise_on_bytes(raw):
    results = list(score_lines(INDEX, decode_lines(io.BytesIO(raw))))
    assert all(0.0 <= r.score <= 1.0 for r in results)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_names_in_line_is_total(text):
    names, error = names_in_line(text)
    assert isinstance(names, list)
    assert error is None or isinstance(error, str)


@settings(max_examples=300, deadline=None)
@given(hosts)
def test_parse_observed_splits_consistently(host):
    try:
        obs = parse_observed(host)
    except DomainParseError:
        return
    assert obs.host.endswith(obs.registrable)
    assert obs.registrable.endswith(obs.suffix)
    assert obs.registrable == obs.label + "." + obs.suffix
    rebuilt = ".".join((*obs.subdomains, obs.registrable))
    assert rebuilt == obs.host


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=2000))
def test_parse_page_never_raises(html):
    page = parse_page(html.encode("utf-8", errors="replace"))
    assert isinstance(page.tags, list)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=10))
def test_read_results_skips_junk(lines):
    assert all(isinstance(r["domain"], str) for r in read_results(lines))
