"""The review web UI's application factory (FastAPI + Jinja2 + vendored htmx).

`create_app(case_path)` returns an ASGI app serving the routes fixed in DESIGN.md (dashboard,
item list and search, item page, raw download, JSON twins under /api/). It opens the case once
read-write to apply migrations, then gives each worker thread its own SQLite connection (WAL:
readers do not block a scan that is still writing). Not for: running a server (server.py).
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from contrefeu.errors import UsageError
from contrefeu.store import Case
from contrefeu.web.security import AccessPolicy, guard_middleware, new_token, token_required

HERE = Path(__file__).parent


class CaseConnections:
    """One SQLite connection per thread on the same case file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()

    def case(self) -> Case:
        case = getattr(self._local, "case", None)
        if case is None:
            conn = sqlite3.connect(self.path, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout=10000")
            conn.execute("PRAGMA foreign_keys=ON")
            case = Case(self.path, conn)
            self._local.case = case
        return case


@dataclass
class ReviewState:
    """What every request handler needs, kept on `app.state.review`."""

    case_path: Path
    policy: AccessPolicy
    connections: CaseConnections
    templates: Jinja2Templates


def create_app(
    case_path: Path,
    *,
    host: str = "127.0.0.1",
    token: str | None = None,
    extra_hosts: frozenset[str] = frozenset(),
) -> FastAPI:
    """The review UI for one case.

    `host` is the address the server is bound to: it decides the accepted Host headers and,
    when it is not loopback, an access token is required (a random one is made when none is
    given; read it back from `app.state.review.policy.token`).
    """
    case_path = Path(case_path)
    if not case_path.exists():
        raise UsageError(f"no case at {case_path}")
    with Case.open(case_path, create=False) as case:
        # Applies pending migrations once, and indexes rows an interrupted scan left unindexed.
        case.index_pending()
    if token is None and token_required(host):
        token = new_token()
    policy = AccessPolicy(
        bind_host=host, token=token, extra_hosts=frozenset(h.lower() for h in extra_hosts)
    )
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    _configure_templates(templates)
    app = FastAPI(title="contrefeu review", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.review = ReviewState(case_path, policy, CaseConnections(case_path), templates)
    app.middleware("http")(guard_middleware(policy))
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    from contrefeu.web import api, pages

    app.include_router(pages.router)
    app.include_router(api.router)
    return app


def _configure_templates(templates: Jinja2Templates) -> None:
    from urllib.parse import urlencode

    from contrefeu.report.plots import VERDICT_COLOURS

    env = templates.env
    env.autoescape = True
    env.globals["verdict_colours"] = VERDICT_COLOURS
    env.filters["qs"] = lambda pairs: urlencode(list(pairs))
    env.filters["short"] = lambda text, n=80: (
        text if text is None or len(text) <= n else text[: n - 1] + "…"
    )
    env.filters["bytes"] = _human_bytes
    env.filters["basename"] = lambda path: Path(path or "").name or path


def _human_bytes(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"
