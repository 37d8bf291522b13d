"""The fast MIME reader gives exactly what the standard parser gives, and is really used.

Every test compares `parse_email` (fast reader, standard parser as fallback) with the
standard parser alone, as whole `ParsedEmail` values; where the fast reader accepts the input,
its `Message` tree is also compared with the standard parser's, part by part.
"""

from __future__ import annotations

import base64
import binascii
import importlib.util
import io
import mailbox
import quopri
import random
import zipfile
from collections.abc import Callable, Iterator
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contrefeu.leak import mime
from contrefeu.leak.mimefast import decoded_payload, parse_fast

HERE = Path(__file__).resolve()
REPO = HERE.parents[2]
DATA = REPO / "tests" / "data"
SHARED_LEAK = REPO.parent / "shared" / "data" / "leak"


def tree(msg: Message, decode: Callable[[Message], object]) -> list[object]:
    """Everything `parse_email` can read from a parsed tree, as comparable data."""
    out: list[object] = [
        msg._headers,
        [type(d).__name__ for d in msg.defects],
        msg.get_default_type(),
        msg.get_unixfrom(),
    ]
    if msg.is_multipart():
        out.append([tree(p, decode) for p in msg.get_payload()])
    else:
        try:  # decoded first: the fast reader's decoding must not need the payload text
            out.append(decode(msg))
        except Exception as exc:  # noqa: BLE001 - the exception must be the same too
            out.append(repr(exc))
        out.append([type(d).__name__ for d in msg.defects])  # decoding may add some
        out.append(msg._payload)
        out.append(msg.get_payload())
    return out


def standard_decode(msg: Message) -> object:
    return msg.get_payload(decode=True)


def assert_same(raw: bytes) -> bool:
    """fast == slow on `raw`; True when the fast reader took it."""
    assert mime._parse_email(raw, fast=True) == mime._parse_email(raw, fast=False)
    fast = parse_fast(raw)
    if fast is not None:
        slow = BytesParser(policy=compat32).parsebytes(raw)
        assert tree(fast, decoded_payload) == tree(slow, standard_decode)
    return fast is not None


# --- real files ----------------------------------------------------------------------------


def split_items(path: Path) -> Iterator[tuple[str, bytes]]:
    """The file itself, and the messages of an mbox or the members of a zip."""
    data = path.read_bytes()
    yield path.name, data
    if path.suffix == ".mbox":
        box = mailbox.mbox(path, create=False)
        for key in box.keys():
            yield f"{path.name}!{key}", box.get_bytes(key)
    elif path.suffix == ".zip":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for name in archive.namelist():
                    yield f"{path.name}!{name}", archive.read(name)
        except zipfile.BadZipFile:
            pass


def all_items(root: Path) -> list[tuple[str, bytes]]:
    items: list[tuple[str, bytes]] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        items.extend(split_items(path))
    return items


def test_every_test_data_file_reads_the_same() -> None:
    items = all_items(DATA)
    taken = sum(assert_same(raw) for _, raw in items)
    assert len(items) > 30
    assert taken >= 12  # the real and spec messages are well-formed


def test_shared_leak_files_read_the_same() -> None:
    if not SHARED_LEAK.is_dir():
        pytest.skip("the shared reference data is not beside the repository")
    items = all_items(SHARED_LEAK)
    taken = sum(assert_same(raw) for _, raw in items)
    assert taken >= 25


def test_demo_leak_reads_the_same(tmp_path_factory: pytest.TempPathFactory) -> None:
    from contrefeu.demo import build_demo

    demo = build_demo(tmp_path_factory.mktemp("demo") / "out", size="small")
    items = all_items(demo.dump)
    taken = sum(assert_same(raw) for _, raw in items)
    assert len(items) > 80
    assert taken >= 60


# --- the benchmark's shapes take the fast path -------------------------------------------


def _bench_messages() -> list[bytes]:
    spec = importlib.util.spec_from_file_location("bench_scan", REPO / "bench" / "scan.py")
    if spec is None or spec.loader is None or not spec.origin:
        pytest.skip("bench/scan.py is absent")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    rng = random.Random(7)
    out = []
    for n in range(6):  # n % 3 == 0: multipart with an attachment, otherwise single-part
        raw = module._message(n, rng)
        out.append(dkim.sign(raw, b"sel", b"bench-sender.example", pem) + raw)
    return out


