# modules/dynamodb: the variables' validation rules and the PROVISIONED precondition. Each rejecting run sets one bad
# value per listed variable, and every checkable in expect_failures must fail on its own (a missing failure fails
# the run). The accepted boundaries (3- and 255-character names, 1 capacity unit) pass in table.tftest.hcl.

mock_provider "aws" {}

# Precondition: PROVISIONED without capacities fails on the table.
run "rejects_provisioned_without_capacities" {
  command = plan

  variables {
    billing_mode = "PROVISIONED"
  }

  expect_failures = [aws_dynamodb_table.this]
}

# Precondition: PROVISIONED with read_capacity only fails on the table.
run "rejects_provisioned_without_write_capacity" {
  command = plan

  variables {
    billing_mode  = "PROVISIONED"
    read_capacity = 5
  }

  expect_failures = [aws_dynamodb_table.this]
}

# Precondition: PROVISIONED with write_capacity only fails on the table.
run "rejects_provisioned_without_read_capacity" {
  command = plan

  variables {
    billing_mode   = "PROVISIONED"
    write_capacity = 5
  }

  expect_failures = [aws_dynamodb_table.this]
}

# Rejects too short / below minimum: a 2-character name, an alias ARN for the key, an unknown billing mode, 0 units.
run "rejects_too_short_and_below_minimum" {
  command = plan

  variables {
    name           = "ab"
    kms_key_arn    = "arn:aws:kms:eu-west-1:123456789012:alias/imgpipe-test"
    billing_mode   = "ON_DEMAND"
    read_capacity  = 0
    write_capacity = 0
  }

  expect_failures = [
    var.name,
    var.kms_key_arn,
    var.billing_mode,
    var.read_capacity,
    var.write_capacity,
  ]
}

# Rejects too long / malformed: a 256-character name, a key ARN with a short account id, a lowercase billing mode,
# fractional units.
run "rejects_too_long_malformed_and_fractions" {
  command = plan

  variables {
    name           = join("", [for i in range(256) : "a"])
    kms_key_arn    = "arn:aws:kms:eu-west-1:12345678901:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    billing_mode   = "provisioned"
    read_capacity  = 1.5
    write_capacity = 2.5
  }

  expect_failures = [
    var.name,
    var.kms_key_arn,
    var.billing_mode,
    var.read_capacity,
    var.write_capacity,
  ]
}

# Rejects characters outside [A-Za-z0-9_.-] in the name.
run "rejects_name_with_invalid_characters" {
  command = plan

  variables {
    name = "imgpipe test/metadata"
  }

  expect_failures = [var.name]
}
