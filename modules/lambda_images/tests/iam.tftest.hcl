# The execution role of modules/lambda_images: trusted only by Lambda, one inline least-privilege policy
# (statements ReadUploads, WriteVariants, ConsumeQueue, MetadataTable, UseKey, WriteOwnLogs, XRayTraces).
# The statements are asserted on the documents' arguments: the rendered `json` is mocked.

# Every computed string has a fixed mocked value, produced while planning too (override_during = plan): most
# runs are fast plans, and a run that applies sees the same values as its plan.
mock_provider "aws" {
  override_during = plan
  source          = "../../tests/terraform/mocks/aws"

  # The provider validates the documents as JSON policies (a random string is refused): two distinct valid
  # documents, so that swapping them in the module is caught.
  override_data {
    target = data.aws_iam_policy_document.assume_role
    values = {
      json          = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"LambdaAssumeRole\"}]}"
      minified_json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"LambdaAssumeRole\"}]}"
    }
  }
  override_data {
    target = data.aws_iam_policy_document.this
    values = {
      json          = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"ReadUploads\"}]}"
      minified_json = "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"ReadUploads\"}]}"
    }
  }
}

# The least-privilege policy with the defaults: exactly these seven statements, in this order, each with exactly
# its actions on exactly its resources, no wildcard action, "*" only for X-Ray; attached inline to the role.
run "least_privilege_defaults" {
  command = plan

  variables {
    expected_statements = {
      ReadUploads   = { actions = ["s3:GetObject", "s3:GetObjectVersion"], resources = ["arn:aws:s3:::imgpipe-test-images/uploads/*"] }
      WriteVariants = { actions = ["s3:DeleteObject", "s3:PutObject"], resources = ["arn:aws:s3:::imgpipe-test-images/processed/*"] }
      ConsumeQueue  = { actions = ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"], resources = ["arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-uploads"] }
      MetadataTable = { actions = ["dynamodb:PutItem", "dynamodb:UpdateItem"], resources = ["arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-test-metadata"] }
      UseKey        = { actions = ["kms:Decrypt", "kms:GenerateDataKey"], resources = ["arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"] }
      WriteOwnLogs  = { actions = ["logs:CreateLogStream", "logs:PutLogEvents"], resources = ["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-test-image-processor:*"] }
      XRayTraces    = { actions = ["xray:PutTelemetryRecords", "xray:PutTraceSegments"], resources = ["*"] }
    }
  }

  assert {
    condition     = [for s in data.aws_iam_policy_document.this.statement : s.sid] == ["ReadUploads", "WriteVariants", "ConsumeQueue", "MetadataTable", "UseKey", "WriteOwnLogs", "XRayTraces"]
    error_message = "The policy must have exactly the statements ReadUploads, WriteVariants, ConsumeQueue, MetadataTable, UseKey, WriteOwnLogs, XRayTraces."
  }
  # Sets are compared as JSON, their members sorted.
  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.this.statement : jsonencode({ actions = s.actions, resources = s.resources }) == jsonencode(var.expected_statements[s.sid])])
    error_message = "These statements' actions or resources differ from expected_statements: ${join(", ", [for s in data.aws_iam_policy_document.this.statement : s.sid if jsonencode({ actions = s.actions, resources = s.resources }) != jsonencode(var.expected_statements[s.sid])])}"
  }
  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.this.statement :
      s.effect == "Allow" && length(coalesce(s.not_actions, [])) == 0 && length(coalesce(s.not_resources, [])) == 0 &&
      length(s.principals) == 0 && length(s.not_principals) == 0 && length(s.condition) == 0
    ])
    error_message = "Every statement must Allow, without NotAction, NotResource, principals or conditions."
  }
  assert {
    condition     = length(coalesce(data.aws_iam_policy_document.this.source_policy_documents, [])) == 0 && length(coalesce(data.aws_iam_policy_document.this.override_policy_documents, [])) == 0
    error_message = "The policy must be exactly its own statements (no source or override documents)."
  }
  assert {
    condition     = alltrue(flatten([for s in data.aws_iam_policy_document.this.statement : [for a in s.actions : !strcontains(a, "*")]]))
    error_message = "No action may contain a wildcard."
  }
  assert {
    condition     = [for s in data.aws_iam_policy_document.this.statement : s.sid if contains(s.resources, "*")] == ["XRayTraces"]
    error_message = "Only XRayTraces may have the resource \"*\"."
  }
  assert {
    condition     = aws_iam_role_policy.this.name == "imgpipe-test-image-processor-least-privilege" && aws_iam_role_policy.this.role == aws_iam_role.this.id && aws_iam_role_policy.this.role == "imgpipe-test-image-processor"
    error_message = "The inline policy must be named <function_name>-least-privilege and attached to the module's role."
  }
}

