"""Lambda entry point `image_processor.handler.lambda_handler`: Powertools wiring around `Processor`, no more.

Everything here runs once per cold start: settings are validated (a bad variable fails the init with its
name), clients are created with explicit retry and timeout settings, and the Powertools utilities are
configured.

Batch semantics (Powertools `BatchProcessor`, `ReportBatchItemFailures` on the event source mapping): a record
whose handler raises is listed in `batchItemFailures` and retried by SQS; the others are deleted. When *every*
record fails, `process_partial_response` raises `BatchProcessingError` instead, which fails the invocation and
makes SQS retry the whole batch: the same effect, and the invocation shows up in the Lambda `Errors` metric.
"""

from __future__ import annotations

import os
from typing import Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.utils import copy_config_to_registered_loggers
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext
from botocore.config import Config

from image_processor.adapters import MetadataTable, S3Store
from image_processor.config import Settings
from image_processor.events import PoisonMessage
from image_processor.processor import MessageResult, Outcome, Processor

settings = Settings.from_environ(os.environ)

logger = Logger(service=settings.service_name, level=settings.log_level)
# The processor and adapters log through stdlib loggers under `image_processor`: give them the same JSON
# output, correlation id included.
copy_config_to_registered_loggers(source_logger=logger, include={"image_processor"})
# Patch botocore only (not every library the X-Ray SDK knows): S3 and DynamoDB calls become subsegments.
tracer = Tracer(service=settings.service_name, patch_modules=("botocore",))
metrics = Metrics(namespace=settings.metrics_namespace, service=settings.service_name)

# Retries inside one invocation absorb short blips; what still fails goes back to SQS as a batch item failure.
# "standard" mode retries throttling, 5xx and timeouts with jittered backoff; timeouts are short so a stuck
# connection fails fast instead of eating the function timeout.
_S3_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 4},
    connect_timeout=3,
    read_timeout=20,
    max_pool_connections=16,
)
_DYNAMODB_CONFIG = Config(retries={"mode": "standard", "max_attempts": 4}, connect_timeout=2, read_timeout=5)

processor = Processor(
    settings,
    store=S3Store(boto3.client("s3", config=_S3_CONFIG)),
    records=MetadataTable(boto3.client("dynamodb", config=_DYNAMODB_CONFIG), settings.metadata_table),
    span=tracer.provider.in_subsegment,
)
_batch = BatchProcessor(event_type=EventType.SQS)
_invocation_ms: int | None = None


def record_handler(record: SQSRecord, lambda_context: LambdaContext | None = None) -> None:
    """One SQS record; raising reports it in `batchItemFailures`."""
    logger.set_correlation_id(record.message_id)
    receive_count = int(record.attributes.approximate_receive_count or 1)
    remaining_ms = lambda_context.get_remaining_time_in_millis() if lambda_context is not None else None
    try:
        result = processor.process_message(
            record.body,
            receive_count=receive_count,
            remaining_ms=remaining_ms,
            invocation_ms=_invocation_ms,
        )
    except PoisonMessage as exc:
        # Not something S3 sends: fail it every time so it reaches the DLQ for a human.
        metrics.add_metric(name="PoisonMessages", unit=MetricUnit.Count, value=1)
        logger.error("poison message", extra={"reason": exc.reason, "receive_count": receive_count})
        raise
    _observe(result)
    result.raise_for_retry()


def _observe(result: MessageResult) -> None:
    ignored = sum(1 for item in result.objects if item.outcome is Outcome.IGNORED)
    skipped = len(result.skipped) + int(result.test_event) + ignored
    if skipped:
        # Also keeps every invocation's EMF blob non-empty (Powertools warns on an empty one).
        metrics.add_metric(name="RecordsSkipped", unit=MetricUnit.Count, value=skipped)
    for item in result.objects:
        if item.outcome is Outcome.PROCESSED:
            metrics.add_metric(name="ImagesProcessed", unit=MetricUnit.Count, value=1)
            metrics.add_metric(name="BytesWritten", unit=MetricUnit.Bytes, value=item.bytes_written)
            metrics.add_metric(name="ProcessingTime", unit=MetricUnit.Milliseconds, value=item.duration_ms)
            if item.source_megapixels is not None:
                metrics.add_metric(
                    name="SourceMegapixels", unit=MetricUnit.Count, value=item.source_megapixels
                )
        elif item.outcome is Outcome.REJECTED:
            metrics.add_metric(name="ImagesRejected", unit=MetricUnit.Count, value=1)
        elif item.outcome is Outcome.DUPLICATE:
            metrics.add_metric(name="DuplicatesSkipped", unit=MetricUnit.Count, value=1)
        elif item.outcome is Outcome.RETRY:
            metrics.add_metric(name="TransientFailures", unit=MetricUnit.Count, value=1)
        elif item.outcome is Outcome.FAILED:
            metrics.add_metric(name="ImagesFailed", unit=MetricUnit.Count, value=1)
        elif item.outcome is Outcome.DELETED:
            metrics.add_metric(name="ImagesDeleted", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context(clear_state=True)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    global _invocation_ms  # noqa: PLW0603 - every invocation of a function has the same timeout
    # The context tells the time left, not the timeout: what is left at the start stands for the invocation.
    _invocation_ms = context.get_remaining_time_in_millis()
    return dict(
        process_partial_response(
            event=event, record_handler=record_handler, processor=_batch, context=context
        )
    )
