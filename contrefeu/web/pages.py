"""The HTML routes of the review UI (DESIGN.md: /, /items, /items/<sha256>, .../raw).

Handlers are thin: they read with `queries`/`items`, render a template and never trust the
leaked content (Jinja2 autoescaping everywhere; the HTML body only as a sanitised, sandboxed
iframe srcdoc). Sync handlers run in a worker thread with that thread's own connection.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, unquote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from contrefeu.errors import UsageError
from contrefeu.store.decisions import DECISIONS, record_decision
from contrefeu.web import queries
from contrefeu.web.app import ReviewState
from contrefeu.web.charts import timeline_chart
from contrefeu.web.diff import word_diff
from contrefeu.web.items import is_sha256, item_detail, read_raw_bytes
from contrefeu.web.sanitize import html_part_of, sanitize_html
from contrefeu.web.security import CSRF_FIELD, check_csrf, csrf_token_for

router = APIRouter()
REVIEWER_COOKIE = "contrefeu_reviewer"


def _state(request: Request) -> ReviewState:
    state: ReviewState = request.app.state.review
    return state


def _render(request: Request, name: str, context: dict[str, Any], status: int = 200) -> Response:
    state = _state(request)
    base = {
        "csrf_token": csrf_token_for(request),
        "csrf_field": CSRF_FIELD,
        "case_name": state.case_path.name,
    }
    return state.templates.TemplateResponse(request, name, base | context, status_code=status)


def _not_found(request: Request, what: str) -> Response:
    return _render(request, "error.html", {"title": "Not found", "message": what}, 404)


@router.get("/", response_class=HTMLResponse)
def dashboard_page(request: Request) -> Response:
    conn = _state(request).connections.case().conn
    data = queries.dashboard(conn)
    return _render(
        request,
        "dashboard.html",
        {
            "d": data,
            "chart": timeline_chart(data.timeline),
            "levels": queries.LEVELS,
        },
    )


@router.get("/items", response_class=HTMLResponse)
def items_page(request: Request, page: int = 1) -> Response:
    conn = _state(request).connections.case().conn
    filters = queries.Filters.from_params(_multi(request))
    result = queries.search(conn, filters, page)
    return _render(
        request, "items.html", {"r": result, "f": filters, "understood": filters.query.display()}
    )


def _multi(request: Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        out.setdefault(key, []).append(value)
    return out


@router.get("/items/{sha256}", response_class=HTMLResponse)
def item_page(request: Request, sha256: str) -> Response:
    case = _state(request).connections.case()
    detail = item_detail(case.conn, sha256)
    if detail is None:
        return _not_found(request, "No item with these bytes in this case.")
    html = None
    html_error = None
    if detail.item["kind"] == "email":
        raw = read_raw_bytes(case, detail.item["id"])
        if raw is None:
            html_error = "The original bytes could not be read again from the evidence."
        else:
            part = html_part_of(raw)
            html_error = part.error
            if part.html is not None:
                html = sanitize_html(part.html)
    return _render(
        request,
        "item.html",
        {
            "d": detail,
            "i": detail.item,
            "html": html,
            "html_error": html_error,
            "decision_kinds": DECISIONS,
            "reviewer": unquote(request.cookies.get(REVIEWER_COOKIE, "")),
        },
    )


@router.get("/items/{sha256}/raw")
def item_raw(request: Request, sha256: str) -> Response:
    case = _state(request).connections.case()
    if not is_sha256(sha256):
        return _not_found(request, "Not an item address.")
    rows = case.conn.execute(
        "SELECT id FROM items WHERE sha256 = ? ORDER BY id", (sha256,)
    ).fetchall()
    for row in rows:  # the same bytes may still be readable at another occurrence
        data = read_raw_bytes(case, row["id"])
        if data is not None:
            return Response(
                data,
                media_type="application/octet-stream",
                headers={
                    "Content-Disposition": f'attachment; filename="{sha256}.bin"',
                },
            )
    return _not_found(request, "The original bytes could not be read again from the evidence.")


@router.get("/items/{sha256}/diff/{other}", response_class=HTMLResponse)
def diff_page(request: Request, sha256: str, other: str) -> Response:
    conn = _state(request).connections.case().conn
    left, right = item_detail(conn, other), item_detail(conn, sha256)
    if left is None or right is None:
        return _not_found(request, "One of the two items is not in this case.")
    diff = word_diff(left.item["body_text"] or "", right.item["body_text"] or "")
    return _render(request, "diff.html", {"left": left.item, "right": right.item, "diff": diff})


@router.post("/items/{sha256}/decisions")
def post_decision(
    request: Request,
    sha256: str,
    decision: str = Form(""),
    note: str = Form(""),
    reviewer: str = Form(""),
    csrf: str = Form(""),
) -> Response:
    if not check_csrf(request, csrf):
        return _render(
            request,
            "error.html",
            {
                "title": "Refused",
                "message": "The form's security token is missing or wrong: "
                "reload the page and submit again.",
            },
            403,
        )
    conn = _state(request).connections.case().conn
    try:
        record_decision(conn, sha256, decision, reviewer, note)
    except UsageError as exc:
        return _render(request, "error.html", {"title": "Not recorded", "message": str(exc)}, 400)
    response = RedirectResponse(f"/items/{sha256}#decisions", status_code=303)
    response.set_cookie(
        REVIEWER_COOKIE,
        quote(" ".join(reviewer.split())[:200]),
        httponly=True,
        samesite="strict",
        path="/",
    )
    return response
