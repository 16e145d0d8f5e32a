# modules/s3: the boundary values its variables accept pass (1 day for both day counts and 30 days for the
# transition pass in bucket.tftest.hcl). What they refuse, and with which message, is
# tests/terraform/rejections.json (tests/terraform/test_rejections.py).

mock_provider "aws" {
  source = "../../tests/terraform/mocks/aws"
}

# Accepts the boundaries: a 37-character prefix, a 1-level source prefix, other partitions, an 80-character queue
# name, and the archive storage class. (The 1-character prefix passes in bucket.tftest.hcl.)
run "accepts_boundaries" {
  command = plan

  variables {
    bucket_prefix                    = "${join("", [for i in range(36) : "a"])}-"
    kms_key_arn                      = "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-1234abcd"
    notification_queue_arn           = "arn:aws-cn:sqs:cn-north-1:123456789012:${join("", [for i in range(80) : "q"])}"
    source_prefix                    = "a/"
    uploads_transition_days          = 365
    uploads_transition_storage_class = "DEEP_ARCHIVE"
  }

  assert {
    condition     = length(aws_s3_bucket.this.bucket_prefix) == 37 && aws_s3_bucket_notification.this.queue[0].filter_prefix == "a/"
    error_message = "The boundary values must be accepted and passed through."
  }
}
