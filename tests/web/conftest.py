"""A small review case made by hand through the real write path, and real servers for it.

The case holds a hostile HTML mail (scripts, event handlers, remote images pointing at a local
"remote" server), an original and its altered copy, a reply thread, the same bytes at two
paths, an attachment whose file name is HTML, and mail spread over mailboxes, senders,
domains, dates and sensitivity levels for the facets. Every email is a real .eml file in the
dump folder, so the raw download and the HTML body go through the real evidence reader.
"""

from __future__ import annotations

import hashlib
import http.server
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest

from contrefeu.model import Finding, ItemRecord, SignatureResult
from contrefeu.store import Case

DUMP_NAME = "dump"


@dataclass
class ReviewCase:
    path: Path
    dump: Path
    sha: dict[str, str] = field(default_factory=dict)  # label -> sha256
    remote_port: int = 0


def _eml(
    subject: str,
    sender: str,
    when: datetime,
    body: str,
    *,
    html: str | None = None,
    message_id: str,
    in_reply_to: str | None = None,
) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "equipe@avenir-commun.fr"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
    msg.set_content(body)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg.as_bytes()


def hostile_html(remote: str) -> str:
    """Leaked HTML doing everything it should not; `remote` is the 'attacker' server."""
    return f"""<html><head>
<link rel="stylesheet" href="{remote}/style.css">
<style>body {{ background: url({remote}/css-bg.png) }}</style>
<meta http-equiv="refresh" content="0;url={remote}/refresh">
<base href="{remote}/">
</head><body background="{remote}/body-bg.png">
<script>window.pwned = "script"; fetch("{remote}/script-fetch");</script>
<p>Facture <b>jointe</b>, merci de r&eacute;gler avant vendredi.</p>
<img src="{remote}/pixel.gif" width="1" height="1" alt="">
<img src="x" onerror="window.pwned='onerror'; new Image().src='{remote}/onerror'">
<img srcset="{remote}/srcset.png 1x, {remote}/srcset2.png 2x" alt="responsive">
<div style="background-image: url('{remote}/inline-style.png')">styled</div>
<a href="javascript:window.pwned='link'">click</a>
<a href="{remote}/tracked-link">tracked</a>
<iframe src="{remote}/frame"></iframe>
<object data="{remote}/object"></object>
<video poster="{remote}/poster.png"></video>
<svg><image href="{remote}/svg-image.png"/><script>window.pwned='svg'</script></svg>
<form action="{remote}/form"><input name="x"></form>
<table background="{remote}/table-bg.png"><tr><td>Total 1 200,00 EUR</td></tr></table>
</body></html>"""


