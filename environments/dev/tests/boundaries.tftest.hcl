# The environment root's own variable rules (the Region, and the values that make up resource names and the
# alarm subscriptions): the defaults and the boundary values pass. What they refuse, and with which message, is
# tests/terraform/rejections.json (tests/terraform/test_rejections.py); every other value is checked by the
# module it is passed to, and tests/terraform/test_environments.py shows those failures reach a plan of this root.

mock_provider "aws" {
  source = "../../tests/terraform/mocks/aws"
}

# filebase64sha256() needs files that exist; the build's zips may not (the plan never uploads them).
variables {
  aws_region        = "eu-west-1"
  environment       = "dev"
  function_zip_path = "tests/empty.zip"
  layer_zip_path    = "tests/empty.zip"
}

run "accepts_the_defaults" {
  command = plan

  assert {
    condition     = aws_sns_topic.alarms.name == "imgpipe-dev-alarms" && length(aws_sns_topic_subscription.alarm_emails) == 0
    error_message = "The defaults must plan the alarm topic as <name_prefix>-<environment>-alarms, with no subscription."
  }
}

# The boundaries pass: a GovCloud Region, a 1-character environment, a 2-character prefix, two addresses.
run "accepts_boundaries" {
  command = plan

  variables {
    aws_region   = "us-gov-west-1"
    environment  = "d"
    name_prefix  = "i0"
    alarm_emails = ["a@b.co", "on-call+imgpipe@example.com"]
  }

  assert {
    condition     = aws_sns_topic.alarms.name == "i0-d-alarms" && length(aws_sns_topic_subscription.alarm_emails) == 2
    error_message = "The boundary values must be accepted and make the names and subscriptions."
  }
}

# The longest value of each rule, each with the shortest other: together (49 characters before the bucket
# suffix) modules/s3 would refuse the bucket_prefix they make.
run "accepts_longest_environment" {
  command = plan

  variables {
    environment = "d234567890123456"
    name_prefix = "i0"
  }

  assert {
    condition     = aws_sns_topic.alarms.name == "i0-d234567890123456-alarms"
    error_message = "A 16-character environment must be accepted."
  }
}

run "accepts_longest_name_prefix" {
  command = plan

  variables {
    environment = "d"
    name_prefix = "p23456789012345678901234"
  }

  assert {
    condition     = aws_sns_topic.alarms.name == "p23456789012345678901234-d-alarms"
    error_message = "A 24-character name_prefix must be accepted."
  }
}
