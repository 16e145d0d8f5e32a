# The function, its log group, the SQS event source mapping and the module's outputs (modules/lambda_images).
#
# `expected` holds, per resource and attribute (the resource's own attribute names), what it must be: [with the
# defaults, with the inputs of run "follows_inputs"] (`environment`: the function's environment variables). One
# assert per run checks them all, as JSON (a map attribute equals its object literal; one that is missing is
# null), and names what differs.

# Every computed string has a fixed mocked value, produced while planning too (override_during = plan): most
# runs are fast plans, and a run that applies sees the same values as its plan.
mock_provider "aws" {
  override_during = plan
  source          = "../../tests/terraform/mocks/aws"
}

variables {
  expected = {
    function = {
      function_name                  = ["imgpipe-test-image-processor", "imgpipe-prod_images"]
      description                    = ["imgpipe: renders image variants for S3 uploads delivered through SQS", "prod image processor"]
      role                           = ["arn:aws:iam::123456789012:role/imgpipe-test-image-processor", "arn:aws:iam::123456789012:role/imgpipe-test-image-processor"]
      runtime                        = ["python3.12", "python3.12"]
      handler                        = ["image_processor.handler.lambda_handler", "image_processor.handler.lambda_handler"]
      architectures                  = [["x86_64"], ["arm64"]]
      filename                       = ["../../build/function.zip", "dist/fn.zip"]
      source_code_hash               = ["47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=", "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="]
      layers                         = [[], ["arn:aws:lambda:eu-west-1:123456789012:layer:deps:7", "arn:aws:lambda:eu-west-1:123456789012:layer:extra:2"]]
      memory_size                    = [1024, 3008]
      timeout                        = [60, 120]
      reserved_concurrent_executions = [-1, 40]
      kms_key_arn                    = ["arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", "arn:aws:kms:us-east-1:210987654321:key/mrk-1234abcd"]
      ephemeral_storage              = [[{ size = 512 }], [{ size = 2048 }]]
      tracing_config                 = [[{ mode = "Active" }], [{ mode = "Active" }]]
      # A zip package uploaded from var.zip_path, not in a VPC.
      image_uri  = [null, null]
      s3_bucket  = [null, null]
      vpc_config = [[], []]
    }
    log_group = {
      name              = ["/aws/lambda/imgpipe-test-image-processor", "/aws/lambda/imgpipe-prod_images"]
      retention_in_days = [30, 365]
      kms_key_id        = ["arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", "arn:aws:kms:us-east-1:210987654321:key/mrk-1234abcd"]
    }
    # The queue's ARN is built from queue_name in the mocked account and Region.
    mapping = {
      event_source_arn                   = ["arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-uploads", "arn:aws:sqs:eu-west-1:123456789012:other_queue"]
      function_name                      = ["arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-test-image-processor", "arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-test-image-processor"]
      enabled                            = [true, false]
      batch_size                         = [10, 250]
      maximum_batching_window_in_seconds = [0, 20]
      function_response_types            = [["ReportBatchItemFailures"], ["ReportBatchItemFailures"]]
      scaling_config                     = [[{ maximum_concurrency = 5 }], [{ maximum_concurrency = 40 }]]
      filter_criteria                    = [[], []]
    }
    # The function's environment variables: exactly image_processor.config.ENVIRONMENT_VARIABLES.
    environment = {
      METADATA_TABLE               = ["imgpipe-test-metadata", "prod-meta"]
      SOURCE_PREFIX                = ["uploads/", "in/raw/"]
      DESTINATION_PREFIX           = ["processed/", "out/"]
      DESTINATION_BUCKET           = ["imgpipe-test-images", "prod.images-bucket"]
      VARIANTS                     = ["default", "[{\"name\":\"thumb\",\"width\":128}]"]
      MAX_INPUT_PIXELS             = ["50000000", "1234567"]
      MAX_INPUT_BYTES              = ["52428800", "7654321"]
      CACHE_CONTROL                = ["public, max-age=86400", "private, no-store"]
      MAX_RECEIVE_COUNT            = ["5", "9"]
      METADATA_TTL_DAYS            = ["0", "30"]
      POWERTOOLS_SERVICE_NAME      = ["imgpipe", "images-prod"]
      POWERTOOLS_METRICS_NAMESPACE = ["imgpipe", "Imgpipe/Prod"]
      POWERTOOLS_LOG_LEVEL         = ["INFO", "DEBUG"]
    }
  }
}

