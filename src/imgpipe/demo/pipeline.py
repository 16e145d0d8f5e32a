"""`make demo`: the whole pipeline on the local emulator, with a contact sheet.

Generates the built-in sample set (or takes `--images DIR`), starts the local stack, uploads everything, waits
until drained, prints the summary, downloads the variants and writes `build/demo/index.html`.
Exit status 0 when nothing was lost or dead-lettered and, for the built-in set, each sample ended as expected.
"""

from __future__ import annotations

import json
import shutil
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import click

from imgpipe.commands.shared import CommandExit
from imgpipe.demo.contact_sheet import write_page
from imgpipe.demo.samples import write_samples
from imgpipe.local.progress import bar, start_local_stack
from imgpipe.local.run import run_images, settle_seconds
from imgpipe.local.summary import summary
from imgpipe.local.twin import LocalFunction
from imgpipe.ops.errors import describe_error
from imgpipe.ops.formatting import console
from imgpipe.stack import Stack, StackError

DEMO_DIR = Path("build/demo")


def download(stack: Stack, report: dict[str, Any], images: Path, out: Path) -> dict[str, str]:
    """Sources (copied from disk) and variants (downloaded from S3) under `out`: key -> relative path."""
    s3 = stack.client("s3")
    paths: dict[str, str] = {}
    for item in report["items"]:
        source = images / item["key"].removeprefix(stack.source_prefix)
        target = out / item["key"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        paths[item["key"]] = target.relative_to(out).as_posix()
        for variant in item["variants"]:
            target = out / variant["key"]
            target.parent.mkdir(parents=True, exist_ok=True)
            s3.download_file(stack.bucket, variant["key"], str(target))
            paths[variant["key"]] = target.relative_to(out).as_posix()
    return paths


def run_demo(images: Path | None, out: Path) -> int:
    began = time.monotonic()
    for stale in ("uploads", "processed", "samples"):
        shutil.rmtree(out / stale, ignore_errors=True)
    expected: dict[str, str] = {}
    if images is None:
        images = out / "samples"
        expected = {f"uploads/{s.name}": s.expected for s in write_samples(images)}
    out_console = console()
    with ExitStack() as exits:
        local = start_local_stack(exits, outputs_path=None)
        applied = time.monotonic() - began
        exits.enter_context(LocalFunction(local.stack, function_log=out / "function.log"))
        with bar() as progress:
            task = progress.add_task("uploading", total=None)
            report = run_images(
                local.stack,
                images,
                timeout=600,
                settle=settle_seconds(local.stack),
                on_total=lambda n: progress.update(task, total=n, description="processing"),
                on_final=lambda n: progress.advance(task, n),
            )
        paths = download(local.stack, report, images, out)
    (out / "report.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    page = write_page(report, paths, out / "index.html")
    out_console.print(summary(report))
    out_console.print(
        f"contact sheet: {page}   report: {out / 'report.json'}   function log: {out / 'function.log'}"
    )
    out_console.print(
        f"demo took {time.monotonic() - began:.0f} s, of which {applied:.0f} s to start the emulator and "
        "`terraform apply` environments/dev to it"
    )
    surprises = [
        i["key"] for i in report["items"] if i["key"] in expected and i["status"] != expected[i["key"]]
    ]
    for key in surprises:
        click.echo(f"error: {key} ended {_status(report, key)}, expected {expected[key]}", err=True)
    return 1 if report["lost"] or report["dead_lettered"] or surprises else 0


def _status(report: dict[str, Any], key: str) -> str:
    return next(str(i["status"]) for i in report["items"] if i["key"] == key)


@click.command()
@click.option(
    "--images", type=click.Path(exists=True, file_okay=False, path_type=Path), help="Your own images."
)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=DEMO_DIR, show_default=True)
def main(images: Path | None, out: Path) -> None:
    """Run the pipeline on the local emulator and write a contact sheet."""
    try:
        status = run_demo(images, out)
    except (StackError, OSError) as exc:
        message, status = describe_error(exc) if isinstance(exc, StackError) else (str(exc), 1)
        raise CommandExit(status, message) from None
    if status:
        raise CommandExit(status)
