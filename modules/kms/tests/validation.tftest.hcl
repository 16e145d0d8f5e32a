# modules/kms: the variables' validation rules. Each rejecting run sets one bad value per listed variable, and every
# variable in expect_failures must fail on its own (a missing failure fails the run); the accepting runs pin the
# boundary values that must pass.

mock_provider "aws" {
  source = "../../tests/terraform/mocks/aws"
}

# Rejects values below the minimum / malformed: empty name, 6-day window, 89-day rotation, non-bucket ARN, topic ARN
# with a short account id, log group ARN with a trailing ':*'.
run "rejects_below_minimum_and_malformed" {
  command = plan

  variables {
    name                    = ""
    deletion_window_in_days = 6
    rotation_period_in_days = 89
    s3_source_bucket_arns   = ["arn:aws:s3:::imgpipe-images-a", "arn:aws:sqs:eu-west-1:123456789012:imgpipe-test"]
    alarm_topic_arns        = ["arn:aws:sns:eu-west-1:12345678901:imgpipe-test-alarms"]
    log_group_arns          = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-test:*"]
  }

  expect_failures = [
    var.name,
    var.deletion_window_in_days,
    var.rotation_period_in_days,
    var.s3_source_bucket_arns,
    var.alarm_topic_arns,
    var.log_group_arns,
  ]
}

# Rejects values above the maximum / malformed: 251-character name, 31-day window, 2561-day rotation, an object ARN
# instead of a bucket ARN, a queue ARN as topic, a wildcard in a log group ARN.
run "rejects_above_maximum_and_malformed" {
  command = plan

  variables {
    name                    = join("", [for i in range(251) : "a"])
    deletion_window_in_days = 31
    rotation_period_in_days = 2561
    s3_source_bucket_arns   = ["arn:aws:s3:::imgpipe-images-a/uploads/"]
    alarm_topic_arns        = ["arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-alarms"]
    log_group_arns          = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/*"]
  }

  expect_failures = [
    var.name,
    var.deletion_window_in_days,
    var.rotation_period_in_days,
    var.s3_source_bucket_arns,
    var.alarm_topic_arns,
    var.log_group_arns,
  ]
}

# Rejects the reserved 'aws/' name prefix and fractional day counts.
run "rejects_reserved_name_and_fractions" {
  command = plan

  variables {
    name                    = "aws/imgpipe"
    deletion_window_in_days = 7.5
    rotation_period_in_days = 365.5
  }

  expect_failures = [
    var.name,
    var.deletion_window_in_days,
    var.rotation_period_in_days,
  ]
}

# Rejects characters outside [a-zA-Z0-9/_-] in the name.
run "rejects_name_with_invalid_characters" {
  command = plan

  variables {
    name = "imgpipe.test key"
  }

  expect_failures = [var.name]
}

# Accepts the upper boundaries and other partitions: 250-character name with '/', '_', '-', 30-day window,
# 2560-day rotation, aws-us-gov / aws-cn ARNs. (The lower boundaries, a 1-character name, 7 and 90 days, pass in
# key.tftest.hcl.)
run "accepts_upper_boundaries" {
  command = plan

  variables {
    name                    = "imgpipe/Dev_key-${join("", [for i in range(234) : "a"])}"
    deletion_window_in_days = 30
    rotation_period_in_days = 2560
    s3_source_bucket_arns   = ["arn:aws-us-gov:s3:::imgpipe.images-a"]
    alarm_topic_arns        = ["arn:aws-cn:sns:cn-north-1:123456789012:imgpipe_test-alarms"]
    log_group_arns          = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-test"]
  }

  assert {
    condition     = length(aws_kms_alias.this.name) == 256 && aws_kms_key.this.deletion_window_in_days == 30 && aws_kms_key.this.rotation_period_in_days == 2560
    error_message = "The upper boundaries must be accepted and passed through."
  }
}
