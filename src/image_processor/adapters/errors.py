"""Typed adapter failures: the only distinction the processor acts on is 'source gone or changed' vs 'retry'.

The clients' own retry mode (botocore "standard") has already retried throttling, 5xx and dropped
connections before an error reaches us, so there is nothing left to tell apart there: every failed call is an
`AwsCallError`, retried by SQS and FAILED on the last receive (DLQ), whatever its code. Only reading the
source decides by code (never by message text): the object was deleted after its event (`SourceGone`), or
a newer upload replaced it (`SourceChanged`); both are REJECTED, because no retry can bring those bytes back.
"""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError

# By code only: NoSuchBucket (also HTTP 404) is a deployment error, not a deleted source.
# "404"/"412" are what S3 sends for HEAD requests, which carry no error body.
_GONE_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "404"})
_CHANGED_CODES = frozenset({"PreconditionFailed", "412"})

# What an adapter catches around a call: every botocore failure, service response or not.
AWS_EXCEPTIONS: tuple[type[BaseException], ...] = (ClientError, BotoCoreError)


class AwsCallError(Exception):
    """An AWS call failed. Raised by the adapters instead of raw botocore errors; the processor retries it.

    `str()` is one line fit for a record's `reason`: `s3:GetObject failed: SlowDown (HTTP 503)`.
    """

    def __init__(self, operation: str, code: str, status: int | None) -> None:
        self.operation = operation
        self.code = code
        self.status = status
        detail = code + (f" (HTTP {status})" if status is not None else "")
        super().__init__(f"{operation} failed: {detail}")


class SourceGone(AwsCallError):
    """Reading the source: the object (version) no longer exists; it was deleted after the event."""


class SourceChanged(AwsCallError):
    """GetObject on the source: the key holds another object than the event announced (If-Match failed)."""


class ConditionFailed(Exception):
    """A conditional DynamoDB write lost; `item` is the existing record when DynamoDB returned it."""

    def __init__(self, operation: str, item: dict[str, object] | None) -> None:
        self.operation = operation
        self.item = item
        super().__init__(f"{operation}: condition not met")


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def translate(operation: str, exc: BaseException, *, source: bool = False) -> AwsCallError:
    """The typed error for a failed AWS call. With `source` (a read of the source object), a missing or
    replaced object becomes `SourceGone` / `SourceChanged`; on any other call it is just an error to retry."""
    if not isinstance(exc, ClientError):
        # Not a service response (timeouts, dropped connections, credentials): name the exception class.
        return AwsCallError(operation, type(exc).__name__, None)
    code = error_code(exc)
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    status = status if isinstance(status, int) else None
    kind = AwsCallError
    if source and code in _GONE_CODES:
        kind = SourceGone
    elif source and code in _CHANGED_CODES:
        kind = SourceChanged
    return kind(operation, code or "UnknownError", status)
