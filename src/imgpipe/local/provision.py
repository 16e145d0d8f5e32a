"""Create the dev stack's resources on the local emulator, with the dev environment's settings.

Mirrors the Terraform: a customer managed KMS key; the bucket (versioned, SSE-KMS, public access
blocked) whose `s3:ObjectCreated:*` notification for `uploads/` feeds the queue; queue + DLQ with the same
redrive policy and a visibility timeout of 6 x the (scaled) function timeout; the metadata table with GSI
`by_status`; the alarm topic and alarms. Returns the outputs in the `terraform output -json` shape.
"""

from __future__ import annotations

import json
from typing import Any

import boto3

from image_processor.adapters.metadata import table_definition
from image_processor.records import TTL_ATTRIBUTE
from imgpipe.local.alarms import alarm_specs
from imgpipe.local.names import ACCOUNT_ID, ResourceNames
from imgpipe.local.settings import TerraformSettings
from imgpipe.local.timing import LocalTimings

SOURCE_PREFIX = "uploads/"


def provision(
    session: boto3.session.Session,
    endpoint_url: str | None,
    settings: TerraformSettings,
    timings: LocalTimings,
    names: ResourceNames,
) -> dict[str, dict[str, Any]]:
    clients: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in clients:
            clients[service] = session.client(service, endpoint_url=endpoint_url)
        return clients[service]

    key_arn = _kms_key(client("kms"), names)
    dlq_url, dlq_arn = _queue(
        client("sqs"),
        names.dlq,
        {"MessageRetentionPeriod": str(settings.integer("dlq_retention_seconds")), "KmsMasterKeyId": key_arn},
    )
    queue_url, queue_arn = _queue(
        client("sqs"),
        names.queue,
        {
            "VisibilityTimeout": str(timings.visibility_timeout_seconds),
            "MessageRetentionPeriod": str(settings.integer("queue_retention_seconds")),
            "KmsMasterKeyId": key_arn,
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": settings.integer("max_receive_count")}
            ),
        },
    )
    _bucket(
        client("s3"), client("sqs"), names=names, key_arn=key_arn, queue_url=queue_url, queue_arn=queue_arn
    )
    _table(client("dynamodb"), names, key_arn, settings)
    topic_arn = client("sns").create_topic(Name=names.topic, Attributes={"KmsMasterKeyId": key_arn})[
        "TopicArn"
    ]
    alarms = alarm_specs(
        settings.root,
        settings,
        variables={
            "function_name": names.function,
            "queue_name": names.queue,
            "dlq_name": names.dlq,
            "alarm_topic_arn": topic_arn,
            "timeout_seconds": timings.function_timeout_seconds,
        },
        resources={"aws_lambda_function": {"this": {"function_name": names.function}}},
    )
    for spec in alarms:
        client("cloudwatch").put_metric_alarm(**spec)
    values: dict[str, Any] = {
        "bucket_name": names.bucket,
        "queue_url": queue_url,
        "queue_arn": queue_arn,
        "dlq_url": dlq_url,
        "dlq_arn": dlq_arn,
        "metadata_table_name": names.table,
        "alarm_topic_arn": topic_arn,
        "alarm_names": [spec["AlarmName"] for spec in alarms],
        "function_name": names.function,
        "kms_key_arn": key_arn,
        "aws_region": names.region,
        "endpoint_url": endpoint_url,
    }
    return {name: {"value": value} for name, value in values.items()}


def _kms_key(kms: Any, names: ResourceNames) -> str:
    # The key policy the Terraform writes lets S3 (and SNS) use the key; moto does not evaluate key policies.
    key = kms.create_key(Description=f"{names.prefix} images pipeline", KeyUsage="ENCRYPT_DECRYPT")[
        "KeyMetadata"
    ]
    kms.create_alias(AliasName=names.key_alias, TargetKeyId=key["KeyId"])
    return str(key["Arn"])


def _queue(sqs: Any, name: str, attributes: dict[str, str]) -> tuple[str, str]:
    url = sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    return str(url), str(arn)


def _bucket(s3: Any, sqs: Any, *, names: ResourceNames, key_arn: str, queue_url: str, queue_arn: str) -> None:
    bucket = names.bucket
    if names.region == "us-east-1":
        s3.create_bucket(Bucket=bucket)
    else:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": names.region})
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_public_access_block(
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    s3.put_bucket_encryption(
        Bucket=bucket,
        ServerSideEncryptionConfiguration={
            "Rules": [
                {
                    "ApplyServerSideEncryptionByDefault": {
                        "SSEAlgorithm": "aws:kms",
                        "KMSMasterKeyID": key_arn,
                    },
                    "BucketKeyEnabled": True,
                }
            ]
        },
    )
    # The queue policy must exist before the notification is saved: S3 validates it with a test message.
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowBucketNotifications",
                "Effect": "Allow",
                "Principal": {"Service": "s3.amazonaws.com"},
                "Action": "sqs:SendMessage",
                "Resource": queue_arn,
                "Condition": {
                    "ArnEquals": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"},
                    "StringEquals": {"aws:SourceAccount": ACCOUNT_ID},
                },
            }
        ],
    }
    sqs.set_queue_attributes(QueueUrl=queue_url, Attributes={"Policy": json.dumps(policy)})
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "QueueConfigurations": [
                {
                    "Id": "uploads-to-queue",
                    "QueueArn": queue_arn,
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": SOURCE_PREFIX}]}},
                }
            ]
        },
    )


def _table(dynamodb: Any, names: ResourceNames, key_arn: str, settings: TerraformSettings) -> None:
    # The function's own definition of the table (keys, GSI `by_status`), as modules/dynamodb builds it.
    definition = table_definition(names.table)
    dynamodb.create_table(
        **definition, SSESpecification={"Enabled": True, "SSEType": "KMS", "KMSMasterKeyId": key_arn}
    )
    if settings.integer("metadata_ttl_days") > 0:
        dynamodb.update_time_to_live(
            TableName=names.table, TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE}
        )
