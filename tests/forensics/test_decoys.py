"""Decoy files and canaries, matched exactly, approximately and in text."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from contrefeu.errors import UsageError
from contrefeu.leak.decoys import DecoySet

NOTE = ("Note confidentielle : stratégie de second tour, financement des meetings et liste des "
        "soutiens à approcher dans les régions. ") * 30


@pytest.fixture
def decoys(tmp_path: Path) -> DecoySet:
    folder = tmp_path / "decoys"
    folder.mkdir()
    (folder / "strategie.txt").write_text(NOTE)
    (folder / "canaries.txt").write_text("# canaries\nOPALE-7731-KESTREL\n")
    return DecoySet.from_dir(folder)


def test_exact_copy_of_a_decoy(decoys: DecoySet):
    data = NOTE.encode()
    findings = decoys.match(data, hashlib.sha256(data).hexdigest())
    assert [f.code for f in findings] == ["decoy-exact"]
    assert "strategie.txt" in findings[0].detail


def test_lightly_edited_decoy_is_found_by_fuzzy_hash(decoys: DecoySet):
    data = (NOTE.replace("régions", "départements") + " Version relue.").encode()
    findings = decoys.match(data, hashlib.sha256(data).hexdigest())
    assert [f.code for f in findings] == ["decoy-similar"]
    assert "TLSH distance" in findings[0].detail


def test_unrelated_file_does_not_match(decoys: DecoySet):
    data = ("Facture n° 2017-044 : impression de 5 000 tracts, TVA 20 %, règlement à 30 jours. "
            * 20).encode()
    assert decoys.match(data, hashlib.sha256(data).hexdigest()) == []


def test_canary_in_text_and_in_utf16_bytes(decoys: DecoySet):
    text = "Ci-joint le code d'accès OPALE-7731-KESTREL pour le coffre."
    assert [f.code for f in decoys.match(b"", "0", (text,))] == ["decoy-canary"]
    raw = "meta: opale-7731-kestrel".encode("utf-16-le")
    assert decoys.match(raw, "0") == []               # bytes are matched exactly
    raw = "meta: OPALE-7731-KESTREL".encode("utf-16-le")
    assert [f.code for f in decoys.match(raw, "0")] == ["decoy-canary"]


def test_too_short_canaries_are_refused(tmp_path: Path):
    (tmp_path / "canaries.txt").write_text("abc\n")
    with pytest.raises(UsageError, match="shorter than"):
        DecoySet.from_dir(tmp_path)
