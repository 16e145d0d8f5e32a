"""`imgpipe local up|run`: the pipeline on a local AWS emulator (moto), no AWS account needed."""

from __future__ import annotations

import signal
import threading
from contextlib import ExitStack
from pathlib import Path
from types import FrameType

import click

from image_processor.engine import SpecError, load_variants
from imgpipe.commands.shared import CommandExit, output_options
from imgpipe.local.progress import bar, start_local_stack
from imgpipe.local.run import run_images, settle_seconds, visibility_timeout
from imgpipe.local.summary import summary
from imgpipe.local.twin import DEFAULT_FUNCTION_LOG, DEFAULT_OUTPUTS, LocalFunction
from imgpipe.ops.errors import FAILED
from imgpipe.ops.formatting import console, to_json

_pollers = click.option(
    "--pollers",
    type=click.IntRange(1, 64),
    default=None,
    help="Concurrent pollers (default: the event source mapping's maximum_concurrency).",
)


def _variables(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> dict[str, str]:
    parsed = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.isidentifier():
            raise click.BadParameter(f"{value!r} is not NAME=VALUE")
        parsed[name] = text
    return parsed


_var = click.option(
    "--var",
    "variables",
    multiple=True,
    callback=_variables,
    metavar="NAME=VALUE",
    help="A Terraform variable of environments/dev for this stack (repeatable), over emulator.tfvars.",
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
    help="Variants for this run (preset name or JSON): Terraform's `variants`, instead of dev's.",
)


def _stack_variables(variables: dict[str, str], preset: str | None) -> dict[str, str]:
    return variables | ({"variants": preset} if preset is not None else {})


@click.group()
def local() -> None:
    """Run the pipeline on a local AWS emulator, with environments/dev applied to it by Terraform."""


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
@_pollers
@_preset
@_var
def up(
    port: int, outputs_path: Path, pollers: int | None, preset: str | None, variables: dict[str, str]
) -> None:
    """Start the emulator, `terraform apply` environments/dev to it, run the function; serve until Ctrl-C."""
    stop = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, request_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        with ExitStack() as exits:
            local_stack = start_local_stack(
                exits, port=port, outputs_path=outputs_path, variables=_stack_variables(variables, preset)
            )
            function = exits.enter_context(LocalFunction(local_stack.stack, pollers=pollers))
            out = console()
            values = {name: item["value"] for name, item in local_stack.outputs.items()}
            out.print(
                f"[bold]imgpipe local stack[/] on {local_stack.endpoint_url} (environments/dev applied)"
            )
            for name in ("bucket_name", "queue_url", "dlq_url", "metadata_table_name", "function_name"):
                out.print(f"  {name:20} {values[name]}")
            assert function.mapping is not None
            config = function.mapping.config
            out.print(
                f"  function timeout {config.timeout_seconds}s, queue visibility "
                f"{visibility_timeout(local_stack.stack)}s, batch size {config.batch_size}, "
                f"{config.pollers} pollers"
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
@output_options(json_help="Print the report as JSON instead of the table.")
@_pollers
@_var
def run(
    *,
    images: Path,
    preset: str | None,
    report: Path | None,
    outputs_path: Path | None,
    timeout: float,
    output: str,
    pollers: int | None,
    variables: dict[str, str],
) -> None:
    """Start the local stack, upload every file under --images to uploads/, wait until drained, report."""
    with ExitStack() as exits:
        local_stack = start_local_stack(
            exits, outputs_path=outputs_path, variables=_stack_variables(variables, preset)
        )
        exits.enter_context(LocalFunction(local_stack.stack, pollers=pollers))
        with bar(transient=output == "json") as progress:
            task = progress.add_task("uploading", total=None)
            result = run_images(
                local_stack.stack,
                images,
                timeout=timeout,
                settle=settle_seconds(local_stack.stack),
                on_total=lambda n: progress.update(task, total=n, description="processing"),
                on_final=lambda n: progress.advance(task, n),
            )
    if report is not None:
        report.parent.mkdir(parents=True, exist_ok=True)
        report.write_text(to_json(result) + "\n", encoding="utf-8")
    if output == "json":
        click.echo(to_json(result))
    else:
        console().print(summary(result))
        if report is not None:
            click.echo(f"report: {report}")
    if result["lost"]:
        click.echo(f"error: {result['lost']} upload(s) lost: neither recorded nor dead-lettered", err=True)
    if result["rejected"] or result["dead_lettered"] or result["lost"]:
        raise CommandExit(FAILED)
