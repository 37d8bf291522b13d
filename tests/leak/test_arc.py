"""ARC: the 171-case ValiMail validation suite, and missing keys reported as such."""

from __future__ import annotations

from pathlib import Path

import pytest

from contrefeu.leak.arc import verify_arc
from contrefeu.leak.dkim import verify_message
from contrefeu.leak.keys import KeyArchive

yaml = pytest.importorskip("yaml")

SUITE = (
    Path(__file__).resolve().parents[1] / "data" / "leak" / "arc" / "arc-draft-validation-tests.yml"
)


def load_suite() -> tuple[KeyArchive, list[tuple[str, bytes, str]]]:
    scenarios = [s for s in yaml.safe_load_all(SUITE.read_text(encoding="utf-8")) if s]
    records: dict[str, str] = {}
    for scen in scenarios:
        # the suite's README: key records are shared across scenarios, under either spelling
        for name, txt in (scen.get("txt_records") or scen.get("txt-records") or {}).items():
            records[name] = txt
    cases = []
    for scen in scenarios:
        for name, test in scen["tests"].items():
            raw = (test.get("message") or "").replace("\n", "\r\n").encode()
            want = (test.get("cv") or "").strip().lower() or "none"
            cases.append((name, raw, want))
    return KeyArchive.from_json(records, "arc-suite"), cases


ARCHIVE, CASES = load_suite()


def test_suite_has_171_cases():
    assert len(CASES) == 171


@pytest.mark.parametrize(("name", "raw", "want"), CASES, ids=[c[0] for c in CASES])
def test_arc_suite_case(name, raw, want):
    outcome = verify_arc(raw, ARCHIVE)
    assert (outcome.chain or "none") == want
    for s in outcome.sets:
        assert s.kind == "arc" and s.result in ("pass", "fail-body", "fail-signature", "no-key")


def test_arc_suite_through_verify_message_agrees():
    agree = sum(
        (verify_message(raw, ARCHIVE).arc_chain or "none") == want for _, raw, want in CASES
    )
    assert agree == 171


def test_missing_arc_key_is_no_key():
    passing = [raw for _, raw, want in CASES if want == "pass" and b"ARC-Seal" in raw]
    outcome = verify_arc(passing[0], KeyArchive())
    assert outcome.chain == "fail"
    assert outcome.sets and all(s.result == "no-key" for s in outcome.sets[:1])
    assert any(f.code == "arc-no-key" and f.severity == "info" for f in outcome.findings)
    assert not any(f.code == "arc-chain-fail" for f in outcome.findings)


def test_valid_chain_never_claims_authenticity():
    passing = [raw for _, raw, want in CASES if want == "pass" and b"ARC-Seal" in raw]
    r = verify_message(passing[0], ARCHIVE)
    assert r.arc_chain == "pass"
    assert all(s.result == "pass" for s in r.arc)
    f = next(f for f in r.findings if f.code == "arc-chain-pass")
    assert "does not make the message authentic" in f.detail


def test_no_arc_headers_gives_none():
    assert verify_arc(b"From: a@b\r\n\r\nhi\r\n", ARCHIVE).chain is None
