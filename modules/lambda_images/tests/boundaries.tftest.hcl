# modules/lambda_images: the smallest and largest values its variables accept pass, and so do the values at the
# edge of each precondition. What the variables and preconditions refuse, and with which message, is
# tests/terraform/rejections.json (tests/terraform/test_rejections.py).

# Every computed string has a fixed mocked value, produced while planning too (override_during = plan): most
# runs are fast plans, and a run that applies sees the same values as its plan.
mock_provider "aws" {
  override_during = plan
  source          = "../../tests/terraform/mocks/aws"
}

# Every number at its minimum, the shortest names, empty layers are accepted and passed on.
run "accepts_minimum" {
  command = plan

  variables {
    function_name           = "a"
    memory_mb               = 128
    timeout_seconds         = 1
    ephemeral_storage_mb    = 512
    reserved_concurrency    = -1
    log_retention_days      = 1
    bucket_name             = "abc"
    queue_name              = "q"
    table_name              = "abc"
    source_prefix           = "a/"
    destination_prefix      = "b/"
    max_input_pixels        = 1
    max_input_bytes         = 1
    max_receive_count       = 1
    metadata_ttl_days       = 0
    cache_control           = " "
    variants                = "web"
    service_name            = "s"
    metrics_namespace       = "a"
    log_level               = "DEBUG"
    batch_size              = 1
    batching_window_seconds = 0
    maximum_concurrency     = 2
    duration_alarm_ratio    = 0.01
    queue_age_alarm_seconds = 60
    layer_arns              = []
  }

  assert {
    condition     = aws_lambda_function.this.memory_size == 128 && aws_lambda_function.this.timeout == 1 && aws_lambda_function.this.ephemeral_storage[0].size == 512 && aws_lambda_function.this.reserved_concurrent_executions == -1
    error_message = "The function's minimum settings must be passed on."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.batch_size == 1 && aws_lambda_event_source_mapping.this.scaling_config[0].maximum_concurrency == 2
    error_message = "The mapping's minimum settings must be passed on."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.retention_in_days == 1 && aws_cloudwatch_metric_alarm.this["duration_p95"].threshold == 10 && aws_cloudwatch_metric_alarm.this["queue_age"].threshold == 60
    error_message = "Retention 1, duration threshold floor(1 x 1000 x 0.01) = 10 and queue age 60 must be passed on."
  }
}

# Every number at its maximum, 5 layers, the longest names, other partitions are accepted and passed on.
run "accepts_maximum" {
  command = plan

  variables {
    function_name            = "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF"
    architecture             = "arm64"
    memory_mb                = 10240
    timeout_seconds          = 900
    ephemeral_storage_mb     = 10240
    reserved_concurrency     = 1000
    log_retention_days       = 3653
    bucket_name              = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    max_input_pixels         = 1000000000
    max_input_bytes          = 10737418240
    max_receive_count        = 1000
    metadata_ttl_days        = 36500
    cache_control            = "!~ public, max-age=31536000, immutable"
    service_name             = "imgpipe-prod"
    metrics_namespace        = "Ab0._/#:-nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
    log_level                = "CRITICAL"
    batch_size               = 10000
    batching_window_seconds  = 300
    maximum_concurrency      = 1000
    duration_alarm_ratio     = 0.99
    queue_age_alarm_seconds  = 1209600
    layer_arns               = ["arn:aws:lambda:eu-west-1:123456789012:layer:deps:1", "arn:aws:lambda:eu-west-1:123456789012:layer:deps:1", "arn:aws:lambda:eu-west-1:123456789012:layer:deps:1", "arn:aws:lambda:eu-west-1:123456789012:layer:deps:1", "arn:aws:lambda:eu-west-1:123456789012:layer:deps:1"]
    permissions_boundary_arn = "arn:aws-us-gov:iam::123456789012:policy/Boundary"
    kms_key_arn              = "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/mrk-0123456789abcdef"
    queue_name               = "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
    table_name               = "T.b_l-etttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt"
    alarm_topic_arn          = "arn:aws-us-gov:sns:us-gov-west-1:123456789012:tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt"
  }

  assert {
    condition     = aws_lambda_function.this.memory_size == 10240 && aws_lambda_function.this.timeout == 900 && aws_lambda_function.this.ephemeral_storage[0].size == 10240 && aws_lambda_function.this.reserved_concurrent_executions == 1000 && length(aws_lambda_function.this.layers) == 5
    error_message = "The function's maximum settings must be passed on."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.batch_size == 10000 && aws_lambda_event_source_mapping.this.maximum_batching_window_in_seconds == 300 && aws_lambda_event_source_mapping.this.scaling_config[0].maximum_concurrency == 1000
    error_message = "The mapping's maximum settings must be passed on."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.retention_in_days == 3653 && aws_cloudwatch_metric_alarm.this["duration_p95"].threshold == 891000
    error_message = "Retention 3653 and duration threshold floor(900 x 1000 x 0.99) = 891000 must be passed on."
  }
}

# Preconditions' boundaries pass: batch 11 with a 1 s window, reserved equal to maximum concurrency.
run "preconditions_boundaries_pass" {
  command = plan

  variables {
    batch_size              = 11
    batching_window_seconds = 1
    reserved_concurrency    = 5
    maximum_concurrency     = 5
    log_retention_days      = 400
    log_level               = "WARNING"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this.batch_size == 11 && aws_lambda_event_source_mapping.this.maximum_batching_window_in_seconds == 1 && aws_lambda_function.this.reserved_concurrent_executions == 5
    error_message = "batch_size 11 with a window and reserved = maximum concurrency must be accepted."
  }
}

# Precondition boundary: batch_size 10 needs no window; reserved above maximum concurrency passes.
run "batch_10_needs_no_window" {
  command = plan

  variables {
    batch_size              = 10
    batching_window_seconds = 0
    reserved_concurrency    = 6
    maximum_concurrency     = 5
    log_retention_days      = 545
    log_level               = "ERROR"
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this.batch_size == 10 && aws_lambda_event_source_mapping.this.maximum_batching_window_in_seconds == 0
    error_message = "batch_size 10 without a window must be accepted."
  }
}
