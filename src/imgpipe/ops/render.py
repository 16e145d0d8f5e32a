"""Rendering local files with the function's engine, no AWS: what `imgpipe render` does, without the CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from image_processor.engine import ImageRejected, Limits, SpecError, VariantSpec, check_size, load_variants
from image_processor.engine import render as render_image
from imgpipe.ops.errors import UsageProblem


@dataclass
class FileResult:
    input: str
    status: str  # PROCESSED | REJECTED (the `render --json` shape, docs/architecture.md)
    reason: str | None = None
    variants: list[dict[str, Any]] = field(default_factory=list)


def load_specs(preset: str | None, variants_file: Path | None) -> tuple[VariantSpec, ...]:
    """The variants of `--preset` or of a VARIANTS file (the default preset without either)."""
    if preset is not None and variants_file is not None:
        raise UsageProblem("give --preset or --variants, not both")
    try:
        if variants_file is not None:
            return load_variants(variants_file.read_text(encoding="utf-8"))
        return load_variants(preset or "default")
    except SpecError as exc:
        raise UsageProblem(f"{variants_file or '--preset'}: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageProblem(f"cannot read {variants_file}: {exc}") from None


def render_inputs(
    inputs: Iterable[Path],
    out_dir: Path,
    specs: tuple[VariantSpec, ...],
    limits: Limits,
    on_rejected: Callable[[FileResult], None] = lambda _outcome: None,
) -> list[FileResult]:
    """Render every file (directories: their files) into `out_dir`, created if missing; one outcome each.

    `on_rejected` hears of each rejection as it happens, so a long run reports them before it ends.
    """
    files = _expand(inputs)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageProblem(f"cannot create {out_dir}: {exc.strerror or exc}") from None
    outcomes = []
    for path, stem in zip(files, _output_stems(files), strict=True):
        outcome = render_file(path, out_dir, specs, limits, stem)
        if outcome.status == "REJECTED":
            on_rejected(outcome)
        outcomes.append(outcome)
    return outcomes


def render_file(
    path: Path, out_dir: Path, specs: tuple[VariantSpec, ...], limits: Limits, stem: str | None = None
) -> FileResult:
    """Render one local file into `out_dir` as `<stem>_<suffix>.<ext>`."""
    try:
        check_size(path.stat().st_size, limits)
        data = path.read_bytes()
    except ImageRejected as exc:
        return FileResult(str(path), "REJECTED", exc.reason)
    except OSError as exc:  # the input cannot be used, like any other bad input
        return FileResult(str(path), "REJECTED", f"cannot read: {exc.strerror or exc}")
    try:
        rendered = render_image(data, specs, limits)
    except ImageRejected as exc:
        return FileResult(str(path), "REJECTED", exc.reason)
    outcome = FileResult(str(path), "PROCESSED")
    for variant in rendered.variants:
        target = out_dir / f"{stem or path.stem}_{variant.suffix}.{variant.extension}"
        try:
            target.write_bytes(variant.body)
        except OSError as exc:  # --out is unusable: no other input would fare better
            raise UsageProblem(f"cannot write {target}: {exc.strerror or exc}") from None
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


def describe_size(spec: VariantSpec) -> str:
    """A variant's size in words, for the presets listing."""
    if spec.scale is not None:
        return f"{spec.scale:.0%}"
    if spec.width is not None and spec.height is not None:
        return f"{spec.width}x{spec.height} {spec.fit}"
    if spec.width is not None:
        return f"{spec.width} wide"
    if spec.height is not None:
        return f"{spec.height} high"
    return "original"


def _expand(inputs: Iterable[Path]) -> list[Path]:
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
