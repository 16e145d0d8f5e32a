"""`imgpipe reprocess`: re-enqueue existing uploads, e.g. after a preset change."""

from __future__ import annotations

from datetime import datetime

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from imgpipe.commands.metadata import TIME
from imgpipe.commands.shared import CommandExit, output_options
from imgpipe.ops import reprocess as ops
from imgpipe.ops.errors import FAILED
from imgpipe.ops.formatting import console, to_json
from imgpipe.stack import StackRef


@click.command()
@click.option("--prefix", required=True, help="Under uploads/ (`2026/` or `uploads/2026/`; `` for all).")
@click.option("--since", type=TIME, help="Only objects modified at or after (ISO-8601 or an age like 6h).")
@click.option(
    "--rate", type=click.FloatRange(0.1, 3000), default=50, show_default=True, help="Messages/second."
)
@click.option("--dry-run", is_flag=True, help="List what would be sent.")
@output_options()
@click.pass_obj
def reprocess(
    ref: StackRef, *, prefix: str, since: datetime | None, rate: float, dry_run: bool, output: str
) -> None:
    """Send each upload under the prefix to the queue again, as S3 would; unchanged ones are skipped by the
    function, archived ones (GLACIER, DEEP_ARCHIVE) are not sent at all."""
    stack = ref.open()
    uploads = ops.find_uploads(stack, prefix, since)
    skipped = len(uploads.archived)
    if dry_run:
        if output == "json":
            keys = [u.key for u in uploads.refs]
            found = len(keys) + skipped
            click.echo(to_json({"found": found, "keys": keys, "sent": 0, "skipped_archived": skipped}))
        else:
            for upload in uploads.refs:
                click.echo(upload.key)
            under = stack.source_key(prefix)
            click.echo(
                f"dry run: {len(uploads.refs)} upload(s) under {under} would be re-enqueued"
                f", {skipped} skipped (archived)"
            )
        return
    columns = (TextColumn("reprocess"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console(stderr=True)) as progress:
        task = progress.add_task("reprocess", total=len(uploads.refs))
        result = ops.enqueue(stack, uploads, per_second=rate, on_progress=lambda n: progress.advance(task, n))
    if output == "json":
        click.echo(to_json(result))
    else:
        sent, found, failed = result["sent"], result["found"], result["failed"]
        click.echo(
            f"reprocess: {sent} of {found} upload(s) re-enqueued, {failed} failed,"
            f" {result['skipped_archived']} skipped (archived)"
        )
    for error in result["errors"]:
        click.echo(f"error: {error}", err=True)
    if result["failed"]:
        raise CommandExit(FAILED)
