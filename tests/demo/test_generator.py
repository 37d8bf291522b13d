"""The demo leak generator: determinism, contract item paths, and ground truth checked with plain
dkimpy against the keys it ships (no contrefeu verification code involved)."""

from __future__ import annotations

import base64
import email
import email.policy
import hashlib
import io
import json
import re
import time
import tomllib
import zipfile
from collections import Counter
from pathlib import Path

import dkim
import pytest
from dkim.canonicalization import CanonicalizationPolicy
from dkim.util import parse_tag_value
from hypothesis import assume, given
from hypothesis import strategies as st

from contrefeu.demo import WITHHELD_KEYS, DemoLeak, build_demo
from contrefeu.demo.mailboxes import _slug, mboxo_quote
from contrefeu.demo.mime import Attachment, compose, split_message
from contrefeu.demo.scenarios import SCENARIOS
from contrefeu.demo.signing import demo_keys
from contrefeu.errors import UsageError

EMAIL_SCENARIOS = {s.name for s in SCENARIOS} | {"copied-original"}
LOOSE_SCENARIOS = {"loose-document", "planted-folder", "decoy-edited-copy"}
TAMPERED = {"body-altered", "header-altered", "body-length-appended", "unsigned-cc-added"}
FORGED = {"forged-staff", "forged-external", "forged-reply", "forged-freemail"}
VERDICTS = {"authentic", "unverified", "altered", "malformed", "forged", "planted", "decoy"}


def email_entries(truth: dict[str, dict]) -> dict[str, dict]:
    """The truth entries of emails (not loose files, not attachments)."""
    return {p: e for p, e in truth.items() if e["scenario"] not in LOOSE_SCENARIOS and "#" not in p}


# --- reading the dump back, independently of contrefeu.ingest ---------------------------------


def split_mbox(data: bytes) -> list[bytes]:
    """Messages of an mbox: a `From ` line at the start or after a blank line starts one; the
    blank line before the next separator belongs to the separator."""
    starts = [m.start() for m in re.finditer(rb"(?:\A|(?<=\n\n))From [^\n]*\n", data)]
    out = []
    for i, start in enumerate(starts):
        end = starts[i + 1] - 1 if i + 1 < len(starts) else len(data) - 1
        body_start = data.index(b"\n", start) + 1
        out.append(data[body_start:end])
    return out


def mboxo_unquote(raw: bytes) -> bytes:
    return re.sub(rb"(?m)^>From ", b"From ", raw)


def zip_items(data: bytes, prefix: str) -> dict[str, bytes]:
    items: dict[str, bytes] = {}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in sorted(archive.namelist()):
            member = archive.read(name)
            if name.endswith(".zip"):
                items.update(zip_items(member, f"{prefix}{name}!"))
            else:
                items[f"{prefix}{name}"] = member
    return items


def dump_items(dump: Path) -> dict[str, bytes]:
    """Every email and loose file of the dump, by its contract item path."""
    items: dict[str, bytes] = {}
    for path in sorted(p for p in dump.rglob("*") if p.is_file()):
        rel = path.relative_to(dump).as_posix()
        if rel.endswith(".mbox"):
            for n, message in enumerate(split_mbox(path.read_bytes()), start=1):
                items[f"{rel}!{n}"] = message
        elif rel.endswith(".zip"):
            items.update(zip_items(path.read_bytes(), f"{rel}!"))
        else:
            items[rel] = path.read_bytes()
    return items