def build_review_case(root: Path, remote_port: int = 9) -> ReviewCase:
    """Write the review case under root (dump folder + case.db)."""
    dump = root / DUMP_NAME
    dump.mkdir(parents=True)
    case = ReviewCase(root / "case.db", dump, remote_port=remote_port)
    remote = f"http://127.0.0.1:{remote_port}"
    records: list[ItemRecord] = []

    def add(label: str, path: str, raw: bytes, **fields: object) -> ItemRecord:
        target = dump / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(raw)
        sha = hashlib.sha256(raw).hexdigest()
        case.sha[label] = sha
        when = fields.pop("when", None)
        extra: dict[str, object] = {}
        if isinstance(when, datetime):
            extra = {"date": when.isoformat(), "date_utc": when.astimezone(UTC).isoformat()}
        record = ItemRecord(
            path=path,
            sha256=sha,
            kind="email",
            size=len(raw),
            container="eml",
            locator={"file": path},
            analysis_key=f"test:{sha}",
            **extra,  # type: ignore[arg-type]
            **fields,  # type: ignore[arg-type]
        )
        records.append(record)
        return record

    day = datetime(2017, 5, 2, 9, 30, tzinfo=UTC)
    hostile_subject = "<script>window.pwned='subject'</script> Facture <i>urgente</i>"
    raw = _eml(
        hostile_subject,
        "Fournisseur <compta@imprimerie-rapide.example>",
        day,
        "Facture jointe, merci de regler avant vendredi.",
        html=hostile_html(remote),
        message_id="<hostile-1@imprimerie-rapide.example>",
    )
    hostile = add(
        "hostile",
        "inbox/hostile.eml",
        raw,
        subject=hostile_subject,
        from_addr="compta@imprimerie-rapide.example",
        from_name="Fournisseur",
        body_text="Facture jointe, merci de regler avant vendredi.",
        mailbox="tresorerie",
        message_id="<hostile-1@imprimerie-rapide.example>",
        when=day,
        verdict="unverified",
        sensitivity={"level": "high", "categories": ["finance"], "spans": []},
    )
    evil_name = "<img src=x onerror=\"window.pwned='filename'\">facture.pdf"
    attachment = b"%PDF-1.4 fake invoice"
    hostile.children.append(
        ItemRecord(
            path="inbox/hostile.eml#1/facture.pdf",
            sha256=hashlib.sha256(attachment).hexdigest(),
            kind="attachment",
            size=len(attachment),
            container="eml",
            parent_path=hostile.path,
            filename=evil_name,
            content_type="application/pdf",
            verdict="unverified",
            locator={"number": 1},
            analysis_key="test:attachment",
        )
    )
    case.sha["attachment"] = hostile.children[0].sha256

    original_body = (
        "Bonjour,\n\nLe virement de 1 200 euros pour la salle du meeting de Lyon "
        "est parti ce matin.\n\nCordialement,\nClaire"
    )
    altered_body = (
        "Bonjour,\n\nLe virement de 98 000 euros pour la salle du meeting de Lyon "
        "est parti ce matin, en liquide.\n\nCordialement,\nClaire"
    )
    when = day.replace(day=3)
    add(
        "original",
        "tresorerie/original.eml",
        _eml(
            "Virement salle Lyon",
            "Claire Martin <c.martin@avenir-commun.fr>",
            when,
            original_body,
            message_id="<virement-1@avenir-commun.fr>",
        ),
        subject="Virement salle Lyon",
        from_addr="c.martin@avenir-commun.fr",
        from_name="Claire Martin",
        body_text=original_body,
        mailbox="tresorerie",
        message_id="<virement-1@avenir-commun.fr>",
        when=when,
        verdict="authentic",
        signatures=[
            SignatureResult(
                "avenir-commun.fr",
                "mail2017",
                "rsa-sha256",
                "pass",
                "signature verifies",
                key_bits=2048,
                key_source="archive:test",
            )
        ],
        sensitivity={"level": "medium", "categories": ["finance", "events"], "spans": []},
    )
    add(
        "altered",
        "fuite/altered.eml",
        _eml(
            "Virement salle Lyon",
            "Claire Martin <c.martin@avenir-commun.fr>",
            when,
            altered_body,
            message_id="<virement-1@avenir-commun.fr>",
        ),
        subject="Virement salle Lyon",
        from_addr="c.martin@avenir-commun.fr",
        from_name="Claire Martin",
        body_text=altered_body,
        mailbox="fuite",
        message_id="<virement-1@avenir-commun.fr>",
        when=when,
        verdict="altered",
        signatures=[
            SignatureResult(
                "avenir-commun.fr",
                "mail2017",
                "rsa-sha256",
                "fail-body",
                "body hash does not match",
                key_bits=2048,
                key_source="archive:test",
            )
        ],
        findings=[
            Finding(
                "near-duplicate-altered",
                "high",
                "Same message as tresorerie/original.eml with the body changed.",
                related_path="tresorerie/original.eml",
            )
        ],
    )
    reply_when = when.replace(hour=15)
    reply_raw = _eml(
        "RE: Virement salle Lyon",
        "Paul Durand <p.durand@avenir-commun.fr>",
        reply_when,
        "Bien recu, merci.",
        message_id="<reply-1@avenir-commun.fr>",
        in_reply_to="<virement-1@avenir-commun.fr>",
    )
    add(
        "reply",
        "tresorerie/reply.eml",
        reply_raw,
        subject="RE: Virement salle Lyon",
        from_addr="p.durand@avenir-commun.fr",
        from_name="Paul Durand",
        body_text="Bien recu, merci.",
        mailbox="tresorerie",
        message_id="<reply-1@avenir-commun.fr>",
        in_reply_to="<virement-1@avenir-commun.fr>",
        when=reply_when,
        verdict="unverified",
    )
    # The same bytes at a second path.
    add(
        "reply",
        "copies/reply-copy.eml",
        reply_raw,
        subject="RE: Virement salle Lyon",
        from_addr="p.durand@avenir-commun.fr",
        from_name="Paul Durand",
        body_text="Bien recu, merci.",
        mailbox="copies",
        message_id="<reply-1@avenir-commun.fr>",
        in_reply_to="<virement-1@avenir-commun.fr>",
        when=reply_when,
        verdict="unverified",
    )
    # Filler mail for facets and paging: 60 messages over two weeks of June.
    for n in range(60):
        sent = datetime(2017, 6, 1 + n % 14, 8 + n % 9, n % 60, tzinfo=UTC)
        sender = (
            "press@gazette.example",
            "benevoles@avenir-commun.fr",
            "c.martin@avenir-commun.fr",
        )[n % 3]
        body = f"Programme du meeting numero {n}. " + (
            "Les transports sont reserves. " if n % 2 else "Communique de presse en preparation. "
        )
        level = ("low", "none", "critical")[n % 3]
        add(
            f"filler{n}",
            f"archive/{n:03d}.eml",
            _eml(f"Meeting {n}", sender, sent, body, message_id=f"<m{n}@example>"),
            subject=f"Meeting {n}",
            from_addr=sender,
            body_text=body,
            mailbox=("archive", "presse")[n % 2],
            message_id=f"<m{n}@example>",
            when=sent,
            verdict="unverified" if n % 5 else "forged",
            findings=[]
            if n % 5
            else [Finding("header-forged-date", "medium", f"Date of meeting {n} is impossible.")],
            sensitivity={
                "level": level,
                "categories": ["programme"] if n % 2 else ["press"],
                "spans": [],
            },
        )
    with Case.open(case.path) as db:
        db.write_items(str(dump), records)
    return case


