"""The nasty-input corpus (tests/data/nasty, see its README): each file's exact outcome."""

from __future__ import annotations

from pathlib import Path

from contrefeu.ingest import iter_dump

NASTY = Path(__file__).resolve().parents[1] / "data" / "nasty"

# path -> (kind, container, finding codes)
EXPECTED = {
    "README.md": ("document", "file", []),
    "crlf-mixed.mbox!1": ("email", "mbox", []),
    "crlf-mixed.mbox!2": ("email", "mbox", []),
    "empty.eml": ("email", "eml", ["ingest-empty-file"]),
    "fake.msg": ("email", "msg", ["ingest-corrupt-msg"]),
    "fake.pst": ("other", "pst", ["ingest-corrupt-pst"]),
    "huge-header-line.eml": ("email", "eml", ["ingest-long-header-line"]),
    "mboxcl2.mbox!1": ("email", "mbox", []),
    "mboxcl2.mbox!2": ("email", "mbox", []),
    "not-mail.bin": ("other", "file", []),
    "not-zip.zip": ("other", "file", ["ingest-corrupt-archive"]),
    "nul-in-header.eml": ("email", "eml", ["ingest-nul-bytes"]),
    "preamble.mbox!1": ("email", "mbox", ["ingest-mbox-preamble"]),
    "preamble.mbox!2": ("email", "mbox", []),
    "truncated-mime.eml": ("email", "eml", []),
    "wrong-charset.eml": ("email", "eml", []),
}


def test_every_nasty_file_has_its_expected_outcome() -> None:
    got = {
        item.path: (item.kind, item.container, [f.code for f in item.findings])
        for item in iter_dump(NASTY)
    }
    assert got == EXPECTED


def test_nasty_mbox_boundaries() -> None:
    items = {i.path: i.data for i in iter_dump(NASTY)}
    assert items["mboxcl2.mbox!1"].endswith(b"\n\nFrom here on, unquoted\n")
    assert items["crlf-mixed.mbox!1"].endswith(b"\r\n\r\nx\r\n")
    assert items["preamble.mbox!1"] == b"\n\nsome junk\n"
    assert items["wrong-charset.eml"] == (NASTY / "wrong-charset.eml").read_bytes()
