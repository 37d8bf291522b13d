"""Reading messages: headers, bodies, attachments, header facts; never raising on junk."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from contrefeu.leak.headers import check_header_facts, id_shape
from contrefeu.leak.mime import html_to_text, parse_email

MESSAGE = (
    b"Received: from relay.example (relay.example [192.0.2.1]) by mx.avenir-commun.fr;"
    b" Mon, 3 Apr 2017 10:00:05 +0200\r\n"
    b"Received: from laptop by relay.example; Mon, 3 Apr 2017 09:59:59 +0200\r\n"
    b"From: =?utf-8?q?Claire_Martin?= <c.martin@avenir-commun.fr>\r\n"
    b"To: j.dubois@avenir-commun.fr\r\nSubject: =?utf-8?q?R=C3=A9union?=\r\n"
    b"Date: Mon, 3 Apr 2017 09:59:50 +0200\r\nMessage-ID: <AB12cd.34@avenir-commun.fr>\r\n"
    b"In-Reply-To: <root@avenir-commun.fr>\r\nReferences: <root@avenir-commun.fr>\r\n"
    b"X-Mailer: Microsoft Outlook 16.0\r\nMIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    b"--b1\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nBonjour \xc3\xa0 tous\r\n"
    b"--b1\r\nContent-Type: application/pdf\r\n"
    b'Content-Disposition: attachment; filename="../../etc/<b>x</b>.pdf"\r\n'
    b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--b1--\r\n"
)


def test_a_message_is_read_with_its_attachment_and_header_facts():
    parsed = parse_email(MESSAGE)
    assert (parsed.from_addr, parsed.from_name) == ("c.martin@avenir-commun.fr", "Claire Martin")
    assert parsed.subject == "Réunion"
    assert parsed.date == "2017-04-03T09:59:50+02:00"
    assert parsed.date_utc == "2017-04-03T07:59:50+00:00"
    assert parsed.body_text.strip() == "Bonjour à tous"
    [attachment] = parsed.attachments
    assert attachment.filename == ".._.._etc_<b>x<_b>.pdf"   # separators replaced, text kept
    assert attachment.data == b"%PDF-1.4\n"
    facts = parsed.header_facts
    assert facts.mailer_family == "microsoft outlook"
    assert facts.message_id_domain == "avenir-commun.fr"
    assert facts.message_id_shape == "A9a.9" == id_shape("AB12cd.34")
    assert facts.date_offset_minutes == 120
    assert facts.in_reply_to == "<root@avenir-commun.fr>"
    assert [h.by for h in facts.hops] == ["mx.avenir-commun.fr", "relay.example"]
    assert check_header_facts(facts, parsed.date_utc) == []
    assert not parsed.malformed


def test_relay_chain_out_of_order_and_date_after_relay():
    swapped = MESSAGE.replace(b"09:59:59 +0200", b"11:30:00 +0200").replace(
        b"Date: Mon, 3 Apr 2017 09:59:50", b"Date: Mon, 3 Apr 2017 12:00:00")
    parsed = parse_email(swapped)
    codes = [f.code for f in check_header_facts(parsed.header_facts, parsed.date_utc)]
    assert codes == ["header-received-order", "header-date-after-relay"]


def test_truncated_and_non_mail_items_are_malformed():
    truncated = MESSAGE[: MESSAGE.index(b"JVBERi0x")]
    assert parse_email(truncated).malformed
    assert [f.code for f in parse_email(truncated).findings] == ["mime-structure-broken"]
    junk = parse_email(b"\x89PNG\r\n\x1a\n\x00\x00binary")
    assert junk.malformed and "mime-not-a-message" in [f.code for f in junk.findings]
    assert parse_email(b"").malformed


def test_html_only_body_is_indexed_as_text_without_scripts():
    text = html_to_text("<p>Bonjour</p><script>alert(1)</script><div>Équipe</div>")
    assert text == "Bonjour\nÉquipe"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(data: bytes):
    parsed = parse_email(data)
    check_header_facts(parsed.header_facts, parsed.date_utc)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([
    b"From: a@b.example\r\n", b"Date: Tue, 99 Foo 2017 99:99:99 +9999\r\n",
    b"Content-Type: multipart/mixed; boundary=x\r\n", b"--x\r\n", b"--x--\r\n",
    b"Content-Transfer-Encoding: base64\r\n", b"Received: from ; by ;\r\n", b"\r\n",
    b"Subject: =?unknown-8bit?b?////?=\r\n", b"=?utf-8?q?=ZZ?=\r\n", b"A" * 2000 + b"\r\n",
    b"Content-Type: text/plain; charset=x-no-such-charset\r\n", b"\xff\xfe\x00\r\n",
]), max_size=30))
def test_mime_shaped_junk_never_raises(parts: list[bytes]):
    parsed = parse_email(b"".join(parts))
    check_header_facts(parsed.header_facts, parsed.date_utc)
