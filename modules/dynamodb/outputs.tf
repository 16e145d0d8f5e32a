output "table_name" {
  description = "Name of the metadata table."
  value       = aws_dynamodb_table.this.name
}

output "table_arn" {
  description = "ARN of the metadata table (its indexes are `<arn>/index/<name>`)."
  value       = aws_dynamodb_table.this.arn
}

output "status_index_name" {
  description = "Name of the global secondary index for queries by status and time range."
  value       = one(aws_dynamodb_table.this.global_secondary_index[*].name)
}
