"""`leak report`: report.json agrees with the export; report.html is self-contained and inert."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from contrefeu.demo import DemoLeak
from contrefeu.leak.export import export_rows
from contrefeu.leak.pipeline import ScanOptions, scan
from contrefeu.report.html import write_report
from contrefeu.store import Case


def test_report_counts_match_the_export_and_the_page_loads_nothing(
    small_demo: DemoLeak, tmp_path: Path
):
    case_path = tmp_path / "case.db"
    scan([small_demo.dump], case_path, ScanOptions(keys=[small_demo.keys], org=small_demo.org,
                                                   decoys=small_demo.decoys, workers=1))
    with Case.open(case_path) as case:
        rows = list(export_rows(case))
        json_path, html_path = write_report(case, tmp_path / "report")
    summary = json.loads(json_path.read_text())
    counts = Counter(r["verdict"] for r in rows)
    assert {k: v for k, v in summary["verdicts"].items() if v} == dict(counts)
    assert sum(summary["timeline"][day].get("forged", 0) for day in summary["timeline"]) == sum(
        1 for r in rows if r["kind"] == "email" and r["verdict"] == "forged")
    listed = {item["path"] for item in summary["non_authentic"]}
    assert {r["path"] for r in rows if r["verdict"] in ("forged", "planted", "decoy")} <= listed
    html = html_path.read_text()
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<svg" in html                       # the timeline is inline
    assert "Content-Security-Policy" in html
