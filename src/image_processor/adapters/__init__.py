"""The function's only AWS users: `S3Store` (the bucket) and `MetadataTable` (the records).

The processor is typed against these two classes, and any object with the same methods works in their place
(wrap one and raise `AwsCallError` from a method to simulate throttling, timeouts or 5xx). docs/function.md
shows how to inject faults at the botocore client boundary instead, which exercises the adapters too.
"""

from __future__ import annotations

from image_processor.adapters.errors import (
    AwsCallError,
    ConditionFailed,
    SourceChanged,
    SourceGone,
    translate,
)
from image_processor.adapters.metadata import Claim, MetadataTable, table_definition
from image_processor.adapters.s3 import CurrentVersion, Download, S3Store, source_pointer

__all__ = [
    "AwsCallError",
    "Claim",
    "ConditionFailed",
    "CurrentVersion",
    "Download",
    "MetadataTable",
    "S3Store",
    "SourceChanged",
    "SourceGone",
    "source_pointer",
    "table_definition",
    "translate",
]
