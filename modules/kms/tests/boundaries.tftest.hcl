# modules/kms: the largest values its variables accept pass, and reach the key and alias. What the variables
# refuse, and with which message, is tests/terraform/rejections.json (tests/terraform/test_rejections.py).

mock_provider "aws" {
  source = "../../tests/terraform/mocks/aws"
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
