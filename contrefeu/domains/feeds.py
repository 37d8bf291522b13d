"""Where observed names come from, and where alerts go.

What it is for: turning input lines (bare domains, URLs, newly-registered-domain list rows,
certstream JSON messages) into names to score, following a growing file like ``tail -f``,
pulling the URLs and sender domains out of a mailbox or a case database, and sending alerts to
a JSONL file or a webhook (only when one is configured).

Every bad line becomes a ``DomainScore`` with ``error`` set, never an exception: feeds carry
binary junk, half-written lines and hostile text.

What it is not for: scoring (``score.py``).
"""

from __future__ import annotations

import json
import mailbox
import re
import sqlite3
import time
import urllib.request
from collections.abc import Callable, Iterable, Iterator
from email.message import Message
from email.utils import getaddresses
from pathlib import Path
from typing import Any, BinaryIO

from contrefeu.domains.score import BrandIndex, DomainScore

MAX_LINE = 1 << 20  # a certstream message with thousands of names stays well below this
_URL_RE = re.compile(r"""(?i)\bhttps?://[^\s<>"'()\[\]{}]+""")
_EMAIL_RE = re.compile(r"(?i)[a-z0-9._%+-]+@([a-z0-9.-]+\.[a-z]{2,63})")


def names_in_line(line: str) -> tuple[list[str], str | None]:
    """(names, error) for one feed line.

    Accepts a certstream message (``certificate_update``: every name of ``leaf_cert.all_domains``;
    heartbeats give no name), a bare domain or URL, or a row of a newly-registered-domain list
    (``domain,date,...`` or ``domain<TAB>...``: the first field).
    """
    text = line.strip().lstrip("\ufeff")
    if not text:
        return [], "empty line"
    if "\ufffd" in text or any(ord(c) < 32 and c != "\t" for c in text):
        return [], "binary or undecodable data"
    if text.startswith("{"):
        return _certstream_names(text)
    if text.startswith("#"):
        return [], None  # comment line of a list file
    if "://" not in text:
        text = re.split(r"[,\t; ]", text, maxsplit=1)[0]
    return [text], None


def _certstream_names(text: str) -> tuple[list[str], str | None]:
    try:
        msg = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return [], f"invalid JSON: {str(exc)[:80]}"
    if not isinstance(msg, dict):
        return [], "JSON line is not an object"
    kind = msg.get("message_type")
    if kind == "heartbeat":
        return [], None
    data = msg.get("data")
    if kind == "dns_entries" and isinstance(data, list):
        return [d for d in data if isinstance(d, str)], None
    if not isinstance(data, dict):
        # Plain JSON objects with a "domain" field (our own output, other tools' exports).
        if isinstance(msg.get("domain"), str):
            return [msg["domain"]], None
        return [], "JSON object is neither a certstream message nor has a 'domain' field"
    leaf = data.get("leaf_cert")
    if not isinstance(leaf, dict):
        return [], "certstream message without leaf_cert"
    names = leaf.get("all_domains")
    if not isinstance(names, list):
        subject = leaf.get("subject")
        cn = subject.get("CN") if isinstance(subject, dict) else None
        names = [cn] if isinstance(cn, str) else []
    out: list[str] = []
    seen: set[str] = set()
    for name in names:
        if isinstance(name, str):
            clean = name.strip().lower().removeprefix("*.")
            if clean and clean not in seen:
                seen.add(clean)
                out.append(clean)
    if not out:
        return [], "certstream message without names"
    return out, None


def decode_lines(stream: BinaryIO) -> Iterator[str]:
    """Lines of a binary stream as text; invalid UTF-8 becomes U+FFFD (then an error object)."""
    for raw in stream:
        if len(raw) > MAX_LINE:
            yield "\ufffd"  # overlong line: reported, not parsed
            continue
        yield raw.decode("utf-8", errors="replace").rstrip("\r\n")


def follow_lines(
    path: Path,
    poll_seconds: float = 0.5,
    stop: Callable[[], bool] | None = None,
    from_start: bool = True,
) -> Iterator[str]:
    """Yield the lines of a file as it grows, like ``tail -f`` (rotation and truncation too).

    Ends when ``stop()`` returns True (checked while waiting). A partial last line is held
    back until its newline arrives.
    """
    fh = open(path, "rb")  # noqa: SIM115 - reopened on rotation
    try:
        if not from_start:
            fh.seek(0, 2)
        pending = b""
        inode = path.stat().st_ino
        while True:
            chunk = fh.readline()
            if chunk:
                pending += chunk
                if pending.endswith(b"\n"):
                    line, pending = pending, b""
                    if len(line) > MAX_LINE:
                        yield "\ufffd"
                    else:
                        yield line.decode("utf-8", errors="replace").rstrip("\r\n")
                continue
            if stop is not None and stop():
                return
            time.sleep(poll_seconds)
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            if st.st_ino != inode or st.st_size < fh.tell():
                fh.close()
                fh = open(path, "rb")  # noqa: SIM115
                inode = st.st_ino
                pending = b""
    finally:
        fh.close()


