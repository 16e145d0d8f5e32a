data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

data "aws_region" "current" {}

locals {
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition
  region     = data.aws_region.current.id # `name` is deprecated in provider 6, `region` absent in 5

  # Explicit actions instead of `kms:*`: administration and use of one symmetric encryption key, delegated to
  # IAM policies in this account. Nothing asymmetric, HMAC, imported-material or multi-Region.
  account_actions = [
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
  ]

  # `served`: the resources a statement is for; a statement with none is left out of the policy.
  service_statements = [
    # S3 event notifications into the SSE-KMS queue: S3 encrypts the message with this key.
    {
      sid     = "S3NotificationsToEncryptedQueue"
      service = "s3.amazonaws.com"
      actions = ["kms:Decrypt", "kms:GenerateDataKey"]
      served  = var.s3_source_bucket_arns
      conditions = [
        { test = "StringEquals", variable = "aws:SourceAccount", values = [local.account_id] },
        { test = "ArnEquals", variable = "aws:SourceArn", values = var.s3_source_bucket_arns },
      ]
    },
    # CloudWatch alarms publishing to the SSE-KMS alarm topic (without this, alarm actions fail silently).
    # Scoped to this account's alarms in this Region and to the named topics' encryption context. The publishing
    # service is the only principal an encrypted topic needs: SNS uses the key on the publisher's behalf, so no
    # statement for sns.amazonaws.com (that principal is only needed on the key of an encrypted SQS *subscriber*).
    {
      sid     = "CloudWatchAlarmsToEncryptedTopic"
      service = "cloudwatch.amazonaws.com"
      actions = ["kms:Decrypt", "kms:GenerateDataKey"]
      served  = var.alarm_topic_arns
      conditions = [
        { test = "ArnLike", variable = "aws:SourceArn", values = ["arn:${local.partition}:cloudwatch:${local.region}:${local.account_id}:alarm:*"] },
        { test = "StringEquals", variable = "kms:EncryptionContext:aws:sns:topicArn", values = var.alarm_topic_arns },
      ]
    },
    # CloudWatch Logs, for the encrypted log groups: only with the encryption context of the named groups.
    {
      sid     = "CloudWatchLogsForEncryptedLogGroups"
      service = "logs.${local.region}.amazonaws.com"
      actions = [
        "kms:Decrypt",
        "kms:DescribeKey",
        "kms:Encrypt",
        "kms:GenerateDataKey",
        "kms:GenerateDataKeyWithoutPlaintext",
        "kms:ReEncryptFrom",
        "kms:ReEncryptTo",
      ]
      served = var.log_group_arns
      conditions = [
        { test = "ArnEquals", variable = "kms:EncryptionContext:aws:logs:arn", values = var.log_group_arns },
      ]
    },
  ]
}

# In a key policy `Resource = "*"` means "this key": a key policy cannot name any other resource.
data "aws_iam_policy_document" "this" {
  #checkov:skip=CKV_AWS_111:Key policy: Resource "*" is the key itself; write access is limited to this account and the scoped service principals.
  #checkov:skip=CKV_AWS_356:Key policy: Resource "*" is the only value a key policy accepts (it means this key).
  statement {
    sid       = "AccountAdministrationThroughIam"
    effect    = "Allow"
    actions   = local.account_actions
    resources = ["*"]

    principals {
      type        = "AWS"
      identifiers = ["arn:${local.partition}:iam::${local.account_id}:root"]
    }
  }

  # The services that use the key for this account's encrypted resources, each only while it has resources here.
  dynamic "statement" {
    for_each = [for s in local.service_statements : s if length(s.served) > 0]

    content {
      sid       = statement.value.sid
      effect    = "Allow"
      actions   = statement.value.actions
      resources = ["*"]

      principals {
        type        = "Service"
        identifiers = [statement.value.service]
      }

      dynamic "condition" {
        for_each = statement.value.conditions

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_kms_key" "this" {
  description             = var.description
  enable_key_rotation     = true
  rotation_period_in_days = var.rotation_period_in_days
  deletion_window_in_days = var.deletion_window_in_days
  is_enabled              = true
  policy                  = data.aws_iam_policy_document.this.json

  tags = var.tags
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}
