"""Presigned PUT URLs for `uploads/KEY`, for front ends that upload straight to the bucket."""

from __future__ import annotations

from typing import Any

from imgpipe.stack import Stack

MAX_EXPIRY_SECONDS = 7 * 24 * 3600  # SigV4 presigned URLs cannot live longer


def presign_upload(
    stack: Stack, key: str, expires_in: int = 3600, content_type: str | None = None
) -> dict[str, Any]:
    object_key = stack.source_key(key)
    params: dict[str, Any] = {"Bucket": stack.bucket, "Key": object_key}
    headers = {}
    if content_type:
        # Signed into the URL: the uploader must send the same Content-Type header.
        params["ContentType"] = content_type
        headers["Content-Type"] = content_type
    url = stack.client("s3").generate_presigned_url("put_object", Params=params, ExpiresIn=expires_in)
    return {
        "method": "PUT",
        "url": url,
        "bucket": stack.bucket,
        "key": object_key,
        "expires_in": expires_in,
        "headers": headers,
    }
