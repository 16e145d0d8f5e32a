"""What every command shares: how it ends with a status other than 0, and how it chooses its output."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import IO, Any

import click


class CommandExit(click.ClickException):
    """The one way a command ends with exit status 1 or 2 (docs/architecture.md), with one `error:` line on
    stderr, or none when the command has already printed why (an unhealthy table, rejected inputs)."""

    def __init__(self, exit_code: int, message: str = "") -> None:
        super().__init__(message)
        self._exit_code = exit_code

    @property  # click reads the status from here; it declares it per class, this one carries it per instance
    def exit_code(self) -> int:  # type: ignore[override]
        return self._exit_code

    def show(self, file: IO[Any] | None = None) -> None:
        if self.message:
            click.echo(f"error: {self.message}", err=True)


def output_options(*formats: str, json_help: str = "Print JSON.") -> Callable[[Callable[..., Any]], Any]:
    """`--json`, and with `formats` a `--format` among them as well (the first one the default), which
    `--json` overrides. The command gets `output`: "json", the format chosen, or "text" without formats."""

    def decorate(command: Callable[..., Any]) -> Any:
        @functools.wraps(command)
        def chosen(*args: Any, as_json: bool, fmt: str = "text", **kwargs: Any) -> Any:
            return command(*args, output="json" if as_json else fmt, **kwargs)

        with_options = click.option("--json", "as_json", is_flag=True, help=json_help)(chosen)
        if formats:
            with_options = click.option(
                "--format", "fmt", type=click.Choice(formats), default=formats[0], show_default=True
            )(with_options)
        return with_options

    return decorate
