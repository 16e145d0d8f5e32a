"""imgpipe.commands.shared: how a command ends (exit status, one `error:` line or none) and which output it
gives (`--json`, `--format`)."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from imgpipe.commands.shared import CommandExit, output_options


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


@click.command()
@click.option("--name", default="x")
@output_options("table", "json", "csv", json_help="Same as --format json.")
def listing(name: str, output: str) -> None:
    click.echo(f"{name} {output}")


@click.command()
@output_options()
def single(output: str) -> None:
    click.echo(output)


@pytest.mark.parametrize(
    ("args", "stdout"),
    [
        ([], "x table\n"),
        (["--format", "csv"], "x csv\n"),
        (["--json"], "x json\n"),
        (["--format", "csv", "--json"], "x json\n"),  # --json wins, as it always did
        (["--name", "y", "--format", "json"], "y json\n"),
    ],
)
def test_output_options_hand_the_command_one_output(args: list[str], stdout: str) -> None:
    result = CliRunner().invoke(listing, args)
    assert (result.exit_code, result.stdout) == (0, stdout)


def test_without_formats_there_is_only_json_or_text() -> None:
    assert CliRunner().invoke(single, []).stdout == "text\n"
    assert CliRunner().invoke(single, ["--json"]).stdout == "json\n"
    refused = CliRunner().invoke(single, ["--format", "csv"])
    assert refused.exit_code == 2
    assert refused.stderr.endswith("Error: No such option '--format'.\n")
