"""`imgpipe status`: the stack's health on one screen; exit status 1 when the DLQ holds messages or an alarm
is not OK."""

from __future__ import annotations

import click
from rich.table import Table
from rich.text import Text

from imgpipe.commands.shared import CommandExit, output_options
from imgpipe.ops import status as ops
from imgpipe.ops.errors import FAILED
from imgpipe.ops.formatting import console, to_json
from imgpipe.stack import StackRef


@click.command()
@output_options(json_help="Print the JSON document described below.")
@click.pass_obj
def status(ref: StackRef, output: str) -> None:
    """Queue and DLQ depth, oldest message age, alarms not OK, records of the last 24 h by status, the last
    record written and the dashboard URL.

    Exit status 0 when healthy, 1 when the DLQ holds messages (visible or in flight) or an alarm is not OK
    (INSUFFICIENT_DATA and missing alarms included), 2 on a configuration error.

    \b
    --json keys:
      healthy           true when the exit status is 0
      problems          why not, one line each ([] when healthy)
      queue             {name, visible, in_flight, oldest_message_age_seconds}: the main
                        queue; the age is the maximum of CloudWatch's
                        ApproximateAgeOfOldestMessage over the last 5 min, null if none
      dlq               {name, visible, in_flight}
      alarms            {total, not_ok: [{name, state, reason, updated}]}
      records_last_24h  {PROCESSED, REJECTED, FAILED, DELETED}: records with processed_at
                        in the last 24 h (by_status index, Select=COUNT)
      last_record       {processed_at, status, key} of the newest record, or null
      dashboard_url     the stack output dashboard_url, or null
    """
    report = ops.collect(ref.open())
    if output == "json":
        click.echo(to_json(report.as_json()))
    else:
        out = console()
        out.print(_table(report))
        for problem in report.problems:
            out.print(Text(f"UNHEALTHY: {problem}", style="bold red"))
        if report.healthy:
            out.print(Text("healthy", style="bold green"))
    if not report.healthy:
        raise CommandExit(FAILED)


def _table(report: ops.StackStatus) -> Table:
    # Text cells: names and alarm reasons are shown as they are, never read as rich markup.
    grid = Table(title="imgpipe status", show_header=False, title_justify="left")
    grid.add_column("what", style="bold")
    grid.add_column("value", overflow="fold")
    age = report.oldest_message_age_seconds
    queue = report.queue
    grid.add_row(
        "queue",
        Text(
            f"{queue.name}: {queue.visible} visible, {queue.in_flight} in flight, oldest message "
            + ("unknown" if age is None else f"{age} s")
        ),
    )
    dlq = report.dlq
    held = dlq.visible + dlq.in_flight
    grid.add_row(
        "DLQ",
        Text(f"{dlq.name}: {dlq.visible} visible, {dlq.in_flight} in flight", style="red" if held else ""),
    )
    not_ok = report.alarms_not_ok
    alarms = Text(f"{len(report.alarms)}, " + (f"{len(not_ok)} not OK" if not_ok else "all OK"))
    for alarm in not_ok:
        alarms.append(f"\n{alarm.name}: {alarm.state}", style="red")
        if alarm.reason:
            alarms.append(f" ({alarm.reason})")
    grid.add_row("alarms", alarms)
    counts = report.records_last_24h
    grid.add_row("records (24 h)", Text(", ".join(f"{status} {n}" for status, n in counts.items())))
    last = report.last_record
    grid.add_row(
        "last record",
        Text("none" if last is None else f"{last.processed_at} {last.status} {last.key}"),
    )
    grid.add_row("dashboard", Text(report.dashboard_url or "not in the stack outputs"))
    return grid
