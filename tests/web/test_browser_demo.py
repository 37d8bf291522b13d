"""The review UI on a real scanned case: the small demo leak, in headless Chromium.

The README's screenshots come from here (`CONTREFEU_SCREENSHOTS=1` writes them to docs/img/).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from contrefeu.demo import build_demo
from contrefeu.leak.export import export_rows
from contrefeu.leak.pipeline import ScanOptions, scan
from contrefeu.store import Case


@pytest.fixture(scope="module")
def demo_case(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    root = tmp_path_factory.mktemp("demo-ui")
    demo = build_demo(root / "demo", size="small")
    case_path = root / "case.db"
    scan([demo.dump], case_path, ScanOptions(keys=[demo.keys], org=demo.org,
                                             decoys=demo.decoys, workers=1))
    with Case.open(case_path, create=False) as case:
        rows = list(export_rows(case))
    return case_path, rows


@pytest.fixture(scope="module")
def demo_page(browser, demo_case, ui_server_class) -> Iterator[object]:
    with ui_server_class(demo_case[0]) as server:
        context = browser.new_context(viewport={"width": 1280, "height": 900},
                                      base_url=server.url)
        page = context.new_page()
        yield page
        context.close()


def test_dashboard_counts_match_the_export(demo_page, demo_case, screenshot_dir):
    counts = Counter(r["verdict"] for r in demo_case[1])
    demo_page.goto("/")
    for verdict in ("forged", "altered", "planted", "decoy"):
        link = demo_page.locator(f"a[href='/items?verdict={verdict}']")
        assert link.inner_text() == str(counts[verdict])
    demo_page.screenshot(path=str(screenshot_dir / "demo-dashboard.png"), full_page=True)


def test_a_completed_copy_opens_next_to_its_original(demo_page, demo_case, screenshot_dir):
    [copy] = [r for r in demo_case[1]
              if any(f["code"] == "neardup-altered-copy" for f in r["findings"])][:1]
    demo_page.goto(f"/items/{copy['sha256']}")
    assert "neardup-altered-copy" in demo_page.locator("ul.findings").inner_text()
    demo_page.screenshot(path=str(screenshot_dir / "demo-item.png"), full_page=True)
    demo_page.locator("a.diff-link").first.click()
    demo_page.wait_for_url("**/diff/**")
    assert demo_page.locator("ins").count() >= 1