def file_hashes(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


# --- fixtures -------------------------------------------------------------------------------


def archive_txt(path: Path) -> dict[str, str]:
    return {r["name"]: r["txt"] for r in json.loads(path.read_text(encoding="utf-8"))}


def resolver(records: dict[str, str]):
    def dnsfunc(name: bytes, timeout: int = 5) -> bytes | None:
        txt = records.get(name.decode().rstrip(".").lower())
        return txt.encode() if txt is not None else None

    return dnsfunc


def check(raw: bytes, idx: int, records: dict[str, str]) -> str:
    """'pass', 'fail-body', 'fail' or 'error: ...' for signature idx, with plain dkimpy."""
    try:
        ok = dkim.DKIM(raw, minkey=512).verify(idx=idx, dnsfunc=resolver(records))
    except dkim.ValidationError as e:
        return "fail-body" if "body hash mismatch" in str(e) else f"error: {e}"
    except dkim.DKIMException as e:
        return f"error: {e}"
    return "pass" if ok else "fail"


def signature_tags(raw: bytes) -> list[dict[bytes, bytes]]:
    headers, _ = dkim.rfc822_parse(raw)
    return [parse_tag_value(v) for k, v in headers if k.lower() == b"dkim-signature"]


def from_domain(raw: bytes) -> str:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    return message["From"].addresses[0].domain.lower()


def aligned(from_dom: str, d: str) -> bool:
    return from_dom == d or from_dom.endswith("." + d)


# --- tests ----------------------------------------------------------------------------------


@pytest.mark.slow
def test_same_bytes_every_run(tmp_path: Path) -> None:
    first = build_demo(tmp_path / "a", size="small")
    second = build_demo(tmp_path / "b", size="small")
    hashes = file_hashes(tmp_path / "a")
    assert hashes == file_hashes(tmp_path / "b")
    assert len(hashes) > 30
    assert any(name.startswith("decoys/") for name in hashes)
    assert first.truth.read_bytes() == second.truth.read_bytes()
    # Rebuilding over a previous build replaces it, byte for byte.
    build_demo(tmp_path / "a", size="small")
    assert file_hashes(tmp_path / "a") == hashes
    other = build_demo(tmp_path / "c", seed=7, size="small")
    assert file_hashes(tmp_path / "c") != hashes
    assert other.dump == tmp_path / "c" / "dump"


def test_small_build_is_fast(tmp_path: Path) -> None:
    start = time.perf_counter()
    build_demo(tmp_path / "out", size="small")
    assert time.perf_counter() - start < 10


def test_layout_and_side_files(small: DemoLeak) -> None:
    root = small.dump.parent
    assert {small.keys, small.org, small.truth, small.decoys} == {
        root / "keys.json",
        root / "org.toml",
        root / "truth.json",
        root / "decoys",
    }
    assert not list(small.dump.rglob("*.json")) and not list(small.dump.rglob("*.toml"))
    dump = small.dump
    for sub in ("cur", "new", "tmp", ".Sent/cur"):
        assert (dump / "c.martin/Maildir" / sub).is_dir()
    assert list((dump / "c.martin/Maildir/.Sent/cur").iterdir())
    assert list((dump / "c.martin/Maildir/new").iterdir())
    assert (dump / "j.dubois.mbox").is_file()
    assert list((dump / "finance").glob("*.eml"))
    with zipfile.ZipFile(dump / "archives.zip") as outer:
        names = outer.namelist()
        assert "export/tresorerie.zip" in names
        assert any(n.startswith("export/logistique/") and n.endswith(".eml") for n in names)
    assert {p.suffix for p in (dump / "Documents").iterdir()} >= {".pdf", ".docx", ".xlsx", ".txt"}


def attachment_of(items: dict[str, bytes], path: str) -> bytes:
    """The bytes of the attachment `email path#n/filename` (contract path)."""
    parent, _, rest = path.rpartition("#")
    number, _, filename = rest.partition("/")
    message = email.message_from_bytes(items[parent], policy=email.policy.default)
    part = list(message.iter_attachments())[int(number) - 1]
    assert part.get_filename() == filename
    return part.get_payload(decode=True)


def test_truth_paths_are_the_dump_items(truth: dict, items: dict[str, bytes]) -> None:
    attachments = {p for p in truth if "#" in p}
    assert set(truth) - attachments == set(items)
    assert attachments and all(truth[p]["verdict"] == "decoy" for p in attachments)
    assert "archives.zip!export/tresorerie.zip!mail/0001.eml" in truth
    assert "j.dubois.mbox!1" in truth
    for path, entry in truth.items():
        assert entry["verdict"] in VERDICTS
        assert entry["note"]
        if entry["message_id"]:
            # The contract path really addresses that message.
            assert entry["message_id"].encode() in items[path], path
    for path in attachments:
        assert attachment_of(items, path)


def test_every_scenario_has_examples_everywhere_needed(truth: dict) -> None:
    counts = Counter(e["scenario"] for p, e in truth.items() if "#" not in p)
    assert set(counts) == EMAIL_SCENARIOS | LOOSE_SCENARIOS
    singles = FORGED | {"decoy-attachment", "decoy-canary", "decoy-edited-copy"}
    assert all(n >= (1 if s in singles else 2) for s, n in counts.items()), counts
    assert counts["recovered-key"] >= 3
    assert counts["completed-copy"] >= 2 and counts["planted-folder"] >= 4
    assert counts["unsigned-internal"] == max(counts.values())
    assert 80 <= len(email_entries(truth)) <= 100
    for scenario in ("mbox-quoted-ok", "mbox-ambiguous"):
        assert all(
            p.startswith("j.dubois.mbox!") for p, e in truth.items() if e["scenario"] == scenario
        )
    tampered = [p for p, e in truth.items() if e["scenario"] in TAMPERED]
    assert any(p.startswith("archives.zip!") for p in tampered)
    assert any(p.startswith("c.martin/Maildir/") for p in tampered)
    verdicts = {e["scenario"]: e["verdict"] for p, e in truth.items() if "#" not in p}
    assert verdicts["two-sigs-one-fails"] == "authentic"
    assert verdicts["mbox-ambiguous"] == "unverified"
    assert verdicts["body-length-appended"] == "altered"


def test_keys_archive_withholds_exactly_the_intended_keys(
    small: DemoLeak, truth: dict, items: dict[str, bytes]
) -> None:
    records = json.loads(small.keys.read_text(encoding="utf-8"))
    assert all(set(r) == {"name", "txt", "source"} and r["source"] == "demo key" for r in records)
    archived = {r["name"] for r in records}
    assert not archived & set(WITHHELD_KEYS)
    signers: Counter[str] = Counter()
    for path, entry in email_entries(truth).items():
        if entry["scenario"] == "malformed":
            continue
        raw = items[path]
        for tags in signature_tags(raw):
            signers[f"{tags[b's'].decode()}._domainkey.{tags[b'd'].decode()}"] += 1
    assert set(signers) <= archived | set(WITHHELD_KEYS)
    assert signers["k1._domainkey.mailer-pro.example"] >= 3
    assert signers["default._domainkey.collectif-citoyen.example"] == 1
    assert signers["mail._domainkey.asso-quartier.example"] == 1
    assert "mail2017._domainkey.avenir-commun.fr" in signers


def test_org_profile(small: DemoLeak) -> None:
    org = tomllib.loads(small.org.read_text(encoding="utf-8"))
    assert org["org"]["domains"] == ["avenir-commun.fr"]
    assert org["org"]["timezone"] == "Europe/Paris"
    assert 8 <= len(org["people"]) <= 12
    assert all(p["emails"][0].endswith("@avenir-commun.fr") and p["role"] for p in org["people"])
    assert "presse@avenir-commun.fr" in {p["emails"][0] for p in org["people"]}
    from contrefeu.org import load_org

    profile = load_org(small.org)
    assert profile.name == "Avenir Commun" and not profile.warnings


def _expected_outcomes(
    scenario: str,
    raw: bytes,
    archive: dict[str, str],
    everything: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Assert what plain dkimpy says about each signature of one message of `scenario`."""
    tags = signature_tags(raw)
    n = len(tags)
    if scenario in {"unsigned-internal", "weekly-briefing", "completed-copy"} | FORGED - {
        "forged-freemail"
    }:
        assert n == 0
        return
    assert n >= 1
    results = [check(raw, i, archive) for i in range(n)]
    from_dom = from_domain(raw)
    domains = [t[b"d"].decode() for t in tags]
    if scenario in {
        "signed-ok",
        "signed-ed25519",
        "signed-sha1-old",
        "weak-key",
        "unsigned-cc-added",
        "press-thread",
        "press-release",
        "copied-original",
        "decoy-attachment",
        "decoy-canary",
    }:
        assert results == ["pass"] * n and n == 1
        assert aligned(from_dom, domains[0])
        alg = tags[0][b"a"]
        assert alg == {"signed-ed25519": b"ed25519-sha256", "signed-sha1-old": b"rsa-sha1"}.get(
            scenario, b"rsa-sha256"
        )
        if scenario == "weak-key":
            with pytest.raises(dkim.KeyFormatError):  # dkimpy's default minimum rejects it
                dkim.DKIM(raw).verify(dnsfunc=resolver(archive))
        if scenario == "unsigned-cc-added":
            head = split_message(raw)[0]
            assert b"cc" not in re.sub(rb"\s", b"", tags[0][b"h"]).split(b":")
            assert re.search(rb"(?m)^Cc: ", head)
    elif scenario in ("signed-expired", "forged-freemail"):
        assert results[0].startswith("error: x= value is past")
        if scenario == "forged-freemail":  # valid, but by the freemail provider only
            assert domains == ["webmail.example"] and from_dom == "avenir-commun.fr"
        signed_at = int(tags[0][b"t"])
        assert int(tags[0][b"x"]) < 1514764800  # before 2018
        monkeypatch.setattr(dkim.time, "time", lambda: signed_at + 3600)
        assert check(raw, 0, archive) == "pass"
        monkeypatch.undo()
    elif scenario == "two-sigs-one-fails":
        assert n == 2
        by_domain = dict(zip(domains, results, strict=True))
        assert by_domain["avenir-commun.fr"] == "pass" and aligned(from_dom, "avenir-commun.fr")
        assert by_domain["mailer-pro-relay.example"] == "fail"  # header signature, bh is fine
    elif scenario in {"missing-key", "recovered-key"}:
        assert n == 1 and results[0] == "fail"  # no key: dkimpy cannot tell, it says False
        assert f"{tags[0][b's'].decode()}._domainkey.{domains[0]}" in WITHHELD_KEYS
        assert check(raw, 0, everything) == "pass"
        assert aligned(from_dom, domains[0])
        if scenario == "recovered-key":
            assert domains[0] == "mailer-pro.example" and tags[0][b"s"] == b"k1"
    elif scenario == "not-aligned":
        assert results == ["pass"] and from_dom == "gazette.example"
        assert domains == ["mailer-pro-relay.example"]
    elif scenario == "body-altered":
        assert results == ["fail-body"]
    elif scenario == "header-altered":
        assert results == ["fail"]
    elif scenario == "body-length-appended":
        assert results == ["pass"]
        policy = CanonicalizationPolicy.from_c_value(tags[0][b"c"])
        body = policy.canonicalize_body(dkim.rfc822_parse(raw)[1])
        assert int(tags[0][b"l"]) < len(body)
        assert b"IBAN" in body[int(tags[0][b"l"]) :]
    else:
        raise AssertionError(f"no expectation for {scenario}")


def assert_signatures_as_intended(
    leak: DemoLeak, truth: dict, items: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = archive_txt(leak.keys)
    everything = {k.dns_name: k.public_txt for k in demo_keys().values()}
    seen = Counter()
    for path, entry in email_entries(truth).items():
        scenario, raw = entry["scenario"], items[path]
        if scenario == "malformed":
            continue
        if scenario in ("mbox-quoted-ok", "mbox-ambiguous"):
            assert path.startswith("j.dubois.mbox!")
            assert check(raw, 0, archive) == "fail-body"  # as stored, quoted
            unquoted = mboxo_unquote(raw)
            expected = "pass" if scenario == "mbox-quoted-ok" else "fail-body"
            assert check(unquoted, 0, archive) == expected, path
            assert aligned(from_domain(raw), signature_tags(raw)[0][b"d"].decode())
        else:
            if path.startswith("j.dubois.mbox!"):
                assert mboxo_unquote(raw) == raw  # nothing else in the mbox is quoted
            _expected_outcomes(scenario, raw, archive, everything, monkeypatch)
        seen[scenario] += 1
    assert set(seen) == EMAIL_SCENARIOS - {"malformed"}


def test_signatures_verify_as_intended_with_plain_dkimpy(
    small: DemoLeak, truth: dict, items: dict[str, bytes], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_signatures_as_intended(small, truth, items, monkeypatch)


def test_malformed_samples_are_broken(truth: dict, items: dict[str, bytes]) -> None:
    kinds = set()
    for path, entry in email_entries(truth).items():
        if entry["scenario"] != "malformed":
            continue
        raw = items[path]
        assert path.endswith(".eml")
        if raw.startswith(b"\x00"):
            kinds.add("junk")
            assert b"\n\n" not in raw[:200] or b":" not in raw[:40]
            continue
        try:
            dkim.rfc822_parse(raw)
        except dkim.MessageFormatError:
            kinds.add("no-separator")
            continue
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert message.is_multipart() and raw.rstrip().endswith(b'filename="devis')
        boundary = message.get_boundary()
        assert f"--{boundary}--".encode() not in raw
        kinds.add("truncated")
    assert kinds == {"junk", "no-separator", "truncated"}


def test_messages_parse_and_carry_attachments(truth: dict, items: dict[str, bytes]) -> None:
    types = set()
    for path, entry in email_entries(truth).items():
        if entry["scenario"] == "malformed":
            continue
        message = email.message_from_bytes(items[path], policy=email.policy.default)
        assert not message.defects, path
        assert message["Date"].datetime.year == 2017
        assert 2 <= message["Date"].datetime.month <= 5
        for part in message.iter_attachments():
            types.add(part.get_content_type())
            assert part.get_content()  # decodes
    assert "application/pdf" in types and len(types) >= 2


def test_loose_documents_open(small: DemoLeak, truth: dict) -> None:
    import docx
    import openpyxl
    import pypdf

    docs = {p: e for p, e in truth.items() if e["scenario"] == "loose-document"}
    assert all(p.startswith("Documents/") and e["verdict"] == "unverified" for p, e in docs.items())
    pdf = pypdf.PdfReader(small.dump / "Documents/programme.pdf")
    assert "Avenir Commun" in pdf.pages[0].extract_text()
    assert pdf.metadata.author == "Élodie Roux"
    notes = docx.Document(str(small.dump / "Documents/notes-reunion-2017-03-14.docx"))
    assert notes.core_properties.author == "Julien Dubois"
    sheet = openpyxl.load_workbook(small.dump / "Documents/budget-campagne.xlsx").active
    assert sheet["A1"].value == "Poste"


def test_refuses_to_replace_a_folder_it_did_not_write(tmp_path: Path) -> None:
    (tmp_path / "dump").mkdir()
    (tmp_path / "dump" / "precious.txt").write_text("keep me")
    with pytest.raises(UsageError):
        build_demo(tmp_path, size="small")
    assert (tmp_path / "dump" / "precious.txt").read_text() == "keep me"
    with pytest.raises(UsageError):
        build_demo(tmp_path / "x", size="huge")


@pytest.mark.slow
def test_normal_build_size_and_truth(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[str, int, int]] = []
    leak = build_demo(tmp_path, size="normal", progress=lambda *a: calls.append(a))
    truth = json.loads(leak.truth.read_text(encoding="utf-8"))["items"]
    emails = email_entries(truth)
    assert 430 <= len(emails) <= 510
    items = dump_items(leak.dump)
    assert {p for p in truth if "#" not in p} == set(items)
    assert_signatures_as_intended(leak, truth, items, monkeypatch)
    from .test_forgeries import assert_forgeries_as_intended

    assert_forgeries_as_intended(truth, items)
    assert calls[-1] == ("done", len(truth), len(truth))
    builds = sum(s.counts["normal"] for s in SCENARIOS)
    assert [c for c in calls if c[0] == "messages"][-1][1] == builds


# --- property tests of the small text transformations the dump relies on ---------------------


@given(st.lists(st.text(alphabet="From >\nabc", max_size=12), max_size=8))
def test_mboxo_quote_only_touches_from_lines(lines: list[str]) -> None:
    raw = "\n".join(lines).encode()
    quoted = mboxo_quote(raw)
    assert not re.search(rb"(?m)^From ", quoted)
    assert quoted.replace(b">From ", b"From ") == raw.replace(b">From ", b"From ")
    if not re.search(rb"(?m)^>From ", raw):
        assert mboxo_unquote(quoted) == raw


@given(st.binary(max_size=200))
def test_slug_is_always_a_safe_file_name(subject: bytes) -> None:
    slug = _slug(subject)
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*|message", slug)
    assert len(slug) <= 40


_BODY_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\u2028\u2029\x85")
    | st.just("\n"),
    max_size=300,
)


@given(_BODY_TEXT, st.binary(max_size=300))
def test_composed_messages_round_trip(text: str, blob: bytes) -> None:
    """compose() only ever gets the demo's own LF text; for any such text the body and the
    attachment come back intact."""
    assume("--=_b" not in text)
    headers = [("From", "a@avenir-commun.fr"), ("To", "b@gazette.example"), ("Subject", "été")]
    raw = compose(
        headers, text, [Attachment("x.bin", "application/octet-stream", blob)], boundary="=_b"
    )
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == "été"
    body, attachment = list(message.iter_parts())
    assert attachment.get_content() == blob
    assert base64.b64encode(blob).decode()[:60] in raw.decode("utf-8", "replace")
    assert body.get_payload(decode=True) == text.encode("utf-8")
