"""The review UI in real headless Chromium against a real uvicorn server on 127.0.0.1.

Needs Debian's `chromium` at /usr/bin/chromium and the `playwright` package (no browser
download: Playwright drives the system browser through `executable_path`). Screenshots of the
dashboard and an item page go to docs/img/ when CONTREFEU_SCREENSHOTS=1, else to tmp_path.
"""

from __future__ import annotations

import http.client
from urllib.parse import urlparse

import pytest

playwright_sync = pytest.importorskip("playwright.sync_api")
expect = playwright_sync.expect


@pytest.fixture
def page(browser, ui_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=ui_server.url)
    page = context.new_page()
    page.requests_seen = []
    page.on("request", lambda request: page.requests_seen.append(request.url))
    yield page
    context.close()


def _only_local(requests: list[str], port: int) -> list[str]:
    """Requests that went anywhere but the UI server (data:/about: never leave the page)."""
    outside = []
    for url in requests:
        parsed = urlparse(url)
        if parsed.scheme in ("data", "about", "blob"):
            continue
        if parsed.hostname != "127.0.0.1" or parsed.port != port:
            outside.append(url)
    return outside


def test_dashboard_renders_counts_and_timeline(page, ui_server, screenshot_dir):
    page.goto("/")
    assert page.locator("h1").inner_text().startswith("Dashboard")
    assert page.locator("figure.timeline svg path.bars").count() == 4  # one per verdict
    assert "44 days" in page.locator("figure.timeline figcaption").inner_text()
    assert page.locator("text=Most serious findings").count() == 1
    assert page.locator("a[href='/items?verdict=altered']").inner_text() == "1"
    page.screenshot(path=str(screenshot_dir / "dashboard.png"), full_page=True)
    assert _only_local(page.requests_seen, ui_server.port) == []


def test_search_facets_and_paging(page, ui_server):
    page.goto("/items")
    assert page.locator("#total").inner_text() == "66"
    page.fill("#q", "programme meeting")
    page.press("#q", "Enter")
    expect(page.locator("#total")).to_have_text("60")
    assert "q=programme%20meeting" in page.url  # htmx pushed the search to the URL
    page.locator("[data-facet=sender] a", has_text="press@gazette.example").click()
    expect(page.locator("#total")).to_have_text("20")
    assert (
        page.locator("[data-facet=sender] li.on").inner_text().startswith("press@gazette.example")
    )
    page.locator("[data-facet=level] a", has_text="low").click()
    expect(page.locator("#total")).to_have_text("20")
    page.locator("[data-facet=mailbox] a", has_text="presse").click()
    expect(page.locator("#total")).to_have_text("10")
    assert page.locator("table.items tbody tr").count() == 10
    # Paging on the unfiltered list: 66 items at 50 a page.
    page.goto("/items")
    page.locator("nav.pager a[rel=next]").click()
    expect(page.locator("nav.pager span")).to_have_text("page 2 of 2")
    assert page.locator("table.items tbody tr").count() == 16


def test_exclusion_and_phrase_search(page):
    page.goto('/items?q="salle+du+meeting"+-liquide')
    assert page.locator("#total").inner_text() == "1"
    assert page.locator("table.items .path").inner_text() == "tresorerie/original.eml"


def test_open_item_then_diff_view(page, browser_case, screenshot_dir, tmp_path):
    page.goto("/items?q=virement&verdict=altered")
    page.locator("a.item-link").first.click()
    page.wait_for_url(f"**/items/{browser_case.sha['altered']}")
    assert page.locator(".sig .result").first.inner_text() == "fail-body"
    assert "near-duplicate-altered" in page.locator("ul.findings").inner_text()
    page.screenshot(path=str(screenshot_dir / "item.png"), full_page=True)
    page.locator("a.diff-link").click()
    page.wait_for_url("**/diff/**")
    assert page.locator("del").first.inner_text().strip() == "1 200"
    assert page.locator("ins").first.inner_text().strip() == "98 000"
    page.screenshot(path=str(tmp_path / "diff.png"), full_page=True)


def test_record_decision_then_reload(page, browser_case):
    sha = browser_case.sha["filler3"]
    page.goto(f"/items/{sha}")
    page.check("input[name=decision][value=confirmed-fake]")
    page.fill("textarea[name=note]", "Date impossible, see <b>header</b>")
    page.fill("input[name=reviewer]", "Ana Reviewer")
    page.click("form.decide button[type=submit]")
    page.wait_for_url(f"**/items/{sha}#decisions")
    page.reload()
    decisions = page.locator("ul.decisions li")
    assert decisions.count() == 1
    assert "confirmed-fake" in decisions.inner_text()
    assert "Ana Reviewer" in decisions.inner_text()
    assert "Date impossible, see <b>header</b>" in decisions.inner_text()  # shown as text
    assert page.input_value("input[name=reviewer]") == "Ana Reviewer"  # remembered
    page.goto("/items?q=%22Meeting+3%22")
    assert "confirmed-fake" in page.locator("table.items").inner_text()  # shown in lists


def test_hostile_mail_runs_no_script_and_calls_no_one(page, ui_server, remote_server, browser_case):
    remote_server.hits.clear()
    page.goto(f"/items/{browser_case.sha['hostile']}")
    frame_element = page.wait_for_selector("iframe.html-body")
    frame = frame_element.content_frame()
    assert frame is not None
    frame.wait_for_load_state("load")
    assert "Facture" in frame.locator("body").inner_text()
    page.wait_for_timeout(300)  # give any pending image, timer or fetch time to fire
    assert page.evaluate("typeof window.pwned") == "undefined"
    assert page.locator("iframe.html-body").get_attribute("sandbox") == ""
    # The top page's own subject and attachment names are text, not markup.
    assert "<script>window.pwned='subject'</script>" in page.locator("h1").inner_text()
    assert page.locator("img[onerror]").count() == 0
    assert _only_local(page.requests_seen, ui_server.port) == []
    assert remote_server.hits == []


def test_hostile_iframe_has_no_script_or_remote_element(page, browser_case):
    page.goto(f"/items/{browser_case.sha['hostile']}")
    frame = page.wait_for_selector("iframe.html-body").content_frame()
    html = frame.content()
    assert "<script" not in html and "onerror" not in html and "javascript:" not in html
    assert frame.locator("img[src^='http'], [srcset], [background], link, iframe").count() == 0


def test_host_header_is_refused_on_the_real_server(ui_server):
    conn = http.client.HTTPConnection("127.0.0.1", ui_server.port, timeout=5)
    conn.request("GET", "/", headers={"Host": "evil.example"})
    response = conn.getresponse()
    assert response.status == 421
    conn.close()
    conn = http.client.HTTPConnection("127.0.0.1", ui_server.port, timeout=5)
    conn.request("GET", "/")
    assert conn.getresponse().status == 200
    conn.close()


def test_post_without_csrf_is_refused_on_the_real_server(ui_server, browser_case):
    conn = http.client.HTTPConnection("127.0.0.1", ui_server.port, timeout=5)
    body = "decision=confirmed-authentic&reviewer=mallory"
    conn.request(
        "POST",
        f"/items/{browser_case.sha['filler4']}/decisions",
        body=body,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert conn.getresponse().status == 403
    conn.close()
