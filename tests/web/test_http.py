"""The review app over HTTP (in-process ASGI client): routes, escaping, security rules."""

from __future__ import annotations

import hashlib
import re
import warnings

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from contrefeu.errors import UsageError
from contrefeu.web.app import create_app
from contrefeu.web.security import (
    CONTENT_SECURITY_POLICY,
    CSRF_COOKIE,
    TOKEN_COOKIE,
    host_name,
    is_loopback,
    reviewer_url,
    token_required,
)
from contrefeu.web.server import serve

BASE = "http://127.0.0.1:8750"


@pytest.fixture(scope="module")
def client(review_case):
    return TestClient(create_app(review_case.path), base_url=BASE)


def _csrf(client: TestClient, sha: str) -> str:
    page = client.get(f"/items/{sha}")
    match = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert match, "the decision form carries a CSRF token"
    return match.group(1)


def test_pages_answer_with_security_headers(client, review_case):
    for url in (
        "/",
        "/items",
        "/items?q=virement",
        f"/items/{review_case.sha['altered']}",
        "/api/stats",
        "/api/items",
        "/static/htmx.min.js",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert response.headers["x-frame-options"] == "DENY"


def test_no_inline_script_in_any_page(client, review_case):
    for url in ("/", "/items", f"/items/{review_case.sha['hostile']}"):
        scripts = re.findall(r"<script\b[^>]*>", client.get(url).text)
        assert scripts == ['<script src="/static/htmx.min.js" defer>'], url


def test_hostile_subject_and_filename_are_escaped(client, review_case):
    for url in (
        "/items?q=facture",
        f"/items/{review_case.sha['hostile']}",
        f"/items/{review_case.sha['attachment']}",
    ):
        text = client.get(url).text
        assert "<script>window.pwned" not in text, url
        assert "<img src=x onerror" not in text, url
    page = client.get(f"/items/{review_case.sha['hostile']}").text
    assert "&lt;script&gt;window.pwned=" in page
    assert "&lt;img src=x onerror=" in page  # the attachment's name, shown as text


def test_html_body_only_in_sandboxed_srcdoc_without_remote_references(client, review_case):
    page = client.get(f"/items/{review_case.sha['hostile']}").text
    frames = re.findall(r"<iframe[^>]*>", page)
    assert len(frames) == 1
    assert re.search(r"\ssandbox\s", frames[0]) and "allow-" not in frames[0]
    srcdoc = re.search(r'srcdoc="([^"]*)"', frames[0]).group(1)
    assert "Facture" in srcdoc and "jointe" in srcdoc
    assert f"127.0.0.1:{review_case.remote_port}" not in srcdoc
    for word in (
        "script",
        "onerror",
        "javascript",
        "style=",
        "&lt;style",
        "srcset",
        "background",
        "href",
    ):
        assert word not in srcdoc.lower(), word


def test_item_page_shows_evidence_occurrences_thread_and_related(client, review_case):
    altered = client.get(f"/items/{review_case.sha['altered']}").text
    assert "fail-body" in altered and "2048 bits" in altered
    assert "near-duplicate-altered" in altered
    assert f"/items/{review_case.sha['altered']}/diff/{review_case.sha['original']}" in altered
    reply = client.get(f"/items/{review_case.sha['reply']}").text
    assert "copies/reply-copy.eml" in reply and "tresorerie/reply.eml" in reply
    assert "Found at 2 places" in reply
    assert f"/items/{review_case.sha['original']}" in reply  # thread via In-Reply-To
    data = client.get(f"/api/items/{review_case.sha['reply']}").json()
    assert sorted(data["occurrences"]) == ["copies/reply-copy.eml", "tresorerie/reply.eml"]
    assert {t["sha256"] for t in data["thread"]} >= {
        review_case.sha["original"],
        review_case.sha["reply"],
    }


def test_diff_page_marks_changed_words(client, review_case):
    page = client.get(
        f"/items/{review_case.sha['altered']}/diff/{review_case.sha['original']}"
    ).text
    assert "<del>1 200 </del>" in page
    assert "<ins>98 000 </ins>" in page
    assert "<ins>matin, en liquide.\n</ins>" in page
    assert "<del>matin.\n</del>" in page


def test_raw_download_is_an_attachment_of_the_original_bytes(client, review_case):
    response = client.get(f"/items/{review_case.sha['hostile']}/raw")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert hashlib.sha256(response.content).hexdigest() == review_case.sha["hostile"]
    assert client.get("/items/" + "0" * 64 + "/raw").status_code == 404
    assert client.get("/items/not-a-hash/raw").status_code == 404


def test_unknown_item_is_404(client):
    assert client.get("/items/" + "f" * 64).status_code == 404
    assert client.get("/api/items/" + "f" * 64).status_code == 404
    assert client.get("/items/../../etc/passwd").status_code == 404


def test_decision_needs_csrf_token(client, review_case):
    sha = review_case.sha["filler7"]
    form = {"decision": "needs-work", "reviewer": "Ana", "note": "check"}
    refused = client.post(
        f"/items/{sha}/decisions", data=form | {"csrf": "forged"}, follow_redirects=False
    )
    assert refused.status_code == 403
    assert (
        client.post(f"/items/{sha}/decisions", data=form, follow_redirects=False).status_code == 403
    )
    assert client.get(f"/api/items/{sha}").json()["decisions"] == []
    token = _csrf(client, sha)
    cookie = client.cookies.get(CSRF_COOKIE)
    assert cookie == token
    accepted = client.post(
        f"/items/{sha}/decisions", data=form | {"csrf": token}, follow_redirects=False
    )
    assert accepted.status_code == 303
    decisions = client.get(f"/api/items/{sha}").json()["decisions"]
    assert [(d["decision"], d["reviewer"], d["note"]) for d in decisions] == [
        ("needs-work", "Ana", "check")
    ]


def test_decision_without_cookie_is_refused_even_with_a_token_value(review_case):
    fresh = TestClient(create_app(review_case.path), base_url=BASE)
    response = fresh.post(
        f"/items/{review_case.sha['filler8']}/decisions",
        data={"decision": "needs-work", "reviewer": "x", "csrf": "a" * 43},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_cross_origin_post_is_refused(client, review_case):
    sha = review_case.sha["filler9"]
    token = _csrf(client, sha)
    response = client.post(
        f"/items/{sha}/decisions",
        data={"decision": "needs-work", "reviewer": "x", "csrf": token},
        headers={"Origin": "http://evil.example"},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_unknown_decision_kind_is_refused(client, review_case):
    sha = review_case.sha["filler10"]
    token = _csrf(client, sha)
    response = client.post(
        f"/items/{sha}/decisions",
        data={"decision": "delete-everything", "reviewer": "x", "csrf": token},
    )
    assert response.status_code == 400


def test_host_header_is_checked(client):
    assert client.get("/", headers={"Host": "evil.example"}).status_code == 421
    assert client.get("/", headers={"Host": "evil.example:8750"}).status_code == 421
    assert client.get("/", headers={"Host": "localhost:8750"}).status_code == 200
    assert client.get("/", headers={"Host": "[::1]:8750"}).status_code == 200


def test_token_required_when_bound_beyond_loopback(review_case):
    app = create_app(review_case.path, host="0.0.0.0")  # noqa: S104 (setting, not binding)
    token = app.state.review.policy.token
    assert token and len(token) >= 40
    client = TestClient(app, base_url="http://192.0.2.10:8750")
    assert client.get("/").status_code == 403
    assert client.get("/api/stats").status_code == 403
    assert client.get("/?token=wrong").status_code == 403
    first = client.get(f"/items?q=lyon&token={token}", follow_redirects=False)
    assert first.status_code == 303
    assert first.headers["location"] == "/items?q=lyon"  # the token leaves the address bar
    assert "samesite=strict" in first.headers["set-cookie"].lower()
    assert client.cookies.get(TOKEN_COOKIE) == token
    assert client.get("/items?q=lyon").status_code == 200


def test_explicit_token_on_loopback_is_enforced(review_case):
    client = TestClient(create_app(review_case.path, token="s3cret-token"), base_url=BASE)
    assert client.get("/").status_code == 403
    assert client.get("/?token=s3cret-token").status_code == 200


def test_loopback_needs_no_token(review_case):
    app = create_app(review_case.path)
    assert app.state.review.policy.token is None


def test_serve_refuses_public_bind_without_token(review_case):
    with pytest.raises(UsageError):
        serve(review_case.path, host="0.0.0.0", port=1)  # noqa: S104 (refused before binding)


def test_security_helpers():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert is_loopback("127.4.5.6") and not is_loopback("192.168.1.2")
    assert token_required("0.0.0.0") and not token_required("127.0.0.1")  # noqa: S104
    assert host_name("LocalHost:8750") == "localhost"
    assert host_name("[::1]:80") == "::1"
    assert reviewer_url("0.0.0.0", 8750, "t") == "http://127.0.0.1:8750/?token=t"  # noqa: S104
    assert reviewer_url("127.0.0.1", 8750, None) == "http://127.0.0.1:8750/"


def test_api_search_and_facets(client):
    data = client.get("/api/items", params=[("q", "virement"), ("verdict", "altered")]).json()
    assert data["total"] == 1
    assert data["items"][0]["path"] == "fuite/altered.eml"
    assert data["facets"]["verdict"] == [{"value": "altered", "count": 1, "selected": True}]
    stats = client.get("/api/stats").json()
    assert stats["items"] == stats["verdicts"]["unverified"] + sum(
        n for v, n in stats["verdicts"].items() if v != "unverified"
    )
