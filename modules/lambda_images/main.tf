# The image processor: an SQS event source mapping hands batches of S3 notifications to the function, which
# renders the variants, records them in DynamoDB and reports partial batch failures.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  log_group_name = "/aws/lambda/${var.function_name}"
  region         = data.aws_region.current.id # `name` is deprecated in provider 6, `region` absent in 5

  # The queue and the table are addressed by name (the alarms' dimensions, METADATA_TABLE), so they are in the
  # function's account and Region: their ARNs follow from the names, as the bucket's does.
  arn_prefix = "arn:${data.aws_partition.current.partition}"
  bucket_arn = "${local.arn_prefix}:s3:::${var.bucket_name}"
  queue_arn  = "${local.arn_prefix}:sqs:${local.region}:${data.aws_caller_identity.current.account_id}:${var.queue_name}"
  table_arn  = "${local.arn_prefix}:dynamodb:${local.region}:${data.aws_caller_identity.current.account_id}:table/${var.table_name}"
}

resource "aws_cloudwatch_log_group" "this" {
  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously by the SQS event source mapping; failed messages go to the queue's redrive DLQ, an async DLQ would never receive anything.
  #checkov:skip=CKV_AWS_117:Not in a VPC: it only calls S3, SQS, DynamoDB, X-Ray and CloudWatch public endpoints over TLS; a VPC would only add NAT gateways or VPC endpoints to reach them.
  #checkov:skip=CKV_AWS_272:Code signing is not used: the package is built reproducibly from this repository (scripts/package_function.py) and deployed by Terraform.
  function_name                  = var.function_name
  description                    = var.description
  role                           = aws_iam_role.this.arn
  runtime                        = "python3.12"
  handler                        = "image_processor.handler.lambda_handler"
  architectures                  = [var.architecture]
  filename                       = var.zip_path
  source_code_hash               = var.source_code_hash
  layers                         = var.layer_arns
  memory_size                    = var.memory_mb
  timeout                        = var.timeout_seconds
  reserved_concurrent_executions = var.reserved_concurrency
  kms_key_arn                    = var.kms_key_arn

  ephemeral_storage {
    size = var.ephemeral_storage_mb
  }

  tracing_config {
    mode = "Active"
  }

  # Exactly image_processor.config.ENVIRONMENT_VARIABLES (tests/terraform compares the two sets).
  environment {
    variables = {
      METADATA_TABLE               = var.table_name
      SOURCE_PREFIX                = var.source_prefix
      DESTINATION_PREFIX           = var.destination_prefix
      DESTINATION_BUCKET           = var.bucket_name
      VARIANTS                     = var.variants
      MAX_INPUT_PIXELS             = tostring(var.max_input_pixels)
      MAX_INPUT_BYTES              = tostring(var.max_input_bytes)
      CACHE_CONTROL                = var.cache_control
      MAX_RECEIVE_COUNT            = tostring(var.max_receive_count)
      METADATA_TTL_DAYS            = tostring(var.metadata_ttl_days)
      POWERTOOLS_SERVICE_NAME      = var.service_name
      POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
      POWERTOOLS_LOG_LEVEL         = var.log_level
    }
  }

  tags = var.tags

  # The log group must exist (with retention and KMS) before the first invocation would create it unencrypted,
  # and the role's policy before Lambda validates the event source mapping against it.
  depends_on = [
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy.this,
  ]
}

resource "aws_lambda_event_source_mapping" "this" {
  event_source_arn                   = local.queue_arn
  function_name                      = aws_lambda_function.this.arn
  enabled                            = var.event_source_mapping_enabled
  batch_size                         = var.batch_size
  maximum_batching_window_in_seconds = var.batching_window_seconds
  function_response_types            = ["ReportBatchItemFailures"]

  # Caps SQS-driven concurrency without throttling (reserved concurrency alone makes the poller throttle).
  scaling_config {
    maximum_concurrency = var.maximum_concurrency
  }

  tags = var.tags

  # Lambda checks the role can receive/delete from the queue when the mapping is created.
  depends_on = [aws_iam_role_policy.this]

  lifecycle {
    precondition {
      condition     = var.batch_size <= 10 || var.batching_window_seconds >= 1
      error_message = "batch_size above 10 needs batching_window_seconds of at least 1 (an SQS event source rule)."
    }

    precondition {
      condition     = var.reserved_concurrency == -1 || var.reserved_concurrency >= var.maximum_concurrency
      error_message = "reserved_concurrency (${var.reserved_concurrency}) is below maximum_concurrency (${var.maximum_concurrency}): the pollers would be throttled. Raise it, lower maximum_concurrency, or use -1 (no reservation)."
    }
  }
}