def score_lines(
    index: BrandIndex,
    lines: Iterable[str],
    on_result: Callable[[DomainScore], None] | None = None,
) -> Iterator[DomainScore]:
    """Score every name of every line; a bad line yields one result with ``error`` set."""
    for n, line in enumerate(lines, 1):
        names, error = names_in_line(line)
        if error is not None:
            result = DomainScore(domain=line.strip()[:200], error=error, source=f"line {n}")
            if on_result:
                on_result(result)
            yield result
            continue
        for name in names:
            result = index.score(name, source=f"line {n}")
            if on_result:
                on_result(result)
            yield result


# --- names found in mail and cases ---------------------------------------------------------


def names_in_message(msg: Message) -> list[str]:
    """Sender-side domains (From, Reply-To, Return-Path, Sender) and URLs of one message."""
    out: list[str] = []
    for header in ("from", "reply-to", "return-path", "sender"):
        for value in msg.get_all(header, []) or []:
            for _, addr in getaddresses([str(value)]):
                if "@" in addr:
                    out.append(addr.rsplit("@", 1)[1].strip("<> ").lower())
    for part in msg.walk():
        if part.get_content_maintype() != "text":
            continue
        try:
            payload = part.get_payload(decode=True)
        except Exception:  # noqa: BLE001 - malformed transfer encoding: skip the part
            continue
        if isinstance(payload, bytes):
            out.extend(urls_in_text(payload.decode("utf-8", errors="replace")))
    return _dedupe(out)


def urls_in_text(text: str) -> list[str]:
    """http(s) URLs in text or HTML (attributes included), without trailing punctuation."""
    return [u.rstrip(".,;:!?'\"") for u in _URL_RE.findall(text)]


def names_in_mbox(path: Path) -> Iterator[tuple[str, str]]:
    """(name, source) for every sender domain and URL in an mbox file (read-only)."""
    box = mailbox.mbox(str(path), create=False)
    try:
        for n, key in enumerate(box.iterkeys(), 1):
            try:
                msg = box.get_message(key)
            except Exception:  # noqa: BLE001 - a broken message must not stop the box
                continue
            for name in names_in_message(msg):
                yield name, f"{path.name}!{n}"
    finally:
        box.close()


def names_in_case(path: Path) -> Iterator[tuple[str, str]]:
    """(name, source) for URLs and e-mail domains stored in a case database (read-only).

    Reads every text column of every table, so it keeps working as the case schema grows.
    """
    if not path.exists():
        raise FileNotFoundError(path)
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")
            if not str(r[0]).startswith("sqlite_") and "_fts" not in str(r[0])
        ]
        seen: set[str] = set()
        for table in tables:
            cols = [r[1] for r in con.execute(f'PRAGMA table_info("{table}")')]
            for row in con.execute(f'SELECT * FROM "{table}"'):
                for col, value in zip(cols, row, strict=False):
                    if isinstance(value, bytes):
                        value = value.decode("utf-8", errors="replace")
                    if not isinstance(value, str) or ("@" not in value and "://" not in value):
                        continue
                    found = urls_in_text(value) + [m.lower() for m in _EMAIL_RE.findall(value)]
                    for name in found:
                        if name not in seen:
                            seen.add(name)
                            yield name, f"{table}.{col}"
    finally:
        con.close()


def _dedupe(items: list[str]) -> list[str]:
    seen: set[str] = set()
    return [x for x in items if not (x in seen or seen.add(x))]  # type: ignore[func-returns-value]


# --- alert sinks ---------------------------------------------------------------------------


class AlertSink:
    """Appends alerts to a JSONL file and/or posts them to a webhook, when configured.

    Delivery problems are recorded in ``errors`` (the run goes on); nothing is sent anywhere
    unless a file or URL was given.
    """

    def __init__(self, jsonl_path: Path | None = None, webhook_url: str | None = None) -> None:
        self.jsonl_path = jsonl_path
        self.webhook_url = webhook_url
        self.errors: list[str] = []
        self.sent = 0

    def __call__(self, result: DomainScore) -> None:
        if not result.alert:
            return
        payload = result.to_dict()
        if self.jsonl_path is not None:
            with open(self.jsonl_path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(payload, ensure_ascii=False) + "\n")
        if self.webhook_url is not None:
            self._post(payload)
        self.sent += 1

    def _post(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        req = urllib.request.Request(  # noqa: S310 - the user gave this URL on purpose
            self.webhook_url or "",
            data=body,
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
                resp.read()
        except OSError as exc:
            self.errors.append(f"webhook: {exc}")
