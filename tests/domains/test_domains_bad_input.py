"""Bad input never stops a run: each bad line gives one object with `error`."""

from __future__ import annotations

import io

import pytest

from contrefeu.domains.feeds import decode_lines, names_in_line, score_lines
from contrefeu.domains.normalise import DomainParseError, parse_observed
from contrefeu.domains.score import BrandIndex

BAD = [
    ("", "empty line"),
    ("   ", "empty line"),
    ("http://[::1", "malformed URL"),
    ("https://exa mple.com/", "invalid character"),
    ("a" * 64 + ".com", "label longer than 63"),
    ("x" * 300 + ".com", "longer than 253"),
    ("xn--zz-zzzzzz.com", "invalid punycode"),
    ("xn--.com", "punycode"),
    ("foo..bar.com", "empty label"),
    ("localhost", "no dot"),
    ("192.168.1.1", "IP address"),
    ("com", "no dot"),
    ("co.uk", "public suffix"),
    ('{"message_type": "certificate_update", "data": 12', "invalid JSON"),
    ('{"message_type": "certificate_update", "data": {}}', "without leaf_cert"),
    ("[1, 2, 3]", "no dot"),
    ("exa$mple.com", "invalid character"),
]


@pytest.mark.parametrize(("line", "fragment"), BAD)
def test_bad_line_gives_error_object(line, fragment):
    index = BrandIndex(["examplebank.com"])
    results = list(score_lines(index, [line]))
    assert len(results) == 1
    assert results[0].error is not None
    assert fragment in results[0].error
    assert results[0].alert is False
    assert "error" in results[0].to_dict()


def test_binary_junk_in_a_feed_and_the_stream_goes_on():
    raw = b"examplebank-login.com\n\x00\xff\xfe\x01junk\n\xc3\x28\n\nexamp1ebank.com\n"
    index = BrandIndex(["examplebank.com"])
    results = list(score_lines(index, decode_lines(io.BytesIO(raw))))
    assert [r.error is None for r in results] == [True, False, False, False, True]
    assert results[0].alert and results[-1].alert
    assert results[1].error == "binary or undecodable data"


def test_mixed_scripts_are_scored_not_fatal():
    # Latin + Cyrillic in one label: registries refuse it, so it is a look-alike by intent.
    index = BrandIndex(["examplebank.com"])
    result = index.score("ex\u0430mpleb\u0430nk.com")
    assert result.error is None
    assert result.alert and "idn" in result.classes


def test_overlong_line_is_reported():
    raw = b"x" * (2 << 20) + b"\nexamplebank-login.com\n"
    lines = list(decode_lines(io.BytesIO(raw)))
    assert lines[0] == "\ufffd"
    assert names_in_line(lines[0])[1] == "binary or undecodable data"


def test_parse_errors_are_the_documented_exception():
    with pytest.raises(DomainParseError):
        parse_observed("not a domain")


def test_url_forms_are_parsed():
    obs = parse_observed("HTTPS://User@Login.ExampleBank.com.evil.tk:8443/a/b?c=d")
    assert obs.host == "login.examplebank.com.evil.tk"
    assert obs.registrable == "evil.tk"
    assert obs.subdomains == ("login", "examplebank", "com")
    assert obs.path == "/a/b?c=d"
    assert parse_observed("*.examplebank.com").host == "examplebank.com"
    assert parse_observed("examplebank.com:443").host == "examplebank.com"
