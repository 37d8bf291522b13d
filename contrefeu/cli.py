"""The `contrefeu` command: one click group with a sub-group per capability.

Commands parse arguments, call one library function and render the result. Unusable
arguments exit with status 2 and one line on stderr.
"""

from __future__ import annotations

import sys

import click

from contrefeu import __version__
from contrefeu.errors import ContrefeuError


class _Root(click.Group):
    """Turns the library's documented errors into one clear line and exit status 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ContrefeuError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(2)


@click.group(cls=_Root)
@click.version_option(__version__, prog_name="contrefeu")
def root() -> None:
    """contrefeu: tools for the receiving end of a hack-and-leak operation."""


def _register() -> None:
    from contrefeu.demo_cli import demo_command
    from contrefeu.leak.cli import leak_group

    root.add_command(leak_group)
    root.add_command(demo_command)
    try:
        from contrefeu.domains.cli import domains_group
    except ImportError:  # capability not installed in this build
        return
    root.add_command(domains_group)


_register()


def main() -> None:
    """Entry point: unusable arguments exit with status 2 and one line on stderr."""
    try:
        code = root.main(prog_name="contrefeu", standalone_mode=False)
    except click.exceptions.NoArgsIsHelpError as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.UsageError as exc:
        click.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    sys.exit(code if isinstance(code, int) else 0)
