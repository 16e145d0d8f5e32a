# Every variable validation and every precondition of modules/lambda_images: bad values are refused (each
# listed variable must fail its own validation: a run fails if any one of them is accepted), boundary values
# pass. Validations are independent of each other, so one run can check many variables.

# Every computed string has a fixed mocked value, produced while planning too (override_during = plan): most
# runs are fast plans, and a run that applies sees the same values as its plan.
mock_provider "aws" {
  override_during = plan
  source          = "../../tests/terraform/mocks/aws"
}

# Numbers one below their minimum (and empty or too short names) are refused.
run "rejects_below_minimum" {
  command = plan

  variables {
    memory_mb               = 127
    timeout_seconds         = 0
    ephemeral_storage_mb    = 511
    reserved_concurrency    = 0
    log_retention_days      = 0
    max_input_pixels        = 0
    max_input_bytes         = 0
    max_receive_count       = 0
    metadata_ttl_days       = -1
    batch_size              = 0
    batching_window_seconds = -1
    maximum_concurrency     = 1
    duration_alarm_ratio    = 0
    queue_age_alarm_seconds = 59
    function_name           = ""
    bucket_name             = "ab"
    queue_name              = ""
    table_name              = "ab"
    metrics_namespace       = ""
  }

  expect_failures = [
    var.memory_mb,
    var.timeout_seconds,
    var.ephemeral_storage_mb,
    var.reserved_concurrency,
    var.log_retention_days,
    var.max_input_pixels,
    var.max_input_bytes,
    var.max_receive_count,
    var.metadata_ttl_days,
    var.batch_size,
    var.batching_window_seconds,
    var.maximum_concurrency,
    var.duration_alarm_ratio,
    var.queue_age_alarm_seconds,
    var.function_name,
    var.bucket_name,
    var.queue_name,
    var.table_name,
    var.metrics_namespace,
  ]
}

# Numbers one above their maximum, 6 layers, names one character too long are refused.
run "rejects_above_maximum" {
  command = plan

  variables {
    memory_mb               = 10241
    timeout_seconds         = 901
    ephemeral_storage_mb    = 10241
    log_retention_days      = 3654
    max_receive_count       = 1001
    metadata_ttl_days       = 36501
    batch_size              = 10001
    batching_window_seconds = 301
    maximum_concurrency     = 1001
    duration_alarm_ratio    = 1
    layer_arns              = ["arn:aws:lambda:eu-west-1:123456789012:layer:deps:1", "arn:aws:lambda:eu-west-1:123456789012:layer:deps:1", "arn:aws:lambda:eu-west-1:123456789012:layer:deps:1", "arn:aws:lambda:eu-west-1:123456789012:layer:deps:1", "arn:aws:lambda:eu-west-1:123456789012:layer:deps:1", "arn:aws:lambda:eu-west-1:123456789012:layer:deps:1"]
    function_name           = "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
    bucket_name             = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
    queue_name              = "qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq"
    table_name              = "tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt"
    metrics_namespace       = "nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn"
  }

  expect_failures = [
    var.memory_mb,
    var.timeout_seconds,
    var.ephemeral_storage_mb,
    var.log_retention_days,
    var.max_receive_count,
    var.metadata_ttl_days,
    var.batch_size,
    var.batching_window_seconds,
    var.maximum_concurrency,
    var.duration_alarm_ratio,
    var.layer_arns,
    var.function_name,
    var.bucket_name,
    var.queue_name,
    var.table_name,
    var.metrics_namespace,
  ]
}

# Malformed names, ARNs of the wrong service or shape, prefixes, settings are refused.
run "rejects_malformed" {
  command = plan

  variables {
    function_name            = "bad name"
    zip_path                 = "build/function.tar.gz"
    source_code_hash         = "not-a-digest"
    architecture             = "amd64"
    reserved_concurrency     = -2
    log_retention_days       = 2
    permissions_boundary_arn = "arn:aws:iam::123456789012:role/boundary"
    kms_key_arn              = "arn:aws:kms:eu-west-1:123456789012:alias/imgpipe"
    bucket_name              = "Bad_Bucket"
    source_prefix            = "uploads"
    destination_prefix       = "/processed/"
    queue_name               = "imgpipe test uploads"
    table_name               = "imgpipe-test-metadata/index/by_key"
    variants                 = "   "
    cache_control            = ""
    service_name             = " "
    metrics_namespace        = "AWS/Lambda"
    log_level                = "info"
    alarm_topic_arn          = "arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-alarms"
  }

  expect_failures = [
    var.function_name,
    var.zip_path,
    var.source_code_hash,
    var.architecture,
    var.reserved_concurrency,
    var.log_retention_days,
    var.permissions_boundary_arn,
    var.kms_key_arn,
    var.bucket_name,
    var.source_prefix,
    var.destination_prefix,
    var.queue_name,
    var.table_name,
    var.variants,
    var.cache_control,
    var.service_name,
    var.metrics_namespace,
    var.log_level,
    var.alarm_topic_arn,
  ]
}

