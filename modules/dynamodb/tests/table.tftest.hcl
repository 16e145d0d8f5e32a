# modules/dynamodb: keys, attributes, the by_status index, billing modes, PITR, SSE with the CMK, TTL, deletion
# protection and the outputs.

mock_provider "aws" {
  source = "../../tests/terraform/mocks/aws"
}

# Defaults (mocked apply): every promise of the module with its default inputs.
run "defaults" {
  command = apply

  assert {
    condition     = aws_dynamodb_table.this.name == "imgpipe-test-metadata"
    error_message = "The table must be named <name>."
  }

  # Keys: hash pk, range sk; exactly the four string attributes pk, sk, status, processed_at.
  assert {
    condition     = aws_dynamodb_table.this.hash_key == "pk" && aws_dynamodb_table.this.range_key == "sk"
    error_message = "The table's keys must be hash pk and range sk."
  }

  assert {
    condition     = jsonencode(sort([for a in aws_dynamodb_table.this.attribute : "${a.name}:${a.type}"])) == jsonencode(["pk:S", "processed_at:S", "sk:S", "status:S"])
    error_message = "The attributes must be exactly pk, sk, status and processed_at, all strings, got ${jsonencode(aws_dynamodb_table.this.attribute)}."
  }

  # The by_status index: hash status, range processed_at, projection ALL; the only index.
  assert {
    condition     = length(aws_dynamodb_table.this.global_secondary_index) == 1 && length(aws_dynamodb_table.this.local_secondary_index) == 0
    error_message = "The table must have exactly one index, the by_status GSI."
  }

  assert {
    # [name, hash_key, range_key, projection_type, non_key_attributes] of each index.
    condition     = jsonencode([for i in aws_dynamodb_table.this.global_secondary_index : [i.name, i.hash_key, i.range_key, i.projection_type, i.non_key_attributes]]) == jsonencode([["by_status", "status", "processed_at", "ALL", null]])
    error_message = "The GSI must be by_status (hash status, range processed_at, projection ALL), got ${jsonencode(aws_dynamodb_table.this.global_secondary_index)}."
  }

  # On-demand billing by default.
  assert {
    condition     = aws_dynamodb_table.this.billing_mode == "PAY_PER_REQUEST"
    error_message = "billing_mode must default to PAY_PER_REQUEST."
  }

  # Point-in-time recovery on by default.
  assert {
    condition     = [for p in aws_dynamodb_table.this.point_in_time_recovery : p.enabled] == [true]
    error_message = "Point-in-time recovery must be enabled by default."
  }

  # Server-side encryption with the customer managed key.
  assert {
    condition     = jsonencode([for e in aws_dynamodb_table.this.server_side_encryption : { enabled = e.enabled, kms_key_arn = e.kms_key_arn }]) == jsonencode([{ enabled = true, kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab" }])
    error_message = "Server-side encryption must be enabled with kms_key_arn."
  }

  # TTL on expires_at.
  assert {
    condition     = jsonencode([for t in aws_dynamodb_table.this.ttl : { attribute_name = t.attribute_name, enabled = t.enabled }]) == jsonencode([{ attribute_name = "expires_at", enabled = true }])
    error_message = "TTL must be enabled on the attribute expires_at."
  }

  # Deletion protection on by default; no streams, no tags.
  assert {
    condition     = aws_dynamodb_table.this.deletion_protection_enabled == true
    error_message = "Deletion protection must be enabled by default."
  }

  assert {
    condition     = aws_dynamodb_table.this.stream_enabled == null && length(aws_dynamodb_table.this.tags) == 0
    error_message = "No stream and no tags by default."
  }

  # Outputs: the table's name, the mocked ARN (tests/terraform/mocks/aws/dynamodb.tfmock.hcl) and the index.
  assert {
    condition     = jsonencode([output.table_name, output.table_arn, output.status_index_name]) == jsonencode(["imgpipe-test-metadata", "arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-test-metadata", "by_status"])
    error_message = "table_name, table_arn and status_index_name must be the table's name and ARN and the by_status index, got ${jsonencode([output.table_name, output.table_arn, output.status_index_name])}."
  }
}

# PROVISIONED: the capacities reach the table and the index (1 unit, the lower boundary); PITR and deletion
# protection can be turned off; tags reach the table; a 3-character name is accepted.
run "provisioned_and_switches_off" {
  command = plan

  variables {
    name                   = "abc"
    billing_mode           = "PROVISIONED"
    read_capacity          = 1
    write_capacity         = 2
    point_in_time_recovery = false
    deletion_protection    = false
    tags                   = { Owner = "team-images" }
  }

  assert {
    condition     = aws_dynamodb_table.this.billing_mode == "PROVISIONED" && aws_dynamodb_table.this.read_capacity == 1 && aws_dynamodb_table.this.write_capacity == 2
    error_message = "PROVISIONED must set read_capacity and write_capacity on the table."
  }

  assert {
    condition     = jsonencode([for i in aws_dynamodb_table.this.global_secondary_index : { read_capacity = i.read_capacity, write_capacity = i.write_capacity }]) == jsonencode([{ read_capacity = 1, write_capacity = 2 }])
    error_message = "PROVISIONED must set read_capacity and write_capacity on the by_status index."
  }

  assert {
    condition     = [for p in aws_dynamodb_table.this.point_in_time_recovery : p.enabled] == [false]
    error_message = "point_in_time_recovery = false must turn PITR off."
  }

  assert {
    condition     = aws_dynamodb_table.this.deletion_protection_enabled == false
    error_message = "deletion_protection = false must turn deletion protection off."
  }

  assert {
    condition     = aws_dynamodb_table.this.tags == tomap({ Owner = "team-images" }) && aws_dynamodb_table.this.name == "abc"
    error_message = "tags and name must reach the table."
  }
}

# PAY_PER_REQUEST ignores given capacities (mocked apply: unset computed numbers are 0); a 255-character name passes.
run "pay_per_request_ignores_capacities" {
  command = apply

  variables {
    name           = "${join("", [for i in range(252) : "a"])}_.-"
    read_capacity  = 5
    write_capacity = 3
  }

  assert {
    condition     = aws_dynamodb_table.this.read_capacity == 0 && aws_dynamodb_table.this.write_capacity == 0
    error_message = "PAY_PER_REQUEST must not set the table's capacities."
  }

  assert {
    condition     = jsonencode([for i in aws_dynamodb_table.this.global_secondary_index : { read_capacity = i.read_capacity, write_capacity = i.write_capacity }]) == jsonencode([{ read_capacity = 0, write_capacity = 0 }])
    error_message = "PAY_PER_REQUEST must not set the index's capacities."
  }

  assert {
    condition     = length(aws_dynamodb_table.this.name) == 255
    error_message = "A 255-character name must be accepted."
  }
}
