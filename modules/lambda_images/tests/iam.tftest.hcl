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

# The least-privilege policy with the defaults: exactly these seven statements, each with exactly its actions
# on exactly its resources, no wildcard action, "*" only for X-Ray; attached inline to the module's role.
run "least_privilege_defaults" {
  command = plan

  assert {
    condition     = [for s in data.aws_iam_policy_document.this.statement : s.sid] == ["ReadUploads", "WriteVariants", "ConsumeQueue", "MetadataTable", "UseKey", "WriteOwnLogs", "XRayTraces"]
    error_message = "The policy must have exactly the statements ReadUploads, WriteVariants, ConsumeQueue, MetadataTable, UseKey, WriteOwnLogs, XRayTraces."
  }
  assert {
    condition     = alltrue([for s in data.aws_iam_policy_document.this.statement : s.effect == "Allow"])
    error_message = "Every statement must Allow."
  }
  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.this.statement :
      length(coalesce(s.not_actions, [])) == 0 && length(coalesce(s.not_resources, [])) == 0 &&
      length(s.principals) == 0 && length(s.not_principals) == 0 && length(s.condition) == 0
    ])
    error_message = "No statement may use NotAction, NotResource, principals or conditions."
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
    condition     = data.aws_iam_policy_document.this.statement[0].actions == toset(["s3:GetObject", "s3:GetObjectVersion"]) && data.aws_iam_policy_document.this.statement[0].resources == toset(["arn:aws:s3:::imgpipe-test-images/uploads/*"])
    error_message = "ReadUploads must be exactly s3:GetObject/s3:GetObjectVersion on <bucket>/uploads/*."
  }
  assert {
    condition     = data.aws_iam_policy_document.this.statement[1].actions == toset(["s3:DeleteObject", "s3:PutObject"]) && data.aws_iam_policy_document.this.statement[1].resources == toset(["arn:aws:s3:::imgpipe-test-images/processed/*"])
    error_message = "WriteVariants must be exactly s3:DeleteObject/s3:PutObject on <bucket>/processed/*."
  }
  assert {
    condition     = data.aws_iam_policy_document.this.statement[2].actions == toset(["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"]) && data.aws_iam_policy_document.this.statement[2].resources == toset(["arn:aws:sqs:eu-west-1:123456789012:imgpipe-test-uploads"])
    error_message = "ConsumeQueue must be exactly sqs:DeleteMessage/GetQueueAttributes/ReceiveMessage on the queue."
  }
  assert {
    condition     = data.aws_iam_policy_document.this.statement[3].actions == toset(["dynamodb:PutItem", "dynamodb:UpdateItem"]) && data.aws_iam_policy_document.this.statement[3].resources == toset(["arn:aws:dynamodb:eu-west-1:123456789012:table/imgpipe-test-metadata"])
    error_message = "MetadataTable must be exactly dynamodb:PutItem/UpdateItem on the table."
  }
  assert {
    condition     = data.aws_iam_policy_document.this.statement[4].actions == toset(["kms:Decrypt", "kms:GenerateDataKey"]) && data.aws_iam_policy_document.this.statement[4].resources == toset(["arn:aws:kms:eu-west-1:123456789012:key/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0"])
    error_message = "UseKey must be exactly kms:Decrypt/GenerateDataKey on the key."
  }
  assert {
    condition     = data.aws_iam_policy_document.this.statement[5].actions == toset(["logs:CreateLogStream", "logs:PutLogEvents"]) && data.aws_iam_policy_document.this.statement[5].resources == toset(["arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/imgpipe-test-image-processor:*"])
    error_message = "WriteOwnLogs must be exactly logs:CreateLogStream/PutLogEvents on <own log group ARN>:*."
  }
  assert {
    condition     = data.aws_iam_policy_document.this.statement[6].actions == toset(["xray:PutTelemetryRecords", "xray:PutTraceSegments"]) && data.aws_iam_policy_document.this.statement[6].resources == toset(["*"])
    error_message = "XRayTraces must be exactly xray:PutTelemetryRecords/PutTraceSegments on *."
  }
  assert {
    condition     = aws_iam_role_policy.this.name == "imgpipe-test-image-processor-least-privilege"
    error_message = "The inline policy must be named <function_name>-least-privilege."
  }
  assert {
    condition     = aws_iam_role_policy.this.role == aws_iam_role.this.id && aws_iam_role_policy.this.role == "imgpipe-test-image-processor"
    error_message = "The inline policy must be attached to the module's role."
  }
}

