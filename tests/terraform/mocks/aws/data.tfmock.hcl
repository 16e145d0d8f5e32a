# The mocked AWS of every module's and root's `terraform test` suites (mock_provider "aws" { source = ... }):
# the account, partition and Region every derived ARN is built from (the modules check those ARNs' shape), and
# policy documents that are JSON. A suite adds or overrides what only it needs inline.
mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition = "aws"
  }
}

mock_data "aws_region" {
  defaults = {
    id   = "eu-west-1"
    name = "eu-west-1"
  }
}

mock_data "aws_iam_policy_document" {
  defaults = {
    json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}
