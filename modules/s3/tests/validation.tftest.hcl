# modules/s3: the variables' validation rules. Each rejecting run sets one bad value per listed variable, and every
# variable in expect_failures must fail on its own (a missing failure fails the run); the accepting run pins the
# boundary values that must pass (1 day for both day counts and 30 days for the transition pass in bucket.tftest.hcl).

mock_provider "aws" {
  source = "../../tests/terraform/mocks/aws"
}

# Rejects empty / below-minimum values: empty prefixes, an alias ARN for the key, a topic ARN for the queue, 0 days,
# 29 transition days, STANDARD as transition class.
run "rejects_empty_and_below_minimum" {
  command = plan

  variables {
    bucket_prefix                          = ""
    kms_key_arn                            = "arn:aws:kms:eu-west-1:123456789012:alias/imgpipe-test"
    notification_queue_arn                 = "arn:aws:sns:eu-west-1:123456789012:imgpipe-test-uploads"
    source_prefix                          = ""
    noncurrent_version_expiration_days     = 0
    abort_incomplete_multipart_upload_days = 0
    uploads_transition_days                = 29
    uploads_transition_storage_class       = "STANDARD"
  }

  expect_failures = [
    var.bucket_prefix,
    var.kms_key_arn,
    var.notification_queue_arn,
    var.source_prefix,
    var.noncurrent_version_expiration_days,
    var.abort_incomplete_multipart_upload_days,
    var.uploads_transition_days,
    var.uploads_transition_storage_class,
  ]
}

# Rejects too long / malformed values: a 38-character prefix, a key ARN with a short account id, an 81-character
# queue name, a source prefix without trailing '/', fractional days, a lowercase storage class.
run "rejects_too_long_malformed_and_fractions" {
  command = plan

  variables {
    bucket_prefix                          = join("", [for i in range(38) : "a"])
    kms_key_arn                            = "arn:aws:kms:eu-west-1:12345678901:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    notification_queue_arn                 = "arn:aws:sqs:eu-west-1:123456789012:${join("", [for i in range(81) : "q"])}"
    source_prefix                          = "uploads"
    noncurrent_version_expiration_days     = 1.5
    abort_incomplete_multipart_upload_days = 2.5
    uploads_transition_days                = 30.5
    uploads_transition_storage_class       = "standard_ia"
  }

  expect_failures = [
    var.bucket_prefix,
    var.kms_key_arn,
    var.notification_queue_arn,
    var.source_prefix,
    var.noncurrent_version_expiration_days,
    var.abort_incomplete_multipart_upload_days,
    var.uploads_transition_days,
    var.uploads_transition_storage_class,
  ]
}

# Rejects a double hyphen in the bucket prefix and a source prefix starting with '/'.
run "rejects_double_hyphen_and_leading_slash" {
  command = plan

  variables {
    bucket_prefix = "imgpipe--images-"
    source_prefix = "/uploads/"
  }

  expect_failures = [var.bucket_prefix, var.source_prefix]
}

# Rejects a bucket prefix starting with a hyphen.
run "rejects_leading_hyphen" {
  command = plan

  variables {
    bucket_prefix = "-imgpipe-images-"
  }

  expect_failures = [var.bucket_prefix]
}

# Rejects uppercase letters in the bucket prefix.
run "rejects_uppercase" {
  command = plan

  variables {
    bucket_prefix = "imgpipe-Images-"
  }

  expect_failures = [var.bucket_prefix]
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