# The role: named after the function, trusted only by lambda.amazonaws.com (sts:AssumeRole, no conditions),
# no permissions boundary by default.
run "role_trust_defaults" {
  command = plan

  assert {
    condition     = aws_iam_role.this.name == "imgpipe-test-image-processor"
    error_message = "The role must be named var.function_name."
  }
  assert {
    condition     = aws_iam_role.this.description == "Execution role of the imgpipe-test-image-processor Lambda function"
    error_message = "The role's description is wrong."
  }
  assert {
    condition     = aws_iam_role.this.permissions_boundary == null
    error_message = "No permissions boundary by default."
  }
  assert {
    condition     = length(data.aws_iam_policy_document.assume_role.statement) == 1
    error_message = "The trust policy must have exactly one statement."
  }
  assert {
    condition = alltrue([
      data.aws_iam_policy_document.assume_role.statement[0].sid == "LambdaAssumeRole",
      data.aws_iam_policy_document.assume_role.statement[0].effect == "Allow",
      data.aws_iam_policy_document.assume_role.statement[0].actions == toset(["sts:AssumeRole"]),
      length(coalesce(data.aws_iam_policy_document.assume_role.statement[0].not_actions, [])) == 0,
      length(data.aws_iam_policy_document.assume_role.statement[0].not_principals) == 0,
      length(data.aws_iam_policy_document.assume_role.statement[0].condition) == 0,
    ])
    error_message = "The trust statement must be exactly Allow sts:AssumeRole, without conditions."
  }
  assert {
    condition     = length(data.aws_iam_policy_document.assume_role.statement[0].principals) == 1 && one(data.aws_iam_policy_document.assume_role.statement[0].principals).type == "Service" && one(data.aws_iam_policy_document.assume_role.statement[0].principals).identifiers == toset(["lambda.amazonaws.com"])
    error_message = "Only the service principal lambda.amazonaws.com may assume the role."
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
    condition     = aws_iam_role.this.permissions_boundary == "arn:aws:iam::123456789012:policy/org/DeveloperBoundary"
    error_message = "permissions_boundary must be var.permissions_boundary_arn."
  }
  assert {
    condition     = aws_iam_role.this.name == "other-fn" && aws_iam_role_policy.this.name == "other-fn-least-privilege"
    error_message = "The role and its policy are named after var.function_name."
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

# An AWS managed policy is accepted as the permissions boundary.
run "aws_managed_permissions_boundary" {
  command = plan

  variables {
    permissions_boundary_arn = "arn:aws:iam::aws:policy/PowerUserAccess"
  }

  assert {
    condition     = aws_iam_role.this.permissions_boundary == "arn:aws:iam::aws:policy/PowerUserAccess"
    error_message = "permissions_boundary must be var.permissions_boundary_arn."
  }
}

# The documents are what is attached (applied: data sources that depend on new resources are read at apply):
# the trust document is the role's assume_role_policy, the least-privilege document its inline policy.
run "documents_attached" {
  command = apply

  assert {
    condition     = aws_iam_role.this.assume_role_policy == data.aws_iam_policy_document.assume_role.json && aws_iam_role.this.assume_role_policy == "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"LambdaAssumeRole\"}]}"
    error_message = "The role's trust policy must be the assume_role document."
  }
  assert {
    condition     = aws_iam_role_policy.this.policy == data.aws_iam_policy_document.this.json && aws_iam_role_policy.this.policy == "{\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"ReadUploads\"}]}"
    error_message = "The inline policy must be the least-privilege document."
  }
  assert {
    condition     = aws_iam_role_policy.this.role == aws_iam_role.this.id
    error_message = "The inline policy must be attached to the module's role."
  }
}
