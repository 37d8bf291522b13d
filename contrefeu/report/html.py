"""`leak report`: report.json and a self-contained report.html (no script, no remote asset)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from contrefeu.report.plots import VERDICT_COLOURS, timeline_svg
from contrefeu.report.summary import build_summary
from contrefeu.store import Case


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("contrefeu.report", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_html(summary: dict[str, Any]) -> str:
    template = _environment().get_template("report.html")
    return template.render(
        s=summary, colours=VERDICT_COLOURS, timeline_svg=timeline_svg(summary["timeline"])
    )


def write_report(case: Case, out_dir: Path) -> tuple[Path, Path]:
    """Write report.json and report.html into out_dir; return their paths."""
    summary = build_summary(case)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "report.json"
    html_path = out_dir / "report.html"
    json_path.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    html_path.write_text(render_html(summary), encoding="utf-8")
    return json_path, html_path
