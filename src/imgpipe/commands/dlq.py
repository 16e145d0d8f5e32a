"""`imgpipe dlq stats|peek|redrive`: the dead-letter queue."""

from __future__ import annotations

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from imgpipe.commands.shared import CommandExit, output_options
from imgpipe.ops import dlq as ops
from imgpipe.ops.errors import FAILED
from imgpipe.ops.formatting import console, table, to_json
from imgpipe.stack import StackRef


@click.group()
def dlq() -> None:
    """Inspect and redrive the dead-letter queue."""


@dlq.command()
@output_options()
@click.pass_obj
def stats(ref: StackRef, output: str) -> None:
    """Depth of the DLQ (and the main queue) and the age of the oldest dead letter."""
    result = ops.stats(ref.open())
    if output == "json":
        click.echo(to_json(result))
        return
    age = (
        "-"
        if result.oldest_age_seconds is None
        else f"{result.oldest_age_seconds:.0f}s ({result.oldest_age_from})"
    )
    rows = [
        {
            "queue": "dead-letter",
            "visible": result.dlq.visible,
            "in flight": result.dlq.in_flight,
            "oldest": age,
        },
        {"queue": "main", "visible": result.queue.visible, "in flight": result.queue.in_flight, "oldest": ""},
    ]
    console().print(
        table(rows, ("queue", "visible", "in flight", "oldest"), title=result.dlq_url.rsplit("/", 1)[-1])
    )


@dlq.command()
@click.option("--max", "max_messages", type=click.IntRange(1, 1000), default=10, show_default=True)
@output_options(json_help="Print JSON (with the message bodies).")
@click.pass_obj
def peek(ref: StackRef, max_messages: int, output: str) -> None:
    """Show dead letters without consuming them: source keys, receive count, and the status and reason
    recorded for the message's own object version."""
    messages = ops.peek(ref.open(), max_messages=max_messages)
    if output == "json":
        click.echo(to_json(messages))
        return
    rows = []
    for message in messages:
        recorded = message.records or [{"key": "", "status": "no record", "reason": message.body[:80]}]
        for record in recorded:
            rows.append(
                {
                    "message": message.message_id[:8],
                    "age": f"{message.age_seconds:.0f}s",
                    "receives": message.receive_count,
                    "kind": message.kind,
                    "key": record["key"],
                    "status": record["status"] or "no record for this version",
                    "reason": record["reason"] or "",
                }
            )
    out = console()
    out.print(table(rows, ("message", "age", "receives", "kind", "key", "status", "reason")))
    out.print(f"{len(messages)} message(s) shown")


@dlq.command()
@click.option("--max", "max_messages", type=click.IntRange(1), default=None, help="Move at most N messages.")
@click.option("--dry-run", is_flag=True, help="Only count what would move.")
@output_options(json_help="Print the summary as JSON.")
@click.pass_obj
def redrive(ref: StackRef, max_messages: int | None, dry_run: bool, output: str) -> None:
    """Move dead letters back to the main queue (StartMessageMoveTask, else one by one: send, then delete)."""
    stack = ref.open()
    with Progress(
        TextColumn("redrive"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console(stderr=True),
    ) as progress:
        task = progress.add_task("redrive", total=None)
        result = ops.redrive(
            stack,
            max_messages=max_messages,
            dry_run=dry_run,
            on_total=lambda total: progress.update(task, total=total),
            on_progress=lambda n: progress.advance(task, n),
        )
    if output == "json":
        click.echo(to_json(result))
    elif dry_run:
        click.echo(f"dry run: {result.candidates} message(s) would move from the DLQ to the main queue")
    else:
        click.echo(
            f"redrive ({result.mode}): {result.moved} moved, {result.failed} failed, of {result.candidates}"
            + (f" ({result.not_deleted} sent but not deleted from the DLQ)" if result.not_deleted else "")
            + (f"; task {result.task_handle} {result.task_status}" if result.task_handle else "")
        )
    for error in result.errors:
        click.echo(f"error: {error}", err=True)
    if result.failed or result.errors:
        raise CommandExit(FAILED)
