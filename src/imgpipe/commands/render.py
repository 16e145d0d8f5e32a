"""`imgpipe render` and `imgpipe presets`: the engine alone, on local files, no AWS."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console
from rich.table import Table

from image_processor.engine import (
    DEFAULT_MAX_INPUT_BYTES,
    DEFAULT_MAX_INPUT_PIXELS,
    PRESETS,
    ImageRejected,
    Limits,
    SpecError,
    VariantSpec,
    check_size,
    load_variants,
)
from image_processor.engine import (
    render as render_image,
)
from imgpipe.commands.shared import CommandExit
from imgpipe.ops.errors import FAILED, USAGE_ERROR


@dataclass
class Outcome:
    input: str
    status: str  # PROCESSED | REJECTED (the `render --json` shape, docs/architecture.md)
    reason: str | None = None
    variants: list[dict[str, Any]] = field(default_factory=list)


def _fail_usage(message: str) -> NoReturn:
    raise CommandExit(USAGE_ERROR, message)


def _expand(inputs: tuple[Path, ...]) -> list[Path]:
    """Files as given; directories contribute their files (recursively, sorted, dotfiles skipped)."""
    files: list[Path] = []
    for path in inputs:
        if path.is_dir():
            files.extend(p for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith("."))
        else:
            files.append(path)
    return files


def _output_stems(files: list[Path]) -> list[str]:
    """`<stem>` per file; stems shared by several inputs (x.gif, x.webp) get the source extension (`x-gif`)
    and then a counter, so that no input overwrites another's outputs."""
    counts: dict[str, int] = {}
    for path in files:
        counts[path.stem] = counts.get(path.stem, 0) + 1
    stems: list[str] = []
    for path in files:
        stem = path.stem
        if counts[stem] > 1 and path.suffix:
            stem = f"{stem}-{path.suffix[1:].lower()}"
        unique, n = stem, 2
        while unique in stems:
            unique, n = f"{stem}-{n}", n + 1
        stems.append(unique)
    return stems


def _specs(preset: str | None, variants_file: Path | None) -> tuple[VariantSpec, ...]:
    if preset is not None and variants_file is not None:
        _fail_usage("give --preset or --variants, not both")
    try:
        if variants_file is not None:
            return load_variants(variants_file.read_text(encoding="utf-8"))
        return load_variants(preset or "default")
    except SpecError as exc:
        _fail_usage(f"{variants_file or '--preset'}: {exc}")
    except (OSError, UnicodeDecodeError) as exc:
        _fail_usage(f"cannot read {variants_file}: {exc}")
    raise AssertionError("unreachable")


def render_file(
    path: Path, out_dir: Path, specs: tuple[VariantSpec, ...], limits: Limits, stem: str | None = None
) -> Outcome:
    """Render one local file into `out_dir` as `<stem>_<suffix>.<ext>`."""
    try:
        check_size(path.stat().st_size, limits)
        data = path.read_bytes()
    except ImageRejected as exc:
        return Outcome(str(path), "REJECTED", exc.reason)
    except OSError as exc:  # the input cannot be used, like any other bad input
        return Outcome(str(path), "REJECTED", f"cannot read: {exc.strerror or exc}")
    try:
        rendered = render_image(data, specs, limits)
    except ImageRejected as exc:
        return Outcome(str(path), "REJECTED", exc.reason)
    outcome = Outcome(str(path), "PROCESSED")
    for variant in rendered.variants:
        target = out_dir / f"{stem or path.stem}_{variant.suffix}.{variant.extension}"
        try:
            target.write_bytes(variant.body)
        except OSError as exc:  # --out is unusable: no other input would fare better
            _fail_usage(f"cannot write {target}: {exc.strerror or exc}")
        outcome.variants.append(
            {
                "name": variant.name,
                "path": str(target),
                "format": variant.format,
                "width": variant.width,
                "height": variant.height,
                "bytes": len(variant.body),
            }
        )
    return outcome


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
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
def render(
    *,
    inputs: tuple[Path, ...],
    out_dir: Path,
    preset: str | None,
    variants_file: Path | None,
    max_input_pixels: int,
    max_input_bytes: int,
    as_json: bool,
) -> None:
    """Render INPUT files (or directories of them) into --out as <stem>_<suffix>.<ext>.

    Inputs that share a stem (x.gif, x.webp) are written as x-gif_..., x-webp_....

    Exit status: 0 all processed, 1 something was rejected, 2 usage error (or --out cannot be written).
    """
    specs = _specs(preset, variants_file)
    files = _expand(inputs)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        _fail_usage(f"cannot create {out_dir}: {exc.strerror or exc}")
    limits = Limits(max_input_pixels=max_input_pixels, max_input_bytes=max_input_bytes)
    outcomes = []
    for path, stem in zip(files, _output_stems(files), strict=True):
        outcome = render_file(path, out_dir, specs, limits, stem)
        if outcome.status == "REJECTED":
            click.echo(f"rejected: {path}: {outcome.reason}", err=True)
        outcomes.append(outcome)
    if as_json:
        click.echo(json.dumps([o.__dict__ for o in outcomes], indent=2))
    else:
        _print_table(outcomes, out_dir)
    if any(o.status != "PROCESSED" for o in outcomes):
        raise CommandExit(FAILED)


def _print_table(outcomes: list[Outcome], out_dir: Path) -> None:
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


def _describe_size(spec: VariantSpec) -> str:
    if spec.scale is not None:
        return f"{spec.scale:.0%}"
    if spec.width is not None and spec.height is not None:
        return f"{spec.width}x{spec.height} {spec.fit}"
    if spec.width is not None:
        return f"{spec.width} wide"
    if spec.height is not None:
        return f"{spec.height} high"
    return "original"


@click.command("presets")
@click.option("--json", "as_json", is_flag=True, help="Print the presets as JSON (the VARIANTS format).")
def presets(as_json: bool) -> None:
    """List the variant presets (use a name as VARIANTS or --preset)."""
    if as_json:
        click.echo(
            json.dumps({name: [s.to_dict() for s in specs] for name, specs in PRESETS.items()}, indent=2)
        )
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
                _describe_size(spec) + options,
                "" if spec.quality is None else str(spec.quality),
            )
    Console().print(table)
