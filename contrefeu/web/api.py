"""JSON twins of the review pages under /api/ (same data, same filters, same access rules).

`/api/items?q=...` (search with facets), `/api/items/<sha256>` (one item with its evidence
and decisions), `/api/stats` (the dashboard's numbers). Read-only: decisions are recorded
through the HTML form, which carries the CSRF token.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from contrefeu.web import queries
from contrefeu.web.app import ReviewState
from contrefeu.web.items import item_detail

router = APIRouter(prefix="/api")
# Fields shown per item (a fixed list: the items table also holds internal columns and blobs).
ITEM_FIELDS = (
    "sha256",
    "path",
    "dump",
    "kind",
    "size",
    "container",
    "mailbox",
    "parent_path",
    "message_id",
    "date",
    "date_utc",
    "from_addr",
    "from_name",
    "subject",
    "content_type",
    "filename",
    "verdict",
    "confidence",
    "sensitivity_level",
)


def _conn(request: Request) -> Any:
    state: ReviewState = request.app.state.review
    return state.connections.case().conn


def _item(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row.get(k) for k in ITEM_FIELDS if k in row}


@router.get("/items")
def api_items(request: Request, page: int = 1, per_page: int = queries.PER_PAGE) -> JSONResponse:
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    filters = queries.Filters.from_params(params)
    result = queries.search(_conn(request), filters, page, per_page)
    return JSONResponse(
        {
            "query": filters.q,
            "understood": filters.query.display(),
            "total": result.total,
            "page": result.page,
            "per_page": result.per_page,
            "pages": result.pages,
            "items": [
                _item(r) | {"decision": r["decision"].to_dict() if r["decision"] else None}
                for r in result.rows
            ],
            "facets": {
                f.name: [
                    {"value": v.value, "count": v.count, "selected": v.selected} for v in f.values
                ]
                for f in result.facets
            },
        }
    )


@router.get("/items/{sha256}")
def api_item(request: Request, sha256: str) -> JSONResponse:
    detail = item_detail(_conn(request), sha256)
    if detail is None:
        return JSONResponse({"error": "no item with these bytes in this case"}, status_code=404)
    item = _item(detail.item) | {"body_text": detail.item["body_text"]}
    return JSONResponse(
        {
            "item": item | {"to_addrs": detail.to_addrs},
            "occurrences": [o["path"] for o in detail.occurrences],
            "signatures": [
                {
                    k: s[k]
                    for k in (
                        "kind",
                        "idx",
                        "domain",
                        "selector",
                        "algorithm",
                        "result",
                        "detail",
                        "key_bits",
                        "key_source",
                    )
                }
                for s in detail.signatures
            ],
            "findings": [
                {k: f[k] for k in ("code", "severity", "detail", "related_path", "paths")}
                for f in detail.findings
            ],
            "attachments": detail.attachments,
            "parents": detail.parents,
            "thread": detail.thread,
            "related": detail.related,
            "sensitivity": detail.sensitivity,
            "doc_meta": detail.doc_meta,
            "decisions": [d.to_dict() for d in detail.decisions],
        }
    )


@router.get("/stats")
def api_stats(request: Request) -> JSONResponse:
    data = queries.dashboard(_conn(request))
    out = dataclasses.asdict(data)
    out["timeline"] = [{"day": day, "verdicts": counts} for day, counts in data.timeline]
    out["top_senders"] = [{"sender": s, "count": n} for s, n in data.top_senders]
    out["top_domains"] = [{"domain": s, "count": n} for s, n in data.top_domains]
    return JSONResponse(out)