def test_bench_shapes_take_the_fast_path() -> None:
    messages = _bench_messages()
    for raw in messages:
        assert assert_same(raw)
    single = parse_fast(messages[1])
    multi = parse_fast(messages[0])
    assert single is not None and not single.is_multipart()
    assert multi is not None and len(multi.get_payload()) == 2
    attachment = mime.parse_email(messages[0]).attachments[0]
    assert attachment.filename == "data0.bin" and len(attachment.data) > 1000


def test_decoded_payload_does_not_make_the_text() -> None:
    raw = b"Subject: x\nContent-Transfer-Encoding: 8bit\n\ncaf\xc3\xa9\n"
    msg = parse_fast(raw)
    assert msg is not None
    assert decoded_payload(msg) == b"caf\xc3\xa9\n"
    assert msg.__dict__.get("_text") is None  # still only bytes
    assert msg._payload == "caf\udcc3\udca9\n"  # the standard parser's payload, when read
    assert decoded_payload(msg) == b"caf\xc3\xa9\n"


# --- what falls back -------------------------------------------------------------------------

MULTI = (
    b"From: a@example.org\nContent-Type: multipart/mixed; boundary=XX\n\n"
    b"pre\n--XX\nContent-Type: text/plain\n\nhello\n--XX\n"
    b"Content-Type: application/pdf\nContent-Transfer-Encoding: base64\n\nJVBERi0=\n--XX--\nepi\n"
)

FALLBACKS = {
    "nul byte": b"From: a@example.org\n\nnul \x00 here\n",
    "envelope line": b"From someone Thu Jan  1 00:00:00 2017\nFrom: a@example.org\n\nhi\n",
    "continuation first": b" folded\nFrom: a@example.org\n\nhi\n",
    "no blank line": b"From: a@example.org\nSubject: no body",
    "body starts without blank line": b"From: a@example.org\nnot a header\nhi\n",
    "lone cr in header": b"From: a@example.org\rSubject: x\n\nhi\n",
    "no boundary": b"Content-Type: multipart/mixed\n\n--XX\n\nhi\n--XX--\n",
    "no start boundary": b"Content-Type: multipart/mixed; boundary=XX\n\nhi\n--XX--\n",
    "no close boundary": MULTI.replace(b"--XX--", b"--XY--"),
    "boundaries in a row": MULTI.replace(
        b"--XX\nContent-Type: app", b"--XX\n--XX\nContent-Type: app"
    ),
    "lone cr before boundary": MULTI.replace(b"hello\n--XX", b"hello\r--XX"),
    "lone cr after boundary": MULTI.replace(b"hello\n--XX\n", b"hello\n--XX\rjunk\n"),
    "lone cr mid-line": MULTI.replace(b"hello\n--XX\n", b"hello --XX\r--XX\n"),
    "text full of delimiters": MULTI.replace(b"hello\n", b"hello" + b" --XX" * 1500 + b"\n"),
    "message part": MULTI.replace(b"application/pdf", b"message/rfc822"),
    "digest": MULTI.replace(b"multipart/mixed", b"multipart/digest"),
    "part without blank line": MULTI.replace(b"Content-Type: text/plain\n\nhello\n", b"X: y\n"),
    "deep nesting": b"".join(
        b"Content-Type: multipart/mixed; boundary=B%d\n\n--B%d\n" % (i, i) for i in range(10)
    )
    + b"\nx\n"
    + b"".join(b"--B%d--\n" % i for i in reversed(range(10))),
}


@pytest.mark.parametrize("name", sorted(FALLBACKS))
def test_odd_input_falls_back_and_reads_the_same(name: str) -> None:
    raw = FALLBACKS[name]
    assert parse_fast(raw) is None
    assert_same(raw)


def test_well_formed_multipart_is_read_fast() -> None:
    assert assert_same(MULTI)
    parsed = mime.parse_email(MULTI)
    assert parsed.body_text == "hello"
    assert parsed.attachments[0].data == b"%PDF-"


def test_uuencoded_attachment_is_read_fast() -> None:
    uu = binascii.b2a_uu(b"%PDF-1.4 tiny")
    raw = MULTI.replace(
        b"base64\n\nJVBERi0=\n", b"x-uuencode\n\nbegin 644 a.pdf\n" + uu + b"`\nend\n"
    )
    assert assert_same(raw)
    assert mime.parse_email(raw).attachments[0].data == b"%PDF-1.4 tiny"