# An identifier of another kind where one is expected: a bare name or key ID for an ARN, a queue URL or a
# table ARN for a name.
run "rejects_identifiers_of_another_kind" {
  command = plan

  variables {
    permissions_boundary_arn = "PowerUserAccess"
    kms_key_arn              = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    alarm_topic_arn          = "imgpipe-test-alarms"
    queue_name               = "https://sqs.eu-west-1.amazonaws.com/123456789012/imgpipe-test-uploads"
    table_name               = "arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-test-metadata"
  }

  expect_failures = [
    var.permissions_boundary_arn,
    var.kms_key_arn,
    var.alarm_topic_arn,
    var.queue_name,
    var.table_name,
  ]
}

# Second bad value per input: other wrong shapes (fractions of whole numbers, a leading dot or dash, no prefix
# slash, control characters, wrong case, 730 days...).
run "rejects_malformed_more" {
  command = plan

  variables {
    function_name           = "fn.with.dots"
    zip_path                = "build/function.zip.sha256"
    source_code_hash        = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFUx"
    architecture            = "X86_64"
    memory_mb               = 1024.5
    timeout_seconds         = 1.5
    ephemeral_storage_mb    = 512.5
    reserved_concurrency    = 5.5
    log_retention_days      = 730
    bucket_name             = "-imgpipe"
    source_prefix           = "/uploads/"
    destination_prefix      = "processed"
    variants                = ""
    max_input_pixels        = 1.5
    max_input_bytes         = 1.5
    cache_control           = "public\nmax-age=1"
    max_receive_count       = 1.5
    metadata_ttl_days       = 1.5
    service_name            = ""
    metrics_namespace       = "imgpipe metrics"
    log_level               = "WARN"
    batch_size              = 1.5
    batching_window_seconds = 0.5
    maximum_concurrency     = 2.5
    queue_age_alarm_seconds = 60.5
  }

  expect_failures = [
    var.function_name,
    var.zip_path,
    var.source_code_hash,
    var.architecture,
    var.memory_mb,
    var.timeout_seconds,
    var.ephemeral_storage_mb,
    var.reserved_concurrency,
    var.log_retention_days,
    var.bucket_name,
    var.source_prefix,
    var.destination_prefix,
    var.variants,
    var.max_input_pixels,
    var.max_input_bytes,
    var.cache_control,
    var.max_receive_count,
    var.metadata_ttl_days,
    var.service_name,
    var.metrics_namespace,
    var.log_level,
    var.batch_size,
    var.batching_window_seconds,
    var.maximum_concurrency,
    var.queue_age_alarm_seconds,
  ]
}

# Third bad value per input: empty prefixes, a digest without padding, 3650 days, non-ASCII.
run "rejects_malformed_empty" {
  command = plan

  variables {
    source_prefix      = ""
    destination_prefix = ""
    source_code_hash   = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
    log_retention_days = 3650
    cache_control      = "café"
    metrics_namespace  = "AWS/"
    log_level          = ""
    zip_path           = ""
  }

  expect_failures = [
    var.source_prefix,
    var.destination_prefix,
    var.source_code_hash,
    var.log_retention_days,
    var.cache_control,
    var.metrics_namespace,
    var.log_level,
    var.zip_path,
  ]
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

# Precondition: batch_size 11 with no batching window is refused.
run "batch_above_10_needs_window" {
  command = plan

  variables {
    batch_size              = 11
    batching_window_seconds = 0
  }

  expect_failures = [
    aws_lambda_event_source_mapping.this,
  ]
}

# Precondition: reserved_concurrency 4 below maximum_concurrency 5 is refused.
run "reserved_below_maximum_concurrency" {
  command = plan

  variables {
    reserved_concurrency = 4
    maximum_concurrency  = 5
  }

  expect_failures = [
    aws_lambda_event_source_mapping.this,
  ]
}

# Precondition: reserved_concurrency 1 passes its validation but is below any maximum_concurrency (>= 2).
run "reserved_one_always_below" {
  command = plan

  variables {
    reserved_concurrency = 1
    maximum_concurrency  = 2
  }

  expect_failures = [
    aws_lambda_event_source_mapping.this,
  ]
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
