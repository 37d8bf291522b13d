"""Key archives: the contract formats, the bundled keys, resolver chains."""

from __future__ import annotations

import base64
import json
import pickle
import re

import pytest
from cryptography.hazmat.primitives.serialization import load_der_public_key
from hypothesis import given, settings
from hypothesis import strategies as st

from contrefeu.errors import UsageError
from contrefeu.leak.keys import (
    ChainResolver,
    DnsKeyResolver,
    KeyArchive,
    KeyRecord,
    build_resolver,
)


def test_mapping_form(tmp_path):
    p = tmp_path / "k.json"
    p.write_text(json.dumps({"_comment": "x", "Sel._DomainKey.Example.ORG.": "v=DKIM1; p=AB"}))
    a = KeyArchive.from_file(p)
    rec = a.lookup("example.org", "sel")
    assert rec == KeyRecord("sel._domainkey.example.org", "v=DKIM1; p=AB", "archive:k.json")
    assert a.lookup("EXAMPLE.org.", "SEL") == rec
    assert len(a) == 1


def test_list_form_with_source_and_validity(tmp_path):
    p = tmp_path / "k.json"
    p.write_text(
        json.dumps(
            [
                {
                    "name": "a._domainkey.x.org",
                    "txt": "p=AA",
                    "source": "dig 2019",
                    "valid_from": "2019-01-01",
                    "valid_until": "2020-01-01",
                }
            ]
        )
    )
    rec = KeyArchive.from_file(p).lookup("x.org", "a")
    assert rec.source == "archive:k.json: dig 2019"
    assert (rec.valid_from, rec.valid_until) == ("2019-01-01", "2020-01-01")


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        "42",
        '[{"name": 1, "txt": "p="}]',
        "[1]",
        '{"a": 3}',
        '[{"name": "a"}]',
        '[{"name": "a", "txt": "b", "source": 5}]',
    ],
)
def test_bad_files_raise_usage_error(tmp_path, content):
    p = tmp_path / "bad.json"
    p.write_text(content)
    with pytest.raises(UsageError):
        KeyArchive.from_file(p)


def test_missing_file_raises_usage_error(tmp_path):
    with pytest.raises(UsageError):
        KeyArchive.from_file(tmp_path / "absent.json")


def test_to_json_round_trip_and_merge(tmp_path):
    a = KeyArchive.from_records([KeyRecord("S._domainkey.X.org", "p=AA", "recovered")])
    b = KeyArchive([KeyRecord("t._domainkey.y.org", "p=BB", "dns")])
    m = a.merged(b)
    assert [r.name for r in m.records()] == ["s._domainkey.x.org", "t._domainkey.y.org"]
    p = tmp_path / "out.json"
    p.write_text(json.dumps(m.to_json()))
    again = KeyArchive.from_file(p)
    assert [(r.name, r.txt) for r in again.records()] == [(r.name, r.txt) for r in m.records()]


def test_bundled_archive_records_are_real_keys_with_sources():
    bundled = KeyArchive.bundled()
    names = {r.name for r in bundled.records()}
    for expected in (
        "20120113._domainkey.gmail.com",
        "20161025._domainkey.gmail.com",
        "20210112._domainkey.gmail.com",
        "20230601._domainkey.gmail.com",
        "selector1._domainkey.outlook.com",
        "s2048._domainkey.yahoo.com",
    ):
        assert expected in names
    for rec in bundled.records():
        assert rec.source.startswith("archive:bundled/keys.json: ") and len(rec.source) > 40
        p = re.search(r"p=([^;]+)", rec.txt).group(1)
        assert load_der_public_key(base64.b64decode(p)).key_size >= 1024
    # published *private* test keys (RFC examples) must never be trusted by default
    assert not any("example" in n or n.endswith(".ex") for n in names)


def test_chain_order_and_lookup_all():
    first = KeyArchive([KeyRecord("s._domainkey.x.org", "p=AA", "user")])
    second = KeyArchive([KeyRecord("s._domainkey.x.org", "p=BB", "bundled")])
    chain = ChainResolver([first, second])
    assert chain.lookup("x.org", "s").source == "user"
    assert [r.txt for r in chain.lookup_all("x.org", "s")] == ["p=AA", "p=BB"]
    assert chain.lookup("y.org", "s") is None


def test_build_resolver_is_picklable_and_orders_sources(tmp_path):
    p = tmp_path / "k.json"
    p.write_text(json.dumps({"20120113._domainkey.gmail.com": "p=USER"}))
    extra = [KeyRecord("r._domainkey.z.org", "p=REC", "recovered")]
    res = build_resolver([p], dns=True, extra=extra)
    clone = pickle.loads(pickle.dumps(res))
    assert clone.lookup("gmail.com", "20120113").txt == "p=USER"
    assert clone.lookup("outlook.com", "selector1").source.startswith("archive:bundled")
    assert clone.lookup_all("z.org", "r")[0].source == "recovered"
    assert isinstance(clone.resolvers[-1], DnsKeyResolver)


def test_build_resolver_without_dns_has_no_dns():
    res = build_resolver([])
    assert not any(isinstance(r, DnsKeyResolver) for r in res.resolvers)


def test_dns_resolver_pickles_without_its_socket_state():
    r = DnsKeyResolver()
    r._resolver = object()  # stands for a live dnspython resolver
    r._cache["a._domainkey.b.org"] = None
    clone = pickle.loads(pickle.dumps(r))
    assert clone._resolver is None and clone.lookup("b.org", "a") is None  # cached, no query


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_from_json_only_raises_usage_error(data):
    try:
        archive = KeyArchive.from_json(data, "fuzz")
    except UsageError:
        return
    for rec in archive.records():
        assert isinstance(rec.name, str) and isinstance(rec.txt, str)
