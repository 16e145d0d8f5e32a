# The function, its log group, the SQS event source mapping and the module's outputs (modules/lambda_images).

# Every computed string has a fixed mocked value, produced while planning too (override_during = plan): most
# runs are fast plans, and a run that applies sees the same values as its plan.
mock_provider "aws" {
  override_during = plan
  source          = "../../tests/terraform/mocks/aws"
}

# The function with the defaults: python3.12, the handler, x86_64, 1024 MB, 60 s, 512 MB /tmp, no reserved
# concurrency, no layers, tracing Active, the package and hash passed through, the CMK, its own role.
run "function_defaults" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.function_name == "imgpipe-test-image-processor"
    error_message = "function_name must be var.function_name."
  }
  assert {
    condition     = aws_lambda_function.this.runtime == "python3.12"
    error_message = "runtime must be python3.12."
  }
  assert {
    condition     = aws_lambda_function.this.handler == "image_processor.handler.lambda_handler"
    error_message = "handler must be image_processor.handler.lambda_handler."
  }
  assert {
    condition     = aws_lambda_function.this.architectures == tolist(["x86_64"])
    error_message = "architectures must default to [x86_64]."
  }
  assert {
    condition     = aws_lambda_function.this.memory_size == 1024
    error_message = "memory_size must default to 1024."
  }
  assert {
    condition     = aws_lambda_function.this.timeout == 60
    error_message = "timeout must default to 60."
  }
  assert {
    condition     = length(aws_lambda_function.this.ephemeral_storage) == 1 && aws_lambda_function.this.ephemeral_storage[0].size == 512
    error_message = "ephemeral_storage.size must default to 512."
  }
  assert {
    condition     = aws_lambda_function.this.reserved_concurrent_executions == -1
    error_message = "reserved_concurrent_executions must default to -1 (no reservation)."
  }
  assert {
    condition     = length(aws_lambda_function.this.layers) == 0
    error_message = "layers must default to none."
  }
  assert {
    condition     = length(aws_lambda_function.this.tracing_config) == 1 && aws_lambda_function.this.tracing_config[0].mode == "Active"
    error_message = "X-Ray tracing must be Active."
  }
  assert {
    condition     = aws_lambda_function.this.filename == "../../build/function.zip"
    error_message = "filename must be var.zip_path."
  }
  assert {
    condition     = aws_lambda_function.this.source_code_hash == "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    error_message = "source_code_hash must be var.source_code_hash."
  }
  assert {
    condition     = aws_lambda_function.this.kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    error_message = "kms_key_arn (environment encryption) must be var.kms_key_arn."
  }
  assert {
    condition     = aws_lambda_function.this.role == "arn:aws:iam::123456789012:role/imgpipe-test-image-processor" && aws_lambda_function.this.role == aws_iam_role.this.arn
    error_message = "The function must run as the module's role."
  }
  assert {
    condition     = aws_lambda_function.this.description == "imgpipe: renders image variants for S3 uploads delivered through SQS"
    error_message = "description must default to the README's text."
  }
  assert {
    condition     = aws_lambda_function.this.image_uri == null && aws_lambda_function.this.s3_bucket == null
    error_message = "The function is a zip package uploaded from var.zip_path."
  }
  assert {
    condition     = length(aws_lambda_function.this.vpc_config) == 0
    error_message = "The function is not in a VPC."
  }
}

# The environment with the defaults: exactly the 13 variables image_processor.config reads, default values.
run "environment_defaults" {
  command = plan

  assert {
    condition = sort(keys(aws_lambda_function.this.environment[0].variables)) == sort([
      "METADATA_TABLE", "SOURCE_PREFIX", "DESTINATION_PREFIX", "DESTINATION_BUCKET", "VARIANTS", "MAX_INPUT_PIXELS",
      "MAX_INPUT_BYTES", "CACHE_CONTROL", "MAX_RECEIVE_COUNT", "METADATA_TTL_DAYS", "POWERTOOLS_SERVICE_NAME",
      "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL",
    ])
    error_message = "The environment must hold exactly image_processor.config.ENVIRONMENT_VARIABLES."
  }
  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      METADATA_TABLE               = "imgpipe-test-metadata"
      SOURCE_PREFIX                = "uploads/"
      DESTINATION_PREFIX           = "processed/"
      DESTINATION_BUCKET           = "imgpipe-test-images"
      VARIANTS                     = "default"
      MAX_INPUT_PIXELS             = "50000000"
      MAX_INPUT_BYTES              = "52428800"
      CACHE_CONTROL                = "public, max-age=86400"
      MAX_RECEIVE_COUNT            = "5"
      METADATA_TTL_DAYS            = "0"
      POWERTOOLS_SERVICE_NAME      = "imgpipe"
      POWERTOOLS_METRICS_NAMESPACE = "imgpipe"
      POWERTOOLS_LOG_LEVEL         = "INFO"
    })
    error_message = "The environment's default values are wrong: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
}

