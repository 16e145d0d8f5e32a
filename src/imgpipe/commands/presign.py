"""`imgpipe presign KEY`: a presigned PUT URL for `uploads/KEY`."""

from __future__ import annotations

import click

from imgpipe.ops import presign as ops
from imgpipe.ops.formatting import to_json
from imgpipe.stack import StackRef


@click.command()
@click.argument("key")
@click.option(
    "--expires",
    type=click.IntRange(1, ops.MAX_EXPIRY_SECONDS),
    default=3600,
    show_default=True,
    help="Seconds the URL stays valid.",
)
@click.option("--content-type", help="Sign this Content-Type in: the upload must send the same header.")
@click.option("--json", "as_json", is_flag=True, help="Print method, URL, key, expiry and headers as JSON.")
@click.pass_obj
def presign(ref: StackRef, key: str, expires: int, content_type: str | None, as_json: bool) -> None:
    """Print a URL that lets a client PUT one object to uploads/KEY (e.g. `curl -T cat.jpg URL`)."""
    result = ops.presign_upload(ref.open(), key, expires_in=expires, content_type=content_type)
    click.echo(to_json(result) if as_json else result["url"])
