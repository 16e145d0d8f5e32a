# The computed attributes of modules/lambda_images' resources, fixed so that plans and applies agree and the
# suites can assert them (named after its suites' function, imgpipe-test-image-processor). The Region and the
# policy documents come from data.tfmock.hcl; a suite that needs other values overrides them inline.
mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn             = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-test-image-processor"
    id              = "/aws/lambda/imgpipe-test-image-processor"
    log_group_class = "STANDARD"
    name_prefix     = ""
  }
}

mock_resource "aws_lambda_function" {
  defaults = {
    arn                         = "arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-test-image-processor"
    id                          = "imgpipe-test-image-processor"
    qualified_arn               = "arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-test-image-processor:$LATEST"
    invoke_arn                  = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-test-image-processor/invocations"
    qualified_invoke_arn        = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-test-image-processor:$LATEST/invocations"
    version                     = "$LATEST"
    code_sha256                 = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    last_modified               = "2025-01-01T00:00:00.000+0000"
    signing_job_arn             = ""
    signing_profile_version_arn = ""
  }
}

mock_resource "aws_iam_role" {
  defaults = {
    arn         = "arn:aws:iam::123456789012:role/imgpipe-test-image-processor"
    id          = "imgpipe-test-image-processor"
    unique_id   = "AROAEXAMPLEEXAMPLE123"
    create_date = "2025-01-01T00:00:00Z"
    name_prefix = ""
  }
}

mock_resource "aws_iam_role_policy" {
  defaults = {
    id          = "imgpipe-test-image-processor:imgpipe-test-image-processor-least-privilege"
    name_prefix = ""
  }
}

mock_resource "aws_lambda_event_source_mapping" {
  defaults = {
    uuid                    = "6f1c2a9e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
    id                      = "6f1c2a9e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
    arn                     = "arn:aws:lambda:eu-west-1:123456789012:event-source-mapping:6f1c2a9e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
    function_arn            = "arn:aws:lambda:eu-west-1:123456789012:function:imgpipe-test-image-processor"
    last_modified           = "2025-01-01T00:00:00Z"
    last_processing_result  = "No records processed"
    state                   = "Enabled"
    state_transition_reason = "USER_INITIATED"
  }
}

mock_resource "aws_cloudwatch_metric_alarm" {
  defaults = {
    arn                                   = "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:mocked"
    id                                    = "mocked"
    evaluate_low_sample_count_percentiles = ""
  }
}

mock_resource "aws_cloudwatch_dashboard" {
  defaults = {
    dashboard_arn = "arn:aws:cloudwatch::123456789012:dashboard/imgpipe-test-image-processor"
    id            = "imgpipe-test-image-processor"
  }
}
