"""imgpipe.commands.shared: how a command ends (exit status, one `error:` line or none)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from imgpipe.commands.shared import CommandExit


@pytest.mark.parametrize(
    ("exit_code", "message", "stderr"),
    [
        (1, "", ""),
        (1, "no record for uploads/a.jpg", "error: no record for uploads/a.jpg\n"),
        (2, "bad", "error: bad\n"),
    ],
)
def test_a_command_exit_gives_its_status_and_at_most_one_line(
    exit_code: int, message: str, stderr: str
) -> None:
    @click.command()
    def command() -> None:
        click.echo("printed before")
        raise CommandExit(exit_code, message)

    result = CliRunner().invoke(command, [])
    assert (result.exit_code, result.stdout, result.stderr) == (exit_code, "printed before\n", stderr)