def test_message_without_headers_is_read_fast() -> None:
    assert assert_same(b"\r\njust a body\r\n")


def test_boundary_with_whitespace_and_crlf_is_read_fast() -> None:
    raw = MULTI.replace(b"\n--XX\n", b"\n--XX \t\n").replace(b"\n", b"\r\n")
    assert assert_same(raw)


# --- random MIME trees ---------------------------------------------------------------------

TEXTS = st.sampled_from(
    ["Bonjour,", "réunion jeudi", "naïve café", "Привет", "x" * 90, "", "a=b", "=?utf-8?q?x?=",
     "--", "--XX", "--B1--", ". ", "\t", "<p>Un <b>mot</b></p>", "<script>x</script>"]
)  # fmt: skip
CHARSETS = st.sampled_from(["utf-8", "iso-8859-1", "us-ascii", "x-bogus", "utf-7", "", None])
CTES = st.sampled_from(
    ["7bit", "8bit", "binary", "quoted-printable", "base64", "x-uuencode", "bogus", "BASE64", None]
)
LEAF_TYPES = st.sampled_from(
    ["text/plain", "text/html", "text/csv", "application/pdf", "image/png", "application/x-y",
     "message/rfc822", "text", "message/delivery-status"]
)  # fmt: skip
FILENAMES = st.sampled_from(
    [None, 'filename="a.pdf"', "filename=b.txt", 'filename="=?utf-8?b?w6l0w6kucGRm?="',
     "filename*=utf-8''%C3%A9t%C3%A9.pdf", "filename*0*=utf-8''a%20b; filename*1=.doc",
     'filename="../../etc/passwd"', "filename*=bogus''%FF"]
)  # fmt: skip
BOUNDARIES = st.sampled_from(["XX", "B1", "=_next_part_0", "a b", "--", "x:y", "\u00e9t\u00e9"])


@st.composite
def header_value(draw: st.DrawFn) -> str:
    words = draw(st.lists(TEXTS, min_size=0, max_size=4))
    value = " ".join(words)
    if draw(st.booleans()):
        value = value.replace(" ", "\n ", 1)  # a folded header
    return value


@st.composite
def leaf(draw: st.DrawFn) -> str:
    ctype = draw(LEAF_TYPES)
    params = ""
    charset = draw(CHARSETS)
    if charset is not None:
        params += f"; charset={charset}"
    filename = draw(FILENAMES)
    headers = [f"Content-Type: {ctype}{params}"]
    if filename and draw(st.booleans()):
        headers[0] += f"; name={filename.partition('=')[2]}"
    if filename:
        disposition = draw(st.sampled_from(["attachment", "inline", "ATTACHMENT"]))
        headers.append(f"Content-Disposition: {disposition}; {filename}")
    cte = draw(CTES)
    if cte:
        headers.append(f"Content-Transfer-Encoding: {cte}")
    text = "\n".join(draw(st.lists(TEXTS, max_size=5)))
    data = text.encode(charset if charset in ("utf-8", "iso-8859-1") else "utf-8", "replace")
    if cte and cte.lower() == "base64" and draw(st.booleans()):
        body = base64.encodebytes(data).decode()
    elif cte == "quoted-printable" and draw(st.booleans()):
        body = quopri.encodestring(data).decode()
    else:
        body = data.decode("latin-1")  # 8-bit bytes go through as they are
    return "\n".join(headers) + "\n\n" + body


@st.composite
def mime_tree(draw: st.DrawFn, depth: int = 0) -> str:
    if depth >= 3 or draw(st.integers(0, 2)) == 0:
        return draw(leaf())
    subtype = draw(st.sampled_from(["mixed", "alternative", "related", "digest"]))
    boundary = draw(BOUNDARIES)
    quoted = draw(st.booleans())
    param = f'"{boundary}"' if quoted else boundary
    head = f"Content-Type: multipart/{subtype}; boundary={param}"
    if draw(st.booleans()):
        head += "\nContent-Transfer-Encoding: " + draw(st.sampled_from(["7bit", "base64"]))
    parts = draw(st.lists(mime_tree(depth + 1), min_size=0, max_size=3))
    preamble = draw(st.sampled_from(["", "This is a multi-part message.\n", "--x\n"]))
    epilogue = draw(st.sampled_from(["", "\n", "epilogue\n", f"--{boundary}\n"]))
    space = draw(st.sampled_from(["", " ", "\t "]))
    body = preamble
    for part in parts:
        body += f"--{boundary}{space}\n{part}\n"
    if draw(st.integers(0, 5)):
        body += f"--{boundary}--{space}\n"
    return head + "\n\n" + body + epilogue


