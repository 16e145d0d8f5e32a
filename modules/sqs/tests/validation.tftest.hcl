# modules/sqs: the variables' validation rules and the two preconditions. Each rejecting run sets one bad value per
# listed variable, and every checkable in expect_failures must fail on its own (a missing failure fails the run);
# the accepting runs pin the boundary values that must pass.

mock_provider "aws" {
  source = "../../tests/terraform/mocks/aws"
}

# Preconditions: a visibility timeout of 6 x 60 - 1 = 359 s fails on the main queue, a DLQ retention equal to the
# main queue's fails on the DLQ (each must fail; nothing else may).
run "rejects_visibility_below_six_function_timeouts_and_equal_retentions" {
  command = plan

  variables {
    visibility_timeout_seconds    = 359
    message_retention_seconds     = 345600
    dlq_message_retention_seconds = 345600
  }

  expect_failures = [aws_sqs_queue.this, aws_sqs_queue.dlq]
}

# Rejects empty / below-minimum values: empty name, an alias ARN for the key, 59 s reuse, no buckets, 0 s function
# timeout, -1 s visibility, 0 receives, 59 s retentions.
run "rejects_empty_and_below_minimum" {
  command = plan

  variables {
    name                              = ""
    kms_key_arn                       = "arn:aws:kms:eu-west-1:123456789012:alias/imgpipe-test"
    kms_data_key_reuse_period_seconds = 59
    source_bucket_arns                = []
    function_timeout_seconds          = 0
    visibility_timeout_seconds        = -1
    max_receive_count                 = 0
    message_retention_seconds         = 59
    dlq_message_retention_seconds     = 59
  }

  expect_failures = [
    var.name,
    var.kms_key_arn,
    var.kms_data_key_reuse_period_seconds,
    var.source_bucket_arns,
    var.function_timeout_seconds,
    var.visibility_timeout_seconds,
    var.max_receive_count,
    var.message_retention_seconds,
    var.dlq_message_retention_seconds,
  ]
}

# Rejects above-maximum / malformed values: a 77-character name, a key ARN with a short account id, 86401 s reuse,
# an object ARN as bucket, 901 s function timeout, 43201 s visibility, 1001 receives, 1209601 s retentions.
run "rejects_above_maximum_and_malformed" {
  command = plan

  variables {
    name                              = join("", [for i in range(77) : "q"])
    kms_key_arn                       = "arn:aws:kms:eu-west-1:12345678901:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    kms_data_key_reuse_period_seconds = 86401
    source_bucket_arns                = ["arn:aws:s3:::imgpipe-test-images-a/uploads/"]
    function_timeout_seconds          = 901
    visibility_timeout_seconds        = 43201
    max_receive_count                 = 1001
    message_retention_seconds         = 1209601
    dlq_message_retention_seconds     = 1209601
  }

  expect_failures = [
    var.name,
    var.kms_key_arn,
    var.kms_data_key_reuse_period_seconds,
    var.source_bucket_arns,
    var.function_timeout_seconds,
    var.visibility_timeout_seconds,
    var.max_receive_count,
    var.message_retention_seconds,
    var.dlq_message_retention_seconds,
  ]
}

# Rejects fractions and invalid characters: a '.' in the name, a valid bucket next to a queue ARN, fractional
# seconds and counts.
run "rejects_fractions_and_invalid_characters" {
  command = plan

  variables {
    name                              = "imgpipe.test"
    source_bucket_arns                = ["arn:aws:s3:::imgpipe-test-images-a", "arn:aws:sqs:eu-west-1:123456789012:imgpipe-test"]
    kms_data_key_reuse_period_seconds = 300.5
    function_timeout_seconds          = 1.5
    visibility_timeout_seconds        = 360.5
    max_receive_count                 = 1.5
    message_retention_seconds         = 60.5
    dlq_message_retention_seconds     = 120.5
  }

  expect_failures = [
    var.name,
    var.source_bucket_arns,
    var.kms_data_key_reuse_period_seconds,
    var.function_timeout_seconds,
    var.visibility_timeout_seconds,
    var.max_receive_count,
    var.message_retention_seconds,
    var.dlq_message_retention_seconds,
  ]
}

# Accepts the lower boundaries: 1-character name, 60 s reuse, 1 s function timeout with exactly 6 s visibility,
# 1 receive, 60 s retention with a DLQ retention of exactly 61 s.
run "accepts_lower_boundaries" {
  command = plan

  variables {
    name                              = "q"
    kms_data_key_reuse_period_seconds = 60
    function_timeout_seconds          = 1
    visibility_timeout_seconds        = 6
    max_receive_count                 = 1
    message_retention_seconds         = 60
    dlq_message_retention_seconds     = 61
  }

  assert {
    condition     = aws_sqs_queue.dlq.name == "q-dlq" && aws_sqs_queue.this.visibility_timeout_seconds == 6 && aws_sqs_queue.dlq.message_retention_seconds == 61
    error_message = "The lower boundaries must be accepted and passed through."
  }
}

# Accepts the upper boundaries: 76-character name (an 80-character DLQ name), 86400 s reuse, 900 s function timeout
# with exactly 5400 s visibility, 1000 receives, 1209599 / 1209600 s retentions, another partition.
run "accepts_upper_boundaries" {
  command = plan

  variables {
    name                              = join("", [for i in range(76) : "q"])
    kms_key_arn                       = "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd"
    kms_data_key_reuse_period_seconds = 86400
    source_bucket_arns                = ["arn:aws-us-gov:s3:::imgpipe.test-images-a"]
    function_timeout_seconds          = 900
    visibility_timeout_seconds        = 5400
    max_receive_count                 = 1000
    message_retention_seconds         = 1209599
    dlq_message_retention_seconds     = 1209600
  }

  assert {
    condition     = length(aws_sqs_queue.dlq.name) == 80 && aws_sqs_queue.this.visibility_timeout_seconds == 5400 && aws_sqs_queue.this.message_retention_seconds == 1209599
    error_message = "The upper boundaries must be accepted and passed through."
  }
}

# The variable rules accept a 0 s visibility timeout and a 1209600 s main retention (values no valid combination can
# pass): only the preconditions fail, on the main queue (0 < 6 x 60) and on the DLQ (equal retentions). The 43200 s
# maximum visibility passes in queues.tftest.hcl.
run "accepts_zero_visibility_and_max_retention_in_variables" {
  command = plan

  variables {
    visibility_timeout_seconds    = 0
    message_retention_seconds     = 1209600
    dlq_message_retention_seconds = 1209600
  }

  expect_failures = [aws_sqs_queue.this, aws_sqs_queue.dlq]
}
