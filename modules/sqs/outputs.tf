output "queue_arn" {
  description = "ARN of the main queue. Available only once the queue policy that lets S3 send to it and the redrive policy exist, so a bucket notification built from it is saved after both (S3 validates the destination on save)."
  value       = aws_sqs_queue.this.arn

  depends_on = [aws_sqs_queue_policy.this, aws_sqs_queue_redrive_policy.this]
}

output "queue_url" {
  description = "URL of the main queue."
  value       = aws_sqs_queue.this.url
}

output "queue_name" {
  description = "Name of the main queue."
  value       = aws_sqs_queue.this.name
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue."
  value       = aws_sqs_queue.dlq.arn
}

output "dlq_url" {
  description = "URL of the dead-letter queue."
  value       = aws_sqs_queue.dlq.url
}

output "dlq_name" {
  description = "Name of the dead-letter queue."
  value       = aws_sqs_queue.dlq.name
}

output "visibility_timeout_seconds" {
  description = "Visibility timeout of the main queue."
  value       = aws_sqs_queue.this.visibility_timeout_seconds
}
