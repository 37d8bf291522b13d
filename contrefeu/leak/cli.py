"""`contrefeu leak ...`: scan, recover-keys, export, report, keys."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from contrefeu.store import Case

if TYPE_CHECKING:
    from contrefeu.leak.pipeline import ScanOptions, ScanSummary

CASE_OPTION = click.option(
    "--case",
    "case_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("case.db"),
    show_default=True,
    help="The case database.",
)


class _ItemsPerSecond(ProgressColumn):
    def render(self, task: Task) -> Text:
        items = task.fields.get("items", 0)
        elapsed = task.elapsed or 0.0
        rate = items / elapsed if elapsed > 0 else 0.0
        return Text(f"{items:,} items · {rate:,.0f} items/s", style="cyan")


def _progress(console: Console) -> Progress:
    return Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        _ItemsPerSecond(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


@click.group(name="leak")
def leak_group() -> None:
    """Authenticate and review a leaked mail dump."""


@leak_group.command(name="scan")
@click.argument("dumps", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@CASE_OPTION
@click.option(
    "--keys",
    "keys",
    multiple=True,
    type=click.Path(path_type=Path),
    help="Key archive JSON (repeatable); the bundled archive is always used.",
)
@click.option(
    "--org",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Organisation profile (ORG.toml).",
)
@click.option(
    "--decoys",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of the organisation's decoy files and canaries.txt.",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes (default: all cores).",
)
@click.option(
    "--dns", is_flag=True, help="Look up DKIM keys missing from the archives in live DNS."
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Run the analysis on a Dask distributed cluster (contrefeu[distributed]).",
)
def scan_command(
    dumps: tuple[Path, ...],
    case_path: Path,
    keys: tuple[Path, ...],
    org: Path | None,
    decoys: Path | None,
    workers: int | None,
    dns: bool,
    scheduler: str | None,
) -> None:
    """Scan DUMPs (folders, zips, mbox, Maildir, .eml, .msg, PST) into the case."""
    from contrefeu.leak.pipeline import ScanOptions

    console = Console(stderr=True)
    options = ScanOptions(
        keys=keys, org=org, decoys=decoys, workers=workers, dns=dns, scheduler=scheduler
    )
    summary = run_scan(list(dumps), case_path, options, console)
    print_scan_summary(summary, Console())


def run_scan(
    dumps: list[Path], case_path: Path, options: ScanOptions, console: Console
) -> ScanSummary:
    from contrefeu.leak.pipeline import ScanProgress, prepare_scan, scan

    prepare_scan(dumps, options)  # bad arguments fail here, before any progress bar shows
    with _progress(console) as bar:
        task = bar.add_task("scanning", total=None, items=0)

        def show(state: ScanProgress) -> None:
            bar.update(
                task,
                total=state.bytes_total or None,
                completed=state.bytes_done,
                items=state.items_seen,
            )

        summary = scan(dumps, case_path, options, progress=show)
        bar.update(task, completed=bar.tasks[0].total or 0, items=summary.items_seen)
    return summary


def print_scan_summary(summary: ScanSummary, console: Console, *, hints: bool = True) -> None:
    console.print(f"Case: {summary.case}")
    table = Table(show_edge=False)
    table.add_column("verdict")
    table.add_column("items", justify="right")
    for verdict, count in sorted(summary.verdicts.items(), key=lambda kv: (-kv[1], kv[0])):
        table.add_row(verdict, f"{count:,}")
    console.print(table)
    console.print(
        f"{summary.items_seen:,} items read, {summary.items_added:,} rows added, "
        f"{summary.items_skipped:,} already in the case, "
        f"{summary.sources_skipped:,} unchanged files skipped, in {summary.seconds:.1f} s."
    )
    for domain, selector, count in summary.recoverable_selectors if hints else []:
        console.print(
            f"[yellow]No key for d={domain} s={selector}, signed {count} times in this dump: "
            f"run 'contrefeu leak recover-keys --case {summary.case}' to recover it.[/]"
        )


@leak_group.command(name="recover-keys")
@CASE_OPTION
@click.option(
    "--keys",
    "keys",
    multiple=True,
    type=click.Path(exists=True, path_type=Path),
    help="Trusted key archives to compare recovered keys with.",
)
def recover_keys_command(case_path: Path, keys: tuple[Path, ...]) -> None:
    """Recover unknown DKIM keys from the case's signatures and re-judge their messages."""
    with Case.open(case_path, create=False) as case:
        run_recovery(case, keys, Console(stderr=True), Console())


def run_recovery(case: Case, archives: Sequence[Path], progress_console: Console,
                 out: Console) -> None:
    """Key recovery with a progress bar, then one line per selector."""
    from contrefeu.leak.keyphase import recover_case_keys

    with _progress(progress_console) as bar:
        task = bar.add_task("recovering keys", total=1.0, items=0)

        def show(stage: str, fraction: float) -> None:
            bar.update(task, description=stage[:60], completed=fraction)

        outcomes = recover_case_keys(case, archives=archives, progress=show)
    if not outcomes:
        out.print("No selector without a key has two or more signatures: nothing to recover.")
    for o in outcomes:
        if o.bits is None:
            out.print(f"{o.name}: could not recover a key from {o.signatures} signatures.")
        else:
            match = f", same key as archived {o.matches_archive}" if o.matches_archive else ""
            out.print(f"{o.name}: recovered a {o.bits}-bit key; {o.consistent} of "
                      f"{o.signatures} signatures consistent{match}.")


@leak_group.command(name="export")
@CASE_OPTION
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "csv"]), default="jsonl", show_default=True
)
def export_command(case_path: Path, fmt: str) -> None:
    """Write every item (contract fields) to stdout."""
    from contrefeu.leak.export import write_csv, write_jsonl

    with Case.open(case_path, create=False, readonly=True) as case:
        (write_jsonl if fmt == "jsonl" else write_csv)(case, sys.stdout)


@leak_group.command(name="keys")
@CASE_OPTION
def keys_command(case_path: Path) -> None:
    """Write the keys recovered in this case as a key archive (JSON) to stdout."""
    from contrefeu.leak.keyphase import recovered_archive

    with Case.open(case_path, create=False, readonly=True) as case:
        keys = recovered_archive(case)
    click.echo(json.dumps(keys, indent=2))


@leak_group.command(name="report")
@CASE_OPTION
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("report"),
    show_default=True,
)
def report_command(case_path: Path, out_dir: Path) -> None:
    """Write report.html and report.json."""
    from contrefeu.report.html import write_report

    with Case.open(case_path, create=False, readonly=True) as case:
        json_path, html_path = write_report(case, out_dir)
    click.echo(f"report: {html_path}")
    click.echo(f"data:   {json_path}")


@leak_group.command(name="serve")
@CASE_OPTION
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to bind; any address beyond this machine requires an access token.")
@click.option("--port", type=click.IntRange(1, 65535), default=8750, show_default=True)
def serve_command(case_path: Path, host: str, port: int) -> None:
    """Review the case in a local web page (nothing leaves this machine)."""
    from contrefeu.web.security import new_token, reviewer_url, token_required
    from contrefeu.web.server import serve

    Case.open(case_path, create=False, readonly=True).close()   # a clear error before binding
    token = new_token() if token_required(host) else None
    click.echo(f"Review UI of {case_path}: {reviewer_url(host, port, token)}")
    click.echo("Press Ctrl+C to stop.")
    serve(case_path, host=host, port=port, token=token)
