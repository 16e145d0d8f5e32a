"""Typed adapter failures, and the transient-vs-permanent classification of botocore errors.

Classification looks only at the error code, the HTTP status and the exception class, never at message text.
The code and status lists are botocore's own (`botocore.retries.standard`, the checkers behind the
"standard" and "adaptive" retry modes), so we agree with the SDK that already retried the call before it
reached us; the literals below are a fallback for a botocore that moves them.

What the processor does with each kind:
- `TRANSIENT` (throttling, 5xx, timeouts, dropped connections): retried by SQS; FAILED on the last receive.
- `NOT_FOUND` (NoSuchKey/NoSuchVersion), only when reading the source (`SourceGone`): the object was deleted
  after the event -> REJECTED.
- `PRECONDITION_FAILED` (If-Match failed), only when reading the source (`SourceChanged`): a newer upload
  replaced it, and that upload has its own event -> REJECTED for this version.
- `UNKNOWN` (AccessDenied, NoSuchBucket, validation errors, anything unforeseen): retried exactly like
  TRANSIENT, so it ends in the DLQ with a FAILED record for an operator; never dropped, never mistaken for a
  bad image.
"""

from __future__ import annotations

from enum import StrEnum

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    HTTPClientError,
    IncompleteReadError,
    ReadTimeoutError,
)
from botocore.exceptions import ConnectionError as BotocoreConnectionError

try:
    from botocore.retries.standard import ThrottledRetryableChecker, TransientRetryableChecker

    _THROTTLING_CODES = frozenset(ThrottledRetryableChecker._THROTTLED_ERROR_CODES)
    _TRANSIENT_CODES = frozenset(TransientRetryableChecker._TRANSIENT_ERROR_CODES)
    _TRANSIENT_STATUSES = frozenset(TransientRetryableChecker._TRANSIENT_STATUS_CODES)
except (ImportError, AttributeError):  # pragma: no cover - only if botocore reorganises its retry module
    _THROTTLING_CODES = frozenset(
        {
            "Throttling",
            "ThrottlingException",
            "ThrottledException",
            "RequestThrottledException",
            "TooManyRequestsException",
            "ProvisionedThroughputExceededException",
            "TransactionInProgressException",
            "RequestLimitExceeded",
            "BandwidthLimitExceeded",
            "LimitExceededException",
            "RequestThrottled",
            "SlowDown",
            "PriorRequestNotComplete",
            "EC2ThrottledException",
        }
    )
    _TRANSIENT_CODES = frozenset({"RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete"})
    _TRANSIENT_STATUSES = frozenset({500, 502, 503, 504})

# Codes botocore does not list but AWS documents as retryable: S3's InternalError / ServiceUnavailable come
# with a 5xx anyway; DynamoDB's TransactionConflictException comes with 400, so it needs naming.
_EXTRA_TRANSIENT_CODES = frozenset(
    {
        "InternalError",
        "InternalServerError",
        "ServiceUnavailable",
        "RequestLimitExceeded",
        "ThrottlingException",
        "ProvisionedThroughputExceededException",
        "TransactionConflictException",
    }
)
_THROTTLING_STATUSES = frozenset({429})
# By code only: NoSuchBucket (also HTTP 404) is a deployment error, not a deleted source.
# "404"/"412" are what S3 sends for HEAD requests, which carry no error body.
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchVersion", "404"})
_PRECONDITION_CODES = frozenset({"PreconditionFailed", "412"})
# ReadTimeoutError and IncompleteReadError cover a body that stalls or ends early while it streams.
_TRANSIENT_EXCEPTIONS: tuple[type[BaseException], ...] = (
    BotocoreConnectionError,
    HTTPClientError,
    ReadTimeoutError,
    IncompleteReadError,
)


class ErrorKind(StrEnum):
    TRANSIENT = "transient"
    NOT_FOUND = "not_found"
    PRECONDITION_FAILED = "precondition_failed"
    UNKNOWN = "unknown"


def classify(exc: BaseException) -> ErrorKind:
    """The kind of a botocore (or other) exception; see the module docstring for what each kind means."""
    if isinstance(exc, ClientError):
        code = error_code(exc)
        status = http_status(exc)
        if code in _NOT_FOUND_CODES:
            return ErrorKind.NOT_FOUND
        if code in _PRECONDITION_CODES:
            return ErrorKind.PRECONDITION_FAILED
        if (
            code in _THROTTLING_CODES
            or code in _TRANSIENT_CODES
            or code in _EXTRA_TRANSIENT_CODES
            or status in _TRANSIENT_STATUSES
            or status in _THROTTLING_STATUSES
        ):
            return ErrorKind.TRANSIENT
        return ErrorKind.UNKNOWN
    if isinstance(exc, _TRANSIENT_EXCEPTIONS):
        return ErrorKind.TRANSIENT
    return ErrorKind.UNKNOWN


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def http_status(exc: ClientError) -> int | None:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return status if isinstance(status, int) else None


class AwsCallError(Exception):
    """An AWS call failed. Raised by the adapters instead of raw botocore errors; the processor retries it.

    `kind` is the classification (TRANSIENT vs UNKNOWN decides only how loudly it is logged). `str()` is one
    line fit for a record's `reason`: `s3:GetObject failed: SlowDown (HTTP 503)`.
    """

    def __init__(self, operation: str, kind: ErrorKind, code: str, status: int | None) -> None:
        self.operation = operation
        self.kind = kind
        self.code = code
        self.status = status
        detail = code + (f" (HTTP {status})" if status is not None else "")
        super().__init__(f"{operation} failed: {detail}")


class SourceGone(AwsCallError):
    """GetObject on the source: the object (version) no longer exists; it was deleted after the event."""


class SourceChanged(AwsCallError):
    """GetObject on the source: the key holds another object than the event announced (If-Match failed)."""


class ConditionFailed(Exception):
    """A conditional DynamoDB write lost; `item` is the existing record when DynamoDB returned it."""

    def __init__(self, operation: str, item: dict[str, object] | None) -> None:
        self.operation = operation
        self.item = item
        super().__init__(f"{operation}: condition not met")


def translate(operation: str, exc: BaseException) -> AwsCallError:
    """The typed error for a failed AWS call, from the exception class, code and status (not message)."""
    kind = classify(exc)
    if isinstance(exc, ClientError):
        return AwsCallError(operation, kind, error_code(exc) or "UnknownError", http_status(exc))
    # Not a service response (timeouts, dropped connections): name the exception class.
    return AwsCallError(operation, kind, type(exc).__name__, None)


def translate_source_get(operation: str, exc: BaseException) -> AwsCallError:
    """Like `translate`, but for reading the source object, where 'not found' and 'changed' mean REJECTED."""
    error = translate(operation, exc)
    if error.kind is ErrorKind.NOT_FOUND:
        return SourceGone(operation, error.kind, error.code, error.status)
    if error.kind is ErrorKind.PRECONDITION_FAILED:
        return SourceChanged(operation, error.kind, error.code, error.status)
    return error


# What an adapter catches around a call: every botocore failure, service response or not.
AWS_EXCEPTIONS: tuple[type[BaseException], ...] = (ClientError, BotoCoreError)
