"""The `domains` click group, driven with CliRunner; docs and --help checked against each other."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from contrefeu.domains.cli import domains_group

DOCS = Path(__file__).resolve().parents[2] / "docs" / "domains.md"


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(domains_group, list(args), input=input, catch_exceptions=False)


def test_score_jsonl_from_stdin():
    result = run(
        "score", "--brand", "en-marche.fr", "-", input="mail-en-marche.fr\n\nen-marche.fr\n"
    )
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["alert"] for r in rows] == [True, False, False]
    assert rows[0]["target"] == "en-marche.fr" and rows[0]["classes"] == ["combosquat"]
    assert rows[1]["error"] == "empty line"


def test_score_table_and_alerts_only(tmp_path):
    feed = tmp_path / "feed.txt"
    feed.write_text("portal-office.fr\nexample.org\n")
    result = run("score", "--brand", "office.com", "--format", "table", "--alerts-only", str(feed))
    assert result.exit_code == 0
    assert "portal-office.fr" in result.output and "example.org" not in result.output


def test_score_with_org_profile_and_alerts_file(tmp_path):
    org = tmp_path / "org.toml"
    org.write_text(
        '[org]\nname = "Avenir Commun"\ndomains = ["avenir-commun.fr"]\nbrands = ["aveniroc"]\n'
    )
    alerts = tmp_path / "alerts.jsonl"
    result = run(
        "score",
        "--org",
        str(org),
        "--alerts-to",
        str(alerts),
        "-",
        input="avenir-commun.fr\nconnexion-avenir-commun.fr\naveniroc-login.net\n",
    )
    assert result.exit_code == 0
    alerted = [json.loads(x)["domain"] for x in alerts.read_text().splitlines()]
    assert alerted == ["connexion-avenir-commun.fr", "aveniroc-login.net"]


def test_score_mbox(tmp_path):
    import mailbox
    from email.message import EmailMessage

    box = mailbox.mbox(str(tmp_path / "m.mbox"))
    msg = EmailMessage()
    msg["From"] = "x@mail-en-marche.fr"
    msg.set_content("https://en-marche.fr/ok")
    box.add(msg)
    box.close()
    result = run("score", "--brand", "en-marche.fr", "--mbox", str(tmp_path / "m.mbox"))
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["domain"], r["alert"]) for r in rows] == [
        ("mail-en-marche.fr", True),
        ("en-marche.fr", False),
    ]
    assert rows[0]["source"] == "m.mbox!1"


def test_unusable_arguments_exit_2():
    assert CliRunner().invoke(domains_group, ["score", "-"], input="").exit_code == 2
    assert (
        CliRunner().invoke(domains_group, ["score", "--brand", "x.com", "nope.txt"]).exit_code == 2
    )
    assert CliRunner().invoke(domains_group, ["generate", "not a domain"]).exit_code == 2
    assert CliRunner().invoke(domains_group, ["compare", "a.html", "b.html"]).exit_code == 2
    fetch = CliRunner().invoke(domains_group, ["compare", "http://x.example/", "b.html"])
    assert fetch.exit_code == 2 and "--fetch" in fetch.output


def test_generate_txt_and_jsonl():
    txt = run("generate", "en-marche.fr", "--format", "txt", "--limit", "5")
    assert len(txt.output.splitlines()) == 5
    rows = [
        json.loads(x) for x in run("generate", "en-marche.fr", "--limit", "3").output.splitlines()
    ]
    assert {"domain", "kind", "likelihood", "reason"} <= set(rows[0])


def test_export_alerts_stix_and_csv(tmp_path):
    scored = run("score", "--brand", "en-marche.fr", "-", input="mail-en-marche.fr\nexample.org\n")
    results = tmp_path / "scores.jsonl"
    results.write_text(scored.output)
    bundle = json.loads(run("export-alerts", str(results)).output)
    assert [o["type"] for o in bundle["objects"]] == ["identity", "indicator"]
    csv_out = run("export-alerts", "--format", "csv", "-", input=scored.output).output
    assert csv_out.splitlines()[1].startswith("mail-en-marche.fr,")


def test_compare_command(tmp_path):
    page = (
        "<html><body><form action='https://a.example/x'><input type=password></form>"
        + "<p>"
        + " ".join(f"word{i}" for i in range(200))
        + "</p></body></html>"
    )
    (tmp_path / "g.html").write_text(page)
    (tmp_path / "s.html").write_text(page.replace("https://a.example/x", "https://b.example/y"))
    out = run("compare", str(tmp_path / "s.html"), str(tmp_path / "g.html"), "--format", "json")
    report = json.loads(out.output)
    assert report["verdict"] == "clone"
    assert "credential-form-foreign" in {f["code"] for f in report["findings"]}


@pytest.mark.parametrize("command", ["generate", "score", "compare", "export-alerts"])
def test_docs_mention_every_command_and_its_options(command):
    text = DOCS.read_text(encoding="utf-8")
    assert text.startswith("## Watch lookalike domains")
    assert f"contrefeu domains {command}" in text
    help_text = run(command, "--help").output
    for option in ("--format",):
        if option in help_text:
            assert option in text