# The function, log group and mapping with the defaults: python3.12, the handler, x86_64, 1024 MB, 60 s, 512 MB
# /tmp, no reserved concurrency, no layers, tracing Active, the package and hash passed through, the CMK, its own
# role; /aws/lambda/<function_name> kept 30 days; the queue, enabled, batch 10, no window, partial batch
# responses, maximum concurrency 5; the environment's default values.
run "defaults" {
  command = plan

  assert {
    condition     = alltrue(flatten([for resource, attributes in var.expected : [for attribute, values in attributes : jsonencode(lookup({ function = aws_lambda_function.this, log_group = aws_cloudwatch_log_group.this, mapping = aws_lambda_event_source_mapping.this, environment = aws_lambda_function.this.environment[0].variables }[resource], attribute, null)) == jsonencode(values[0])]]))
    error_message = "These attributes differ from expected (first values): ${join(", ", flatten([for resource, attributes in var.expected : [for attribute, values in attributes : "${resource}.${attribute}" if jsonencode(lookup({ function = aws_lambda_function.this, log_group = aws_cloudwatch_log_group.this, mapping = aws_lambda_event_source_mapping.this, environment = aws_lambda_function.this.environment[0].variables }[resource], attribute, null)) != jsonencode(values[0])]]))}"
  }
  assert {
    condition     = sort(keys(aws_lambda_function.this.environment[0].variables)) == sort(keys(var.expected.environment))
    error_message = "The environment must hold exactly image_processor.config.ENVIRONMENT_VARIABLES: ${jsonencode(keys(aws_lambda_function.this.environment[0].variables))}"
  }
}

# Every setting of the function, log group and mapping and every environment variable follows its input
# (non-default values throughout; event_source_mapping_enabled = false pauses the mapping).
run "follows_inputs" {
  command = plan

  variables {
    function_name                = "imgpipe-prod_images"
    description                  = "prod image processor"
    zip_path                     = "dist/fn.zip"
    source_code_hash             = "n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg="
    layer_arns                   = ["arn:aws:lambda:eu-west-1:123456789012:layer:deps:7", "arn:aws:lambda:eu-west-1:123456789012:layer:extra:2"]
    architecture                 = "arm64"
    memory_mb                    = 3008
    timeout_seconds              = 120
    ephemeral_storage_mb         = 2048
    reserved_concurrency         = 40
    log_retention_days           = 365
    kms_key_arn                  = "arn:aws:kms:us-east-1:210987654321:key/mrk-1234abcd"
    bucket_name                  = "prod.images-bucket"
    table_name                   = "prod-meta"
    queue_name                   = "other_queue"
    source_prefix                = "in/raw/"
    destination_prefix           = "out/"
    variants                     = "[{\"name\":\"thumb\",\"width\":128}]"
    max_input_pixels             = 1234567
    max_input_bytes              = 7654321
    cache_control                = "private, no-store"
    max_receive_count            = 9
    metadata_ttl_days            = 30
    service_name                 = "images-prod"
    metrics_namespace            = "Imgpipe/Prod"
    log_level                    = "DEBUG"
    event_source_mapping_enabled = false
    batch_size                   = 250
    batching_window_seconds      = 20
    maximum_concurrency          = 40
  }

  assert {
    condition     = alltrue(flatten([for resource, attributes in var.expected : [for attribute, values in attributes : jsonencode(lookup({ function = aws_lambda_function.this, log_group = aws_cloudwatch_log_group.this, mapping = aws_lambda_event_source_mapping.this, environment = aws_lambda_function.this.environment[0].variables }[resource], attribute, null)) == jsonencode(values[1])]]))
    error_message = "These attributes differ from expected (second values): ${join(", ", flatten([for resource, attributes in var.expected : [for attribute, values in attributes : "${resource}.${attribute}" if jsonencode(lookup({ function = aws_lambda_function.this, log_group = aws_cloudwatch_log_group.this, mapping = aws_lambda_event_source_mapping.this, environment = aws_lambda_function.this.environment[0].variables }[resource], attribute, null)) != jsonencode(values[1])]]))}"
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
    condition = alltrue([
      output.function_name == "imgpipe-test-image-processor",
      output.function_arn == aws_lambda_function.this.arn,
      output.role_arn == aws_iam_role.this.arn,
      output.role_name == aws_iam_role.this.name,
      output.log_group_name == "/aws/lambda/imgpipe-test-image-processor",
      output.log_group_arn == aws_cloudwatch_log_group.this.arn,
      output.event_source_mapping_uuid == aws_lambda_event_source_mapping.this.uuid,
      output.policy_json == data.aws_iam_policy_document.this.json && output.policy_json == aws_iam_role_policy.this.policy,
    ])
    error_message = "The outputs must be the resources' attributes: ${jsonencode({ function_name = output.function_name, function_arn = output.function_arn, role_arn = output.role_arn, role_name = output.role_name, log_group_name = output.log_group_name, log_group_arn = output.log_group_arn, event_source_mapping_uuid = output.event_source_mapping_uuid })}"
  }
}
