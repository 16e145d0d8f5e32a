# modules/sqs: the boundary values its variables and its two preconditions accept pass. What they refuse, and
# with which message, is tests/terraform/rejections.json (tests/terraform/test_rejections.py).

mock_provider "aws" {
  source = "../../tests/terraform/mocks/aws"
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