@pytest.fixture(scope="session")
def review_case(tmp_path_factory: pytest.TempPathFactory) -> ReviewCase:
    return build_review_case(tmp_path_factory.mktemp("review"))


# -- real servers ---------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RemoteServer:
    """A plain HTTP server standing for the outside world: it records every request."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        hits = self.hits

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/gif")
                self.end_headers()
                self.wfile.write(b"GIF89a")

            do_POST = do_GET  # noqa: N815

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> RemoteServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


class UIServer:
    """The review app under a real uvicorn server on 127.0.0.1, in a thread."""

    def __init__(self, case_path: Path, token: str | None = None) -> None:
        import uvicorn

        from contrefeu.web.app import create_app

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        app = create_app(case_path, host="127.0.0.1", token=token)
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_config=None,
            log_level="warning",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> UIServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the review server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture(scope="session")
def remote_server() -> Iterator[RemoteServer]:
    with RemoteServer() as remote:
        yield remote


@pytest.fixture(scope="session")
def browser_case(
    tmp_path_factory: pytest.TempPathFactory, remote_server: RemoteServer
) -> ReviewCase:
    """The review case whose hostile mail points at the recording 'remote' server."""
    return build_review_case(tmp_path_factory.mktemp("browser"), remote_server.port)


@pytest.fixture(scope="session")
def ui_server(browser_case: ReviewCase) -> Iterator[UIServer]:
    with UIServer(browser_case.path) as server:
        yield server


@pytest.fixture(scope="session")
def ui_server_class() -> type[UIServer]:
    """`UIServer` for test modules (a fixture: `from conftest import` depends on sys.path)."""
    return UIServer


# Debian's Chromium, driven by Playwright through `executable_path` (no browser download).
CHROMIUM = os.environ.get("CONTREFEU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DOCS_IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Headless Chromium for one test module; skips when Playwright or Chromium is absent."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Debian chromium is not installed")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    """docs/img/ when CONTREFEU_SCREENSHOTS=1 (the README's images), else the test's tmp_path."""
    if os.environ.get("CONTREFEU_SCREENSHOTS") == "1":
        DOCS_IMG.mkdir(parents=True, exist_ok=True)
        return DOCS_IMG
    return tmp_path
