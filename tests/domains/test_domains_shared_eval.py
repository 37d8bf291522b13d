"""The MacronLeaks domains and a recall/false-alert floor on the shared evaluation set."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from contrefeu.domains.score import BrandIndex

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "domains"
pytestmark = [
    pytest.mark.shared,
    pytest.mark.skipif(not SHARED.exists(), reason="shared evaluation data not present"),
]

MACRONLEAKS = [
    ("onedrive-en-marche.fr", "en-marche.fr"),
    ("mail-en-marche.fr", "en-marche.fr"),
    ("en-marche.co", "en-marche.fr"),
    ("accounts-office.fr", "office.com"),
    ("portal-office.fr", "office.com"),
]


def _pairs() -> list[dict[str, str]]:
    with open(SHARED / "attack_pairs.csv", newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def all_targets_index() -> BrandIndex:
    return BrandIndex(sorted({p["target"] for p in _pairs()}))


@pytest.mark.parametrize(("domain", "target"), MACRONLEAKS)
def test_macronleaks_domains_are_alerted(all_targets_index, domain, target):
    assert BrandIndex([target]).score(domain).alert
    assert all_targets_index.score(domain).alert


def _recall(index: BrandIndex, split: str) -> float:
    pairs = [p for p in _pairs() if p["split"] == split]
    hits = sum(
        1
        for p in pairs
        if index.score(p["domain"]).alert and BrandIndex([p["target"]]).score(p["domain"]).alert
    )
    return hits / len(pairs)


@pytest.mark.slow
def test_dev_recall_floor(all_targets_index):
    assert _recall(all_targets_index, "dev") >= 0.95


@pytest.mark.slow
def test_test_recall_floor(all_targets_index):
    # A regression guard only: nothing was tuned on the test split (see train.py).
    assert _recall(all_targets_index, "test") >= 0.88


@pytest.mark.slow
def test_benign_false_alert_ceiling(all_targets_index):
    with open(SHARED / "benign.csv", newline="", encoding="utf-8") as fh:
        benign = [row["domain"] for row in csv.DictReader(fh)][::10]
    alerted = sum(1 for d in benign if all_targets_index.score(d).alert)
    assert alerted / len(benign) <= 0.006
