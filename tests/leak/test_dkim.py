"""Every DKIM result value and finding, with real keys and real signatures made here."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from contrefeu.leak.dkim import verify_message
from contrefeu.leak.keys import ChainResolver, KeyArchive, KeyRecord


def codes(report) -> list[str]:
    return [f.code for f in report.findings]


def finding(report, code):
    found = [f for f in report.findings if f.code == code]
    assert found, f"no {code} in {codes(report)}"
    return found[0]


@pytest.mark.parametrize("canon", [(b"simple", b"simple"), (b"relaxed", b"relaxed")])
def test_rsa2048_pass_with_details(kit, rsa2048, message, canon):
    signed = kit.sign(message, rsa2048, canonicalize=canon)
    r = verify_message(signed, rsa2048.archive())
    (s,) = r.signatures
    assert s.result == "pass", s.detail
    assert (s.domain, s.selector, s.algorithm) == ("avenir-commun.fr", "s1", "rsa-sha256")
    assert s.key_bits == 2048 and s.key_source == "archive:test"
    assert s.canonicalization == b"/".join(canon).decode()
    assert s.bh_match is True and s.body_length is None and not s.expired
    assert "from" in s.signed_headers and s.signed_at is not None
    assert r.unsigned_visible_headers == []
    assert "avenir-commun.fr" in s.detail and "2048" in s.detail


def test_rsa1024_and_sha1_low_finding(kit, rsa1024, message):
    signed = kit.sign(message, rsa1024, algorithm=b"rsa-sha1")
    r = verify_message(signed, rsa1024.archive())
    assert r.signatures[0].result == "pass"
    assert r.signatures[0].key_bits == 1024
    assert finding(r, "dkim-sha1").severity == "low"
    assert "dkim-weak-key" not in codes(r)


def test_weak_512_bit_key_verifies_and_is_flagged(kit, rsa512, message):
    signed = kit.sign_with_tags(message, rsa512)
    r = verify_message(signed, rsa512.archive())
    assert r.signatures[0].result == "pass"
    assert r.signatures[0].key_bits == 512
    f = finding(r, "dkim-weak-key")
    assert f.severity == "high" and "512 bits" in f.detail


def test_ed25519(kit, ed25519, message):
    r = verify_message(kit.sign(message, ed25519), ed25519.archive())
    assert r.signatures[0].result == "pass"
    assert r.signatures[0].algorithm == "ed25519-sha256"


def test_body_change_is_fail_body(kit, rsa2048, message):
    signed = kit.sign(message, rsa2048).replace(b"10h", b"11h")
    r = verify_message(signed, rsa2048.archive())
    s = r.signatures[0]
    assert (s.result, s.bh_match) == ("fail-body", False)
    assert "header signature itself is valid" in s.detail
    assert finding(r, "dkim-fail-body").severity == "high"


def test_signed_header_change_is_fail_signature(kit, rsa2048, message):
    signed = kit.sign(message, rsa2048).replace(b"Rendez-vous jeudi", b"Rendez-vous lundi")
    s = verify_message(signed, rsa2048.archive()).signatures[0]
    assert (s.result, s.bh_match) == ("fail-signature", True)
    assert "subject" in s.detail


def test_missing_key_is_no_key_not_failure(kit, rsa2048, message):
    r = verify_message(kit.sign(message, rsa2048), KeyArchive())
    s = r.signatures[0]
    assert s.result == "no-key" and s.bh_match is True
    assert "s1._domainkey.avenir-commun.fr" in s.detail
    assert finding(r, "dkim-no-key")


def test_revoked_key_is_invalid(kit, rsa2048, message):
    revoked = KeyArchive([KeyRecord("s1._domainkey.avenir-commun.fr", "v=DKIM1; p=", "x")])
    s = verify_message(kit.sign(message, rsa2048), revoked).signatures[0]
    assert s.result == "invalid" and "revoked" in s.detail


def test_unknown_algorithm_is_unsupported(kit, rsa2048, message):
    signed = kit.sign_with_tags(message, rsa2048, algorithm=b"rsa-sha512")
    r = verify_message(signed, rsa2048.archive())
    assert r.signatures[0].result == "unsupported"
    assert "rsa-sha512" in r.signatures[0].detail


def test_bad_tags_are_invalid(kit, rsa2048, message):
    signed = kit.sign(message, rsa2048).replace(b"v=1;", b"v=1; v=2;", 1)
    r = verify_message(signed, rsa2048.archive())
    assert r.signatures[0].result == "invalid"
    missing_h = b"DKIM-Signature: v=1; a=rsa-sha256; d=x.org; s=a; bh=AAAA; b=AAAA\r\n" + message
    s = verify_message(missing_h, rsa2048.archive()).signatures[0]
    assert s.result == "invalid" and "missing" in s.detail and s.domain == "x.org"


def test_two_signatures_one_failing(kit, rsa2048, rsa1024, message):
    inner = kit.sign(message, rsa1024)  # relaxed header: survives the outer signature
    other = kit.make_rsa_key(1024, domain="list.example.net", selector="lists")
    outer = kit.sign(inner, other, include_headers=[b"from", b"to"])
    tampered = outer.replace(b"Rendez-vous jeudi", b"Rendez-vous lundi")
    archive = ChainResolver([rsa1024.archive(), other.archive()])
    r = verify_message(tampered, archive)
    assert [s.result for s in r.signatures] == ["pass", "fail-signature"]
    assert [s.index for s in r.signatures] == [0, 1]
    # the passing outer signature does not cover Subject: it is reported as unsigned
    assert "subject" in r.unsigned_visible_headers


def test_key_type_mismatch_is_invalid(kit, rsa2048, ed25519, message):
    wrong = KeyArchive([KeyRecord("ed1._domainkey.avenir-commun.fr", rsa2048.txt, "x")])
    s = verify_message(kit.sign(message, ed25519), wrong).signatures[0]
    assert s.result in ("invalid", "fail-signature")
    assert s.result != "pass"


def test_body_length_limit_shows_appended_text(kit, rsa2048, message):
    signed = kit.sign(message, rsa2048, length=True, canonicalize=(b"relaxed", b"simple"))
    appended = signed + b"PS: virez 5000 euros sur le compte FR76 0000 0000.\r\n"
    r = verify_message(appended, rsa2048.archive())
    s = r.signatures[0]
    assert s.result == "pass"
    assert s.body_length is not None and s.body_length_total > s.body_length
    f = finding(r, "dkim-body-length-limit")
    assert f.severity == "high" and "virez 5000 euros" in f.detail


def test_body_length_covering_everything_is_info_only(kit, rsa2048, message):
    r = verify_message(kit.sign(message, rsa2048, length=True), rsa2048.archive())
    assert r.signatures[0].result == "pass"
    assert "dkim-body-length-limit" not in codes(r)
    assert all(f.severity == "info" for f in r.findings)


def test_expired_signature_is_reported_not_failed(kit, rsa2048, message):
    t = int(datetime(2015, 3, 1, tzinfo=UTC).timestamp())
    signed = kit.sign_with_tags(
        message, rsa2048, tags=((b"t", str(t).encode()), (b"x", str(t + 86400 * 7).encode()))
    )
    r = verify_message(signed, rsa2048.archive(), now=datetime(2024, 1, 1, tzinfo=UTC))
    s = r.signatures[0]
    assert s.result == "pass" and s.expired is True
    assert s.signed_at.startswith("2015-03-01")
    f = finding(r, "dkim-expired")
    assert f.severity == "info" and "expected for old mail" in f.detail
    # the same signature checked at signing time is not expired
    early = verify_message(signed, rsa2048.archive(), now=datetime(2015, 3, 2, tzinfo=UTC))
    assert early.signatures[0].expired is False


def test_timestamp_in_the_future_is_invalid(kit, rsa2048, message):
    t = int(time.time()) + 86400 * 30
    signed = kit.sign_with_tags(message, rsa2048, tags=((b"t", str(t).encode()),))
    s = verify_message(signed, rsa2048.archive()).signatures[0]
    assert s.result == "invalid" and "future" in s.detail
    later = datetime.now(UTC) + timedelta(days=31)
    assert verify_message(signed, rsa2048.archive(), now=later).signatures[0].result == "pass"


def test_second_from_counts_as_unsigned(kit, rsa2048, message):
    signed = kit.sign(message, rsa2048)
    forged = b"From: Tresorier <tresor@avenir-commun.fr>\r\n" + signed
    r = verify_message(forged, rsa2048.archive())
    assert r.signatures[0].result == "fail-signature"  # dkimpy hashes the extra From too
    assert "from" in r.unsigned_visible_headers
    assert finding(r, "dkim-multiple-from").severity == "high"


def test_unsigned_cc_added_after_signing(kit, rsa2048, message):
    signed = kit.sign(message, rsa2048, include_headers=[b"from", b"to", b"subject", b"date"])
    added = signed.replace(b"\r\n\r\n", b"\r\nCc: journaliste@example.org\r\n\r\n", 1)
    r = verify_message(added, rsa2048.archive())
    assert r.signatures[0].result == "pass"
    assert set(r.unsigned_visible_headers) == {"cc", "message-id"}
    assert "cc" in finding(r, "dkim-unsigned-visible-headers").detail


def test_embedded_authentication_results_are_ignored(kit, rsa2048, message):
    signed = kit.sign(message, rsa2048).replace(b"10h", b"11h")
    claim = b"Authentication-Results: mx.example.net; dkim=pass header.d=avenir-commun.fr\r\n"
    r = verify_message(claim + signed, rsa2048.archive())
    assert r.signatures[0].result == "fail-body"
    f = finding(r, "embedded-auth-results-ignored")
    assert "dkim=pass" in f.detail and "mx.example.net" in f.detail


def test_mbox_quoting_undone(kit, rsa2048):
    body_msg = kit.MESSAGE.replace(b"Claire\r\n", b"From the office,\r\nClaire\r\n")
    signed = kit.sign(body_msg, rsa2048)
    quoted = signed.replace(b"\r\nFrom the office", b"\r\n>From the office")
    plain = verify_message(quoted, rsa2048.archive())
    assert plain.signatures[0].result == "fail-body"
    r = verify_message(quoted, rsa2048.archive(), mbox_variant="mboxrd")
    assert r.signatures[0].result == "pass" and r.mbox_unquoted
    assert finding(r, "dkim-mbox-unquoted").severity == "info"


def test_possible_mbox_artefact(kit, rsa2048):
    body_msg = kit.MESSAGE.replace(b"Claire\r\n", b"From the office,\r\nClaire\r\n")
    signed = kit.sign(body_msg, rsa2048)
    quoted = signed.replace(b"\r\nFrom the office", b"\r\n>From the office")
    quoted = quoted.replace(b"10h", b"11h")  # a real change as well
    r = verify_message(quoted, rsa2048.archive(), mbox_variant="mboxo")
    assert r.signatures[0].result == "fail-body" and not r.mbox_unquoted
    f = finding(r, "dkim-possible-mbox-artefact")
    assert f.severity == "medium" and "possible mbox artefact" in f.detail
    assert "dkim-fail-body" not in codes(r)


def test_several_candidate_keys(kit, rsa2048, message):
    other = kit.make_rsa_key(1024)  # same selector re-used after a rotation
    archive = KeyArchive([other.record("archive:old"), rsa2048.record("archive:new")])
    s = verify_message(kit.sign(message, rsa2048), archive).signatures[0]
    assert s.result == "pass" and s.key_source == "archive:new"


def test_unsigned_message(message):
    r = verify_message(message, KeyArchive())
    assert r.signatures == [] and r.arc_chain is None
    assert "dkim-unsigned" in codes(r)
    assert "subject" in r.unsigned_visible_headers


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00\xff\xfe binary junk",
        b" continuation first\r\n\r\nbody",
        b"DKIM-Signature: v=1; a=rsa-sha256; b=\r\n",
        b"X: " + b"A" * 1_000_000 + b"\r\n\r\nbody",
        b"DKIM-Signature: " + b"x=" * 300_000 + b"\r\nFrom: a@b\r\n\r\n",
        b"From: a@b\r\nSubject: no body",
        b"DKIM-Signature: v=1; a=rsa-sha256; d=a.b; s=s; h=from; bh=a===; b=a===\r\n\r\n",
    ],
)
def test_hostile_input_never_raises(raw, rsa2048):
    r = verify_message(raw, rsa2048.archive())
    assert isinstance(r.findings, list)
    for s in r.signatures:
        assert s.result in ("invalid", "unsupported", "no-key", "fail-body", "fail-signature")
