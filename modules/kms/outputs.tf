output "key_arn" {
  description = "ARN of the customer managed key."
  value       = aws_kms_key.this.arn
}

output "key_id" {
  description = "ID of the customer managed key."
  value       = aws_kms_key.this.key_id
}

output "alias_name" {
  description = "Name of the key's alias (`alias/<name>`)."
  value       = aws_kms_alias.this.name
}

output "alias_arn" {
  description = "ARN of the key's alias."
  value       = aws_kms_alias.this.arn
}
