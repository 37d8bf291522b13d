"""``contrefeu domains``: generate, score, compare, export-alerts.

Thin commands: each parses its arguments, calls the library (``permute``, ``score``/``feeds``,
``clone``, ``stix``) and renders JSONL, text or a rich table.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path

import click

from contrefeu.domains.score import DEFAULT_THRESHOLD, BrandIndex, DomainScore


def _echo_json(obj: object) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False))


@click.group(name="domains")
def domains_group() -> None:
    """Watch lookalike domains of the organisation and check suspicious links."""


@domains_group.command("generate")
@click.argument("domain")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "txt"]), default="jsonl")
@click.option("--limit", type=int, default=None, help="Only the N most likely names.")
@click.option("--all-lures", is_flag=True, help="Combine with every lure word (long list).")
@click.option("--dns", is_flag=True, help="Resolve each name (A, MX) with live DNS.")
def generate_command(domain: str, fmt: str, limit: int | None, all_lures: bool, dns: bool) -> None:
    """Ranked lookalike names an attacker could register for DOMAIN."""
    from contrefeu.domains.normalise import DomainParseError
    from contrefeu.domains.permute import all_lures as every_lure
    from contrefeu.domains.permute import generate, resolve

    try:
        perms = generate(domain, lures=every_lure() if all_lures else None, limit=limit)
    except DomainParseError as exc:
        raise click.UsageError(f"unusable domain {domain!r}: {exc}") from None
    answers = dict(resolve(p.domain for p in perms)) if dns else {}
    for p in perms:
        if fmt == "txt":
            click.echo(p.domain)
        else:
            obj = p.to_dict()
            if dns:
                obj["dns"] = answers.get(p.domain, [])
            _echo_json(obj)


def _brands_and_allow(
    brand: tuple[str, ...], org: Path | None, allow: tuple[str, ...]
) -> tuple[list[str], list[str]]:
    brands = list(brand)
    allowed: list[str] = []
    if org is not None:
        from contrefeu.org import load_org

        profile = load_org(org)
        brands.extend(profile.domains)
        brands.extend(profile.brands)
        allowed.extend(profile.domains)
    for item in allow:
        path = Path(item)
        if path.is_file():
            allowed.extend(
                line.strip()
                for line in path.read_text("utf-8").splitlines()
                if line.strip() and not line.startswith("#")
            )
        else:
            allowed.append(item)
    if not brands:
        raise click.UsageError("give at least one --brand DOMAIN or an --org profile with domains")
    return brands, allowed


def _input_lines(source: str, follow: bool, poll: float) -> Iterator[str]:
    from contrefeu.domains.feeds import decode_lines, follow_lines

    if source == "-":
        yield from decode_lines(sys.stdin.buffer)
        return
    path = Path(source)
    if not path.is_file():
        raise click.UsageError(f"input file not found: {source}")
    if follow:
        yield from follow_lines(path, poll_seconds=poll)
    else:
        with open(path, "rb") as fh:
            yield from decode_lines(fh)


def _extra_results(
    index: BrandIndex, case: Path | None, mbox: Path | None
) -> Iterator[DomainScore]:
    from contrefeu.domains.feeds import names_in_case, names_in_mbox

    sources: list[Iterable[tuple[str, str]]] = []
    if case is not None:
        if not case.is_file():
            raise click.UsageError(f"case not found: {case}")
        sources.append(names_in_case(case))
    if mbox is not None:
        if not mbox.is_file():
            raise click.UsageError(f"mbox not found: {mbox}")
        sources.append(names_in_mbox(mbox))
    for source in sources:
        for name, where in source:
            yield index.score(name, source=where)


@domains_group.command("score")
@click.option(
    "--brand",
    "brand",
    multiple=True,
    metavar="DOMAIN",
    help="A protected domain or brand name (repeatable).",
)
@click.option(
    "--org",
    type=click.Path(path_type=Path),
    default=None,
    help="Organisation profile: its domains and brands are protected.",
)
@click.option(
    "--allow",
    multiple=True,
    metavar="DOMAIN|FILE",
    help="Domains never alerted (the brand owners' other domains), or a file of them.",
)
@click.option(
    "--threshold",
    type=click.FloatRange(0, 1),
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="Score at which a name is alerted.",
)
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl")
@click.option("--alerts-only", is_flag=True, help="Print only alerted names.")
@click.option("--follow", is_flag=True, help="Keep reading FILE as it grows (like tail -f).")
@click.option("--poll", type=float, default=0.5, hidden=True)
@click.option(
    "--case",
    type=click.Path(path_type=Path),
    default=None,
    help="Also score the URLs and sender domains found in a case database.",
)
@click.option(
    "--mbox",
    type=click.Path(path_type=Path),
    default=None,
    help="Also score the URLs and sender domains found in an mbox file.",
)
@click.option(
    "--alerts-to",
    type=click.Path(path_type=Path),
    default=None,
    help="Append alerts to this JSONL file.",
)
@click.option("--webhook", default=None, metavar="URL", help="POST each alert as JSON to URL.")
@click.argument("source", required=False, default=None, metavar="[FILE|-]")
def score_command(
    brand: tuple[str, ...],
    org: Path | None,
    allow: tuple[str, ...],
    threshold: float,
    fmt: str,
    alerts_only: bool,
    follow: bool,
    poll: float,
    case: Path | None,
    mbox: Path | None,
    alerts_to: Path | None,
    webhook: str | None,
    source: str | None,
) -> None:
    """Score domains, URLs or certstream JSON lines from FILE (or - for stdin)."""
    from contrefeu.domains.feeds import AlertSink, score_lines

    brands, allowed = _brands_and_allow(brand, org, allow)
    try:
        index = BrandIndex(brands, allow=allowed, threshold=threshold)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if source is None and case is None and mbox is None:
        source = "-"
    sink = AlertSink(alerts_to, webhook) if (alerts_to or webhook) else None
    results: list[Iterable[DomainScore]] = []
    if source is not None:
        results.append(score_lines(index, _input_lines(source, follow, poll), on_result=sink))
    extra = _extra_results(index, case, mbox)
    if sink is not None:
        extra = (sink(r) or r for r in extra)  # type: ignore[func-returns-value]
    results.append(extra)
    rows: list[DomainScore] = []
    for stream in results:
        for result in stream:
            if alerts_only and not result.alert:
                continue
            if fmt == "jsonl":
                _echo_json(result.to_dict())
                sys.stdout.flush()
            else:
                rows.append(result)
    if fmt == "table":
        _render_table(rows)
    if sink is not None:
        for err in sink.errors[:5]:
            click.echo(f"warning: {err}", err=True)


def _render_table(rows: list[DomainScore]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for col in ("domain", "score", "alert", "target", "classes", "reason"):
        table.add_column(col)
    for r in rows:
        reason = r.error or (r.reasons[0] if r.reasons else "")
        table.add_row(
            r.domain,
            f"{r.score:.2f}",
            "ALERT" if r.alert else "",
            r.target or "",
            ",".join(r.classes),
            reason,
        )
    Console(width=160).print(table)


@domains_group.command("compare")
@click.argument("suspect")
@click.argument("genuine")
@click.option("--genuine-domain", default=None, help="Where the genuine form posts (its domain).")
@click.option("--fetch", is_flag=True, help="SUSPECT/GENUINE are URLs: download them.")
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="text")
def compare_command(
    suspect: str, genuine: str, genuine_domain: str | None, fetch: bool, fmt: str
) -> None:
    """How likely the saved page SUSPECT copies the saved page GENUINE."""
    from contrefeu.domains.clone import compare_pages, fetch_page, load_page

    def load(arg: str):  # type: ignore[no-untyped-def]
        if "://" in arg:
            if not fetch:
                raise click.UsageError(f"{arg} is a URL: add --fetch to download it")
            return fetch_page(arg)
        path = Path(arg)
        if not path.exists():
            raise click.UsageError(f"page not found: {arg}")
        return load_page(path)

    report = compare_pages(load(suspect), load(genuine), genuine_domain)
    if fmt == "json":
        _echo_json(report.to_dict())
        return
    click.echo(
        f"{report.verdict}: likelihood {report.likelihood:.2f} that {suspect} copies {genuine}"
    )
    for name, value in report.components.items():
        click.echo(f"  {name:<10} {value:.2f}")
    for f in report.findings:
        click.echo(f"  [{f.severity}] {f.code}: {f.detail}")


@domains_group.command("export-alerts")
@click.argument("results", default="-", metavar="[RESULTS.jsonl|-]")
@click.option("--format", "fmt", type=click.Choice(["stix", "csv"]), default="stix")
@click.option("--producer", default="contrefeu", help="Name of the identity in the STIX bundle.")
def export_alerts_command(results: str, fmt: str, producer: str) -> None:
    """Export the alerts of `domains score` JSONL output as a STIX 2.1 bundle or CSV."""
    from contrefeu.domains.stix import alerts_csv, read_results, stix_bundle

    if results == "-":
        lines: Iterable[str] = sys.stdin
    else:
        path = Path(results)
        if not path.is_file():
            raise click.UsageError(f"results file not found: {results}")
        lines = path.read_text("utf-8", errors="replace").splitlines()
    parsed = read_results(lines)
    if fmt == "csv":
        click.echo(alerts_csv(parsed), nl=False)
    else:
        click.echo(json.dumps(stix_bundle(parsed, producer=producer), indent=2))
