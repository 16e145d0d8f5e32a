"""The `imgpipe` console script: a click group; each command lives in `imgpipe.commands`.

Exit status (docs/architecture.md): 0 success, 1 the command ran but something was rejected or failed,
2 usage or configuration error. Every error is one line on stderr; set IMGPIPE_DEBUG=1 to get the traceback
instead.
"""

import os
from pathlib import Path
from typing import Any

import click
from click.exceptions import NoArgsIsHelpError

from imgpipe.commands.alarms import alarms
from imgpipe.commands.dlq import dlq
from imgpipe.commands.local import local
from imgpipe.commands.metadata import metadata
from imgpipe.commands.presign import presign
from imgpipe.commands.render import presets, render
from imgpipe.commands.reprocess import reprocess
from imgpipe.commands.shared import CommandExit
from imgpipe.commands.status import status
from imgpipe.ops.errors import describe_error
from imgpipe.stack import StackRef


class OneLineUsageError(click.UsageError):
    """A usage error shown as one line (`error: ... (see 'imgpipe render --help')`), exit status 2.

    Click's own display spreads a usage error over several lines (usage, hint, blank line, message).
    """

    def show(self, file: Any = None) -> None:
        hint = f" (see '{self.ctx.command_path} --help')" if self.ctx is not None else ""
        click.echo(f"error: {' '.join(self.format_message().split())}{hint}", err=True)


def _one_line(exc: click.UsageError) -> click.UsageError:
    if isinstance(exc, NoArgsIsHelpError | OneLineUsageError):  # the help text itself is no error
        return exc
    return OneLineUsageError(exc.format_message(), exc.ctx)


class ImgpipeGroup(click.Group):
    """Turns any exception a command lets through into one line and the documented exit status."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            raise _one_line(exc) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            raise _one_line(exc) from None
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("IMGPIPE_DEBUG"):
                raise
            message, status = describe_error(exc)
            raise CommandExit(status, message) from None


@click.group(cls=ImgpipeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--outputs",
    "outputs_file",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="IMGPIPE_OUTPUTS",
    show_envvar=True,
    help="Stack outputs JSON, `terraform output -json` shape (`imgpipe local up` writes one).",
)
@click.option(
    "--env",
    "env",
    metavar="NAME",
    envvar="IMGPIPE_ENV",
    show_envvar=True,
    help="Environment root under environments/ whose `terraform output -json` names the stack.",
)
@click.pass_context
def main(ctx: click.Context, outputs_file: Path | None, env: str | None) -> None:
    """Operate the imgpipe image pipeline: render locally, run the local stack, inspect AWS resources."""
    ctx.obj = StackRef(outputs_file=outputs_file, env=env)


main.add_command(render)
main.add_command(presets)
main.add_command(local)
main.add_command(dlq)
main.add_command(metadata)
main.add_command(reprocess)
main.add_command(alarms)
main.add_command(presign)
main.add_command(status)


if __name__ == "__main__":
    main()