# The role: named after the function, trusted only by lambda.amazonaws.com (sts:AssumeRole, no conditions),
# no permissions boundary by default.
run "role_trust_defaults" {
  command = plan

  assert {
    condition     = aws_iam_role.this.name == "imgpipe-test-image-processor" && aws_iam_role.this.description == "Execution role of the imgpipe-test-image-processor Lambda function" && aws_iam_role.this.permissions_boundary == null
    error_message = "The role must be named var.function_name, described as the function's execution role, without a permissions boundary by default."
  }
  assert {
    condition = length(data.aws_iam_policy_document.assume_role.statement) == 1 && alltrue([
      for s in data.aws_iam_policy_document.assume_role.statement : s.sid == "LambdaAssumeRole" && s.effect == "Allow" && s.actions == toset(["sts:AssumeRole"])
      && length(coalesce(s.not_actions, [])) == 0 && length(s.not_principals) == 0 && length(s.condition) == 0
      && length(s.principals) == 1 && one(s.principals).type == "Service" && one(s.principals).identifiers == toset(["lambda.amazonaws.com"])
    ])
    error_message = "The trust policy must be exactly one statement: Allow sts:AssumeRole to the service principal lambda.amazonaws.com only, without conditions."
  }
  assert {
    condition     = length(coalesce(data.aws_iam_policy_document.assume_role.source_policy_documents, [])) == 0 && length(coalesce(data.aws_iam_policy_document.assume_role.override_policy_documents, [])) == 0
    error_message = "The trust policy must be exactly its own statement."
  }
}

# The policy follows the inputs: other prefixes, bucket, queue, table, key, in another partition, Region and
# account (the bucket's, queue's and table's ARNs are built from their names); the permissions boundary is
# passed through to the role.
run "least_privilege_follows_inputs" {
  command = plan

  override_data {
    target = data.aws_partition.current
    values = { partition = "aws-cn" }
  }
  override_data {
    target = data.aws_region.current
    values = { id = "cn-north-1", name = "cn-north-1" }
  }
  override_data {
    target = data.aws_caller_identity.current
    values = { account_id = "210987654321" }
  }

  variables {
    function_name            = "other-fn"
    permissions_boundary_arn = "arn:aws:iam::123456789012:policy/org/DeveloperBoundary"
    kms_key_arn              = "arn:aws-cn:kms:cn-north-1:123456789012:key/abcd-ef"
    bucket_name              = "other.bucket"
    source_prefix            = "incoming/raw/"
    destination_prefix       = "public/variants/"
    queue_name               = "other-queue"
    table_name               = "other.table"
  }

  assert {
    condition     = aws_iam_role.this.name == "other-fn" && aws_iam_role_policy.this.name == "other-fn-least-privilege" && aws_iam_role.this.permissions_boundary == "arn:aws:iam::123456789012:policy/org/DeveloperBoundary"
    error_message = "The role and its policy must be named after var.function_name, the role's permissions boundary be var.permissions_boundary_arn."
  }
  assert {
    condition = { for s in data.aws_iam_policy_document.this.statement : s.sid => s.resources } == {
      ReadUploads   = toset(["arn:aws-cn:s3:::other.bucket/incoming/raw/*"])
      WriteVariants = toset(["arn:aws-cn:s3:::other.bucket/public/variants/*"])
      ConsumeQueue  = toset(["arn:aws-cn:sqs:cn-north-1:210987654321:other-queue"])
      MetadataTable = toset(["arn:aws-cn:dynamodb:cn-north-1:210987654321:table/other.table"])
      UseKey        = toset(["arn:aws-cn:kms:cn-north-1:123456789012:key/abcd-ef"])
      WriteOwnLogs  = toset(["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-test-image-processor:*"])
      XRayTraces    = toset(["*"])
    }
    error_message = "The statements' resources must follow the inputs: ${jsonencode({ for s in data.aws_iam_policy_document.this.statement : s.sid => s.resources })}"
  }
}

# The documents are what is attached (applied: data sources that depend on new resources are read at apply):
# the trust document is the role's assume_role_policy, the least-privilege document its inline policy; and an
# AWS managed policy is accepted as the permissions boundary.
run "documents_attached" {
  command = apply

  variables {
    permissions_boundary_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
  }

  assert {
    condition     = aws_iam_role.this.assume_role_policy == data.aws_iam_policy_document.assume_role.json && aws_iam_role.this.assume_role_policy == "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"LambdaAssumeRole\"}]}"
    error_message = "The role's trust policy must be the assume_role document."
  }
  assert {
    condition     = aws_iam_role_policy.this.policy == data.aws_iam_policy_document.this.json && aws_iam_role_policy.this.policy == "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"ReadUploads\"}]}"
    error_message = "The inline policy must be the least-privilege document."
  }
  assert {
    condition     = aws_iam_role_policy.this.role == aws_iam_role.this.id && aws_iam_role.this.permissions_boundary == "arn:aws:iam::aws:policy/PowerUserAccess"
    error_message = "The inline policy must be attached to the module's role, whose permissions boundary is var.permissions_boundary_arn."
  }
}
