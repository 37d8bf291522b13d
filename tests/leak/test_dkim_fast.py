"""The fast path gives dkimpy's answers: property tests of each replaced piece, and a
differential test of whole messages against plain dkimpy."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import dkim
import pytest
from dkim.canonicalization import CanonicalizationPolicy, Relaxed
from dkim.util import parse_tag_value
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contrefeu.leak import fastverify
from contrefeu.leak.dkim import verify_message
from contrefeu.leak.keys import KeyArchive

HERE = Path(__file__).resolve()
DATA = HERE.parents[1] / "data" / "leak"
SHARED = HERE.parents[2].parent / "shared" / "data" / "leak"

mail_bytes = st.lists(
    st.sampled_from([b"a", b"Z", b":", b" ", b"\t", b"\r", b"\n", b"\r\n", b"From ", b"X-H: v"]),
    max_size=60,
).map(b"".join)


def outcome(call):
    try:
        return ("ok", call())
    except Exception as exc:
        return ("raised", type(exc))


@settings(max_examples=400, deadline=None)
@given(mail_bytes)
def test_split_message_equals_dkimpy_parse(raw):
    assert outcome(lambda: fastverify.split_message(raw)) == outcome(lambda: dkim.rfc822_parse(raw))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([b"x", b" ", b"\t", b"\r\n", b"\r", b"\n", b"  \t "]), max_size=60))
def test_relaxed_body_equals_dkimpy(parts):
    body = b"".join(parts)
    assert fastverify.relaxed_body(body) == Relaxed.canonicalize_body(body)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=300))
def test_split_and_relaxed_on_arbitrary_bytes(raw):
    assert outcome(lambda: fastverify.split_message(raw)) == outcome(lambda: dkim.rfc822_parse(raw))
    assert fastverify.relaxed_body(raw) == Relaxed.canonicalize_body(raw)


HEADER_PIECES = st.sampled_from(
    [b"x", b"Y", b" ", b"\t", b"\r\n", b"\r", b"\n", b"  \t ", b"\x0b", b"\x0c", b"\xe9"]
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.tuples(st.lists(HEADER_PIECES, max_size=8), st.lists(HEADER_PIECES,
                                                                          max_size=30)),
                max_size=6))
def test_relaxed_headers_equal_dkimpy(fields):
    headers = [[b"".join(name), b"".join(value)] for name, value in fields]
    assert fastverify.relaxed_headers(headers) == Relaxed.canonicalize_headers(headers)


@settings(max_examples=200, deadline=None)
@given(mail_bytes)
def test_relaxed_headers_of_parsed_mail_equal_dkimpy(raw):
    try:
        headers, _ = dkim.rfc822_parse(raw)
    except Exception:
        return
    assert fastverify.relaxed_headers(headers) == Relaxed.canonicalize_headers(headers)


# -- differential: whole messages -------------------------------------------------------------
def dnsfunc_for(archive: KeyArchive):
    def dnsfunc(name, timeout=5):
        text = name.decode("utf-8", "replace") if isinstance(name, bytes) else name
        sel, _, dom = text.rstrip(".").partition("._domainkey.")
        rec = archive.lookup(dom, sel)
        return rec.txt.encode() if rec else None

    return dnsfunc


def reference_body_hash(d: dkim.DKIM, sig: dict) -> bool | None:
    """The body-hash check as the reference tool does it, with dkimpy's canonicalisation."""
    try:
        c = sig.get(b"c", b"simple/simple")
        policy = CanonicalizationPolicy.from_c_value(c)
        body = policy.canonicalize_body(d.body)
        if b"l" in sig:
            body = body[: int(sig[b"l"])]
        h = hashlib.sha1 if sig.get(b"a", b"").endswith(b"sha1") else hashlib.sha256
        return base64.b64encode(h(body).digest()) == re.sub(rb"\s+", b"", sig.get(b"bh", b""))
    except Exception:
        return None


def plain_dkimpy(raw: bytes, archive: KeyArchive) -> list[tuple[bool, bool | None]]:
    """Per signature: (dkimpy verify(idx=i) result, body hash matches)."""
    try:
        d = dkim.DKIM(raw, minkey=0)
    except Exception:
        return []
    sigs = [v for k, v in d.headers if k.lower() == b"dkim-signature"]
    out = []
    for i, value in enumerate(sigs):
        try:
            ok = bool(dkim.DKIM(raw, minkey=0).verify(idx=i, dnsfunc=dnsfunc_for(archive)))
        except Exception:
            ok = False
        try:
            bh = reference_body_hash(d, parse_tag_value(value))
        except Exception:
            bh = None
        out.append((ok, bh))
    return out


