# The stack outputs of docs/architecture.md: the imgpipe CLI reads them from `terraform output -json`.

output "bucket_name" {
  description = "Image bucket: upload under uploads/, variants appear under processed/."
  value       = module.s3.bucket_name
}

output "queue_url" {
  description = "URL of the main queue (S3 notifications for uploads/)."
  value       = module.sqs.queue_url
}

output "queue_arn" {
  description = "ARN of the main queue."
  value       = module.sqs.queue_arn
}

output "dlq_url" {
  description = "URL of the dead-letter queue (imgpipe dlq stats|peek|redrive)."
  value       = module.sqs.dlq_url
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = module.sqs.dlq_arn
}

output "metadata_table_name" {
  description = "DynamoDB table of metadata records (imgpipe metadata get|query)."
  value       = module.dynamodb.table_name
}

output "alarm_topic_arn" {
  description = "SNS topic every alarm notifies (e-mail subscriptions from alarm_emails)."
  value       = aws_sns_topic.alarms.arn
}

output "alarm_names" {
  description = "Names of the CloudWatch alarms (imgpipe alarms)."
  value       = values(module.lambda_images.alarm_names)
}

output "source_prefix" {
  description = "Uploads under this key prefix are processed."
  value       = local.source_prefix
}

output "destination_prefix" {
  description = "Variants are written under this key prefix (never processed)."
  value       = local.destination_prefix
}

output "function_name" {
  description = "Name of the image processor Lambda function."
  value       = module.lambda_images.function_name
}

output "kms_key_arn" {
  description = "ARN of the customer managed key that encrypts the bucket, queues, table, topic and logs."
  value       = module.kms.key_arn
}

output "aws_region" {
  description = "AWS Region of the stack."
  value       = local.region
}

output "layer_version_arn" {
  description = "ARN of the dependency layer version the function uses."
  value       = module.lambda_layer.arn
}

output "function_role_policy_json" {
  description = "The function role's least-privilege policy document (JSON)."
  value       = module.lambda_images.policy_json
}

output "dashboard_url" {
  description = "Console URL of the environment's CloudWatch dashboard (imgpipe status prints it)."
  value       = module.lambda_images.dashboard_url
}
