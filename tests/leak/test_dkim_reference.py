"""The published vectors and real messages: the exact per-signature result of each file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contrefeu.leak.dkim import verify_message
from contrefeu.leak.keys import KeyArchive

HERE = Path(__file__).resolve()
DATA = HERE.parents[1] / "data" / "leak"
SHARED = HERE.parents[2].parent / "shared" / "data" / "leak"


def expected_cases(root: Path) -> list[tuple[str, dict]]:
    if not (root / "expected.json").is_file():
        return []
    files = json.loads((root / "expected.json").read_text(encoding="utf-8"))["files"]
    return sorted(files.items())


def result_of(entry: dict) -> str:
    """The contract result the reference verdict implies for one signature."""
    if entry["ok"]:
        return "pass"
    if not entry["bh_match"]:
        return "fail-body"
    return "fail-signature"


def check(root: Path, rel: str, exp: dict) -> None:
    archive = KeyArchive.from_file(root / "keys.json")
    r = verify_message((root / rel).read_bytes(), archive)
    got = [(s.domain, s.selector, s.algorithm, s.result, s.bh_match) for s in r.signatures]
    want = []
    for e in exp["dkim"]:
        res = result_of(e)
        if exp["verdict"] == "unverifiable_key_missing":
            res = "no-key"
        want.append((e["d"], e["s"], e["a"], res, e["bh_match"]))
    assert got == want, rel
    if "expected_unsigned_visible_headers" in exp:
        assert sorted(r.unsigned_visible_headers) == sorted(
            exp["expected_unsigned_visible_headers"]
        )
    if exp.get("arc"):
        assert r.arc_chain == exp["arc"]["cv"]


@pytest.mark.parametrize(("rel", "exp"), expected_cases(DATA), ids=lambda v: str(v)[:60])
def test_copied_reference_files(rel, exp):
    check(DATA, rel, exp)


@pytest.mark.shared
@pytest.mark.parametrize(("rel", "exp"), expected_cases(SHARED), ids=lambda v: str(v)[:60])
def test_shared_reference_files(rel, exp):
    check(SHARED, rel, exp)


def test_copied_subset_is_present():
    assert len(expected_cases(DATA)) == 12


def test_outlook_embedded_results_claim_fail_but_we_pass():
    archive = KeyArchive.from_file(DATA / "keys.json")
    raw = (DATA / "real" / "hamcrest-outlook-2019.eml").read_bytes()
    r = verify_message(raw, archive)
    assert r.signatures[0].result == "pass"
    claims = [f for f in r.findings if f.code == "embedded-auth-results-ignored"]
    assert any("dkim=fail" in f.detail for f in claims)
    # ARC key of microsoft.com is not archived: reported as a missing key, not a forgery
    assert r.arc_chain == "fail"
    assert [s.result for s in r.arc] == ["no-key"]
    assert any(f.code == "arc-no-key" for f in r.findings)


def test_kitterman_missing_key_with_matching_body():
    archive = KeyArchive.from_file(DATA / "keys.json")
    raw = (DATA / "real" / "kitterman-2011-key-unavailable.eml").read_bytes()
    (s,) = verify_message(raw, archive).signatures
    assert s.result == "no-key" and s.bh_match is True


def test_bundled_archive_verifies_real_gmail_and_outlook_mail():
    for name in (
        "hamcrest-gmail-2019.eml",
        "hamcrest-outlook-2019.eml",
        "gmane-git-2013-04-08-felipec.eml",
    ):
        raw = (DATA / "real" / name).read_bytes()
        s = verify_message(raw, KeyArchive.bundled()).signatures[0]
        assert s.result == "pass", name
        assert s.key_source.startswith("archive:bundled/keys.json: ")


def test_tampered_copies_made_here():
    archive = KeyArchive.from_file(DATA / "keys.json")
    raw = (DATA / "real" / "hamcrest-gmail-2019.eml").read_bytes()
    cases = {
        "body": (raw.replace(b"ipsum", b"dolor", 1), "fail-body"),
        "subject": (raw.replace(b"Subject: ", b"Subject: URGENT ", 1), "fail-signature"),
        "cc": (b"Cc: someone@example.org\r\n" + raw, "pass"),
    }
    for label, (data, want) in cases.items():
        assert data != raw, label
        r = verify_message(data, archive)
        assert r.signatures[0].result == want, label
    assert "cc" in verify_message(cases["cc"][0], archive).unsigned_visible_headers