def assert_same_as_dkimpy(raw: bytes, archive: KeyArchive) -> None:
    ref = plain_dkimpy(raw, archive)
    report = verify_message(raw, archive)
    if not ref:
        assert all(s.result != "pass" for s in report.signatures)
        return
    ours = [(s.result == "pass" and not s.expired, s.bh_match) for s in report.signatures]
    assert len(ours) == len(ref)
    for (ok, bh), (rok, rbh) in zip(ours, ref, strict=True):
        assert ok == rok
        if rbh is not None and bh is not None:
            assert bh == rbh


def message_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.eml")) if root.is_dir() else []


@pytest.mark.parametrize("path", message_files(DATA), ids=lambda p: p.name)
def test_differential_copied_messages(path):
    assert_same_as_dkimpy(path.read_bytes(), KeyArchive.from_file(DATA / "keys.json"))


@pytest.mark.shared
@pytest.mark.parametrize("path", message_files(SHARED), ids=lambda p: p.name)
def test_differential_shared_messages(path):
    assert_same_as_dkimpy(path.read_bytes(), KeyArchive.from_file(SHARED / "keys.json"))


def test_differential_arc_suite_messages():
    yaml = pytest.importorskip("yaml")
    suite = DATA / "arc" / "arc-draft-validation-tests.yml"
    scenarios = [s for s in yaml.safe_load_all(suite.read_text(encoding="utf-8")) if s]
    records = {}
    for scen in scenarios:
        records.update(scen.get("txt_records") or scen.get("txt-records") or {})
    archive = KeyArchive.from_json(records, "arc-suite")
    n = 0
    for scen in scenarios:
        for test in scen["tests"].values():
            raw = (test.get("message") or "").replace("\n", "\r\n").encode()
            assert_same_as_dkimpy(raw, archive)
            n += 1
    assert n == 171


_words = st.text(alphabet="abcXYZ éà ,.\t", min_size=0, max_size=40)


@st.composite
def signed_messages(draw):
    subject = draw(_words).replace("\r", "").replace("\n", "")
    lines = draw(st.lists(_words, max_size=12))
    trailer = draw(st.sampled_from(["", "\r\n", "\r\n\r\n", "  \r\n"]))
    body = "\r\n".join(lines) + trailer
    head = (
        "From: A <a@avenir-commun.fr>\r\nTo: b@example.net\r\n"
        f"Subject: {subject}\r\nDate: Thu, 02 May 2024 09:00:00 +0200\r\n\r\n"
    )
    canon = draw(
        st.sampled_from(
            [
                (b"simple", b"simple"),
                (b"relaxed", b"relaxed"),
                (b"relaxed", b"simple"),
                (b"simple", b"relaxed"),
            ]
        )
    )
    length = draw(st.booleans())
    mutation = draw(st.sampled_from(["none", "body", "subject", "append", "space", "crlf"]))
    return (head + body).encode(), canon, length, mutation


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(signed_messages())
def test_differential_generated_messages(rsa1024, ed25519, case):
    msg, canon, length, mutation = case
    archive = KeyArchive([rsa1024.record(), ed25519.record()])
    inner = (
        dkim.sign(
            msg,
            rsa1024.selector.encode(),
            rsa1024.domain.encode(),
            rsa1024.private,
            canonicalize=canon,
            length=length,
        )
        + msg
    )
    raw = (
        dkim.sign(
            inner,
            ed25519.selector.encode(),
            ed25519.domain.encode(),
            ed25519.private,
            signature_algorithm=b"ed25519-sha256",
            canonicalize=canon,
        )
        + inner
    )
    if mutation == "body":
        raw = raw + b"x"
    elif mutation == "subject":
        raw = raw.replace(b"Subject: ", b"Subject: Re: ", 1)
    elif mutation == "append":
        raw = raw + b"\r\nappended\r\n"
    elif mutation == "space":
        raw = raw.replace(b" ", b"  ", 3)
    elif mutation == "crlf":
        raw = raw.replace(b"\r\n", b"\n")
    assert_same_as_dkimpy(raw, archive)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400), st.sampled_from([None, "mboxo", "mboxrd", "unknown"]))
def test_hostile_bytes_never_raise(junk, variant):
    prefix = b"DKIM-Signature: v=1; a=rsa-sha256; d=a.org; s=s; h=from; bh=AAAA; b=AAAA\r\n"
    for raw in (junk, prefix + junk, b"ARC-Seal: i=1; " + junk):
        r = verify_message(raw, KeyArchive(), mbox_variant=variant)
        assert all(s.result != "pass" for s in r.signatures)
        assert all(f.code and f.severity in ("info", "low", "medium", "high") for f in r.findings)
