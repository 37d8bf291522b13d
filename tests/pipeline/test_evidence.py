"""Reading an item's original bytes back from the evidence, for every kind of container."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from contrefeu.demo import DemoLeak
from contrefeu.leak.evidence import EvidenceUnavailable, read_item_bytes
from contrefeu.leak.pipeline import ScanOptions, scan
from contrefeu.store import Case


def test_bytes_come_back_from_files_mboxes_nested_zips_and_attachments(
    small_demo: DemoLeak, tmp_path: Path
):
    case_path = tmp_path / "case.db"
    scan([small_demo.dump], case_path, ScanOptions(workers=1))
    with Case.open(case_path) as case:
        rows = case.conn.execute("SELECT id, path, sha256 FROM items ORDER BY path").fetchall()
        wanted = {
            "mbox": next(r for r in rows if ".mbox!" in r["path"] and "#" not in r["path"]),
            "nested zip": next(r for r in rows if r["path"].count("!") == 2
                               and "#" not in r["path"]),
            "maildir": next(r for r in rows if "/Maildir/" in r["path"] and "#" not in r["path"]),
            "attachment": next(r for r in rows if "#" in r["path"]),
            "loose file": next(r for r in rows if r["path"].startswith("Documents/")),
        }
        for kind, row in wanted.items():
            data = read_item_bytes(case, row["id"])
            assert hashlib.sha256(data).hexdigest() == row["sha256"], kind


def test_changed_evidence_is_refused_not_served(small_demo: DemoLeak, tmp_path: Path):
    dump = tmp_path / "dump"
    dump.mkdir()
    source = next(small_demo.dump.glob("finance/*.eml"))
    (dump / "mail.eml").write_bytes(source.read_bytes())
    case_path = tmp_path / "case.db"
    scan([dump], case_path, ScanOptions(workers=1))
    (dump / "mail.eml").write_bytes(source.read_bytes() + b"tampered\n")
    with Case.open(case_path) as case:
        item_id = case.conn.execute("SELECT id FROM items WHERE path = 'mail.eml'").fetchone()[0]
        with pytest.raises(EvidenceUnavailable, match="no longer holds"):
            read_item_bytes(case, item_id)
