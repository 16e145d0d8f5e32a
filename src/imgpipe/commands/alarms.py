"""`imgpipe alarms`: the stack's alarms; any alarm not OK makes the exit status 1."""

from __future__ import annotations

import click

from imgpipe.commands.shared import CommandExit
from imgpipe.ops import alarms as ops
from imgpipe.ops.errors import FAILED
from imgpipe.ops.formatting import console, table, to_json
from imgpipe.stack import StackRef


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def alarms(ref: StackRef, as_json: bool) -> None:
    """State and reason of each alarm of the stack (exit status 1 if any is not OK)."""
    states = ops.list_alarms(ref.open())
    if as_json:
        click.echo(to_json(states))
    else:
        console().print(table([vars(a) for a in states], ("name", "state", "metric", "updated", "reason")))
        if not states:
            click.echo("no alarms found")
    if not ops.all_ok(states):
        raise CommandExit(FAILED)
