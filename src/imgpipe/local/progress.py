"""Progress of the local twin on stderr: `terraform apply -json` events as a bar, then the uploads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from imgpipe.local.twin import LocalStack
from imgpipe.ops.formatting import console

_COLUMNS = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())


def bar(transient: bool = False) -> Progress:
    return Progress(*_COLUMNS, console=console(stderr=True), transient=transient)


@contextmanager
def terraform_progress(transient: bool = True) -> Iterator[Callable[[dict[str, Any]], None]]:
    """A callback for `Terraform.apply(on_event=...)`: resources planned vs. done, and what is running."""
    with bar(transient) as progress:
        task = progress.add_task("terraform", total=None)

        def on_event(event: dict[str, Any]) -> None:
            kind = event.get("type")
            if kind == "imgpipe":
                progress.update(task, description=str(event.get("@message")))
            elif kind == "planned_change" and event.get("change", {}).get("action") != "noop":
                total = (progress.tasks[0].total or 0) + 1
                progress.update(task, total=total, description="terraform apply: planning")
            elif kind == "apply_complete":
                progress.update(task, advance=1, description=f"terraform: {_resource(event)} done")
            elif kind == "apply_progress":
                seconds = event.get("hook", {}).get("elapsed_seconds", 0)
                progress.update(task, description=f"terraform: {_resource(event)} ({seconds}s)")

        yield on_event


def _resource(event: dict[str, Any]) -> str:
    return str(event.get("hook", {}).get("resource", {}).get("addr", "?"))


def start_local_stack(exits: ExitStack, **options: Any) -> LocalStack:
    """A LocalStack entered on `exits`, its apply shown as a progress bar that goes away once applied."""
    with terraform_progress() as on_event:
        local = exits.enter_context(LocalStack(on_progress=on_event, **options))
    local.on_progress = None
    return local
