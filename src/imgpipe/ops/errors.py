"""Typed failures of operator functions; the one line and exit status the CLI prints for any error."""

from __future__ import annotations

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)

from image_processor.adapters.errors import AwsCallError
from image_processor.config import ConfigError
from imgpipe.stack import StackError

USAGE_ERROR = 2
FAILED = 1

# Error codes that mean "the resource named by the outputs does not exist": a configuration problem.
MISSING_RESOURCE_CODES = {
    "AWS.SimpleQueueService.NonExistentQueue",
    "QueueDoesNotExist",
    "NoSuchBucket",
    "ResourceNotFoundException",
    "ResourceNotFound",
    "NotFound",
}
CREDENTIAL_CODES = {
    "ExpiredToken",
    "ExpiredTokenException",
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
    "SignatureDoesNotMatch",
    "AccessDenied",
    "AccessDeniedException",
}


class OperationFailed(Exception):
    """The command ran but its object failed or was not found (exit status 1)."""


class UsageProblem(Exception):
    """The command cannot run as asked: an option's value is refused, or an output path is unusable (exit
    status 2)."""


def describe_error(exc: BaseException) -> tuple[str, int]:
    """One line for stderr and the exit status, for any exception an operator command can raise."""
    if isinstance(exc, StackError | ConfigError | UsageProblem):
        # ConfigError: the function's settings (local stack) refused a value at its cold start.
        return str(exc), USAGE_ERROR
    if isinstance(exc, OperationFailed):
        return str(exc), FAILED
    if isinstance(exc, AwsCallError) and isinstance(exc.__cause__, ClientError | BotoCoreError):
        # A call made through the function's adapters: the botocore error it wraps says more.
        return describe_error(exc.__cause__)
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return (
            "no usable AWS credentials (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
            2,
        )
    if isinstance(exc, NoRegionError):
        return "no AWS region (set AWS_REGION or add aws_region to the outputs)", USAGE_ERROR
    if isinstance(exc, EndpointConnectionError):
        return (
            f"cannot reach {exc.kwargs.get('endpoint_url', 'the endpoint')} (is the stack running?)",
            USAGE_ERROR,
        )
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        message = " ".join(str(error.get("Message") or code).split())
        operation = exc.operation_name
        if code in MISSING_RESOURCE_CODES:
            return f"missing resource ({operation}): {message} (do the outputs match the deployed stack?)", 2
        if code in CREDENTIAL_CODES:
            return f"AWS refused the credentials ({operation}): {message}", USAGE_ERROR
        return f"{operation} failed: {code}: {message}", FAILED
    if isinstance(exc, BotoCoreError):
        return " ".join(str(exc).split()), FAILED
    return f"unexpected {type(exc).__name__}: {' '.join(str(exc).split())}", FAILED
