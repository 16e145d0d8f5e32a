"""`imgpipe render` and `imgpipe presets`: the engine alone, on local files, no AWS (`imgpipe.ops.render`)."""

import json
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from image_processor.engine import DEFAULT_MAX_INPUT_BYTES, DEFAULT_MAX_INPUT_PIXELS, PRESETS, Limits
from imgpipe.commands.shared import CommandExit, output_options
from imgpipe.ops import render as ops
from imgpipe.ops.errors import FAILED
from imgpipe.ops.formatting import to_json


@click.command("render")
@click.argument("inputs", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Directory for the variants (created if missing).")  # fmt: skip
@click.option("--preset", default=None, help=f"One of: {', '.join(PRESETS)} (default: default).")
@click.option("--variants", "variants_file", type=click.Path(dir_okay=False, path_type=Path),
              help="File with a VARIANTS value: a preset name or a JSON list of variant specs.")  # fmt: skip
@click.option("--max-input-pixels", type=click.IntRange(min=1), default=DEFAULT_MAX_INPUT_PIXELS,
              show_default=True, help="Reject larger images (pixel count from the header).")  # fmt: skip
@click.option("--max-input-bytes", type=click.IntRange(min=1), default=DEFAULT_MAX_INPUT_BYTES,
              show_default=True, help="Reject larger files.")  # fmt: skip
@output_options(json_help="Print the outcome as JSON.")
def render(
    *,
    inputs: tuple[Path, ...],
    out_dir: Path,
    preset: str | None,
    variants_file: Path | None,
    max_input_pixels: int,
    max_input_bytes: int,
    output: str,
) -> None:
    """Render INPUT files (or directories of them) into --out as <stem>_<suffix>.<ext>.

    Inputs that share a stem (x.gif, x.webp) are written as x-gif_..., x-webp_....

    Exit status: 0 all processed, 1 something was rejected, 2 usage error (or --out cannot be written).
    """
    specs = ops.load_specs(preset, variants_file)
    outcomes = ops.render_inputs(
        inputs,
        out_dir,
        specs,
        Limits(max_input_pixels=max_input_pixels, max_input_bytes=max_input_bytes),
        on_rejected=lambda o: click.echo(f"rejected: {o.input}: {o.reason}", err=True),
    )
    if output == "json":
        click.echo(to_json(outcomes))
    else:
        _print_table(outcomes, out_dir)
    if any(o.status != "PROCESSED" for o in outcomes):
        raise CommandExit(FAILED)


def _print_table(outcomes: list[ops.FileResult], out_dir: Path) -> None:
    # Names, not paths: the output directory is printed once below, and rows stay readable at 80 columns.
    table = Table("input", "status", "variant", "size", "bytes", "output / reason")
    for outcome in outcomes:
        name = Path(outcome.input).name
        if not outcome.variants:
            table.add_row(name, outcome.status, "", "", "", outcome.reason or "")
        for i, v in enumerate(outcome.variants):
            table.add_row(
                name if i == 0 else "",
                outcome.status if i == 0 else "",
                v["name"],
                f"{v['width']}x{v['height']}",
                f"{v['bytes']:,}",
                Path(v["path"]).name,
            )
    processed = sum(o.status == "PROCESSED" for o in outcomes)
    console = Console()
    console.print(table)
    console.print(f"{processed} of {len(outcomes)} inputs processed; outputs in {out_dir}")


@click.command("presets")
@output_options(json_help="Print the presets as JSON (the VARIANTS format).")
def presets(output: str) -> None:
    """List the variant presets (use a name as VARIANTS or --preset)."""
    if output == "json":
        click.echo(to_json({name: [s.to_dict() for s in specs] for name, specs in PRESETS.items()}))
        return
    table = Table("preset", "variant", "suffix", "format", "size", "quality")
    for column in table.columns[:3]:
        column.no_wrap = True
    for name, specs in PRESETS.items():
        for i, spec in enumerate(specs):
            options = f" {json.dumps(dict(spec.options))}" if spec.options else ""
            table.add_row(
                name if i == 0 else "",
                spec.name,
                spec.suffix,
                spec.format,
                ops.describe_size(spec) + options,
                "" if spec.quality is None else str(spec.quality),
            )
    Console().print(table)
