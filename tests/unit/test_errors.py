"""adapters.errors: botocore errors classified by code, HTTP status and class; never by message text."""

from __future__ import annotations

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    IncompleteReadError,
    NoCredentialsError,
    ReadTimeoutError,
    ResponseStreamingError,
)

from image_processor.adapters.errors import (
    AwsCallError,
    ErrorKind,
    SourceChanged,
    SourceGone,
    classify,
    translate,
    translate_source_get,
)


def client_error(
    code: str, status: int, message: str = "whatever", operation: str = "GetObject"
) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}},
        operation,
    )


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("SlowDown", 503),
        ("ThrottlingException", 400),
        ("ProvisionedThroughputExceededException", 400),
        ("RequestLimitExceeded", 400),
        ("TooManyRequestsException", 429),
        ("RequestTimeout", 400),
        ("RequestTimeoutException", 408),
        ("InternalError", 500),
        ("InternalServerError", 500),
        ("ServiceUnavailable", 503),
        ("TransactionConflictException", 400),
        ("SomethingNew", 502),  # an unknown code with a 5xx status
        ("SomethingNew", 504),
        ("SomethingNew", 429),
    ],
)
def test_throttling_server_errors_and_timeouts_are_transient(code: str, status: int) -> None:
    assert classify(client_error(code, status)) is ErrorKind.TRANSIENT


@pytest.mark.parametrize(
    "exc",
    [
        EndpointConnectionError(endpoint_url="https://s3.amazonaws.com"),
        ConnectTimeoutError(endpoint_url="https://s3.amazonaws.com"),
        ReadTimeoutError(endpoint_url="https://s3.amazonaws.com"),
        IncompleteReadError(actual_bytes=10, expected_bytes=20),
        ResponseStreamingError(error="connection reset"),
    ],
)
def test_connection_and_read_failures_are_transient(exc: Exception) -> None:
    assert classify(exc) is ErrorKind.TRANSIENT


@pytest.mark.parametrize(("code", "status"), [("NoSuchKey", 404), ("NoSuchVersion", 404), ("404", 404)])
def test_a_missing_source_is_not_found(code: str, status: int) -> None:
    assert classify(client_error(code, status)) is ErrorKind.NOT_FOUND


def test_a_failed_if_match_is_precondition_failed() -> None:
    assert classify(client_error("PreconditionFailed", 412)) is ErrorKind.PRECONDITION_FAILED


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("AccessDenied", 403),
        ("NoSuchBucket", 404),  # a 404 that is a deployment error, not a deleted source
        ("ResourceNotFoundException", 400),
        ("ValidationException", 400),
        ("KMS.DisabledException", 400),
    ],
)
def test_other_service_errors_are_unknown_and_still_retried(code: str, status: int) -> None:
    assert classify(client_error(code, status)) is ErrorKind.UNKNOWN


def test_non_botocore_and_credential_errors_are_unknown() -> None:
    assert classify(ValueError("boom")) is ErrorKind.UNKNOWN
    assert classify(NoCredentialsError()) is ErrorKind.UNKNOWN


def test_message_text_is_never_used() -> None:
    # GIVEN messages that mention throttling / missing keys under codes that mean something else
    assert (
        classify(client_error("AccessDenied", 403, message="Rate exceeded, slow down")) is ErrorKind.UNKNOWN
    )
    assert classify(client_error("SlowDown", 503, message="NoSuchKey")) is ErrorKind.TRANSIENT


def test_translate_gives_a_one_line_reason_with_code_and_status() -> None:
    error = translate(
        "s3:GetObject", client_error("SlowDown", 503, message="Please reduce your request rate.")
    )
    assert type(error) is AwsCallError
    assert (error.operation, error.kind, error.code, error.status) == (
        "s3:GetObject",
        ErrorKind.TRANSIENT,
        "SlowDown",
        503,
    )
    assert str(error) == "s3:GetObject failed: SlowDown (HTTP 503)"


def test_translate_names_the_exception_class_for_non_service_errors() -> None:
    error = translate("dynamodb:UpdateItem", ReadTimeoutError(endpoint_url="https://dynamodb"))
    assert str(error) == "dynamodb:UpdateItem failed: ReadTimeoutError"
    assert error.kind is ErrorKind.TRANSIENT


def test_only_the_source_get_turns_not_found_into_source_gone() -> None:
    assert type(translate_source_get("s3:GetObject", client_error("NoSuchKey", 404))) is SourceGone
    assert (
        type(translate_source_get("s3:GetObject", client_error("PreconditionFailed", 412))) is SourceChanged
    )
    assert type(translate_source_get("s3:GetObject", client_error("SlowDown", 503))) is AwsCallError
    # on any other call a 'not found' is just an error to retry
    assert type(translate("s3:PutObject", client_error("NoSuchKey", 404))) is AwsCallError
