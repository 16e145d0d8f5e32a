"""Presigned POST uploads to `uploads/KEY`, for front ends that upload straight to the bucket.

A POST policy, not a presigned PUT URL: only a policy can bound what its holder uploads, here to 1 byte up to
the function's `MAX_INPUT_BYTES` (`content-length-range`) and to a `Content-Type` under `image/` (or one exact
image type). It is signed with SigV4 for the stack's regional endpoint: buckets created after June 2020 refuse
SigV2, and SigV4 credentials are scoped to one region.

Never overwriting an upload is checked when signing, not enforced by S3: a POST policy cannot say
`If-None-Match`, so `presign_upload` refuses a key that HeadObject finds. Two gaps remain, and the docs name
them: an object written to the key between that check and the POST is overwritten (a race), and a policy is
not single-use: whoever holds it may POST again, over the first upload, until it expires. Hence the short
default expiry. Giving the key a unique component would close both, but the operator chose the key.
"""

from __future__ import annotations

import re
import shlex
from pathlib import PurePosixPath
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError

from image_processor.engine.limits import DEFAULT_MAX_INPUT_BYTES
from imgpipe.ops.errors import OperationFailed
from imgpipe.stack import Stack

DEFAULT_EXPIRY_SECONDS = 900
MAX_EXPIRY_SECONDS = 7 * 24 * 3600  # SigV4 credentials are valid for at most 7 days
# The stack outputs do not expose the function's MAX_INPUT_BYTES: its default is the most an upload may be.
MAX_BYTES = DEFAULT_MAX_INPUT_BYTES
IMAGE_TYPE_PREFIX = "image/"
# `image/` and a subtype of RFC 6838 restricted-name characters: nothing a policy or a shell could misread.
_IMAGE_TYPE = re.compile(r"image/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}")
# The curl line needs a Content-Type; guessed only for what the function decodes (decode.INPUT_FORMATS),
# from a fixed table because `mimetypes` answers differently with each system's mime.types.
_TYPE_BY_SUFFIX = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".gif": "image/gif",
    ".tif": "image/tiff",
    ".tiff": "image/tiff",
    ".bmp": "image/bmp",
    ".avif": "image/avif",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".ico": "image/vnd.microsoft.icon",
}
_MISSING_KEY_CODES = {"404", "NoSuchKey", "NotFound"}


def is_image_type(content_type: str) -> bool:
    return _IMAGE_TYPE.fullmatch(content_type) is not None


def guess_image_type(path: str) -> str | None:
    """The image Content-Type that the name's suffix implies, if it names a format the function decodes."""
    return _TYPE_BY_SUFFIX.get(PurePosixPath(path).suffix.lower())


def signing_client(stack: Stack) -> Any:
    """An S3 client that signs SigV4 for the stack's region and endpoint.

    `Stack.client` keeps botocore's default signer, which presigns SigV2 for the global endpoint.
    """
    s3: dict[str, Any] = {
        # The emulator serves buckets by path only; on AWS the bucket's own host, which the region's
        # certificate covers (bucket names of the stack have no dots).
        "addressing_style": "path" if stack.endpoint_url else "virtual",
        # Else botocore still signs us-east-1 for the global s3.amazonaws.com.
        "us_east_1_regional_endpoint": "regional",
    }
    return stack.session.client(
        "s3",
        region_name=stack.region,
        endpoint_url=stack.endpoint_url,
        config=Config(signature_version="s3v4", s3=s3),
    )


def object_exists(stack: Stack, key: str) -> bool:
    """Whether the key holds an object now (a delete marker does not count: a POST adds a version)."""
    try:
        stack.client("s3").head_object(Bucket=stack.bucket, Key=key)
    except ClientError as exc:
        # A HEAD response has no body: a missing key is the bare status. Without s3:ListBucket it is a 403
        # instead, which propagates: not knowing is no reason to sign.
        if str(exc.response.get("Error", {}).get("Code")) in _MISSING_KEY_CODES:
            return False
        raise
    return True


def presign_upload(
    stack: Stack,
    path: str,
    *,
    expires_in: int = DEFAULT_EXPIRY_SECONDS,
    max_bytes: int = MAX_BYTES,
    content_type: str | None = None,
) -> dict[str, Any]:
    """A POST policy for one image of at most `max_bytes` to `uploads/PATH`; refused if the key exists.

    Without `content_type` the uploader sends any `Content-Type` under `image/` as a form field. The checks
    below repeat the CLI's: they are what makes the policy safe to hand out, whoever calls this.
    """
    if not 1 <= expires_in <= MAX_EXPIRY_SECONDS:
        raise ValueError(f"expires_in must be 1..{MAX_EXPIRY_SECONDS} seconds, not {expires_in}")
    if not 1 <= max_bytes <= MAX_BYTES:
        raise ValueError(f"max_bytes must be 1..{MAX_BYTES}, not {max_bytes}")
    if content_type is not None and not is_image_type(content_type):
        raise ValueError(f"content_type must be image/SUBTYPE, not {content_type!r}")
    key = stack.source_key(path)
    if object_exists(stack, key):
        raise OperationFailed(
            f"s3://{stack.bucket}/{key} exists: a presigned upload never overwrites one (choose another key)"
        )
    fields: dict[str, str] = {}
    conditions: list[Any] = [["content-length-range", 1, max_bytes]]
    if content_type is None:
        conditions.append(["starts-with", "$Content-Type", IMAGE_TYPE_PREFIX])
    else:
        fields["Content-Type"] = content_type
        conditions.append({"Content-Type": content_type})
    # botocore adds the bucket, the exact key and the x-amz-* fields to the policy's conditions itself.
    post = signing_client(stack).generate_presigned_post(
        stack.bucket, key, Fields=fields, Conditions=conditions, ExpiresIn=expires_in
    )
    return {
        "method": "POST",
        "url": post["url"],
        "fields": post["fields"],
        "bucket": stack.bucket,
        "key": key,
        "expires_in": expires_in,
        "max_bytes": max_bytes,
        "content_type": content_type,
    }


def curl_command(signed: dict[str, Any], file: str, content_type: str) -> str:
    """A shell line POSTing `file` with the policy's fields and `content_type` (unless one is signed in)."""
    fields = dict(signed["fields"])
    fields.setdefault("Content-Type", content_type)
    # --form-string: a value is sent as it is (-F would read `@x`, `<x` and `;type=` in a key as syntax).
    parts = ["curl"]
    for name, value in fields.items():
        parts += ["--form-string", shlex.quote(f"{name}={value}")]
    # The file part last: S3 ignores every field after it. Double quotes keep `;` and `,` in a name literal.
    file_name = file
    if set(file) & set(';,"\\'):
        file_name = '"' + file.replace("\\", "\\\\").replace('"', '\\"') + '"'
    parts += ["-F", shlex.quote(f"file=@{file_name}"), shlex.quote(signed["url"])]
    return " ".join(parts)
