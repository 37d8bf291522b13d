"""The key-recovery step of a scan, end to end, with real keys and real signatures.

Keys with public exponent 3 keep the recovery instant (the code path is the same as for 65537,
which the demo's test and tests/leak/test_keyrecovery.py exercise)."""

from __future__ import annotations

import json
from datetime import datetime
from email.utils import format_datetime
from pathlib import Path

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from contrefeu.leak.export import export_rows
from contrefeu.leak.keyphase import recover_case_keys, recovered_archive
from contrefeu.leak.keys import txt_record_for
from contrefeu.leak.pipeline import ScanOptions, scan
from contrefeu.store import Case


def _key() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=3, key_size=1024)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    return pem, txt_record_for(key.public_key())


def _write_signed(folder: Path, pem: bytes, n: int, *, tamper: bool = False) -> None:
    when = format_datetime(datetime.fromisoformat(f"2017-04-{n + 1:02d}T10:00:00+02:00"))
    raw = (f"From: news@gazette.example\r\nTo: c.martin@avenir-commun.fr\r\n"
           f"Subject: Lettre {n}\r\nDate: {when}\r\nMessage-ID: <{n}@gazette.example>\r\n\r\n"
           f"Bonjour, voici la lettre d'information numéro {n}.\r\n").encode()
    signed = dkim.sign(raw, b"news", b"gazette.example", pem,
                       include_headers=[b"from", b"to", b"subject", b"date"]) + raw
    if tamper:
        signed = signed.replace(b"Lettre", b"Lettre urgente")
    (folder / f"{n}.eml").write_bytes(signed)


def test_recovered_key_equal_to_an_archived_one_proves_the_messages(tmp_path: Path):
    pem, txt = _key()
    dump = tmp_path / "dump"
    dump.mkdir()
    for n in range(3):
        _write_signed(dump, pem, n)
    _write_signed(dump, pem, 3, tamper=True)
    # The desk archived this key under another selector name: the scan cannot find it.
    archive = tmp_path / "keys.json"
    archive.write_text(json.dumps([{"name": "2016._domainkey.gazette.example", "txt": txt,
                                    "source": "archived in 2016"}]))
    case_path = tmp_path / "case.db"
    summary = scan([dump], case_path, ScanOptions(keys=[archive], workers=1))
    assert summary.recoverable_selectors == [("gazette.example", "news", 4)]
    with Case.open(case_path) as case:
        [outcome] = recover_case_keys(case, archives=[archive])
        rows = {r["path"]: r for r in export_rows(case)}
        [exported] = recovered_archive(case)
    assert (outcome.bits, outcome.consistent, outcome.signatures) == (1024, 3, 4)
    assert outcome.matches_archive and "2016._domainkey.gazette.example" in outcome.matches_archive
    for n in range(3):
        assert rows[f"{n}.eml"]["verdict"] == "authentic"
        codes = {f["code"] for f in rows[f"{n}.eml"]["findings"]}
        assert {"dkim-consistent-with-recovered-key", "dkim-recovered-key-archived"} <= codes
    tampered = rows["3.eml"]
    assert tampered["verdict"] == "altered"
    assert exported["name"] == "news._domainkey.gazette.example"
    assert exported["txt"].replace(" ", "").endswith(txt.split("p=")[1])
    assert (case_path.parent / "case.db.files" / "recovered-keys.json").is_file()


def test_without_an_archived_match_the_messages_stay_unverified(tmp_path: Path):
    pem, _ = _key()
    dump = tmp_path / "dump"
    dump.mkdir()
    for n in range(2):
        _write_signed(dump, pem, n)
    case_path = tmp_path / "case.db"
    scan([dump], case_path, ScanOptions(workers=1))
    with Case.open(case_path) as case:
        [outcome] = recover_case_keys(case)
        rows = {r["path"]: r for r in export_rows(case)}
    assert outcome.bits == 1024 and outcome.matches_archive is None
    for row in rows.values():
        assert row["verdict"] == "unverified"
        assert "dkim-consistent-with-recovered-key" in {f["code"] for f in row["findings"]}
