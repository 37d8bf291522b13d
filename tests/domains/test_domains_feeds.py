"""Feeds: certstream messages, following a growing file, mailboxes, cases, alert sinks."""

from __future__ import annotations

import json
import mailbox
import sqlite3
import threading
import time
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, HTTPServer

from contrefeu.domains.feeds import (
    AlertSink,
    follow_lines,
    names_in_case,
    names_in_line,
    names_in_mbox,
    score_lines,
)
from contrefeu.domains.score import BrandIndex


def certstream(names: list[str]) -> str:
    return json.dumps(
        {
            "message_type": "certificate_update",
            "data": {
                "update_type": "X509LogEntry",
                "leaf_cert": {"subject": {"CN": names[0]}, "all_domains": names},
                "seen": 1700000000.0,
                "source": {"name": "Example CT log", "url": "ct.example.net/log/"},
            },
        }
    )


def test_certstream_message_names():
    names, error = names_in_line(certstream(["*.examplebank-login.com", "examplebank-login.com"]))
    assert error is None
    assert names == ["examplebank-login.com"]
    assert names_in_line('{"message_type": "heartbeat", "timestamp": 1}') == ([], None)


def test_nrd_list_rows_take_the_first_field():
    assert names_in_line("examplebank-secure.com,2026-11-01")[0] == ["examplebank-secure.com"]
    assert names_in_line("# comment") == ([], None)


def test_growing_certstream_file_is_followed_and_scored(tmp_path):
    feed = tmp_path / "ct.jsonl"
    feed.write_text(certstream(["harmless.example.org"]) + "\n")
    index = BrandIndex(["examplebank.com"])
    seen: list = []
    done = threading.Event()

    def writer() -> None:
        time.sleep(0.2)
        with open(feed, "a") as fh:
            fh.write(certstream(["examplebank-verify.com", "www.examplebank-verify.com"]))
            fh.flush()
            time.sleep(0.2)  # a half-written line must wait for its newline
            fh.write("\n" + "not json {\n")
            fh.flush()

    thread = threading.Thread(target=writer)
    thread.start()
    lines = follow_lines(feed, poll_seconds=0.05, stop=done.is_set)
    for result in score_lines(index, lines):
        seen.append(result)
        if len(seen) == 4:
            done.set()
    thread.join()
    assert [r.domain for r in seen[:3]] == [
        "harmless.example.org",
        "examplebank-verify.com",
        "www.examplebank-verify.com",
    ]
    assert not seen[0].alert and seen[1].alert and seen[2].alert
    assert seen[3].error is not None


def test_follow_survives_truncation(tmp_path):
    feed = tmp_path / "nrd.txt"
    feed.write_text("a.example.com\nb.example.com\n")
    done = threading.Event()
    got: list[str] = []

    def writer() -> None:
        time.sleep(0.2)
        feed.write_text("c.example.com\n")  # rotated by truncation

    t = threading.Thread(target=writer)
    t.start()
    for line in follow_lines(feed, poll_seconds=0.05, stop=done.is_set):
        got.append(line)
        if len(got) == 3:
            done.set()
    t.join()
    assert got == ["a.example.com", "b.example.com", "c.example.com"]


def test_mbox_urls_and_senders(tmp_path):
    box = mailbox.mbox(str(tmp_path / "in.mbox"))
    msg = EmailMessage()
    msg["From"] = "IT <it@examplebank-support.com>"
    msg["To"] = "claire@avenir-commun.fr"
    msg["Subject"] = "Password expiry"
    msg.set_content("Renew at https://examplebank.com.renew-login.top/owa, thanks.")
    box.add(msg)
    box.flush()
    box.close()
    found = list(names_in_mbox(tmp_path / "in.mbox"))
    assert ("examplebank-support.com", "in.mbox!1") in found
    assert ("https://examplebank.com.renew-login.top/owa", "in.mbox!1") in found
    index = BrandIndex(["examplebank.com"])
    assert all(index.score(name).alert for name, _ in found)


def test_case_database_urls(tmp_path):
    db = tmp_path / "case.db"
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE items (path TEXT, body TEXT)")
    con.execute(
        "INSERT INTO items VALUES ('a.eml', 'see http://login-examplebank.com/x from x@y.example.org')"
    )
    con.commit()
    con.close()
    names = {n for n, _ in names_in_case(db)}
    assert names == {"http://login-examplebank.com/x", "y.example.org"}


class _Hook(BaseHTTPRequestHandler):
    received: list[bytes] = []

    def do_POST(self) -> None:  # noqa: N802
        n = int(self.headers["Content-Length"])
        _Hook.received.append(self.rfile.read(n))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_alert_sink_file_and_webhook(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), _Hook)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        sink = AlertSink(tmp_path / "alerts.jsonl", url)
        index = BrandIndex(["examplebank.com"])
        list(score_lines(index, ["examplebank-login.com", "example.org"], on_result=sink))
    finally:
        server.shutdown()
    assert sink.sent == 1 and not sink.errors
    lines = (tmp_path / "alerts.jsonl").read_text().splitlines()
    assert [json.loads(x)["domain"] for x in lines] == ["examplebank-login.com"]
    assert json.loads(_Hook.received[-1])["target"] == "examplebank.com"


def test_webhook_failure_is_recorded_not_raised(tmp_path):
    sink = AlertSink(None, "http://127.0.0.1:9/unreachable")
    index = BrandIndex(["examplebank.com"])
    list(score_lines(index, ["examplebank-login.com"], on_result=sink))
    assert sink.errors and sink.errors[0].startswith("webhook:")
