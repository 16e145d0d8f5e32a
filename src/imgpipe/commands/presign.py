"""`imgpipe presign PATH`: a SigV4 presigned POST for one image upload to `uploads/PATH`."""

from __future__ import annotations

from collections.abc import Callable

import click
from click.decorators import FC

from imgpipe.commands.shared import output_options
from imgpipe.ops import presign as ops
from imgpipe.ops.formatting import to_json
from imgpipe.stack import StackRef


def _image_type(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not ops.is_image_type(value):
        raise click.BadParameter(f"{value!r} is not an image type (image/SUBTYPE, e.g. image/jpeg)")
    return value


def _object_path(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    # `uploads/` or `2026/` would sign an upload to a "directory" key that the function cannot process.
    if not value.strip("/") or value.endswith("/"):
        raise click.BadParameter(f"{value!r} names a prefix, not an object")
    return value


def _limit(flag: str, maximum: int, default: int, help_text: str) -> Callable[[FC], FC]:
    """A limit the policy signs in: 1 to `maximum`, the default shown in --help with the range."""
    return click.option(
        flag, type=click.IntRange(1, maximum), default=default, show_default=True, help=help_text
    )


@click.command()
@click.argument("path", callback=_object_path)
@_limit(
    "--expires",
    ops.MAX_EXPIRY_SECONDS,
    ops.DEFAULT_EXPIRY_SECONDS,
    "Seconds the policy stays valid; it can be used again and again until then.",
)
@_limit(
    "--max-bytes",
    ops.MAX_BYTES,
    ops.MAX_BYTES,
    "Largest upload allowed (at most the function's default MAX_INPUT_BYTES).",
)
@click.option(
    "--content-type",
    callback=_image_type,
    help="Sign in this exact image type; without it any image/* Content-Type is allowed.",
)
@output_options(json_help="Print method, URL, form fields and limits as JSON.")
@click.pass_obj
def presign(
    ref: StackRef, *, path: str, expires: int, max_bytes: int, content_type: str | None, output: str
) -> None:
    """Print a curl command that POSTs the local file PATH as uploads/PATH: one image, size-bounded.

    Refused (exit 1) if uploads/PATH exists. The existence check is made now, so an object written there
    before the upload is still overwritten, as is the first upload by a second POST before the policy expires.
    """
    # Known before any AWS call: the curl line has to send some Content-Type the policy accepts.
    curl_type = content_type or ops.guess_image_type(path) or ""
    if output != "json" and not curl_type:
        raise click.UsageError(
            f"cannot tell the image type of {path!r} for the curl line: pass --content-type (or use --json)"
        )
    result = ops.presign_upload(
        ref.open(), path, expires_in=expires, max_bytes=max_bytes, content_type=content_type
    )
    if output == "json":
        click.echo(to_json(result))
    else:
        click.echo(ops.curl_command(result, path, curl_type))
