"""The `imgpipe` console script: a click group; each command lives in `imgpipe.commands`."""

import click

from imgpipe.commands.render import presets, render


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Operate the imgpipe image pipeline: render locally, run the local stack, inspect AWS resources."""


main.add_command(render)
main.add_command(presets)
