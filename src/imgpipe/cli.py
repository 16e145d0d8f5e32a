"""The `imgpipe` console script: a click group; each command lives in `imgpipe.commands`.

Exit status (DESIGN.md): 0 success, 1 the command ran but something was rejected or failed, 2 usage or
configuration error. Every error is one line on stderr; set IMGPIPE_DEBUG=1 to get the traceback instead.
"""

import os
from pathlib import Path
from typing import Any

import click

from imgpipe.commands.alarms import alarms
from imgpipe.commands.dlq import dlq
from imgpipe.commands.local import local
from imgpipe.commands.metadata import metadata
from imgpipe.commands.presign import presign
from imgpipe.commands.render import presets, render
from imgpipe.commands.reprocess import reprocess
from imgpipe.ops.errors import describe_error
from imgpipe.stack import StackRef


class ImgpipeGroup(click.Group):
    """Turns any exception a command lets through into one line and the DESIGN.md exit status."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("IMGPIPE_DEBUG"):
                raise
            message, status = describe_error(exc)
            click.echo(f"error: {message}", err=True)
            ctx.exit(status)


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


if __name__ == "__main__":
    main()
