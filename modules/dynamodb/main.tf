# Keys and index as docs/architecture.md fixes them: one item per source object (and version), queryable by
# status and time range through the sparse `by_status` index (IN_PROGRESS items have no processed_at).
resource "aws_dynamodb_table" "this" {
  name                        = var.name
  billing_mode                = var.billing_mode
  read_capacity               = var.billing_mode == "PROVISIONED" ? var.read_capacity : null
  write_capacity              = var.billing_mode == "PROVISIONED" ? var.write_capacity : null
  hash_key                    = "pk"
  range_key                   = "sk"
  deletion_protection_enabled = var.deletion_protection

  attribute {
    name = "pk"
    type = "S"
  }

  attribute {
    name = "sk"
    type = "S"
  }

  attribute {
    name = "status"
    type = "S"
  }

  attribute {
    name = "processed_at"
    type = "S"
  }

  global_secondary_index {
    name            = "by_status"
    hash_key        = "status"
    range_key       = "processed_at"
    projection_type = "ALL"
    read_capacity   = var.billing_mode == "PROVISIONED" ? var.read_capacity : null
    write_capacity  = var.billing_mode == "PROVISIONED" ? var.write_capacity : null
  }

  point_in_time_recovery {
    enabled = var.point_in_time_recovery
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = var.kms_key_arn
  }

  # Filled only when the function runs with METADATA_TTL_DAYS > 0; items without it never expire.
  ttl {
    attribute_name = "expires_at"
    enabled        = true
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = var.billing_mode == "PAY_PER_REQUEST" || (var.read_capacity != null && var.write_capacity != null)
      error_message = "billing_mode PROVISIONED needs read_capacity and write_capacity."
    }
  }
}