# Every function setting and every environment variable follows its input (non-default values throughout).
run "function_and_environment_follow_inputs" {
  command = plan

  variables {
    function_name        = "imgpipe-prod_images"
    description          = "prod image processor"
    zip_path             = "dist/fn.zip"
    source_code_hash     = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
    layer_arns           = ["arn:aws:lambda:eu-west-1:123456789012:layer:deps:7", "arn:aws:lambda:eu-west-1:123456789012:layer:extra:2"]
    architecture         = "arm64"
    memory_mb            = 3008
    timeout_seconds      = 120
    ephemeral_storage_mb = 2048
    reserved_concurrency = 20
    maximum_concurrency  = 20
    kms_key_arn          = "arn:aws:kms:us-east-1:210987654321:key/mrk-1234abcd"
    bucket_name          = "prod.images-bucket"
    table_name           = "prod-meta"
    source_prefix        = "in/raw/"
    destination_prefix   = "out/"
    variants             = "[{\"name\":\"thumb\",\"width\":128}]"
    max_input_pixels     = 1234567
    max_input_bytes      = 7654321
    cache_control        = "private, no-store"
    max_receive_count    = 9
    metadata_ttl_days    = 30
    service_name         = "images-prod"
    metrics_namespace    = "Imgpipe/Prod"
    log_level            = "DEBUG"
  }

  assert {
    condition     = aws_lambda_function.this.function_name == "imgpipe-prod_images"
    error_message = "function_name must be var.function_name."
  }
  assert {
    condition     = aws_lambda_function.this.description == "prod image processor"
    error_message = "description must be var.description."
  }
  assert {
    condition     = aws_lambda_function.this.filename == "dist/fn.zip" && aws_lambda_function.this.source_code_hash == "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
    error_message = "filename/source_code_hash must be var.zip_path/var.source_code_hash."
  }
  assert {
    condition     = aws_lambda_function.this.layers == tolist(["arn:aws:lambda:eu-west-1:123456789012:layer:deps:7", "arn:aws:lambda:eu-west-1:123456789012:layer:extra:2"])
    error_message = "layers must be var.layer_arns, in order."
  }
  assert {
    condition     = aws_lambda_function.this.architectures == tolist(["arm64"])
    error_message = "architectures must be [var.architecture]."
  }
  assert {
    condition     = aws_lambda_function.this.memory_size == 3008
    error_message = "memory_size must be var.memory_mb."
  }
  assert {
    condition     = aws_lambda_function.this.timeout == 120
    error_message = "timeout must be var.timeout_seconds."
  }
  assert {
    condition     = aws_lambda_function.this.ephemeral_storage[0].size == 2048
    error_message = "ephemeral_storage.size must be var.ephemeral_storage_mb."
  }
  assert {
    condition     = aws_lambda_function.this.reserved_concurrent_executions == 20
    error_message = "reserved_concurrent_executions must be var.reserved_concurrency."
  }
  assert {
    condition     = aws_lambda_function.this.kms_key_arn == "arn:aws:kms:us-east-1:210987654321:key/mrk-1234abcd"
    error_message = "kms_key_arn must be var.kms_key_arn."
  }
  assert {
    condition     = aws_lambda_function.this.runtime == "python3.12" && aws_lambda_function.this.handler == "image_processor.handler.lambda_handler" && aws_lambda_function.this.tracing_config[0].mode == "Active"
    error_message = "runtime, handler and tracing do not depend on inputs."
  }
  assert {
    condition = aws_lambda_function.this.environment[0].variables == tomap({
      METADATA_TABLE               = "prod-meta"
      SOURCE_PREFIX                = "in/raw/"
      DESTINATION_PREFIX           = "out/"
      DESTINATION_BUCKET           = "prod.images-bucket"
      VARIANTS                     = "[{\"name\":\"thumb\",\"width\":128}]"
      MAX_INPUT_PIXELS             = "1234567"
      MAX_INPUT_BYTES              = "7654321"
      CACHE_CONTROL                = "private, no-store"
      MAX_RECEIVE_COUNT            = "9"
      METADATA_TTL_DAYS            = "30"
      POWERTOOLS_SERVICE_NAME      = "images-prod"
      POWERTOOLS_METRICS_NAMESPACE = "Imgpipe/Prod"
      POWERTOOLS_LOG_LEVEL         = "DEBUG"
    })
    error_message = "The environment must follow the inputs: ${jsonencode(aws_lambda_function.this.environment[0].variables)}"
  }
}

# The log group is /aws/lambda/<function_name>, keeps events 30 days by default, is encrypted with the CMK.
run "log_group_defaults" {
  command = plan

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/imgpipe-test-image-processor"
    error_message = "The log group must be /aws/lambda/<function_name> (the one Lambda writes to)."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "retention_in_days must default to 30."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.kms_key_id == "arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"
    error_message = "The log group must be encrypted with var.kms_key_arn."
  }
}

