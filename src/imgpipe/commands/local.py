"""`imgpipe local up|run`: the pipeline on a local AWS emulator (moto), no AWS account needed."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from types import FrameType

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from image_processor.engine import SpecError, load_variants
from imgpipe.local.run import run_images
from imgpipe.local.stack import DEFAULT_FUNCTION_LOG, DEFAULT_OUTPUTS, LocalStack
from imgpipe.local.summary import summary
from imgpipe.local.timing import TIME_SCALE_ENV
from imgpipe.ops.formatting import console

_time_scale = click.option(
    "--time-scale",
    type=click.FloatRange(0.001, 1.0),
    envvar=TIME_SCALE_ENV,
    default=None,
    help=f"Factor on every production timeout (default 0.1). [{TIME_SCALE_ENV}]",
)
_pollers = click.option(
    "--pollers",
    type=click.IntRange(1, 64),
    default=None,
    help="Concurrent pollers (default: the environment's maximum_concurrency).",
)


def _variants(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """Refuse a bad preset before the emulator starts (the function's cold start would refuse it anyway)."""
    if value is not None:
        try:
            load_variants(value)
        except SpecError as exc:
            raise click.BadParameter(str(exc)) from None
    return value


_preset = click.option(
    "--preset",
    callback=_variants,
    help="Variants for this run (preset name or JSON), instead of dev's `variants`.",
)


@click.group()
def local() -> None:
    """Run the pipeline on a local AWS emulator, provisioned like environments/dev."""


@local.command()
@click.option(
    "--port", type=click.IntRange(0, 65535), default=0, help="Emulator port on 127.0.0.1 (0: any free)."
)
@click.option(
    "--outputs",
    "outputs_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_OUTPUTS,
    show_default=True,
    help="Where to write the stack outputs (removed again on shutdown).",
)
@_time_scale
@_pollers
@_preset
def up(
    port: int, outputs_path: Path, time_scale: float | None, pollers: int | None, preset: str | None
) -> None:
    """Start the emulator, provision the stack, run the event source mapping; serve until Ctrl-C / SIGTERM."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with LocalStack(
            port=port, outputs_path=outputs_path, time_scale=time_scale, pollers=pollers, variants=preset
        ) as stack:
            out = console()
            values = {name: item["value"] for name, item in stack.outputs.items()}
            out.print(f"[bold]imgpipe local stack[/] on {stack.endpoint_url}")
            for name in ("bucket_name", "queue_url", "dlq_url", "metadata_table_name", "function_name"):
                out.print(f"  {name:20} {values[name]}")
            timings = stack.timings
            out.print(
                f"  function timeout {timings.function_timeout_seconds}s, visibility "
                f"{timings.visibility_timeout_seconds}s (time scale {timings.scale})"
            )
            out.print(f"  outputs: {outputs_path}   function log: {DEFAULT_FUNCTION_LOG}")
            out.print(f"try: imgpipe --outputs {outputs_path} dlq stats      (Ctrl-C to stop)")
            stop.wait()
            out.print("stopping…")
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@local.command()
@click.option(
    "--images",
    required=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Images to upload.",
)
@_preset
@click.option("--report", type=click.Path(dir_okay=False, path_type=Path), help="Write the JSON report here.")
@click.option(
    "--outputs",
    "outputs_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the stack outputs here while it runs.",
)
@click.option(
    "--timeout", type=click.FloatRange(1), default=600, show_default=True, help="Give up after seconds."
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON instead of the table.")
@_time_scale
@_pollers
def run(
    *,
    images: Path,
    preset: str | None,
    report: Path | None,
    outputs_path: Path | None,
    timeout: float,
    as_json: bool,
    time_scale: float | None,
    pollers: int | None,
) -> None:
    """Start the local stack, upload every file under --images to uploads/, wait until drained, report."""
    with LocalStack(
        outputs_path=outputs_path, time_scale=time_scale, pollers=pollers, variants=preset
    ) as stack:
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
        with Progress(*columns, console=console(stderr=True), transient=as_json) as progress:
            task = progress.add_task("uploading", total=None)
            result = run_images(
                stack.stack,
                images,
                timeout=timeout,
                settle=2.0 * stack.timings.visibility_timeout_seconds,
                on_total=lambda n: progress.update(task, total=n, description="processing"),
                on_final=lambda n: progress.advance(task, n),
            )
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    if as_json:
        click.echo(json.dumps(result, indent=2))
    else:
        console().print(summary(result))
        if report is not None:
            click.echo(f"report: {report}")
    if result["lost"]:
        click.echo(f"error: {result['lost']} upload(s) lost: neither recorded nor dead-lettered", err=True)
    if result["rejected"] or result["dead_lettered"] or result["lost"]:
        raise SystemExit(1)
