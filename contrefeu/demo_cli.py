"""`contrefeu demo`: build the bundled demo leak, scan it, recover keys, write the report."""

from __future__ import annotations

from pathlib import Path

import click
from rich.console import Console


@click.command(name="demo")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("contrefeu-demo"),
    show_default=True,
    help="Folder for the demo leak, its case and its report.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: all cores).",
)
@click.option("--size", type=click.Choice(["small", "normal"]), default="normal", show_default=True)
def demo_command(out_dir: Path, workers: int | None, size: str) -> None:
    """Build the demo leak of a fictional campaign, scan it and write its report."""
    from contrefeu.demo import build_demo
    from contrefeu.leak.cli import print_scan_summary, run_recovery, run_scan
    from contrefeu.leak.pipeline import ScanOptions
    from contrefeu.report.html import write_report
    from contrefeu.store import Case

    console = Console(stderr=True)
    out = Console()
    demo = build_demo(out_dir, size=size)
    out.print(f"Demo leak written to {demo.dump} (ground truth: {demo.truth})")
    case_path = out_dir / "case.db"
    options = ScanOptions(keys=[demo.keys], org=demo.org, decoys=demo.decoys, workers=workers)
    summary = run_scan([demo.dump], case_path, options, console)
    print_scan_summary(summary, out, hints=False)
    with Case.open(case_path) as case:
        run_recovery(case, [demo.keys], console, out)
        _, html_path = write_report(case, out_dir / "report")
    out.print(f"[bold green]Report: {html_path}[/]")
