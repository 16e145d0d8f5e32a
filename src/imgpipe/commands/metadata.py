"""`imgpipe metadata get|query`: the metadata records, through the table's keys and index (never a scan)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import click

from imgpipe.commands.shared import CommandExit, output_options
from imgpipe.ops import metadata as ops
from imgpipe.ops.errors import FAILED
from imgpipe.ops.formatting import console, plain, table, to_csv, to_json
from imgpipe.ops.times import parse_time
from imgpipe.stack import StackRef


class TimeType(click.ParamType):
    """ISO-8601 (`2026-11-22T05:00:00Z`, `2026-11-22`) or an age (`90s`, `15m`, `6h`, `2d`, `1w`)."""

    name = "TIME"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_time(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


TIME = TimeType()

NOT_INDEXED = (
    "IN_PROGRESS claims are not indexed (by_status holds final records only): "
    "use `imgpipe metadata get KEY` for one upload's claim"
)


class StatusType(click.Choice):
    """A final status; IN_PROGRESS is refused with the reason rather than answered with an empty list."""

    def __init__(self) -> None:
        super().__init__(ops.FINAL_STATUSES, case_sensitive=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if str(value).upper() == "IN_PROGRESS":
            self.fail(NOT_INDEXED, param, ctx)
        return super().convert(value, param, ctx)


@click.group()
def metadata() -> None:
    """Query the metadata records."""


@metadata.command()
@click.argument("key")
@output_options(json_help="Print the record as JSON.")
@click.pass_obj
def get(ref: StackRef, key: str, output: str) -> None:
    """The latest record of the upload KEY (`uploads/2026/cat.jpg`, or `2026/cat.jpg`)."""
    record = ops.get(ref.open(), key)
    if record is None:
        raise CommandExit(FAILED, f"no record for {key}")
    if output == "json":
        click.echo(to_json(record))
        return
    record = plain(record)
    out = console()
    hidden = {"variants", "pk", "sk", "stale_claims", "stale"}
    fields = [
        {"field": k, "value": ops.status_text(record) if k == "status" else v}
        for k, v in record.items()
        if k not in hidden
    ]
    out.print(table(fields, ("field", "value"), title=record.get("key")))
    if record.get("variants"):
        columns = ("name", "key", "format", "width", "height", "bytes")
        out.print(table(record["variants"], columns, title="variants"))
    for claim in record["stale_claims"]:
        out.print(f"stale claim {claim['sk']} (claimed {claim['claimed_at']}): {ops.status_text(claim)}")


@metadata.command()
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=StatusType(),
    help="Repeatable; default: every final status (claims are not indexed).",
)
@click.option("--since", type=TIME, help="processed_at at or after (ISO-8601 or an age like 6h).")
@click.option("--until", type=TIME, help="processed_at at or before.")
@click.option("--limit", type=click.IntRange(1), default=100, show_default=True)
@click.option("--oldest-first", is_flag=True, help="Chronological order (default: newest first).")
@output_options("table", "json", "csv", json_help="Same as --format json.")
@click.pass_obj
def query(
    ref: StackRef,
    *,
    statuses: tuple[str, ...],
    since: datetime | None,
    until: datetime | None,
    limit: int,
    oldest_first: bool,
    output: str,
) -> None:
    """Records by status and processed_at range, through the `by_status` index."""
    if since and until and since > until:
        raise click.BadParameter("--since is after --until", param_hint="--since")
    records = ops.query(
        ref.open(),
        statuses=[s.upper() for s in statuses] or ops.FINAL_STATUSES,
        since=since,
        until=until,
        limit=limit,
        newest_first=not oldest_first,
    )
    if output == "json":
        click.echo(to_json(records))
    elif output == "csv":
        click.echo(to_csv([ops.summary_row(r) for r in records], ops.SUMMARY_COLUMNS), nl=False)
    else:
        out = console()
        out.print(table([ops.summary_row(r) for r in records], ops.SUMMARY_COLUMNS))
        out.print(f"{len(records)} record(s)")
