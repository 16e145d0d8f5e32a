"""The function's only AWS users, behind two small protocols so tests and the local stack can inject faults.

`S3Store` and `MetadataTable` are the real implementations; any object with the same methods works (wrap
one and raise `AwsCallError` from a method to simulate throttling, timeouts or 5xx). docs/function.md shows
how to inject faults at the botocore client boundary instead, which exercises the adapters too.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from image_processor.adapters.errors import (
    AwsCallError,
    ConditionFailed,
    SourceChanged,
    SourceGone,
    translate,
)
from image_processor.adapters.metadata import Claim, MetadataTable, table_definition
from image_processor.adapters.s3 import CurrentVersion, Download, S3Store, source_pointer
from image_processor.records import RecordKey

__all__ = [
    "AwsCallError",
    "Claim",
    "ConditionFailed",
    "CurrentVersion",
    "Download",
    "MetadataTable",
    "ObjectStore",
    "RecordStore",
    "S3Store",
    "SourceChanged",
    "SourceGone",
    "source_pointer",
    "table_definition",
    "translate",
]


class ObjectStore(Protocol):
    def open_source(self, bucket: str, key: str, *, version_id: str | None, etag: str | None) -> Download: ...

    def current_version(self, bucket: str, key: str) -> CurrentVersion | None: ...

    def delete_variant(self, bucket: str, key: str) -> None: ...

    def put_variant(
        self,
        bucket: str,
        key: str,
        body: bytes,
        *,
        content_type: str,
        cache_control: str,
        metadata: Mapping[str, str],
    ) -> None: ...


class RecordStore(Protocol):
    def claim(
        self,
        key: RecordKey,
        *,
        bucket: str,
        object_key: str,
        token: str,
        now: int,
        lease_until: int,
        claimed_at: str,
        signature: str,
        expires_at: int | None,
    ) -> Claim: ...

    def finish(self, key: RecordKey, token: str, record: Mapping[str, Any]) -> None: ...

    def put_unclaimed(self, record: Mapping[str, Any], now: int) -> None: ...

    def release(self, key: RecordKey, token: str, now: int, *, interrupted: bool = False) -> None: ...

    def lock_stem(
        self, key: RecordKey, *, owner: str, token: str, now: int, lease_until: int
    ) -> dict[str, Any]: ...

    def unlock_stem(
        self, key: RecordKey, token: str, *, variant_keys: list[str] | None = None, disown: bool = False
    ) -> None: ...
