"""S3: read the source object, write variants. The only S3 calls the function makes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from image_processor.adapters.errors import AWS_EXCEPTIONS, SourceGone, translate


@dataclass(frozen=True)
class Download:
    """An opened source object: `size` comes from the response headers, so it is checked before `read()`."""

    size: int
    etag: str | None
    version_id: str | None
    read: Callable[[], bytes]
    close: Callable[[], None]


@dataclass(frozen=True)
class CurrentVersion:
    """What a key reads as now: its version id (None in an unversioned bucket) and ETag."""

    version_id: str | None
    etag: str


class S3Store:
    """The image bucket over a boto3 S3 client; every botocore failure leaves as an `AwsCallError`."""

    def __init__(self, client: Any) -> None:
        # Public: tests and the soak run register botocore event hooks on it to inject faults.
        self.client = client

    def open_source(self, bucket: str, key: str, *, version_id: str | None, etag: str | None) -> Download:
        params: dict[str, Any] = {"Bucket": bucket, "Key": key}
        if version_id:
            params["VersionId"] = version_id
        elif etag:
            # Unversioned bucket: make sure these are the bytes the event announced, not a later overwrite
            # (that overwrite has its own event and record). A mismatch raises SourceChanged.
            params["IfMatch"] = f'"{etag}"'
        try:
            response = self.client.get_object(**params)
        except AWS_EXCEPTIONS as exc:
            raise translate("s3:GetObject", exc, source=True) from exc
        body = response["Body"]

        def read() -> bytes:
            try:
                data: bytes = body.read()
            except AWS_EXCEPTIONS as exc:  # ReadTimeoutError, IncompleteReadError, ResponseStreamingError
                raise translate("s3:GetObject", exc) from exc
            return data

        return Download(
            size=int(response.get("ContentLength", 0)),
            etag=str(response.get("ETag", "")).strip('"') or None,
            version_id=response.get("VersionId") if response.get("VersionId") not in (None, "null") else None,
            read=read,
            close=body.close,
        )

    def current_version(self, bucket: str, key: str) -> CurrentVersion | None:
        """The key's current version, or None when it is deleted (its current version is a delete marker).

        HeadObject needs only s3:GetObject. S3 answers 404 for a delete marker; for a key with no version left
        at all, a role without s3:ListBucket (this one) gets 403, which stays an error (retried, then FAILED):
        the function is not given the right to list the bucket for that rare case (docs/deploy.md).
        """
        try:
            response = self.client.head_object(Bucket=bucket, Key=key)
        except AWS_EXCEPTIONS as exc:
            error = translate("s3:HeadObject", exc, source=True)
            if isinstance(error, SourceGone):
                return None
            raise error from exc
        version_id = response.get("VersionId")
        return CurrentVersion(
            version_id=version_id if version_id not in (None, "null") else None,
            etag=str(response.get("ETag", "")).strip('"'),
        )

    def put_variant(
        self,
        bucket: str,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str,
        metadata: Mapping[str, str],
    ) -> None:
        try:
            self.client.put_object(
                Bucket=bucket,
                Key=key,
                Body=body,
                ContentType=content_type,
                CacheControl=cache_control,
                Metadata=dict(metadata),
            )
        except AWS_EXCEPTIONS as exc:
            raise translate("s3:PutObject", exc) from exc

    def delete_variant(self, bucket: str, key: str) -> None:
        """Delete a variant (in a versioned bucket: a delete marker; lifecycle expires the old versions)."""
        try:
            self.client.delete_object(Bucket=bucket, Key=key)
        except AWS_EXCEPTIONS as exc:
            raise translate("s3:DeleteObject", exc) from exc


def source_pointer(bucket: str, key: str, version_id: str | None, etag: str | None) -> dict[str, str]:
    """User metadata on each variant pointing back at its source (x-amz-meta-source-*).

    S3 user metadata travels as HTTP headers, which must be ASCII: the key is percent-encoded (RFC 3986, '/'
    kept), so `uploads/été 1.jpg` is stored as `uploads/%C3%A9t%C3%A9%201.jpg`; `urllib.parse.unquote`
    restores it.
    """
    pointer = {"source-bucket": bucket, "source-key": quote(key, safe="/")}
    if version_id:
        pointer["source-version-id"] = version_id
    elif etag:
        pointer["source-etag"] = etag
    return pointer