# The log group follows function_name, log_retention_days and kms_key_arn.
run "log_group_follows_inputs" {
  command = plan

  variables {
    function_name      = "other-fn"
    log_retention_days = 365
    kms_key_arn        = "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/abcd"
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/other-fn"
    error_message = "The log group must be /aws/lambda/<function_name>."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.retention_in_days == 365
    error_message = "retention_in_days must be var.log_retention_days."
  }
  assert {
    condition     = aws_cloudwatch_log_group.this.kms_key_id == "arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/abcd"
    error_message = "kms_key_id must be var.kms_key_arn."
  }
}

# The event source mapping with the defaults: the queue, the function, enabled, batch 10, no window,
# partial batch responses, maximum concurrency 5.
run "event_source_mapping_defaults" {
  command = plan

  assert {
    condition     = aws_lambda_event_source_mapping.this.event_source_arn == "arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-uploads"
    error_message = "The mapping must consume the queue named var.queue_name (its ARN in the function's account and Region)."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.function_name == "arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-test-image-processor"
    error_message = "The mapping must invoke the module's function (by ARN)."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.enabled == true
    error_message = "The mapping must be enabled by default."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.batch_size == 10
    error_message = "batch_size must default to 10."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.maximum_batching_window_in_seconds == 0
    error_message = "maximum_batching_window_in_seconds must default to 0."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "function_response_types must be exactly [ReportBatchItemFailures] (partial batch responses)."
  }
  assert {
    condition     = length(aws_lambda_event_source_mapping.this.scaling_config) == 1 && aws_lambda_event_source_mapping.this.scaling_config[0].maximum_concurrency == 5
    error_message = "scaling_config.maximum_concurrency must default to 5."
  }
  assert {
    condition     = length(aws_lambda_event_source_mapping.this.filter_criteria) == 0
    error_message = "The mapping must not filter messages."
  }
}

# The mapping follows event_source_mapping_enabled = false (paused), batch size, window, concurrency, queue.
run "event_source_mapping_follows_inputs" {
  command = plan

  variables {
    queue_name                   = "other_queue"
    event_source_mapping_enabled = false
    batch_size                   = 250
    batching_window_seconds      = 20
    maximum_concurrency          = 40
  }

  assert {
    condition     = aws_lambda_event_source_mapping.this.event_source_arn == "arn:aws:sqs:eu-west-1:123456789012:other_queue"
    error_message = "The mapping must consume the queue named var.queue_name."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.enabled == false
    error_message = "enabled must be var.event_source_mapping_enabled."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.batch_size == 250
    error_message = "batch_size must be var.batch_size."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.maximum_batching_window_in_seconds == 20
    error_message = "maximum_batching_window_in_seconds must be var.batching_window_seconds."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.scaling_config[0].maximum_concurrency == 40
    error_message = "scaling_config.maximum_concurrency must be var.maximum_concurrency."
  }
  assert {
    condition     = aws_lambda_event_source_mapping.this.function_response_types == toset(["ReportBatchItemFailures"])
    error_message = "function_response_types must stay [ReportBatchItemFailures]."
  }
}

# Tags go on every resource the module creates.
run "tags_everywhere" {
  command = plan

  variables {
    tags = { Project = "imgpipe", Environment = "test" }
  }

  assert {
    condition = alltrue([
      aws_lambda_function.this.tags == tomap({ Project = "imgpipe", Environment = "test" }),
      aws_cloudwatch_log_group.this.tags == tomap({ Project = "imgpipe", Environment = "test" }),
      aws_iam_role.this.tags == tomap({ Project = "imgpipe", Environment = "test" }),
      aws_lambda_event_source_mapping.this.tags == tomap({ Project = "imgpipe", Environment = "test" }),
    ])
    error_message = "The function, log group, role and mapping must carry var.tags."
  }
  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.tags == tomap({ Project = "imgpipe", Environment = "test" })])
    error_message = "Every alarm must carry var.tags."
  }
}

# The outputs are the created resources' own attributes (applied: the policy document is read at apply).
run "outputs" {
  command = apply

  assert {
    condition     = output.function_name == "imgpipe-test-image-processor"
    error_message = "output function_name is wrong."
  }
  assert {
    condition     = output.function_arn == "arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-test-image-processor"
    error_message = "output function_arn must be the function's ARN."
  }
  assert {
    condition     = output.role_arn == "arn:aws:iam::123456789012:role/imgpipe-test-image-processor"
    error_message = "output role_arn must be the role's ARN."
  }
  assert {
    condition     = output.role_name == "imgpipe-test-image-processor" && output.role_name == aws_iam_role.this.name
    error_message = "output role_name must be the role's name."
  }
  assert {
    condition     = output.log_group_name == "/aws/lambda/imgpipe-test-image-processor"
    error_message = "output log_group_name is wrong."
  }
  assert {
    condition     = output.log_group_arn == "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-test-image-processor"
    error_message = "output log_group_arn must be the log group's ARN."
  }
  assert {
    condition     = output.event_source_mapping_uuid == "6f1c2a9e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
    error_message = "output event_source_mapping_uuid must be the mapping's UUID."
  }
  assert {
    condition     = output.policy_json == data.aws_iam_policy_document.this.json && output.policy_json == aws_iam_role_policy.this.policy
    error_message = "output policy_json must be the least-privilege document attached to the role."
  }
}
