# modules/lambda_layer's layer version as its suites' mocked apply returns it.
mock_resource "aws_lambda_layer_version" {
  defaults = {
    arn              = "arn:aws:lambda:eu-west-1:123456789012:layer:imgpipe-test-dependencies:3"
    layer_arn        = "arn:aws:lambda:eu-west-1:123456789012:layer:imgpipe-test-dependencies"
    version          = "3"
    source_code_size = 7340032
  }
}
