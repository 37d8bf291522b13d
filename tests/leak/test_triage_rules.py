"""The triage rule files: well-formed, unambiguous, documented, and really used."""

from __future__ import annotations

import re
import shutil
import tomllib
from importlib import resources
from pathlib import Path

from contrefeu.leak.triage import LEVELS, default_rules, fold, load_rules, triage_text

RULES = Path(str(resources.files("contrefeu.leak.triage").joinpath("rules")))
DOCS = Path(__file__).resolve().parents[2] / "docs" / "triage.md"


def read(name: str) -> dict:
    return tomllib.loads((RULES / name).read_text(encoding="utf-8"))


def test_each_keyword_belongs_to_one_category() -> None:
    owner: dict[str, str] = {}
    clashes = []
    for category, spec in read("keywords.toml")["categories"].items():
        assert spec["fr"] and spec["en"] and spec["description"], category
        for phrase in spec["fr"] + spec["en"]:
            key = " ".join(fold(phrase).split())
            if owner.setdefault(key, category) != category:
                clashes.append((phrase, owner[key], category))
    assert clashes == []


def test_every_keyword_matches_itself() -> None:
    rules = default_rules()
    missed = []
    for category, spec in read("keywords.toml")["categories"].items():
        for phrase in spec["fr"] + spec["en"]:
            tr = triage_text(f"x {phrase} x", rules=rules)
            kinds = {s.kind for s in tr.spans}
            if f"keyword:{category}" not in kinds:
                missed.append((phrase, category, kinds))
    assert missed == []


def test_levels_file_is_consistent() -> None:
    levels = read("levels.toml")
    for kind, spec in levels["kinds"].items():
        assert spec["severity"] in LEVELS[1:], kind
        assert re.fullmatch(r"[a-z-]+", spec["category"]), kind
    esc = levels["escalation"]
    assert 0 < esc["personal_data_medium"] < esc["personal_data_high"]
    for rule in read("secrets.toml")["tokens"]:
        assert rule["severity"] in LEVELS[1:] and rule["hints"], rule["name"]
        re.compile(rule["pattern"])


def test_docs_describe_every_category_and_kind() -> None:
    if not DOCS.is_file():
        return  # an installed package without the docs folder
    doc = DOCS.read_text(encoding="utf-8")
    for category in read("keywords.toml")["categories"]:
        assert f"`{category}`" in doc, category
    for kind in [*read("levels.toml")["kinds"], "api-token", "national-id:be-nn"]:
        assert f"`{kind}`" in doc, kind
    for name in (
        "category_medium",
        "personal_data_medium",
        "personal_data_high",
        "keyword_spans_per_category",
    ):
        assert name in doc


def test_custom_rules_folder(tmp_path: Path) -> None:
    for name in ("keywords.toml", "secrets.toml", "levels.toml"):
        shutil.copy(RULES / name, tmp_path / name)
    levels = (tmp_path / "levels.toml").read_text(encoding="utf-8")
    (tmp_path / "levels.toml").write_text(
        levels.replace("category_medium = 3", "category_medium = 1"), encoding="utf-8"
    )
    keywords = (tmp_path / "keywords.toml").read_text(encoding="utf-8")
    keywords += (
        '\n[categories.codenames]\ndescription = "x"\nfr = ["opération pégase"]\nen = ["zephyr*"]\n'
    )
    (tmp_path / "keywords.toml").write_text(keywords, encoding="utf-8")
    rules = load_rules(tmp_path)

    text = "Le point sur l'Opération Pégase et les zephyrs demain. Une facture."
    tr = triage_text(text, rules=rules)
    assert [(s.start, s.end, s.kind, s.severity) for s in tr.spans] == [
        (text.index("Opération"), text.index(" et"), "keyword:codenames", "medium"),
        (text.index("zephyrs"), text.index(" demain"), "keyword:codenames", "medium"),
        (text.index("facture"), text.index("facture") + 7, "keyword:financial", "medium"),
    ]
    # The bundled rules know neither the code names nor a threshold of 1.
    bundled = triage_text(text)
    assert [(s.kind, s.severity) for s in bundled.spans] == [("keyword:financial", "low")]
