output "bucket_name" {
  description = "Name of the image bucket (bucket_prefix plus the provider's unique suffix)."
  value       = aws_s3_bucket.this.id
}

output "bucket_arn" {
  description = "ARN of the image bucket."
  value       = aws_s3_bucket.this.arn
}

output "bucket_regional_domain_name" {
  description = "Regional domain name of the bucket."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}

output "notification_id" {
  description = "ID of the bucket's notification configuration (the bucket name); exposed so callers can depend on it."
  value       = aws_s3_bucket_notification.this.id
}