@st.composite
def message(draw: st.DrawFn) -> bytes:
    headers = [
        f"From: {draw(header_value())} <a@example.org>",
        "To: b@example.org, =?utf-8?q?Caf=C3=A9?= <c@example.org>",
        f"Subject: {draw(header_value())}",
        "Date: " + draw(st.sampled_from(["Thu, 02 May 2024 09:00:00 +0200", "garbage", "1 Jan"])),
        "Message-ID: <1.2@example.org>",
        "MIME-Version: 1.0",
    ]
    headers = draw(st.permutations(headers))[: draw(st.integers(0, 6))]
    text = "\n".join(headers) + ("\n" if headers else "") + draw(mime_tree())
    raw = text.encode("utf-8", "surrogateescape")
    if draw(st.booleans()):
        raw = raw.replace(b"\n", b"\r\n")
    return raw


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    raw = draw(message())
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(raw)))
        junk = draw(st.sampled_from([b"\r", b"\n", b"\r\n", b"-", b"--", b"\x00", b"\xff", b":"]))
        keep = draw(st.integers(0, 1))
        raw = raw[:at] + junk + raw[at + 1 - keep :]
    if draw(st.booleans()):
        raw = raw[: draw(st.integers(0, len(raw)))]
    return raw


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(message())
def test_random_mime_trees_read_the_same(raw: bytes) -> None:
    assert_same(raw)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(damaged())
def test_damaged_mime_reads_the_same(raw: bytes) -> None:
    assert_same(raw)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_random_bytes_read_the_same(raw: bytes) -> None:
    assert_same(raw)


def test_random_trees_mostly_take_the_fast_path() -> None:
    """The generator above must exercise the fast reader, not only its fallback."""
    taken = 0

    @settings(max_examples=150, deadline=None, database=None)
    @given(message())
    def count(raw: bytes) -> None:
        nonlocal taken
        taken += parse_fast(raw) is not None

    count()
    assert taken >= 30


# --- the shortcuts shared by both paths equal what they replace ----------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("ab =?:\t\n\r\u00e9\udcff\x00")))
def test_plain_header_value_shortcut_equals_make_header(value: str) -> None:
    import email.header

    expected = str(email.header.make_header(email.header.decode_header(value)))
    assert mime.decode_header_value(value) == " ".join(expected.split())


@settings(max_examples=300, deadline=None)
@given(st.binary().map(lambda b: b[:40]) | st.lists(st.sampled_from(
    [b"\r", b"\n", b" ", b"\t", b"\x0b", b"From", b":", b"a", b"-", b"\xff", b"X-Y"]
)).map(b"".join))  # fmt: skip
def test_start_checks_equal_the_copying_ones(raw: bytes) -> None:
    assert (not raw or raw.isspace()) == (not raw.strip())
    first_line = raw.lstrip(b"\r\n").split(b"\n", 1)[0]
    expected = mime._HEADER_LINE.match(first_line) is not None
    assert (mime._STARTS_WITH_HEADER.match(raw) is not None) == expected


@pytest.mark.parametrize(
    "raw",
    [
        b"From: a@example.org\nDate: Thu, 02 May 2024 09:00:00 +0200\xff\n\nhi\n",
        b"From: a@example.org\nSubject: =?\xfftf-8?q?x?=\n\nhi\n",
    ],
)
def test_8bit_header_values_do_not_crash(raw: bytes) -> None:
    assert_same(raw)
    assert mime.parse_email(raw).from_addr == "a@example.org"


def test_8bit_content_disposition_keeps_the_attachments() -> None:
    raw = (
        b'From: a@example.org\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b"\n\n'
        b"--b\nContent-Type: text/plain\n\nhello\n"
        b'--b\nContent-Type: application/pdf\nContent-Disposition: attachment; filename="r\xe9.pdf"\n'
        b"Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n"
    )
    assert_same(raw)
    parsed = mime.parse_email(raw)
    assert [a.data for a in parsed.attachments] == [b"%PDF-1.4\n"]
    assert "mime-part-unreadable" not in {f.code for f in parsed.findings}
