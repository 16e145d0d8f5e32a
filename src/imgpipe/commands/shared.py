"""What every command shares: how it ends with a status other than 0."""

from __future__ import annotations

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
