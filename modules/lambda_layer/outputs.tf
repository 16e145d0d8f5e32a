output "arn" {
  description = "ARN of the layer version (what a function's `layers` takes)."
  value       = aws_lambda_layer_version.this.arn
}

output "layer_arn" {
  description = "ARN of the layer without its version."
  value       = aws_lambda_layer_version.this.layer_arn
}

output "version" {
  description = "Version number of the published layer version."
  value       = aws_lambda_layer_version.this.version
}

output "source_code_size" {
  description = "Size of the layer zip in bytes, as Lambda stored it."
  value       = aws_lambda_layer_version.this.source_code_size
}
