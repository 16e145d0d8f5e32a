"""`imgpipe alarms`: the stack's alarms; any alarm not OK makes the exit status 1."""

from __future__ import annotations

import click

from imgpipe.commands.shared import CommandExit, output_options
from imgpipe.ops import alarms as ops
from imgpipe.ops.errors import FAILED
from imgpipe.ops.formatting import console, table, to_json
from imgpipe.stack import StackRef


@click.command()
@output_options()
@click.pass_obj
def alarms(ref: StackRef, output: str) -> None:
    """State and reason of each alarm of the stack (exit status 1 if any is not OK)."""
    states = ops.list_alarms(ref.open())
    if output == "json":
        click.echo(to_json(states))
    else:
        console().print(table([vars(a) for a in states], ("name", "state", "metric", "updated", "reason")))
        if not states:
            click.echo("no alarms found")
    if not ops.all_ok(states):
        raise CommandExit(FAILED)
