# One environment of the pipeline (dev, staging and prod share this file; values differ in terraform.tfvars):
#   PutObject uploads/... -> S3 notification -> SQS (SSE-KMS) -> event source mapping -> Lambda -> processed/...
#   + DynamoDB metadata table, DLQ, CloudWatch alarms -> SNS topic (SSE-KMS) -> e-mail.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  name               = "${var.name_prefix}-${var.environment}"
  function_name      = "${local.name}-image-processor"
  alarm_topic_name   = "${local.name}-alarms"
  source_prefix      = "uploads/"
  destination_prefix = "processed/"

  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id # `name` is deprecated in provider 6, `region` absent in 5

  # Known before the resources exist, so the key policy can name them without a dependency cycle
  # (both are encrypted with the key). The topic checks its real ARN against this one (postcondition).
  function_log_group_arn = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:/aws/lambda/${local.function_name}"
  alarm_topic_arn        = "arn:${local.partition}:sns:${local.region}:${local.account_id}:${local.alarm_topic_name}"

  # Built outside Terraform (make package / make layer, or scripts/terraform_env.py); paths are relative to
  # this directory, the working directory of terraform, and written exactly as scripts/terraform_env.py
  # passes them: the function's and layer's `filename` is stored as given, so another spelling of the same
  # path would replace the layer.
  function_zip_path = coalesce(var.function_zip_path, "../../build/function.zip")
  layer_zip_path    = coalesce(var.layer_zip_path, "../../build/layer-${var.function_architecture}.zip")

  # Lambda's rule for SQS event sources: visibility timeout >= 6 x function timeout, plus the batching window.
  queue_visibility_timeout_seconds = 6 * var.function_timeout_seconds + var.batching_window_seconds
}

module "kms" {
  source = "../../modules/kms"

  name                  = local.name
  s3_source_bucket_arns = [module.s3.bucket_arn]
  alarm_topic_arns      = [local.alarm_topic_arn]
  log_group_arns        = [local.function_log_group_arn]
}

module "s3" {
  source = "../../modules/s3"

  bucket_prefix          = "${local.name}-images-"
  kms_key_arn            = module.kms.key_arn
  source_prefix          = local.source_prefix
  force_destroy          = var.force_destroy
  notification_queue_arn = module.sqs.queue_arn
}

module "sqs" {
  source = "../../modules/sqs"

  name                          = "${local.name}-uploads"
  kms_key_arn                   = module.kms.key_arn
  source_bucket_arns            = [module.s3.bucket_arn]
  function_timeout_seconds      = var.function_timeout_seconds
  visibility_timeout_seconds    = local.queue_visibility_timeout_seconds
  max_receive_count             = var.max_receive_count
  message_retention_seconds     = var.queue_retention_seconds
  dlq_message_retention_seconds = var.dlq_retention_seconds
}

module "dynamodb" {
  source = "../../modules/dynamodb"

  name                   = "${local.name}-metadata"
  kms_key_arn            = module.kms.key_arn
  point_in_time_recovery = var.point_in_time_recovery
  deletion_protection    = var.deletion_protection
}

module "lambda_layer" {
  source = "../../modules/lambda_layer"

  name                     = "${local.name}-dependencies"
  zip_path                 = local.layer_zip_path
  source_code_hash         = filebase64sha256(local.layer_zip_path)
  compatible_architectures = [var.function_architecture]
}

module "lambda_images" {
  source = "../../modules/lambda_images"

  function_name        = local.function_name
  zip_path             = local.function_zip_path
  source_code_hash     = filebase64sha256(local.function_zip_path)
  layer_arns           = [module.lambda_layer.arn]
  architecture         = var.function_architecture
  memory_mb            = var.function_memory_mb
  timeout_seconds      = var.function_timeout_seconds
  reserved_concurrency = var.reserved_concurrency
  log_retention_days   = var.log_retention_days
  kms_key_arn          = module.kms.key_arn

  bucket_name        = module.s3.bucket_name
  source_prefix      = local.source_prefix
  destination_prefix = local.destination_prefix
  queue_name         = module.sqs.queue_name
  dlq_name           = module.sqs.dlq_name
  table_name         = module.dynamodb.table_name

  variants          = var.variants
  max_input_pixels  = var.max_input_pixels
  max_input_bytes   = var.max_input_bytes
  cache_control     = var.cache_control
  max_receive_count = var.max_receive_count
  metadata_ttl_days = var.metadata_ttl_days
  service_name      = local.name
  metrics_namespace = var.name_prefix

  event_source_mapping_enabled = var.processing_enabled
  batch_size                   = var.batch_size
  batching_window_seconds      = var.batching_window_seconds
  maximum_concurrency          = var.maximum_concurrency

  alarm_topic_arn = aws_sns_topic.alarms.arn
}

# --- alarm topic ------------------------------------------------------------------------------------------

resource "aws_sns_topic" "alarms" {
  name              = local.alarm_topic_name
  display_name      = "imgpipe ${var.environment} alarms"
  kms_master_key_id = module.kms.key_arn

  lifecycle {
    # The key policy was written for this ARN before the topic existed.
    postcondition {
      condition     = self.arn == local.alarm_topic_arn
      error_message = "The alarm topic's ARN (${self.arn}) differs from the one the KMS key policy allows (${local.alarm_topic_arn})."
    }
  }
}

data "aws_iam_policy_document" "alarm_topic" {
  statement {
    sid       = "CloudWatchAlarmsPublish"
    effect    = "Allow"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms.arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account_id]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:*"]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  arn    = aws_sns_topic.alarms.arn
  policy = data.aws_iam_policy_document.alarm_topic.json
}

resource "aws_sns_topic_subscription" "alarm_emails" {
  for_each = toset(var.alarm_emails)

  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = each.value
}
