# modules/dynamodb's table as its suites' mocked apply returns it.
mock_resource "aws_dynamodb_table" {
  defaults = {
    arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-test-metadata"
  }
}
