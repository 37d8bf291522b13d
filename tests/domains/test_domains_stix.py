"""STIX 2.1 and CSV export of alerts."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime

from contrefeu.domains.score import BrandIndex
from contrefeu.domains.stix import alerts_csv, stix_bundle

WHEN = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


def _results():
    index = BrandIndex(["examplebank.com"])
    names = ["examplebank-login.com", "example.org", "\u0435xamplebank.com", "bad..name"]
    return [index.score(n).to_dict() for n in names]


def test_bundle_holds_one_indicator_per_alert():
    bundle = stix_bundle(_results(), when=WHEN)
    assert bundle["type"] == "bundle"
    assert re.fullmatch(r"bundle--[0-9a-f-]{36}", bundle["id"])
    identity, *indicators = bundle["objects"]
    assert identity["type"] == "identity"
    assert len(indicators) == 2
    first = indicators[0]
    assert first["spec_version"] == "2.1"
    assert first["pattern"] == "[domain-name:value = 'examplebank-login.com']"
    assert first["pattern_type"] == "stix"
    assert first["valid_from"] == "2026-11-29T12:00:00.000Z"
    assert first["created_by_ref"] == identity["id"]
    assert "combosquat" in first["labels"]
    # IDN names go into the pattern in their DNS (punycode) form.
    assert indicators[1]["pattern"] == "[domain-name:value = 'xn--xamplebank-jsi.com']"


def test_ids_are_deterministic():
    a = stix_bundle(_results(), when=WHEN)
    b = stix_bundle(_results(), when=WHEN)
    assert [o["id"] for o in a["objects"]] == [o["id"] for o in b["objects"]]


def test_csv_rows_are_alerts_only():
    rows = list(csv.DictReader(io.StringIO(alerts_csv(_results()))))
    assert [r["domain"] for r in rows] == ["examplebank-login.com", "\u0435xamplebank.com"]
    assert rows[0]["target"] == "examplebank.com"
