"""adapters.errors: a failed AWS call is retried, except a source read that finds the object gone or replaced;
decided by the error code, never by message text."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
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
from botocore.stub import Stubber

from image_processor.adapters import S3Store
from image_processor.adapters.errors import AwsCallError, SourceChanged, SourceGone, translate


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
        ("RequestTimeout", 400),
        ("InternalError", 500),
        ("TransactionConflictException", 400),
        ("AccessDenied", 403),
        ("NoSuchBucket", 404),  # a 404 that is a deployment error, not a deleted source
        ("ResourceNotFoundException", 400),
        ("KMS.DisabledException", 400),
    ],
)
def test_any_other_service_error_is_a_call_error_to_retry_even_on_the_source(code: str, status: int) -> None:
    for source in (False, True):
        error = translate("s3:GetObject", client_error(code, status), source=source)
        assert type(error) is AwsCallError
        assert str(error) == f"s3:GetObject failed: {code} (HTTP {status})"


@pytest.mark.parametrize(
    "exc",
    [
        EndpointConnectionError(endpoint_url="https://s3.amazonaws.com"),
        ConnectTimeoutError(endpoint_url="https://s3.amazonaws.com"),
        ReadTimeoutError(endpoint_url="https://s3.amazonaws.com"),
        IncompleteReadError(actual_bytes=10, expected_bytes=20),
        ResponseStreamingError(error="connection reset"),
        NoCredentialsError(),
    ],
)
def test_a_failure_without_a_service_response_is_named_by_its_class(exc: Exception) -> None:
    error = translate("dynamodb:UpdateItem", exc, source=True)
    assert type(error) is AwsCallError
    assert str(error) == f"dynamodb:UpdateItem failed: {type(exc).__name__}"
    assert (error.code, error.status) == (type(exc).__name__, None)


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("NoSuchKey", 404, SourceGone),
        ("NoSuchVersion", 404, SourceGone),
        ("404", 404, SourceGone),  # HeadObject: no error body, the status is the code
        ("PreconditionFailed", 412, SourceChanged),
        ("412", 412, SourceChanged),
    ],
)
def test_only_a_source_read_turns_a_missing_or_replaced_object_into_a_rejection(
    code: str, status: int, kind: type[AwsCallError]
) -> None:
    error = translate("s3:GetObject", client_error(code, status), source=True)
    assert type(error) is kind
    assert str(error) == f"s3:GetObject failed: {code} (HTTP {status})"
    # on any other call a 'not found' is just an error to retry
    assert type(translate("s3:PutObject", client_error(code, status))) is AwsCallError


def test_message_text_is_never_used() -> None:
    assert type(
        translate("s3:GetObject", client_error("SlowDown", 503, message="NoSuchKey"), source=True)
    ) is (AwsCallError)
    assert type(
        translate("s3:GetObject", client_error("NoSuchKey", 404, message="Slow down"), source=True)
    ) is (SourceGone)


def test_an_error_without_a_code_or_status_still_gives_one_line() -> None:
    error = translate("s3:PutObject", ClientError({}, "PutObject"))
    assert str(error) == "s3:PutObject failed: UnknownError"


@pytest.fixture
def s3() -> Iterator[Stubber]:
    client = boto3.client(
        "s3", region_name="eu-west-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    with Stubber(client) as stub:
        yield stub


def test_the_s3_adapter_reports_a_deleted_or_overwritten_source(s3: Stubber) -> None:
    store = S3Store(s3.client)
    s3.add_client_error("get_object", "NoSuchVersion", http_status_code=404)
    with pytest.raises(SourceGone, match=r"^s3:GetObject failed: NoSuchVersion \(HTTP 404\)$"):
        store.open_source("b", "uploads/a.jpg", version_id="v1", etag=None)
    s3.add_client_error("get_object", "PreconditionFailed", http_status_code=412)
    with pytest.raises(SourceChanged, match=r"^s3:GetObject failed: PreconditionFailed \(HTTP 412\)$"):
        store.open_source("b", "uploads/a.jpg", version_id=None, etag="e1")
    s3.add_client_error("get_object", "SlowDown", http_status_code=503)
    with pytest.raises(AwsCallError, match=r"^s3:GetObject failed: SlowDown \(HTTP 503\)$") as raised:
        store.open_source("b", "uploads/a.jpg", version_id="v1", etag=None)
    assert type(raised.value) is AwsCallError


def test_the_s3_adapter_reads_a_404_head_as_deleted_and_a_403_as_an_error(s3: Stubber) -> None:
    store = S3Store(s3.client)
    s3.add_client_error("head_object", "404", http_status_code=404)
    assert store.current_version("b", "uploads/a.jpg") is None
    s3.add_client_error("head_object", "403", http_status_code=403)
    with pytest.raises(AwsCallError, match=r"^s3:HeadObject failed: 403 \(HTTP 403\)$") as raised:
        store.current_version("b", "uploads/a.jpg")
    assert type(raised.value) is AwsCallError
